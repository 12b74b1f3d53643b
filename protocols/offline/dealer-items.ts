/**
 * Correlated randomness from seeds: the pure core shared by the dealer, the parties and the tests.
 * [Beaver91; the seed-compressed trusted dealer as in SPDZ-style "PRSS dealers", e.g. CrypTen's TTP]
 *
 * Each party i shares a 16+ byte seed s_i with the dealer. For every item (named by its key:
 * kind, tag and parameters) party i expands its components from its seed's labelled PRG stream
 * "item/" + key (Prg.labelled: one AES key per seed, the label's hash as the nonce). The *random*
 * components (a, b of a triple; r of a truncation pair; the XOR bits of a daBit; a mask A) are
 * whatever the n parties' expansions sum (or XOR) to. The *dependent* components (c = a·b, …)
 * of parties 0..n−2 are also expansions; only party n−1's dependent share is a correction
 * computed by the dealer, which alone knows every seed:  c_{n−1} = a·b − Σ_{i<n−1} c_i.
 * So parties 0..n−2 need no traffic at all, and party n−1 receives |dependent| ring elements.
 *
 * Security: each party's view is its own PRG output plus (party n−1) a correction that is the
 * dependent value masked by the other parties' uniform PRG shares, hence uniform to it.
 * The dealer sees every item in full, so it must not collude with any party; it never sees data.
 * Keys include kind and all parameters, so two different items never share a PRG stream even
 * at the same tag (e.g. after a mispredicted prefetch).
 */
import { ConcordError } from '../../src/errors.js';
import { Prg, PrgMatrix, labelNonce } from '../../src/crypto/prg.js';
import { Ring, sizeOf, type Shape } from '../../src/ring/ring.js';
import * as W from '../../src/ring/wasm.js';
import { checkLutSpec, type DaBits, type EdaBits, type LutMask, type LutSpec, type MaskShare, type MaskedTriple, type Triple, type TruncPair } from '../../src/session/preprocessing.js';

/**
 * Label of the per-party seed both ends export from their Noise link (never sent): the dealer
 * derives every party's seed with it, the party its own.
 */
export const DEALER_SEED_LABEL = 'dealer-seed';

/** One item of correlated randomness, as requested by the online phase. */
export type ItemRequest =
  | { kind: 'triple'; tag: number; shape: Shape }
  | { kind: 'matrix'; tag: number; n: number; k: number; m: number }
  | { kind: 'trunc'; tag: number; shape: Shape; f: number }
  | { kind: 'bit'; tag: number; shape: Shape }
  | { kind: 'dabit'; tag: number; shape: Shape }
  | { kind: 'edabit'; tag: number; shape: Shape }
  | { kind: 'mask'; tag: number; shape: Shape }
  | { kind: 'lut'; tag: number; len: number; fields: [number, number][]; powers: number; shift: number }
  | { kind: 'masked'; tag: number; maskTag: number; maskShape: Shape; start: number; end: number; transpose: boolean; m: number };

/** A party's share of an item, by kind. */
export type ItemShare = Triple | TruncPair | DaBits | EdaBits | MaskedTriple | LutMask | MaskShare;

/** The stable name of an item: all parties and the dealer derive PRG streams from it. */
export function itemKey(q: ItemRequest): string {
  switch (q.kind) {
    case 'triple':
    case 'bit':
    case 'dabit':
    case 'edabit':
    case 'mask':
      return `${q.kind}/${q.tag}/${q.shape.join('x')}`;
    case 'matrix':
      return `matrix/${q.tag}/${q.n}x${q.k}x${q.m}`;
    case 'trunc':
      return `trunc/${q.tag}/${q.shape.join('x')}/f${q.f}`;
    case 'lut':
      return `lut/${q.tag}/${q.len}/${q.fields.map(([at, bits]) => `${bits}@${at}`).join(',')}/p${q.powers}/s${q.shift}`;
    case 'masked':
      return `masked/${q.tag}/${q.maskTag}/${q.maskShape.join('x')}/${q.start}-${q.end}/${q.transpose ? 'T' : 'N'}/${q.m}`;
  }
}

