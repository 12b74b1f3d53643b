/**
 * Correlated randomness from seeds: the pure core shared by the dealer, the parties and the tests.
 * [Beaver91; the seed-compressed trusted dealer as in SPDZ-style "PRSS dealers", e.g. CrypTen's TTP]
 *
 * Each party i shares a 16+ byte seed s_i with the dealer. For every item (named by its key:
 * kind, tag and parameters) party i expands its components from PRG(s_i, key). The *random*
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
import { Prg, deriveKey } from '../../src/crypto/prg.js';
import { Ring, sizeOf, type Shape } from '../../src/ring/ring.js';
import type { DaBits, MaskedTriple, Triple, TruncPair } from '../../src/session/preprocessing.js';

/** One item of correlated randomness, as requested by the online phase. */
export type ItemRequest =
  | { kind: 'triple'; tag: number; shape: Shape }
  | { kind: 'matrix'; tag: number; n: number; k: number; m: number }
  | { kind: 'trunc'; tag: number; shape: Shape; f: number }
  | { kind: 'bit'; tag: number; shape: Shape }
  | { kind: 'dabit'; tag: number; shape: Shape }
  | { kind: 'mask'; tag: number; shape: Shape }
  | { kind: 'masked'; tag: number; maskTag: number; maskShape: Shape; start: number; end: number; transpose: boolean; m: number };

/** A party's share of an item, by kind. */
export type ItemShare = Triple | TruncPair | DaBits | MaskedTriple | Ring;

/** The stable name of an item: all parties and the dealer derive PRG streams from it. */
export function itemKey(q: ItemRequest): string {
  switch (q.kind) {
    case 'triple':
    case 'bit':
    case 'dabit':
    case 'mask':
      return `${q.kind}/${q.tag}/${q.shape.join('x')}`;
    case 'matrix':
      return `matrix/${q.tag}/${q.n}x${q.k}x${q.m}`;
    case 'trunc':
      return `trunc/${q.tag}/${q.shape.join('x')}/f${q.f}`;
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
      return { random: [q.shape], dependent: [q.shape] };
    case 'mask':
      return { random: [q.shape], dependent: [] };
    case 'masked': {
      const [h, k] = [q.end - q.start, q.maskShape[1]!];
      const inner = q.transpose ? h : k;
      const outer = q.transpose ? k : h;
      return { random: [[inner, q.m]], dependent: [[outer, q.m]] };
    }
  }
}

/** Number of ring elements of the correction party n−1 receives for this item. */
export function correctionSize(q: ItemRequest): number {
  return layout(q).dependent.reduce((a, s) => a + sizeOf(s), 0);
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
    case 'triple': case 'bit': case 'dabit': dims(q.shape, 'shape'); break;
    case 'mask': dims(q.shape, 'shape'); if (q.shape.length !== 2) bad('a mask is 2-D'); break;
    case 'trunc': dims(q.shape, 'shape'); if (!Number.isInteger(q.f) || q.f < 1 || q.f > 62) bad('f must be in 1..62'); break;
    case 'matrix': dims([q.n, q.k], 'n, k'); dims([q.k, q.m], 'k, m'); break;
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
  const total = [...layout(q).random, ...layout(q).dependent].reduce((a, s) => a + sizeOf(s), 0);
  if (total > 1 << 28) bad('item larger than 2^28 elements');
}

const isXor = (q: ItemRequest): boolean => q.kind === 'bit';

/** Party `i`'s PRG expansions of an item: random components then dependent ones. */
function expand(seed: Uint8Array, q: ItemRequest): { random: Ring[]; dependent: Ring[] } {
  const { random, dependent } = layout(q);
  const prg = new Prg(deriveKey(seed, `item/${itemKey(q)}`));
  const r = random.map((s) => prg.ring(s));
  if (q.kind === 'dabit') r[0] = r[0]!.and(Ring.fill(r[0]!.shape, 1n)); // XOR shares live in bit 0
  return { random: r, dependent: dependent.map((s) => prg.ring(s)) };
}

