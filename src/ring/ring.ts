import { ConcordError } from '../errors.js';
import * as W from './wasm.js';

/** A tensor shape: [len] or [rows, cols]. */
export type Shape = readonly number[];

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let s = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ConcordError('E_SHAPE', `invalid shape [${shape.join(', ')}]: dimensions must be non-negative integers`);
    s *= d;
  }
  return s;
}

function shapeStr(shape: Shape): string {
  return `[${shape.join('×')}]`;
}

/** True if two shapes are identical. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Elements below which a tensor is carved from a shared slab (4 KiB, Buffer's own pool threshold). */
const SLAB_BELOW = 512;
/** Words per slab of small tensors (64 KiB). */
const SLAB_WORDS = 8192;
let slab = new BigUint64Array(SLAB_WORDS);
let slabAt = 0;

/**
 * n < SLAB_BELOW zeroed words as a view of a shared slab, never handed out twice: a small
 * BigUint64Array of its own costs an ArrayBuffer allocation and its external-memory bookkeeping
 * (≈ 0.8 µs, and garbage collections), which hm's per-item tensors of 64 words paid seven times a
 * product. A live view keeps its 64 KiB slab alive, and its neighbours share its ArrayBuffer: code
 * must view a tensor's data through its byteOffset and length, never `data.buffer` from 0.
 */
function smallWords(n: number): BigUint64Array {
  if (slabAt + n > SLAB_WORDS) {
    slab = new BigUint64Array(SLAB_WORDS);
    slabAt = 0;
  }
  const v = slab.subarray(slabAt, slabAt + n);
  slabAt += n;
  return v;
}

/**
 * A word array of n elements with unspecified contents, ONLY for an output every element of
 * which is written before anything reads it. Measured: a zeroed 8 MiB BigUint64Array costs
 * 1.7 ms (calloc's memset and faults), Buffer.allocUnsafeSlow 0.28 ms, and hm's ltz spent 8% of
 * a party's CPU in zeroing outputs that the kernels then overwrite.
 */
function uninit(n: number): BigUint64Array {
  if (n < SLAB_BELOW) return smallWords(n);
  const b = Buffer.allocUnsafeSlow(n * 8);
  return new BigUint64Array(b.buffer, b.byteOffset, n);
}

/** A tensor whose elements are unspecified until written: for outputs written whole (see uninit). */
export function outputRing(shape: Shape): Ring {
  return new Ring(shape, uninit(sizeOf(shape)));
}

/** Throws E_SHAPE unless the shapes are identical. */
export function assertSameShape(a: Shape, b: Shape, op: string): void {
  if (!sameShape(a, b)) throw new ConcordError('E_SHAPE', `${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} differ`);
}

/**
 * A tensor over Z_2^64: a shape and a row-major BigUint64Array.
 * Values are plain ring elements; shares and secrets wrap this type, they are not this type.
 * Every operation returns a new tensor; `data` may be shared by views only where documented.
 * Small tensors are views of a shared slab (smallWords): view `data` through its byteOffset.
 * Arithmetic runs in the WebAssembly kernels of wasm.ts; reference.ts holds the BigInt
 * definitions the tests compare them against.
 */
export class Ring {
  readonly shape: Shape;
  readonly data: BigUint64Array;

  constructor(shape: Shape, data?: BigUint64Array) {
    const n = sizeOf(shape);
    if (data !== undefined && data.length !== n) {
      throw new ConcordError('E_SHAPE', `Ring: shape ${shapeStr(shape)} needs ${n} elements, got ${data.length}`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data ?? (n < SLAB_BELOW ? smallWords(n) : new BigUint64Array(n));
  }

  /** All-zero tensor. */
  static zeros(shape: Shape): Ring {
    return new Ring(shape);
  }

  /** Tensor from bigint (reduced mod 2^64) or safe-integer values. */
  static from(values: ArrayLike<bigint | number>, shape?: Shape): Ring {
    const out = new Ring(shape ?? [values.length]);
    if (out.size !== values.length) throw new ConcordError('E_SHAPE', `Ring.from: ${values.length} values do not fill shape ${shapeStr(out.shape)}`);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      out.data[i] = BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(v));
    }
    return out;
  }