/** Shapes of an item's random and dependent components (dependent ones are corrected for party n−1). */
function layout(q: ItemRequest): { random: Shape[]; dependent: Shape[] } {
  switch (q.kind) {
    case 'triple':
    case 'bit':
      return { random: [q.shape, q.shape], dependent: [q.shape] };
    case 'matrix':
      return { random: [[q.n, q.k], [q.k, q.m]], dependent: [[q.n, q.m]] };
    case 'trunc':
      return { random: [q.shape], dependent: [q.shape, q.shape] };
    case 'dabit':
    case 'edabit':
      return { random: [q.shape], dependent: [q.shape] };
    case 'mask':
      return { random: [q.shape], dependent: [] };
    case 'lut': {
      const hot = q.fields.map(([, bits]): Shape => [q.len, 2 ** bits]);
      return { random: [[q.len]], dependent: [...hot, ...Array.from({ length: q.powers }, () => hot[0]!)] };
    }
    case 'masked': {
      const [h, k] = [q.end - q.start, q.maskShape[1]!];
      const inner = q.transpose ? h : k;
      const outer = q.transpose ? k : h;
      return { random: [[inner, q.m]], dependent: [[outer, q.m]] };
    }
  }
}

/** The request of a lookup mask (checked here, E_SHAPE / E_RANGE, so a bad spec fails before it reaches a dealer). */
export function lutRequest(tag: number, len: number, spec: LutSpec): ItemRequest {
  checkLutSpec(len, spec);
  return { kind: 'lut', tag, len, fields: spec.fields.map((w): [number, number] => [w.at, w.bits]), powers: spec.powers, shift: spec.shift };
}

/** Ring elements of tensors of these shapes, together. */
const wordsOf = (shapes: readonly Shape[]): number => shapes.reduce((a, s) => a + sizeOf(s), 0);

/** Number of ring elements of the correction party n−1 receives for this item. */
export function correctionSize(q: ItemRequest): number {
  return wordsOf(layout(q).dependent);
}

/** Throws E_PREP unless the request's parameters are well-formed (the dealer checks peer input with it). */
export function checkRequest(q: ItemRequest): void {
  const bad = (why: string): never => {
    throw new ConcordError('E_PREP', `malformed preprocessing request ${JSON.stringify(q)}: ${why}`);
  };
  if (!Number.isSafeInteger(q.tag) || q.tag < 0) bad('tag must be a non-negative integer');
  const dims = (s: Shape, what: string): void => {
    if (!Array.isArray(s) || s.length < 1 || s.length > 2 || !s.every((d) => Number.isSafeInteger(d) && d >= 0 && d <= 1 << 28)) bad(`${what} must be 1 or 2 dimensions of size ≤ 2^28`);
  };
  switch (q.kind) {
    case 'triple': case 'bit': case 'dabit': case 'edabit': dims(q.shape, 'shape'); break;
    case 'mask': dims(q.shape, 'shape'); if (q.shape.length !== 2) bad('a mask is 2-D'); break;
    case 'trunc': dims(q.shape, 'shape'); if (!Number.isInteger(q.f) || q.f < 1 || q.f > 62) bad('f must be in 1..62'); break;
    case 'matrix': dims([q.n, q.k], 'n, k'); dims([q.k, q.m], 'k, m'); break;
    case 'lut':
      if (!Array.isArray(q.fields) || !q.fields.every((w) => Array.isArray(w) && w.length === 2)) bad('fields must be [at, bits] pairs');
      // The same rules as every mode's (checkLutSpec), reported as a malformed request.
      try {
        checkLutSpec(q.len, { fields: q.fields.map(([at, bits]) => ({ at, bits })), powers: q.powers, shift: q.shift });
      } catch (e) {
        bad((e as Error).message);
      }
      if (q.len > 1 << 28) bad('len must be ≤ 2^28');
      break;
    case 'masked':
      dims(q.maskShape, 'maskShape');
      if (q.maskShape.length !== 2) bad('maskShape must be 2-D');
      if (!Number.isSafeInteger(q.maskTag) || q.maskTag < 0) bad('maskTag must be a non-negative integer');
      if (!(Number.isInteger(q.start) && Number.isInteger(q.end) && 0 <= q.start && q.start <= q.end && q.end <= q.maskShape[0]!)) bad('rows out of range');
      dims([q.m], 'm');
      if (typeof q.transpose !== 'boolean') bad('transpose must be a boolean');
      break;
    default: bad('unknown kind');
  }
  const { random, dependent } = layout(q);
  if (wordsOf(random) + wordsOf(dependent) > 1 << 28) bad('item larger than 2^28 elements');
}

