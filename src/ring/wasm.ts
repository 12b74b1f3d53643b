/**
 * The WebAssembly ring kernels (built by `npm run build` from kernels-wat.mjs) and the grow-only
 * arena they work in. Operands are copied into the module's memory with TypedArray.set (a memcpy),
 * the kernel runs, the result is copied out; `Ring.data` never lives in WASM memory, so a
 * memory.grow can never detach a tensor. Element-wise ops stream in chunks that stay in L2.
 * The arena never shrinks: the largest matmul/transpose of the process sets its footprint
 * (about 5·n² words for an n×n product). Measured per call overhead ≈ 120 ns, so tiny tensors
 * pay ~2× what the BigInt loop costs (n ≤ 64): not worth a second code path.
 */
import { readFileSync } from 'node:fs';
import { ConcordError } from '../errors.js';

export type U64 = BigUint64Array;

interface KernelExports {
  memory: WebAssembly.Memory;
  add(a: number, b: number, o: number, n: number): void;
  sub(a: number, b: number, o: number, n: number): void;
  mul(a: number, b: number, o: number, n: number): void;
  xor(a: number, b: number, o: number, n: number): void;
  and(a: number, b: number, o: number, n: number): void;
  neg(a: number, o: number, n: number): void;
  not(a: number, o: number, n: number): void;
  scale(a: number, o: number, n: number, k: bigint): void;
  addScalar(a: number, o: number, n: number, k: bigint): void;
  shl(a: number, o: number, n: number, s: number): void;
  shr(a: number, o: number, n: number, s: number): void;
  sar(a: number, o: number, n: number, s: number): void;
  bit(a: number, o: number, n: number, s: number): void;
  matmul(a: number, b: number, c: number, n: number, k: number, m: number, ta: number, tb: number, ws: number): void;
  transpose(a: number, o: number, r: number, c: number): void;
  bitPlanes(a: number, o: number, words: number): void;
  bitWords(a: number, o: number, words: number): void;
  packBits(a: number, o: number, n: number, w: number, start: number): void;
  bitSpread(a: number, o: number, n: number): void;
  unpackBits(a: number, o: number, n: number, w: number, start: number): void;
  rowSum(a: number, o: number, r: number, c: number): void;
  colSum(a: number, o: number, r: number, c: number): void;
  rotDot(a: number, d: number, idx: number, o: number, r: number, c: number): void;
  beaver(c: number, e: number, y: number, a: number, f: number, o: number, n: number): void;
  beaverXor(c: number, e: number, y: number, a: number, f: number, o: number, n: number): void;
  addSub(a: number, b: number, c: number, o: number, n: number): void;
  replicated(u: number, d: number, x: number, y: number, xn: number, yn: number, o: number, n: number): void;
  replicatedXor(u: number, x: number, y: number, xn: number, yn: number, o: number, n: number): void;
  xorScalar(a: number, o: number, n: number, k: bigint): void;
  shrAnd(a: number, o: number, n: number, k: bigint, s: number): void;
  foldHalves(a: number, b: number, o: number, n: number, k: bigint, p: number, s: number): void;
  truncFinish(c: number, t: number, l: number, o: number, n: number, f: number, p: bigint): void;
  dpfLevel(gl: number, gr: number, s: number, tp: number, o: number, tc: number, cw: number, bits: number, e: number, n: number, levels: number, i: number): void;
  dpfGenLevel(l0: number, l1: number, r0: number, r1: number, s0: number, s1: number, t0: number, t1: number, alpha: number, cw: number, bits: number, e: number, depth: number, levels: number, i: number): void;
  dpfTweak(s: number, o: number, count: number, nb: number): void;
  dpfLeaves(h: number, x: number, t: number, cw: number, o: number, e: number, nodes: number, slots: number, p: number, nb: number): void;
}

function load(): KernelExports {
  const url = new URL('./kernels.wasm', import.meta.url);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(url));
  } catch (e) {
    throw new ConcordError('E_INTERNAL', `ring kernels missing at ${url.pathname}: run \`npm run build\` (or \`npm install\`) in the repository`, { cause: e });
  }
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as KernelExports;
}

const K = load();
const PAGE = 65536;
/** wasm32 addresses 4 GiB; keep a page of headroom so no offset wraps. */
const MAX_BYTES = 4 * 1024 ** 3 - PAGE;
/** Elements per operand per chunk: 3 operands × 256 KiB stay in L2 (measured best of 4K..256K). */
const CHUNK = 32768;

