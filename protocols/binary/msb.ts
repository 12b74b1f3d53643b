import type { Scope } from '../core/scope.js';
import { Ring } from '../../src/ring/ring.js';
import type { Triple } from '../../src/session/preprocessing.js';
import { andStep } from './and.js';
import { csaLayers, csaPrep, reduceToTwoStep, xz } from './a2b.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import { runner } from '../core/run.js';

/**
 * Sign bit of arithmetic shares: XOR shares of bit 63 of x, in bit 0. [DSZ15 (ABY); carry tree as
 * in Brent–Kung; bit packing as in CrypTen/MP-SPDZ bit-sliced circuits]
 *
 * The shares are reduced to two XOR-shared numbers A, B by carry-save layers (a2b.ts). Then
 * msb = A63 ⊕ B63 ⊕ c63 with c63 the carry into bit 63 = the group generate of bits 0..62. With
 * g = A ∧ B (bit 63 cleared) and p = A ⊕ B (bit 63 forced to 1) the group generate of all 64 bits
 * is exactly c63, computed by a binary tree: level j combines node pairs,
 * G ← G_hi ⊕ (P_hi ∧ G_lo), P ← P_hi ∧ P_lo. Only half the nodes survive each level, so before
 * each level's AND the hi and lo halves of the two halves of the tensor are packed into one word
 * (masks 0x5555…, 0x3333…, 0x0F0F…, …): level j's ANDs run on ⌈len/2^j⌉ words, not len.
 * Packing is a fixed bit permutation, linear on XOR shares: local.
 *
 * Rounds: C(n) + 1 + 6 (C = carry-save layers: 0, 1, 2, 3 for n = 2, 3, 4, 5).
 * Bytes to each peer: 16·[(n − 2)·len + len + 2·Σ_{j=1..5} W_j + W_6], W_j = ⌈len/2^j⌉ nested
 * (≈ 16·(n + 0.95)·len; 63.25·len at n = 3, versus 208·len for the full Kogge–Stone a2b).
 * Semi-honest; only Beaver-masked words are opened. Input range: every ring element.
 */
export const msb = runner((s, x: Ring) => msbStep(s, x));

const TOP = 1n << 63n;
const MASKS = [0x5555555555555555n, 0x3333333333333333n, 0x0f0f0f0f0f0f0f0fn, 0x00ff00ff00ff00ffn, 0x0000ffff0000ffffn, 0x00000000ffffffffn];

/** The bit triples of one msb: carry-save layers, the first generate, the tree levels. */
export interface MsbPrep {
  csa: Promise<Triple>[];
  g0Pre: Promise<Triple>;
  levelPre: Promise<Triple>[];
}

/** Request every bit triple of an msb over `len` elements now, in one batch. */
export function msbPrep(s: Scope, len: number): MsbPrep {
  const w = widths(len);
  const csa = csaPrep(s, len);
  const g0Pre = prefetch(s.prep.bitTriple(s.tag(), [len]));
  const levelPre: Promise<Triple>[] = [];
  for (let j = 1; j <= 6; j++) levelPre.push(prefetch(s.prep.bitTriple(s.tag(), [(j < 6 ? 2 : 1) * w[j]!])));
  return { csa, g0Pre, levelPre };
}

/** Words per level: W_0 = len, W_j = ⌈W_{j−1}/2⌉. */
function widths(len: number): number[] {
  const w = [len];
  for (let j = 1; j <= 6; j++) w.push(Math.ceil(w[j - 1]! / 2));
  return w;
}

/** msb as a chain; `pre` (msbPrep over x.size) is requested when the chain is created. */
export async function* msbStep(s: Scope, x: Ring, pre: MsbPrep = msbPrep(s, x.size)): Chain<Ring> {
  const len = x.size;
  const w = widths(len);
  const { csa, g0Pre, levelPre } = pre;
  const [a, b] = yield* reduceToTwoStep(s, x, csa);
  const p = xz(a, b) ?? Ring.zeros([len]);
  const notTop = Ring.fill([len], ~TOP);
  const [gAll] = (yield* andStep(s, [a], [b], g0Pre)) as [Ring];
  // Bit 63: g = 0 and p = 1, so the root of the tree is the carry into bit 63 (a public mask is linear on XOR shares).
  let g = gAll.and(notTop);
  let pp = s.me === 0 ? p.and(notTop).xor(Ring.fill([len], TOP)) : p.and(notTop);
  for (let j = 1; j <= 6; j++) {
    const sh = 1 << (j - 1);
    const m = Ring.fill([w[j - 1]!], MASKS[j - 1]!);
    const gHi = pack(g.shr(sh), m, sh);
    const gLo = pack(g, m, sh);
    const pHi = pack(pp.shr(sh), m, sh);
    if (j < 6) {
      const pLo = pack(pp, m, sh);
      const [t, u] = (yield* andStep(s, [pHi, pHi], [gLo, pLo], levelPre[j - 1])) as [Ring, Ring];
      g = gHi.xor(t);
      pp = u;
    } else {
      const [t] = (yield* andStep(s, [pHi], [gLo], levelPre[j - 1])) as [Ring];
      g = gHi.xor(t);
    }
  }
  // Undo the packing: every element's root returns to bit 0 of its own word.
  for (let j = 6; j >= 1; j--) g = unpack(g, MASKS[j - 1]!, 1 << (j - 1), w[j - 1]!);
  return p.shr(63).xor(g).and(Ring.fill([len], 1n)).reshape(x.shape);
}

/** Keep the bits under mask m, and fold the second half of the words onto the first (shifted by sh). */
function pack(x: Ring, m: Ring, sh: number): Ring {
  const lo = x.and(m);
  const h = Math.ceil(lo.size / 2);
  const first = new Ring([h], lo.data.subarray(0, h));
  let second = new Ring([lo.size - h], lo.data.subarray(h));
  if (second.size < h) second = Ring.concat([second, Ring.zeros([h - second.size])], 0);
  return first.xor(second.shl(sh));
}

/** Inverse of pack: `len` words, the first half from the low lanes, the second from the shifted ones. */
function unpack(x: Ring, m: bigint, sh: number, len: number): Ring {
  const mask = Ring.fill(x.shape, m);
  const first = x.and(mask);
  const second = x.shr(sh).and(mask);
  return Ring.concat([first, second], 0).slice(0, len);
}

/** Documented cost of msb over `len` elements: rounds and bytes sent to each peer. */
export function msbCost(n: number, len: number): { rounds: number; bytesPerPeer: number } {
  const w = widths(len);
  let words = (n - 2) * len + len;
  for (let j = 1; j <= 6; j++) words += (j < 6 ? 2 : 1) * w[j]!;
  return { rounds: csaLayers(n) + 7, bytesPerPeer: 16 * words };
}