  /** Tensor filled with one value. */
  static fill(shape: Shape, value: bigint): Ring {
    const out = new Ring(shape);
    out.data.fill(BigInt.asUintN(64, value));
    return out;
  }

  get size(): number {
    return this.data.length;
  }
  get rows(): number {
    return this.shape.length === 2 ? this.shape[0]! : 1;
  }
  get cols(): number {
    return this.shape.length === 2 ? this.shape[1]! : this.shape[0] ?? 1;
  }

  private binary(b: Ring, op: 'add' | 'sub' | 'mul' | 'xor' | 'and'): Ring {
    assertSameShape(this.shape, b.shape, op);
    const out = outputRing(this.shape);
    W.binary(op, this.data, b.data, out.data);
    return out;
  }
  private unary(run: (a: W.U64, o: W.U64) => void): Ring {
    const out = outputRing(this.shape);
    run(this.data, out.data);
    return out;
  }

  /**
   * Σ parts ('add', mod 2^64) or ⊕ parts ('xor') element-wise in one pass, written into `out`
   * (a new tensor if omitted; it may be a view, e.g. a window of a larger tensor, or one of the
   * parts). Cheaper than a chain of add/xor calls: no intermediate tensor, k + 1 copies for k parts.
   */
  static combine(op: 'add' | 'xor', parts: readonly Ring[], out?: Ring): Ring {
    if (parts.length === 0) throw new ConcordError('E_SHAPE', `combine (${op}) of no tensors`);
    const first = parts[0]!;
    for (const p of parts) if (p.size !== first.size) assertSameShape(first.shape, p.shape, op);
    const o = out ?? outputRing(first.shape);
    if (o.size !== first.size) assertSameShape(first.shape, o.shape, op);
    W.fold(op, parts.map((p) => p.data), o.data);
    return o;
  }

  /**
   * c + e·y + a·f element-wise in one pass (the Beaver combination, protocols/arithmetic/beaver.ts):
   * one new tensor instead of four, every operand read once. All five of one shape. With op
   * 'xor' the same over bits: c ⊕ (e ∧ y) ⊕ (a ∧ f) (protocols/binary/and.ts).
   */
  static beaver(c: Ring, e: Ring, y: Ring, a: Ring, f: Ring, op: 'add' | 'xor' = 'add'): Ring {
    for (const [t, name] of [[e, 'e'], [y, 'y'], [a, 'a'], [f, 'f']] as const) assertSameShape(c.shape, t.shape, `beaver (${name})`);
    const out = outputRing(c.shape);
    W.beaver(c.data, e.data, y.data, a.data, f.data, out.data, op === 'add' ? 'beaver' : 'beaverXor');
    return out;
  }

  /** a + b − c element-wise in one pass (a share re-randomized by a zero-sharing b − c). All three of one shape. */
  static addSub(a: Ring, b: Ring, c: Ring): Ring {
    assertSameShape(a.shape, b.shape, 'addSub (b)');
    assertSameShape(a.shape, c.shape, 'addSub (c)');
    const out = outputRing(a.shape);
    W.addSub(a.data, b.data, c.data, out.data);
    return out;
  }

  /**
   * u − d + x·(y + yn) + xn·y element-wise in one pass: a party's share of the replicated
   * product (protocols/arithmetic/replicated-product.ts) with its zero-sharing u − d. All six of one shape.
   */
  static replicated(u: Ring, d: Ring, x: Ring, y: Ring, xn: Ring, yn: Ring): Ring {
    for (const [t, name] of [[d, 'd'], [x, 'x'], [y, 'y'], [xn, 'xn'], [yn, 'yn']] as const) assertSameShape(u.shape, t.shape, `replicated (${name})`);
    const out = outputRing(u.shape);
    W.replicated(u.data, d.data, x.data, y.data, xn.data, yn.data, out.data);
    return out;
  }

  /**
   * u ⊕ x∧(y ⊕ yn) ⊕ xn∧y element-wise in one pass: a party's share of the replicated AND
   * (protocols/arithmetic/replicated-product.ts, protocols/offline/hm/rep-and.ts) with its XOR
   * zero-sharing u, written into `out` (a new tensor if omitted; may be u). All of one shape.
   */
  static replicatedXor(u: Ring, x: Ring, y: Ring, xn: Ring, yn: Ring, out?: Ring): Ring {
    for (const [t, name] of [[x, 'x'], [y, 'y'], [xn, 'xn'], [yn, 'yn']] as const) assertSameShape(u.shape, t.shape, `replicatedXor (${name})`);
    if (out) assertSameShape(u.shape, out.shape, 'replicatedXor (out)');
    const o = out ?? outputRing(u.shape);
    W.replicatedXor(u.data, x.data, y.data, xn.data, yn.data, o.data);
    return o;
  }