let view = new BigUint64Array(K.memory.buffer);

/** The arena as a BigUint64Array of at least `bytes` bytes (grows memory, refreshes the view). */
function arena(bytes: number, what: string): U64 {
  // Only this function grows the memory, so the cached view is current unless it grows here.
  if (bytes <= view.byteLength) return view;
  const have = K.memory.buffer.byteLength;
  if (bytes > have) {
    if (bytes > MAX_BYTES) {
      throw new ConcordError('E_RANGE', `${what} needs ${bytes} bytes of kernel memory, above the 4 GiB WebAssembly limit; split the tensor into smaller blocks`);
    }
    try {
      K.memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch (e) {
      throw new ConcordError('E_RANGE', `${what}: cannot grow kernel memory to ${bytes} bytes (${(e as Error).message}); split the tensor into smaller blocks`, { cause: e });
    }
  }
  if (view.buffer !== K.memory.buffer) view = new BigUint64Array(K.memory.buffer);
  return view;
}

/** Round an element count up to a 64-byte boundary (in elements). */
function align(elems: number): number {
  return Math.ceil(elems / 8) * 8;
}

type BinKernel = 'add' | 'sub' | 'mul' | 'xor' | 'and';
type UnKernel = 'neg' | 'not';
type ScalarKernel = 'scale' | 'addScalar' | 'xorScalar';
type ShiftKernel = 'shl' | 'shr' | 'sar' | 'bit';

/** out = a ∘ b element-wise (all three the same length). */
export function binary(op: BinKernel, a: U64, b: U64, out: U64): void {
  const n = out.length;
  const ch = Math.min(n, CHUNK);
  const bOff = align(ch);
  const v = arena(bOff * 16, op);
  const kernel = K[op];
  if (n <= CHUNK) {
    // One chunk: no subarray views of the operands (each view costs about as much as a small kernel).
    v.set(a, 0);
    v.set(b, bOff);
    kernel(0, bOff * 8, 0, n);
    out.set(v.subarray(0, n));
    return;
  }
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    v.set(a.subarray(off, off + len), 0);
    v.set(b.subarray(off, off + len), bOff);
    kernel(0, bOff * 8, 0, len);
    out.set(v.subarray(0, len), off);
  }
}

/**
 * out = parts[0] ∘ parts[1] ∘ … element-wise for ∘ = add or xor, in one pass: each chunk of
 * every part is copied into the arena once and folded into the accumulator there, so k parts
 * cost k + 1 copies and no intermediate tensor (a chain of binary() calls costs 3(k − 1)).
 * `out` may be one of the parts (it is written after they are read, chunk by chunk).
 */
export function fold(op: 'add' | 'xor', parts: readonly U64[], out: U64): void {
  const n = out.length;
  if (parts.length === 1) {
    if (parts[0] !== out) out.set(parts[0]!);
    return;
  }
  const ch = Math.min(n, CHUNK);
  const bOff = align(ch);
  const v = arena(bOff * 16, op);
  const kernel = K[op];
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    const whole = off === 0 && len === n;
    v.set(whole ? parts[0]! : parts[0]!.subarray(off, off + len), 0);
    for (let j = 1; j < parts.length; j++) {
      v.set(whole ? parts[j]! : parts[j]!.subarray(off, off + len), bOff);
      kernel(0, bOff * 8, 0, len);
    }
    out.set(whole ? v.subarray(0, n) : v.subarray(0, len), off);
  }
}

/** Elements per operand per chunk of the five-operand Beaver kernel: 5 × 128 KiB stay in L2. */
const BEAVER_CHUNK = CHUNK >> 1;

/** out = c + e·y + a·f element-wise (all the same length), or c ⊕ (e ∧ y) ⊕ (a ∧ f) for 'beaverXor': the Beaver combination in one pass. */
export function beaver(c: U64, e: U64, y: U64, a: U64, f: U64, out: U64, op: 'beaver' | 'beaverXor' = 'beaver'): void {
  const kernel = K[op];
  chunkedOperands(op, [c, e, y, a, f], out, (ch, len) => kernel(0, ch * 8, ch * 16, ch * 24, ch * 32, 0, len));
}