/**
 * Full value of a mask item from every seed (dealer / tests). Exposed so the dealer can cache it:
 * masked triples reuse it for every product of the same operand.
 */
export function maskValue(seeds: readonly Uint8Array[], tag: number, shape: Shape): Ring {
  const q: ItemRequest = { kind: 'mask', tag, shape };
  return seeds.map((s) => expand(s, q).random[0]!).reduce((a, b) => a.add(b));
}

function opRows(a: Ring, start: number, end: number): Ring {
  return start === 0 && end === a.shape[0] ? a : a.slice(start, end);
}

/**
 * The dealer's correction for party n−1: its dependent shares, flattened into one tensor.
 * `mask` supplies the full mask A for masked triples (see maskValue; cache it across calls).
 */
export function dealerCorrection(seeds: readonly Uint8Array[], q: ItemRequest, mask?: (maskTag: number, shape: Shape) => Ring): Ring {
  const n = seeds.length;
  const parts = seeds.map((s) => expand(s, q));
  const sumRandom = (j: number): Ring => parts.map((p) => p.random[j]!).reduce((a, b) => (isXor(q) ? a.xor(b) : a.add(b)));
  let values: Ring[];
  switch (q.kind) {
    case 'triple': values = [sumRandom(0).mul(sumRandom(1))]; break;
    case 'bit': values = [sumRandom(0).and(sumRandom(1))]; break;
    case 'matrix': values = [sumRandom(0).matmul(sumRandom(1))]; break;
    case 'trunc': {
      const r = sumRandom(0);
      values = [r.shl(1).shr(1).shr(q.f), r.shr(63)];
      break;
    }
    case 'dabit': values = [parts.map((p) => p.random[0]!).reduce((a, b) => a.xor(b))]; break;
    case 'mask': values = []; break;
    case 'masked': {
      if (!mask) throw new ConcordError('E_INTERNAL', 'dealerCorrection: masked triple without a mask source');
      const a = opRows(mask(q.maskTag, q.maskShape), q.start, q.end);
      values = [a.matmul(sumRandom(0), { transA: q.transpose })];
      break;
    }
  }
  const fixed = values.map((v, j) => {
    let last = v;
    for (let i = 0; i < n - 1; i++) last = isXor(q) ? last.xor(parts[i]!.dependent[j]!) : last.sub(parts[i]!.dependent[j]!);
    return last;
  });
  if (fixed.length === 0) return Ring.zeros([0]);
  return fixed.length === 1 ? fixed[0]!.reshape([fixed[0]!.size]) : Ring.concat(fixed.map((f) => f.reshape([f.size])));
}

/**
 * Party's share of an item from its own seed; the last party (n−1) passes the dealer's correction.
 * Parties 0..n−2 pass none and need no communication.
 */
export function partyShare(seed: Uint8Array, q: ItemRequest, correction?: Ring): ItemShare {
  const { random, dependent } = expand(seed, q);
  let dep = dependent;
  if (correction) {
    const shapes = layout(q).dependent;
    if (correction.size !== correctionSize(q)) throw new ConcordError('E_PREP', `dealer correction for ${itemKey(q)} has ${correction.size} elements, expected ${correctionSize(q)}`);
    let off = 0;
    dep = shapes.map((s) => {
      const len = sizeOf(s);
      const part = new Ring(s, correction.data.slice(off, off + len));
      off += len;
      return part;
    });
  }
  switch (q.kind) {
    case 'triple': case 'bit': case 'matrix': return { a: random[0]!, b: random[1]!, c: dep[0]! };
    case 'trunc': return { r: random[0]!, rLowShifted: dep[0]!, rTop: dep[1]! };
    case 'dabit': return { bin: random[0]!, arith: dep[0]! };
    case 'mask': return random[0]!;
    case 'masked': return { b: random[0]!, c: dep[0]! };
  }
}