  /**
   * The local end of probabilistic truncation by f bits (protocols/arithmetic/trunc.ts) once
   * c = x + 2^62 + r is public, in one pass: with cTop = c >> 63 and p = 1 for party 0,
   * ([rTop] − 2·cTop·[rTop] + p·cTop)·2^(63−f) − [rLowShifted] + p·((c << 1) >> (f + 1) − 2^(62−f)).
   */
  static truncFinish(c: Ring, rTop: Ring, rLowShifted: Ring, f: number, party0: boolean): Ring {
    assertSameShape(c.shape, rTop.shape, 'truncFinish (rTop)');
    assertSameShape(c.shape, rLowShifted.shape, 'truncFinish (rLowShifted)');
    if (!Number.isInteger(f) || f < 1 || f > 62) throw new ConcordError('E_RANGE', `truncFinish: f=${f} outside 1..62`);
    const out = outputRing(c.shape);
    W.truncFinish(c.data, rTop.data, rLowShifted.data, f, party0, out.data);
    return out;
  }

  /** Element-wise sum mod 2^64. */
  add(b: Ring): Ring { return this.binary(b, 'add'); }
  /** Element-wise difference mod 2^64. */
  sub(b: Ring): Ring { return this.binary(b, 'sub'); }
  /** Element-wise product mod 2^64. */
  mul(b: Ring): Ring { return this.binary(b, 'mul'); }
  /** Element-wise XOR. */
  xor(b: Ring): Ring { return this.binary(b, 'xor'); }
  /** Element-wise AND. */
  and(b: Ring): Ring { return this.binary(b, 'and'); }
  /** Element-wise NOT. */
  not(): Ring { return this.unary((a, o) => W.unary('not', a, o)); }
  /** Additive inverse. */
  neg(): Ring { return this.unary((a, o) => W.unary('neg', a, o)); }
  /** Multiply every element by a public scalar. */
  scale(k: bigint): Ring { return this.unary((a, o) => W.scalar('scale', a, k, o)); }
  /** Add a public scalar to every element. */
  addScalar(k: bigint): Ring { return this.unary((a, o) => W.scalar('addScalar', a, k, o)); }
  /** XOR every element with a public word. */
  xorScalar(k: bigint): Ring { return this.unary((a, o) => W.scalar('xorScalar', a, k, o)); }
  /** AND every element with a public word. */
  andScalar(k: bigint): Ring { return this.unary((a, o) => W.shrAnd(a, 0, k, o)); }
  /** (x >> s) & k for every element: a bit field (0 ≤ s < 64). */
  shrAnd(s: number, k: bigint): Ring { checkShift(s); return this.unary((a, o) => W.shrAnd(a, s, k, o)); }

  /**
   * Bit-sliced packing of a 1-D tensor of n words into h = ⌈n/2⌉:
   * out[i] = ((x[i] >> p) & k) ^ (((x[h + i] >> p) & k) << s), x[h + i] = 0 past the end.
   */
  foldHalves(k: bigint, p: number, s: number): Ring {
    checkShift(p);
    checkShift(s);
    const out = outputRing([Math.ceil(this.size / 2)]);
    W.foldHalves(this.data, k, p, s, out.data);
    return out;
  }