/** out = a + b − c element-wise (all the same length), in one pass. */
export function addSub(a: U64, b: U64, c: U64, out: U64): void {
  chunkedOperands('addSub', [a, b, c], out, (ch, len) => K.addSub(0, ch * 8, ch * 16, 0, len));
}

/** out = u − d + x·(y + yn) + xn·y element-wise (all the same length), in one pass: the replicated product's share. */
export function replicated(u: U64, d: U64, x: U64, y: U64, xn: U64, yn: U64, out: U64): void {
  chunkedOperands('replicated', [u, d, x, y, xn, yn], out, (ch, len) => K.replicated(0, ch * 8, ch * 16, ch * 24, ch * 32, ch * 40, 0, len));
}

/** out = u ⊕ x∧(y ⊕ yn) ⊕ xn∧y element-wise (all the same length; out may be u), in one pass: the replicated AND's share. */
export function replicatedXor(u: U64, x: U64, y: U64, xn: U64, yn: U64, out: U64): void {
  chunkedOperands('replicatedXor', [u, x, y, xn, yn], out, (ch, len) => K.replicatedXor(0, ch * 8, ch * 16, ch * 24, ch * 32, 0, len));
}

/**
 * Runs a kernel over operands of one length in chunks of BEAVER_CHUNK: chunk j of operand i is
 * copied to arena element i·ch (ch = the aligned chunk), `run(ch, len)` writes the result at 0.
 */
function chunkedOperands(what: string, ops: readonly U64[], out: U64, run: (ch: number, len: number) => void): void {
  const n = out.length;
  const ch = align(Math.min(n, BEAVER_CHUNK));
  const v = arena(ch * ops.length * 8, what);
  for (let off = 0; off < n; off += BEAVER_CHUNK) {
    const len = Math.min(BEAVER_CHUNK, n - off);
    const whole = off === 0 && len === n;
    ops.forEach((o, j) => v.set(whole ? o : o.subarray(off, off + len), j * ch));
    run(ch, len);
    out.set(whole ? v.subarray(0, n) : v.subarray(0, len), off);
  }
}

/**
 * out = ([t] − 2·cTop·[t] + p·cTop)·2^(63−f) − [l] + p·((c << 1) >> (f + 1) − 2^(62−f)) with
 * cTop = c >> 63 and p = 1 for `party0`: the local end of truncation (trunc.ts) in one pass.
 */
export function truncFinish(c: U64, t: U64, l: U64, f: number, party0: boolean, out: U64): void {
  const p = party0 ? -1n : 0n;
  chunkedOperands('truncFinish', [c, t, l], out, (ch, len) => K.truncFinish(0, ch * 8, ch * 16, 0, len, f, p));
}

/** Runs a one-operand kernel in place over chunks of `a` copied into the arena. */
function streamed(what: string, a: U64, out: U64, run: (len: number) => void): void {
  const n = out.length;
  const v = arena(Math.min(n, CHUNK) * 8, what);
  if (n <= CHUNK) {
    v.set(a, 0);
    run(n);
    out.set(v.subarray(0, n));
    return;
  }
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    v.set(a.subarray(off, off + len), 0);
    run(len);
    out.set(v.subarray(0, len), off);
  }
}

/** out = op(a) element-wise. */
export function unary(op: UnKernel, a: U64, out: U64): void {
  const kernel = K[op];
  streamed(op, a, out, (len) => kernel(0, 0, len));
}

/** out = a·k or a + k element-wise (k reduced mod 2^64). */
export function scalar(op: ScalarKernel, a: U64, k: bigint, out: U64): void {
  const kernel = K[op];
  const kk = BigInt.asIntN(64, k);
  streamed(op, a, out, (len) => kernel(0, 0, len, kk));
}

/** out = (a >> s) & k element-wise (0 ≤ s ≤ 63). */
export function shrAnd(a: U64, s: number, k: bigint, out: U64): void {
  const kk = BigInt.asIntN(64, k);
  streamed('shrAnd', a, out, (len) => K.shrAnd(0, 0, len, kk, s));
}

/**
 * out[i] = ((a[i] >> p) & k) ^ (((a[h + i] >> p) & k) << s) for i < h = out.length, where
 * a.length ≤ 2h and missing a[h + i] count as 0: the second half of the words folded onto the
 * first, one pass instead of a shift, two masks, a pad, a shift and an XOR.
 */