const isXor = (q: ItemRequest): boolean => q.kind === 'bit';

/** Keystream words per chunk when streaming a PRG into an accumulator (128 KiB: the PRG's own chunk). */
const CHUNK = 16384;
const scratch = new BigUint64Array(CHUNK);

/** The next `out.length` words of `prg`, written into `out`. */
function fillFrom(prg: Prg, out: BigUint64Array): void {
  prg.fill(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
}

/**
 * acc ∘= the next acc.length words of `prg`, streamed through a small reused buffer: no
 * full-size temporary per seed (fresh 8 MB arrays page-fault on every touch).
 */
function combineFrom(prg: Prg, acc: BigUint64Array, op: 'add' | 'sub' | 'xor'): void {
  for (let off = 0; off < acc.length; off += CHUNK) {
    const len = Math.min(CHUNK, acc.length - off);
    const ks = scratch.subarray(0, len);
    fillFrom(prg, ks);
    const a = acc.subarray(off, off + len);
    W.binary(op, a, ks, a);
  }
}

/** The nonce of item q's streams, the same under every seed: labelNonce("item/" + key). */
function itemNonce(q: ItemRequest): Uint8Array {
  return labelNonce(`item/${itemKey(q)}`);
}

/** The PRG stream of item q under a party's seed: the seed's labelled stream "item/" + key. */
function itemPrg(seed: Uint8Array, q: ItemRequest, nonce = itemNonce(q)): Prg {
  return Prg.labelled(seed, nonce);
}

/**
 * Party `i`'s PRG expansions of an item: random components then dependent ones. The dependent
 * ones are skipped when `dependent` is false (party n−1 replaces them by the dealer's correction;
 * they come last in the stream, so skipping them changes nothing else).
 */
function expand(seed: Uint8Array, q: ItemRequest, dependent = true): { random: Ring[]; dependent: Ring[] } {
  const shapes = layout(q);
  const prg = itemPrg(seed, q);
  prg.readAhead(8 * (wordsOf(shapes.random) + (dependent ? wordsOf(shapes.dependent) : 0))); // one AES call for a small item's components
  const r = shapes.random.map((s) => prg.ring(s));
  if (q.kind === 'dabit') W.shift('bit', r[0]!.data, 0, r[0]!.data); // XOR shares live in bit 0
  return { random: r, dependent: dependent ? shapes.dependent.map((s) => prg.ring(s)) : [] };
}

/** A party's share of a mask item: the first component of its item stream, rows made on demand. */
function maskRows(seed: Uint8Array, q: ItemRequest & { kind: 'mask' }): PrgMatrix {
  return PrgMatrix.labelled(seed, itemNonce(q), q.shape);
}

/**
 * Full value of a mask item from every seed (dealer / tests), as rows made on demand: a masked
 * triple's correction needs only its batch's rows of A, so the dealer never holds the whole mask.
 */
export function maskValue(seeds: readonly Uint8Array[], tag: number, shape: Shape): MaskShare {
  const q = { kind: 'mask', tag, shape } as const;
  const shares = seeds.map((s) => maskRows(s, q));
  return {
    shape: shares[0]!.shape,
    rows(start, end) {
      const acc = shares[0]!.rows(start, end);
      for (let i = 1; i < shares.length; i++) W.binary('add', acc.data, shares[i]!.rows(start, end).data, acc.data);
      return acc;
    },
  };
}

/**
 * The dealer's correction for party n−1: its dependent shares, flattened into one tensor.
 * `mask` supplies the mask A for masked triples (see maskValue: only the rows of the batch are made).
 * Every seed's stream is read in order (random components, then dependent ones) and folded into
 * accumulators chunk by chunk; party n−1's dependent stream is never generated.
 */
export function dealerCorrection(seeds: readonly Uint8Array[], q: ItemRequest, mask?: (maskTag: number, shape: Shape) => MaskShare): Ring {
  if (q.kind === 'mask') return Ring.zeros([0]);
  const n = seeds.length;
  const xor = isXor(q);
  const nonce = itemNonce(q);
  const prgs = seeds.map((s) => itemPrg(s, q, nonce));
  const { random, dependent } = layout(q);
  prgs.forEach((p, i) => p.readAhead(8 * (wordsOf(random) + (i < n - 1 ? wordsOf(dependent) : 0)))); // one AES call per seed for a small item
  // Σ (or ⊕) over the seeds of each random component, in stream order.
  const sums = random.map((shape) => {
    const acc = new Ring(shape);
    prgs.forEach((p, i) => (i === 0 ? fillFrom(p, acc.data) : combineFrom(p, acc.data, xor || q.kind === 'dabit' || q.kind === 'edabit' ? 'xor' : 'add')));
    return acc;
  });
  let out: Ring;
  switch (q.kind) {
    case 'triple': W.binary('mul', sums[0]!.data, sums[1]!.data, sums[0]!.data); out = sums[0]!; break;
    case 'bit': W.binary('and', sums[0]!.data, sums[1]!.data, sums[0]!.data); out = sums[0]!; break;
    case 'matrix': out = sums[0]!.matmul(sums[1]!); break;
    case 'trunc': {
      const r = sums[0]!;
      const len = r.size;
      out = new Ring([2 * len]);
      const low = out.data.subarray(0, len);
      W.shift('shl', r.data, 1, low);
      W.shift('shr', low, 1 + q.f, low);
      W.shift('shr', r.data, 63, out.data.subarray(len));
      break;
    }
    // ⊕ of the parties' bit-0 shares = bit 0 of the ⊕ of their whole words.
    case 'dabit': W.shift('bit', sums[0]!.data, 0, sums[0]!.data); out = sums[0]!; break;
    // An edaBit's arithmetic value is the ⊕ of the parties' whole words: r, read as a ring element.
    case 'edabit': out = sums[0]!; break;
    case 'lut': out = lutCorrection(sums[0]!, q); break;
    case 'masked': {
      if (!mask) throw new ConcordError('E_INTERNAL', 'dealerCorrection: masked triple without a mask source');
      const a = mask(q.maskTag, q.maskShape).rows(q.start, q.end);
      out = a.matmul(sums[0]!, { transA: q.transpose });
      break;
    }
  }
  // The flattened dependent components are exactly each seed's stream after its random part.
  for (let i = 0; i < n - 1; i++) combineFrom(prgs[i]!, out.data, xor ? 'xor' : 'sub');
  return out.reshape([out.size]);
}

/**
 * Several corrections in one message body (dealer → party n−1): a 32-bit little-endian length L,
 * L bytes of UTF-8 JSON {"keys": [...], "sizes": [...]} (item keys and element counts), zero
 * padding to a multiple of 8 bytes, then the corrections' words end to end.
 */
export function encodeBatch(keys: readonly string[], parts: readonly Ring[], elements: number): Uint8Array {
  const dir = new TextEncoder().encode(JSON.stringify({ keys, sizes: parts.map((p) => p.size) }));
  const start = Math.ceil((4 + dir.length) / 8) * 8;
  const out = new Uint8Array(start + 8 * elements);
  new DataView(out.buffer).setUint32(0, dir.length, true);
  out.set(dir, 4);
  const words = new BigUint64Array(out.buffer, start, elements);
  let off = 0;
  for (const p of parts) {
    words.set(p.data, off);
    off += p.size;
  }
  return out;
}

/** The corrections of an encodeBatch body, each a view of one aligned copy (E_FRAME if it is malformed). */
export function decodeBatch(body: Uint8Array): { key: string; correction: Ring }[] {
  const bad = (): never => {
    throw new ConcordError('E_FRAME', 'the dealer sent a malformed correction batch (its directory does not match its tensors)');
  };
  if (body.length < 4) bad();
  const len = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true);
  const start = Math.ceil((4 + len) / 8) * 8;
  if (start > body.length || (body.length - start) % 8 !== 0) bad();
  let dir: { keys?: unknown; sizes?: unknown };
  try {
    dir = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(4, 4 + len))) as typeof dir;
  } catch {
    return bad();
  }
  const { keys, sizes } = dir ?? {};
  const total = (body.length - start) / 8;
  if (!Array.isArray(keys) || !Array.isArray(sizes) || keys.length !== sizes.length) return bad();
  if (!keys.every((k) => typeof k === 'string') || !sizes.every((z) => Number.isSafeInteger(z) && z >= 0) || sizes.reduce((a: number, z: number) => a + z, 0) !== total) return bad();
  // The words must be 8-byte aligned for BigUint64Array views: copy them once (a batch is at most 64 KiB).
  const words = new BigUint64Array(total);
  new Uint8Array(words.buffer).set(body.subarray(start));
  let off = 0;
  return keys.map((key: string, i) => {
    const n = sizes[i] as number;
    const correction = new Ring([n], words.subarray(off, off + n));
    off += n;
    return { key, correction };
  });
}