  /**
   * Inverse of foldHalves(k, 0, s) for lanes k: `len` words (h = this.size ≥ len/2), the first h
   * are x[i] & k, the rest (x[i] >> s) & k.
   */
  unfoldHalves(k: bigint, s: number, len: number): Ring {
    checkShift(s);
    const h = this.size;
    if (!(Number.isInteger(len) && h <= len && len <= 2 * h)) throw new ConcordError('E_SHAPE', `unfoldHalves: ${len} words from ${h} needs ${h} ≤ len ≤ ${2 * h}`);
    const out = outputRing([len]);
    W.shrAnd(this.data, 0, k, out.data.subarray(0, h));
    W.shrAnd(this.data.subarray(0, len - h), s, k, out.data.subarray(h));
    return out;
  }
  /** Left shift by k bits (0 ≤ k < 64). */
  shl(k: number): Ring { checkShift(k); return this.unary((a, o) => W.shift('shl', a, k, o)); }
  /** Logical right shift by k bits. */
  shr(k: number): Ring { checkShift(k); return this.unary((a, o) => W.shift('shr', a, k, o)); }
  /** Arithmetic (sign-extending) right shift by k bits, reading elements as two's complement. */
  sar(k: number): Ring { checkShift(k); return this.unary((a, o) => W.shift('sar', a, k, o)); }
  /** Bit i of every element, as a 0/1 tensor. */
  bit(i: number): Ring { checkShift(i); return this.unary((a, o) => W.shift('bit', a, i, o)); }

  /**
   * Matrix product op(this) · op(b) of 2-D tensors; `transA`/`transB` use the transpose of an
   * operand without materialising it. A 1-D operand is not accepted: reshape explicitly.
   */
  matmul(b: Ring, opts: { transA?: boolean; transB?: boolean } = {}): Ring {
    if (this.shape.length !== 2 || b.shape.length !== 2) {
      throw new ConcordError('E_SHAPE', `matmul needs 2-D operands, got ${shapeStr(this.shape)} and ${shapeStr(b.shape)}`);
    }
    const tA = opts.transA ?? false;
    const tB = opts.transB ?? false;
    const [n, k] = tA ? [this.shape[1]!, this.shape[0]!] : [this.shape[0]!, this.shape[1]!];
    const [k2, m] = tB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (k !== k2) {
      throw new ConcordError('E_SHAPE', `matmul: inner dimensions differ (${shapeStr(this.shape)}${tA ? 'ᵀ' : ''} · ${shapeStr(b.shape)}${tB ? 'ᵀ' : ''})`);
    }
    const out = outputRing([n, m]);
    W.matmul(this.data, b.data, out.data, n, k, m, tA, tB);
    return out;
  }

  /** Sum along an axis of a 2-D tensor (axis 0: column sums [cols]; axis 1: row sums [rows]); 1-D: total as [1]. */
  sum(axis?: 0 | 1): Ring {
    if (this.shape.length === 1 || axis === undefined) {
      const out = new Ring([1]);
      W.rowSum(this.data, out.data, 1, this.size);
      return out;
    }
    const [r, c] = this.shape as [number, number];
    const out = new Ring([axis === 0 ? c : r]);
    if (axis === 0) W.colSum(this.data, out.data, r, c);
    else W.rowSum(this.data, out.data, r, c);
    return out;
  }

  /**
   * [rows]: row i's dot product with a table rotated by idx[i], T[(idx[i] − j) mod cols] for
   * column j, where `doubled` holds D[k] = T[(−k) mod cols] for k < 2·cols (a 2-D tensor).
   */
  rotDot(doubled: BigUint64Array, idx: Int32Array): Ring {
    const [r, c] = this.shape as [number, number];
    const out = new Ring([r]);
    W.rotDot(this.data, doubled, idx, out.data, r, c);
    return out;
  }