export function foldHalves(a: U64, k: bigint, p: number, s: number, out: U64): void {
  const h = out.length;
  const ch = Math.min(h, CHUNK);
  const bOff = align(ch);
  const v = arena(bOff * 16, 'foldHalves');
  const kk = BigInt.asIntN(64, k);
  for (let off = 0; off < h; off += CHUNK) {
    const len = Math.min(CHUNK, h - off);
    v.set(a.subarray(off, off + len), 0);
    const hiEnd = Math.min(a.length, h + off + len);
    const hiLen = Math.max(0, hiEnd - (h + off));
    if (hiLen > 0) v.set(a.subarray(h + off, hiEnd), bOff);
    if (hiLen < len) v.fill(0n, bOff + hiLen, bOff + len);
    K.foldHalves(0, bOff * 8, 0, len, kk, p, s);
    out.set(v.subarray(0, len), off);
  }
}

/** out = a shifted by s bits (0 ≤ s ≤ 63), or bit s of a for 'bit'. */
export function shift(op: ShiftKernel, a: U64, s: number, out: U64): void {
  const kernel = K[op];
  streamed(op, a, out, (len) => kernel(0, 0, len, s));
}

/**
 * out (n×m) = op(A)·op(B), op(A) n×k (A stored k×n if transA), op(B) k×m (B stored m×k if transB).
 * Packing into the micro-kernel layout happens inside the module (O(nk + km) work).
 */
export function matmul(a: U64, b: U64, out: U64, n: number, k: number, m: number, transA: boolean, transB: boolean): void {
  const aOff = 0;
  const bOff = align(n * k);
  const cOff = bOff + align(k * m);
  const ws = cOff + align(n * m);
  // Packed panels pad n and m up to the micro-kernel tile (≤ 8), plus one tile.
  const wsElems = (n + 8) * k + (m + 8) * k + 64;
  const v = arena((ws + wsElems) * 8, `matmul ${n}×${k}·${k}×${m}`);
  v.set(a, aOff);
  v.set(b, bOff);
  K.matmul(aOff * 8, bOff * 8, cOff * 8, n, k, m, transA ? 1 : 0, transB ? 1 : 0, ws * 8);
  out.set(v.subarray(cOff, cOff + n * m));
}

function twoOperand(what: string, a: U64, outLen: number, run: (o: number) => void, out: U64): void {
  const o = align(a.length);
  const v = arena((o + outLen) * 8, what);
  v.set(a, 0);
  run(o * 8);
  out.set(v.subarray(o, o + outLen));
}

/** out (c×r) = transpose of a (r×c). */
export function transpose(a: U64, out: U64, r: number, c: number): void {
  twoOperand('transpose', a, r * c, (o) => K.transpose(0, o, r, c), out);
}

/**
 * out ([nbits, words], words = ⌈a.length/64⌉) = the bit planes of a: row k holds bit k of every
 * element, element i at bit i mod 64 of word ⌊i/64⌋ (padding bits 0). nbits ≤ 64.
 */
export function bitPlanes(a: U64, nbits: number, out: U64): void {
  const words = Math.ceil(a.length / 64);
  if (!(nbits >= 0 && nbits <= 64) || out.length !== nbits * words) throw new ConcordError('E_SHAPE', `bitPlanes: ${nbits} planes of ${words} words do not fit ${out.length} elements`);
  // The kernel takes blocks two at a time: rows of an even number of words in the arena.
  const even = words + (words & 1), o = 64 * even;
  const v = arena(2 * o * 8, 'bitPlanes');
  v.set(a, 0);
  v.fill(0n, a.length, o);
  K.bitPlanes(0, o * 8, even);
  if (even === words) out.set(v.subarray(o, o + nbits * words));
  else for (let k = 0; k < nbits; k++) out.set(v.subarray(o + k * even, o + k * even + words), k * words);
}

/** Inverse of bitPlanes: out[i] (i < out.length) has bit k = bit i of plane k, for the rows (≤ 64) of `planes` ([rows, ⌈out.length/64⌉]); higher bits 0. */
export function bitWords(planes: U64, rows: number, out: U64): void {
  const words = Math.ceil(out.length / 64);
  if (!(rows >= 0 && rows <= 64) || planes.length !== rows * words) throw new ConcordError('E_SHAPE', `bitWords: ${planes.length} plane words are not ${rows} planes of ${words} words`);
  const even = words + (words & 1), o = 64 * even;
  const v = arena(2 * o * 8, 'bitWords');
  if (even === words) v.set(planes, 0);
  else {
    for (let k = 0; k < rows; k++) {
      v.set(planes.subarray(k * words, (k + 1) * words), k * even);
      v[k * even + words] = 0n;
    }
  }
  v.fill(0n, rows * even, o);
  K.bitWords(0, o * 8, even);
  out.set(v.subarray(o, o + out.length));
}