/**
 * Party's share of an item from its own seed; the last party (n−1) passes the dealer's correction.
 * Parties 0..n−2 pass none and need no communication.
 */
export function partyShare(seed: Uint8Array, q: ItemRequest, correction?: Ring): ItemShare {
  // A mask has no dependent part and is used row block by row block: it is never expanded whole.
  if (q.kind === 'mask') return maskRows(seed, q);
  const dep = correction ? withCorrection(q, correction) : undefined;
  const { random, dependent } = expand(seed, q, !dep);
  return assemble(q, random, dep ?? dependent);
}

/**
 * A party's components of an item in layout order, from its seed: random then dependent; the last
 * party passes `dependent` false (the dealer's correction brings those, see withCorrection).
 */
export function partyComponents(seed: Uint8Array, q: ItemRequest, dependent = true): { random: Ring[]; dependent: Ring[] } {
  return expand(seed, q, dependent);
}

/** The last party's dependent components: views of the dealer's correction (owned by this item alone, no copies). */
export function withCorrection(q: ItemRequest, correction: Ring): Ring[] {
  if (correction.size !== correctionSize(q)) throw new ConcordError('E_PREP', `dealer correction for ${itemKey(q)} has ${correction.size} elements, expected ${correctionSize(q)}`);
  let off = 0;
  return layout(q).dependent.map((s) => {
    const len = sizeOf(s);
    const part = new Ring(s, correction.data.subarray(off, off + len));
    off += len;
    return part;
  });
}