  /** Rows [start, end) of a 2-D tensor, or elements [start, end) of a 1-D tensor (copy). */
  slice(start: number, end: number): Ring {
    const rows = this.shape[0]!;
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= rows)) {
      throw new ConcordError('E_SHAPE', `slice [${start}, ${end}) out of bounds for ${shapeStr(this.shape)}`);
    }
    const w = this.shape.length === 2 ? this.shape[1]! : 1;
    const shape = this.shape.length === 2 ? [end - start, w] : [end - start];
    return new Ring(shape, this.data.slice(start * w, end * w));
  }

  /** Gather rows of a 2-D tensor (or elements of a 1-D tensor) by index. */
  gather(indices: ArrayLike<number>): Ring {
    const w = this.shape.length === 2 ? this.shape[1]! : 1;
    const rows = this.shape[0]!;
    const out = new Ring(this.shape.length === 2 ? [indices.length, w] : [indices.length]);
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i]!;
      if (!(Number.isInteger(r) && r >= 0 && r < rows)) throw new ConcordError('E_SHAPE', `gather: index ${r} out of bounds for ${shapeStr(this.shape)}`);
      out.data.set(this.data.subarray(r * w, r * w + w), i * w);
    }
    return out;
  }

  /** Columns [start, end) of a 2-D tensor (copy). */
  sliceCols(start: number, end: number): Ring {
    if (this.shape.length !== 2) return this.slice(start, end);
    const [r, c] = this.shape as [number, number];
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= c)) {
      throw new ConcordError('E_SHAPE', `sliceCols [${start}, ${end}) out of bounds for ${shapeStr(this.shape)}`);
    }
    const w = end - start;
    const out = new Ring([r, w]);
    for (let i = 0; i < r; i++) out.data.set(this.data.subarray(i * c + start, i * c + end), i * w);
    return out;
  }

  /** Concatenate along axis 0 (rows; 1-D tensors end to end) or axis 1 (columns of 2-D tensors). */
  static concat(parts: Ring[], axis: 0 | 1 = 0): Ring {
    if (parts.length === 0) throw new ConcordError('E_SHAPE', 'concat of no tensors');
    if (axis === 1) return concatCols(parts);
    const first = parts[0]!;
    const tail = first.shape.slice(1);
    let rows = 0;
    for (const p of parts) {
      if (!sameShape(p.shape.slice(1), tail)) throw new ConcordError('E_SHAPE', `concat: shapes ${shapeStr(first.shape)} and ${shapeStr(p.shape)} do not fit`);
      rows += p.shape[0]!;
    }
    const out = outputRing([rows, ...tail]);
    let off = 0;
    for (const p of parts) {
      out.data.set(p.data, off);
      off += p.size;
    }
    return out;
  }

  /** Transpose of a 2-D tensor (1-D tensors are returned as a copy). */
  transpose(): Ring {
    if (this.shape.length !== 2) return this.clone();
    const [r, c] = this.shape as [number, number];
    const out = outputRing([c, r]);
    W.transpose(this.data, out.data, r, c);
    return out;
  }

  /** Same data, new shape with the same number of elements (shares the buffer). */
  reshape(shape: Shape): Ring {
    if (sizeOf(shape) !== this.size) throw new ConcordError('E_SHAPE', `reshape: ${shapeStr(this.shape)} cannot become ${shapeStr(shape)}`);
    return new Ring(shape, this.data);
  }

  /** Independent copy. */
  clone(): Ring {
    return new Ring(this.shape, this.data.slice());
  }

  /** Same shape and same elements. */
  equals(b: Ring): boolean {
    if (!sameShape(this.shape, b.shape)) return false;
    return bytesOf(this.data).equals(bytesOf(b.data));
  }

  /** Element i as an unsigned bigint. */
  get(i: number): bigint {
    return this.data[i]!;
  }

  /** Elements as signed bigints (two's complement). Slow: for tests and small outputs. */
  toSigned(): bigint[] {
    return Array.from(this.data, (v) => BigInt.asIntN(64, v));
  }

  toString(): string {
    return `Ring${shapeStr(this.shape)}`;
  }
}

/** The bytes of a tensor's data as a Buffer view (no copy), for memcmp-speed comparison. */
function bytesOf(d: BigUint64Array): Buffer {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** Concatenate 2-D tensors side by side (same row count), one row copy per part per row. */
function concatCols(parts: Ring[]): Ring {
  const first = parts[0]!;
  if (first.shape.length !== 2) return Ring.concat(parts, 0);
  let cols = 0;
  for (const p of parts) {
    if (p.shape.length !== 2 || first.shape.length !== 2 || p.shape[0] !== first.shape[0]) {
      throw new ConcordError('E_SHAPE', `concat along columns: shapes ${shapeStr(first.shape)} and ${shapeStr(p.shape)} do not fit`);
    }
    cols += p.shape[1]!;
  }
  const r = first.shape[0]!;
  const out = new Ring([r, cols]);
  let c0 = 0;
  for (const p of parts) {
    const w = p.shape[1]!;
    for (let i = 0; i < r; i++) out.data.set(p.data.subarray(i * w, i * w + w), i * cols + c0);
    c0 += w;
  }
  return out;
}

function checkShift(k: number): void {
  if (!Number.isInteger(k) || k < 0 || k > 63) throw new ConcordError('E_RANGE', `shift/bit index ${k} outside 0..63`);
}