/** out ([rows, count]) = the bits of each plane of `planes` ([rows, ⌈count/64⌉]) as 0/1 words: element (k, i) = bit i of plane k. */
export function bitSpread(planes: U64, rows: number, count: number, out: U64): void {
  const words = Math.ceil(count / 64);
  if (planes.length !== rows * words || out.length !== rows * count) throw new ConcordError('E_SHAPE', `bitSpread: ${planes.length} plane words are not ${rows} planes of ${count} bits`);
  const oOff = align(words);
  const v = arena((oOff + count) * 8, 'bitSpread');
  for (let k = 0; k < rows; k++) {
    v.set(planes.subarray(k * words, (k + 1) * words), 0);
    K.bitSpread(0, oOff * 8, count);
    out.set(v.subarray(oOff, oOff + count), k * count);
  }
}

/** Bits of a packed stream of rows cut to widths (each 0..64); the kernels address bits with 32-bit integers. */
function packedBits(widths: readonly number[], count: number): number {
  for (const w of widths) if (!Number.isInteger(w) || w < 0 || w > 64) throw new ConcordError('E_RANGE', `packed rows: width ${w} outside 0..64`);
  const total = widths.reduce((a, w) => a + w, 0) * count;
  if (total >= 2 ** 31) throw new ConcordError('E_RANGE', `packed rows: ${total} bits exceed one packed message (2^31 bits); pack fewer elements at a time`);
  return total;
}

/**
 * The rows of r ([widths.length, count] words) cut to widths[k] bits (0..64) per element, as one
 * little-endian bit stream, rows one after another: ⌈Σ widths · count / 8⌉ bytes.
 */
export function packBits(r: U64, widths: readonly number[], count: number): Uint8Array {
  const total = packedBits(widths, count);
  if (r.length !== widths.length * count) throw new ConcordError('E_SHAPE', `packBits: ${r.length} words are not ${widths.length} rows of ${count}`);
  const oOff = align(r.length), words = Math.ceil(total / 64);
  const v = arena((oOff + words + 1) * 8, 'packBits');
  v.set(r, 0);
  let start = 0;
  widths.forEach((w, k) => {
    if (w > 0) K.packBits(k * count * 8, oOff * 8, count, w, start);
    start += w * count;
  });
  return new Uint8Array(v.buffer, oOff * 8, Math.ceil(total / 8)).slice();
}

/** Inverse of packBits into out ([widths.length, count] words): element (k, i) mod 2^widths[k]. */
export function unpackBits(bytes: Uint8Array, widths: readonly number[], count: number, out: U64): void {
  const total = packedBits(widths, count);
  if (bytes.length !== Math.ceil(total / 8) || out.length !== widths.length * count) throw new ConcordError('E_SHAPE', `unpackBits: ${bytes.length} bytes into ${out.length} words do not fit ${widths.length} rows of ${count}`);
  const words = Math.ceil(bytes.length / 8), oOff = align(words + 1);
  const v = arena((oOff + out.length) * 8, 'unpackBits');
  const b = new Uint8Array(v.buffer, 0, (words + 1) * 8);
  b.set(bytes);
  b.fill(0, bytes.length);
  let start = 0;
  widths.forEach((w, k) => {
    if (w > 0) K.unpackBits(0, (oOff + k * count) * 8, count, w, start);
    else v.fill(0n, oOff + k * count, oOff + (k + 1) * count);
    start += w * count;
  });
  out.set(v.subarray(oOff, oOff + out.length));
}

/** out[i] = Σ_j a[i][j] for a r×c. */
export function rowSum(a: U64, out: U64, r: number, c: number): void {
  twoOperand('sum', a, r, (o) => K.rowSum(0, o, r, c), out);
}

/** out[j] = Σ_i a[i][j] for a r×c. */
export function colSum(a: U64, out: U64, r: number, c: number): void {
  twoOperand('sum', a, c, (o) => K.colSum(0, o, r, c), out);
}