/** An item's share from its components in layout order. */
function assemble(q: Exclude<ItemRequest, { kind: 'mask' }>, random: Ring[], dep: Ring[]): ItemShare {
  switch (q.kind) {
    case 'triple': case 'bit': case 'matrix': return { a: random[0]!, b: random[1]!, c: dep[0]! };
    case 'trunc': return { r: random[0]!, rLowShifted: dep[0]!, rTop: dep[1]! };
    case 'dabit': case 'edabit': return { bin: random[0]!, arith: dep[0]! };
    case 'masked': return { b: random[0]!, c: dep[0]! };
    case 'lut': return { r: random[0]!, hot: dep.slice(0, q.fields.length), pow: dep.slice(q.fields.length) };
  }
}

/**
 * The full dependent values of a lookup mask from R: per field the one-hot of its window, then
 * hot_0·λ̃^p with λ_0 = R mod 2^at_0 and λ̃ = λ_0 >> shift (the dealer's exact case of the
 * LutMask contract), flattened in layout order.
 */
function lutCorrection(r: Ring, q: Extract<ItemRequest, { kind: 'lut' }>): Ring {
  const len = q.len;
  const widths = q.fields.map(([, bits]) => 2 ** bits);
  const bases: number[] = [];
  let total = 0;
  for (const w of [...widths, ...Array.from({ length: q.powers }, () => widths[0]!)]) {
    bases.push(total);
    total += w * len;
  }
  const d = new Ring([total]).data;
  const shifts = q.fields.map(([at]) => BigInt(at)), masks = q.fields.map(([, bits]) => (1n << BigInt(bits)) - 1n);
  const lowMask = (1n << shifts[0]!) - 1n, sh = BigInt(q.shift), w0 = widths[0]!;
  for (let i = 0; i < len; i++) {
    const v = r.data[i]!;
    let hot0 = 0;
    for (let k = 0; k < widths.length; k++) {
      const idx = Number((v >> shifts[k]!) & masks[k]!);
      if (k === 0) hot0 = idx;
      d[bases[k]! + i * widths[k]! + idx] = 1n;
    }
    const lam = (v & lowMask) >> sh;
    let pw = 1n;
    for (let p = 0; p < q.powers; p++) {
      pw = BigInt.asUintN(64, pw * lam);
      d[bases[widths.length + p]! + i * w0 + hot0] = pw;
    }
  }
  return new Ring([total], d);
}