/**
 * out[i] = Σ_j a[i·c + j]·d[c − idx[i] + j] for a r×c, d of 2c words and 0 ≤ idx[i] < c: each
 * row's dot product with the table rotated by idx[i] (d holds the table doubled, index-reversed).
 */
export function rotDot(a: U64, d: U64, idx: Int32Array, out: U64, r: number, c: number): void {
  if (d.length !== 2 * c || idx.length !== r || a.length !== r * c || out.length !== r) throw new ConcordError('E_SHAPE', 'rotDot: operand lengths do not fit r×c');
  for (let i = 0; i < r; i++) if (!(idx[i]! >= 0 && idx[i]! < c)) throw new ConcordError('E_RANGE', `rotDot: rotation ${idx[i]} outside 0..${c - 1}`);
  // Rows in chunks of about CHUNK words: a's chunk, the table, the chunk's indices and outputs.
  const rows = Math.max(1, Math.min(r, Math.floor(CHUNK / c)));
  const dOff = align(rows * c), iOff = dOff + align(2 * c), oOff = iOff + align(Math.ceil(rows / 2));
  const v = arena((oOff + align(rows)) * 8, 'rotDot');
  v.set(d, dOff);
  const iv = new Int32Array(v.buffer, iOff * 8, rows);
  for (let start = 0; start < r; start += rows) {
    const n = Math.min(rows, r - start);
    v.set(a.subarray(start * c, (start + n) * c), 0);
    iv.set(idx.subarray(start, start + n));
    K.rotDot(0, dOff * 8, iOff * 8, oOff * 8, n, c);
    out.set(v.subarray(oOff, oOff + n), start);
  }
}

/** Byte offsets of consecutive regions in the arena, each 16-byte aligned. */
function layout(sizes: number[]): number[] {
  const offs: number[] = [];
  let at = 0;
  for (const n of sizes) {
    offs.push(at);
    at += Math.ceil(n / 16) * 16;
  }
  offs.push(at);
  return offs;
}

/** AES of every 16-byte block of `input` under a DPF's fixed key k (0, 1: G's left and right; 2: Convert's), written to `out`. */
export type DpfAes = (k: 0 | 1 | 2, input: Uint8Array, out: Uint8Array) => void;

/** A DPF's shape: tree levels, slots per terminal node (2^(depth − levels)), payloads, Convert blocks per node. */
export interface DpfShape {
  levels: number;
  slots: number;
  payloads: number;
  blocks: number;
}

/**
 * Full-domain evaluation of `e` DPF keys in the arena (protocols/offline/hm/dpf.ts): per tree level
 * the AES of every seed under G's keys (`aes`, written straight into the arena), then the
 * dpfLevel kernel; at the terminal nodes Convert's tweaked inputs (dpfTweak), their AES, and the
 * dpfLeaves kernel (comments in kernels-wat.mjs). `seedCW` (16 bytes per key and level), `bitCW`
 * (1 per key and level) and `finals` (8·payloads·slots per key) are the keys' public parts,
 * `roots` their seeds, `b` the holder. Writes Y_p (e·2^depth words) into out[p] from word `at`.
 */
export function dpfFullDomain(roots: Uint8Array, b: 0 | 1, seedCW: Uint8Array, bitCW: Uint8Array, finals: Uint8Array, e: number, g: DpfShape, aes: DpfAes, out: U64[], at: number): void {
  const { levels, slots, payloads: p, blocks: nb } = g;
  const nodes = 2 ** levels, leaves = e * nodes * slots, top = e * nodes;
  if (roots.length !== 16 * e || seedCW.length !== 16 * e * levels || bitCW.length !== e * levels || finals.length !== 8 * e * p * slots || 2 * nb < p * slots || slots % 2 !== 0 || out.length !== p || out.some((o) => o.length < at + leaves)) throw new ConcordError('E_SHAPE', 'dpfFullDomain: operand lengths do not fit the keys');
  const [sA, sB, gl, tA, tB, x0, h0, cw0, bits0, fin0, out0, end] = layout([16 * top, 16 * top, 16 * top, top, top, 16 * nb * top, 16 * nb * top, seedCW.length, bitCW.length, finals.length, 8 * p * leaves]) as [number, number, number, number, number, number, number, number, number, number, number, number];
  const mem = new Uint8Array(arena(end, 'dpf').buffer); // grown once: the views below stay valid
  mem.set(roots, sA);
  mem.fill(b, tA, tA + e);
  mem.set(seedCW, cw0);
  mem.set(bitCW, bits0);
  mem.set(finals, fin0);
  let [s, sn, t, tn] = [sA, sB, tA, tB];
  for (let i = 0, n = 1; i < levels; i++, n *= 2) {
    const seeds = mem.subarray(s, s + 16 * e * n);
    aes(0, seeds, mem.subarray(gl, gl + 16 * e * n));
    aes(1, seeds, mem.subarray(gl + 16 * e * n, gl + 32 * e * n));
    K.dpfLevel(gl, gl + 16 * e * n, s, t, sn, tn, cw0, bits0, e, n, levels, i);
    [s, sn, t, tn] = [sn, s, tn, t];
  }
  K.dpfTweak(s, x0, top, nb);
  aes(2, mem.subarray(x0, x0 + 16 * nb * top), mem.subarray(h0, h0 + 16 * nb * top));
  K.dpfLeaves(h0, x0, t, fin0, out0, e, nodes, slots, p, nb);
  const words = new BigUint64Array(mem.buffer, out0, p * leaves);
  for (let q = 0; q < p; q++) out[q]!.set(words.subarray(q * leaves, (q + 1) * leaves), at);
}

/**
 * The tree walk of DPF key generation (protocols/offline/hm/dpf.ts, dpfGen) for e points in the
 * arena: per level the AES of both holders' seeds under G's keys (`aes`), then the dpfGenLevel
 * kernel; at the terminal node on α's path both holders' Convert words (dpfTweak, Convert's AES
 * and the feed-forward XOR: 2·blocks words per point). Returns the seed and control-bit
 * corrections (point-major, `levels` per point), both Convert arrays, and holder 1's control bits.
 */
export function dpfGenTree(roots0: Uint8Array, roots1: Uint8Array, alpha: Uint32Array, depth: number, levels: number, blocks: number, aes: DpfAes): { seedCW: Uint8Array; bitCW: Uint8Array; conv0: U64; conv1: U64; t1: Uint8Array } {
  const e = alpha.length, words = 2 * blocks * e;
  if (roots0.length !== 16 * e || roots1.length !== 16 * e || levels > depth) throw new ConcordError('E_SHAPE', 'dpfGenTree: operand lengths do not fit the points');
  const [l0, l1, r0, r1, s0, s1, t0, t1, a0, cw0, bits0, x0, h0, end] = layout([16 * e, 16 * e, 16 * e, 16 * e, 16 * e, 16 * e, e, e, 4 * e, 16 * e * levels, e * levels, 8 * words, 8 * words]) as number[] as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const mem = new Uint8Array(arena(end, 'dpf').buffer);
  mem.set(roots0, s0);
  mem.set(roots1, s1);
  mem.fill(0, t0, t0 + e);
  mem.fill(1, t1, t1 + e);
  mem.set(new Uint8Array(alpha.buffer, alpha.byteOffset, alpha.byteLength), a0);
  for (let i = 0; i < levels; i++) {
    const h0s = mem.subarray(s0, s0 + 16 * e), h1s = mem.subarray(s1, s1 + 16 * e);
    aes(0, h0s, mem.subarray(l0, l0 + 16 * e));
    aes(0, h1s, mem.subarray(l1, l1 + 16 * e));
    aes(1, h0s, mem.subarray(r0, r0 + 16 * e));
    aes(1, h1s, mem.subarray(r1, r1 + 16 * e));
    K.dpfGenLevel(l0, l1, r0, r1, s0, s1, t0, t1, a0, cw0, bits0, e, depth, levels, i);
  }
  const convert = (seeds: number): U64 => {
    K.dpfTweak(seeds, x0, e, blocks);
    aes(2, mem.subarray(x0, x0 + 8 * words), mem.subarray(h0, h0 + 8 * words));
    K.xor(h0, x0, h0, words);
    return new BigUint64Array(mem.slice(h0, h0 + 8 * words).buffer);
  };
  return { seedCW: mem.slice(cw0, cw0 + 16 * e * levels), bitCW: mem.slice(bits0, bits0 + e * levels), conv0: convert(s0), conv1: convert(s1), t1: mem.slice(t1, t1 + e) };
}
