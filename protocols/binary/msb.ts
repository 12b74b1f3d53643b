import { ConcordError } from '../../src/errors.js';
import type { Scope } from '../core/scope.js';
import { Ring } from '../../src/ring/ring.js';
import type { EdaBits } from '../../src/session/preprocessing.js';
import { addPublicScalar } from '../arithmetic/linear.js';
import { andPrep, andStep, type AndPrep } from './and.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import { runner } from '../core/run.js';

/**
 * Sign of arithmetic shares: XOR shares of [x < 0] in bit 0, by one masked opening and a
 * comparison with an edaBit. [EGKRS20 (edaBits, CRYPTO 2020) §4 LTZ; carry tree as in
 * Brent–Kung; bit packing as in CrypTen/MP-SPDZ bit-sliced circuits]
 *
 * For −2^k ≤ x < 2^k (k = 63, the default: every ring element) let x' = x + 2^k ∈ [0, 2^(k+1)).
 * An edaBit r (uniform over Z_2^64, also XOR-shared bit by bit) masks it: c = x' + r is opened.
 * Since x' < 2^(k+1), x' = (c − r) mod 2^(k+1), so bit k of x' is c_k ⊕ r_k ⊕ β with the borrow
 * β = [c mod 2^k < r mod 2^k], and [x < 0] = 1 ⊕ bit_k(x'). β is the carry out of
 * (r mod 2^k) + (¬c mod 2^k): the group generate of g = r ∧ ¬c, p = r ⊕ ¬c over bits 0..k−1.
 * c is public, so g and p are local; bits k..2^L − 1 are set neutral (g = 0, p = 1) and a binary
 * tree of L = ⌈log2 k⌉ AND levels (G ← G_hi ⊕ P_hi ∧ G_lo, P ← P_hi ∧ P_lo) gives β.
 * Packing (a fixed bit permutation, linear on XOR shares): 6 − L folds first put 2^(6−L)
 * elements' low 2^L bits into one word, then every tree level folds the surviving half of the
 * nodes of two words into one, so level ANDs run on ever fewer words.
 *
 * Rounds: 1 + L, whatever n (7 for k = 63; 6 for k ≤ 32; 5 for k ≤ 16).
 * Bytes to each peer: 8·len (c) + 16·(Σ over tree levels i = 7 − L..6 of (i < 6 ? 2 : 1)·W_i),
 * W_0 = len, W_i = ⌈W_{i−1}/2⌉ (≈ 39.3·len for k = 63, any n; see msbCost).
 * Security: semi-honest; c is x' masked by a uniform r (perfectly hiding), the tree opens only
 * Beaver-masked words. Consumes one edaBit (low k + 1 bits read) per element.
 * Input range: −2^k ≤ x < 2^k, exact; outside it the result is wrong (k = 63: no restriction).
 */
export const msb = runner((s, x: Ring, k: number = 63) => msbStep(s, x, msbPrep(s, x.size, k)));

const MASKS = [0x5555555555555555n, 0x3333333333333333n, 0x0f0f0f0f0f0f0f0fn, 0x00ff00ff00ff00ffn, 0x0000ffff0000ffffn, 0x00000000ffffffffn];

/** Tree levels for a comparison of k-bit numbers: ⌈log2 k⌉. */
export function treeLevels(k: number): number {
  return k <= 1 ? 0 : Math.ceil(Math.log2(k));
}

/** The six folds of a k-bit comparison: 6 − L pre-packings, then L tree levels; (mask, shift, tree?). */
function folds(k: number): { m: bigint; sh: number; tree: boolean }[] {
  const L = treeLevels(k);
  const out: { m: bigint; sh: number; tree: boolean }[] = [];
  for (let i = 1; i <= 6 - L; i++) out.push({ m: MASKS[6 - i]!, sh: 1 << (6 - i), tree: false });
  for (let j = 1; j <= L; j++) out.push({ m: MASKS[j - 1]!, sh: 1 << (j - 1), tree: true });
  return out;
}

/** Words per fold: W_0 = len, W_i = ⌈W_{i−1}/2⌉. */
function widths(len: number): number[] {
  const w = [len];
  for (let j = 1; j <= 6; j++) w.push(Math.ceil(w[j - 1]! / 2));
  return w;
}

/** Preprocessing of one msb over `len` elements with bound 2^k, requested now in one batch (see prefetch). */
export interface MsbPrep {
  k: number;
  eda: Promise<EdaBits>;
  tree: Promise<AndPrep>[];
}

/** Request the edaBits and every bit triple of an msb over `len` elements now. */
export function msbPrep(s: Scope, len: number, k = 63): MsbPrep {
  checkBound(k);
  const w = widths(len);
  const eda = prefetch(s.prep.edaBits(s.tag(), [len], k + 1));
  const tree: Promise<AndPrep>[] = [];
  folds(k).forEach((f, i) => {
    if (f.tree) tree.push(andPrep(s, (i < 5 ? 2 : 1) * w[i + 1]!));
  });
  return { k, eda, tree };
}

function checkBound(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > 63) throw new ConcordError('E_RANGE', `msb: input bound 2^k needs k in 1..63, got k=${k}`);
}

/**
 * msb as a chain; `pre` (msbPrep over x.size, default bound k = 63: any ring element) is
 * requested when the chain is created. The input must satisfy −2^k ≤ x < 2^k for pre's k.
 */
export async function* msbStep(s: Scope, x: Ring, pre: MsbPrep = msbPrep(s, x.size)): Chain<Ring> {
  const len = x.size;
  const { k, eda, tree } = pre;
  const w = widths(len);
  const r = await eda;
  const rBin = r.bin.reshape([len]);
  const shifted = addPublicScalar(s, x.reshape([len]), 1n << BigInt(k));
  const [c] = (yield { add: [shifted.add(r.arith.reshape([len]))] }).add as [Ring];
  const low = (1n << BigInt(k)) - 1n;
  const ncLow = c.andScalar(low).xorScalar(low);
  // g = r ∧ ¬c and p = r ⊕ ¬c on bits 0..k−1 (c public: local); above them g = 0, p = 1.
  let g = rBin.and(ncLow);
  let p = rBin.andScalar(low);
  if (s.me === 0) p = Ring.combine('xor', [p, ncLow]).xorScalar(~low);
  const fs = folds(k);
  let level = 0;
  for (let i = 0; i < 6; i++) {
    const { m, sh, tree: isTree } = fs[i]!;
    if (!isTree) {
      g = g.foldHalves(m, 0, sh);
      p = p.foldHalves(m, 0, sh);
      continue;
    }
    // The high lanes (x >> sh) and low lanes of every node, folded two words into one.
    const gHi = g.foldHalves(m, sh, sh);
    const gLo = g.foldHalves(m, 0, sh);
    const pHi = p.foldHalves(m, sh, sh);
    if (i < 5) {
      const [t, u] = (yield* andStep(s, [pHi, pHi], [gLo, p.foldHalves(m, 0, sh)], tree[level++])) as [Ring, Ring];
      g = Ring.combine('xor', [gHi, t], gHi);
      p = u;
    } else {
      const [t] = (yield* andStep(s, [pHi], [gLo], tree[level++])) as [Ring];
      g = Ring.combine('xor', [gHi, t], gHi);
    }
  }
  // Undo the folds: every element's borrow returns to bit 0 of its own word.
  for (let i = 5; i >= 0; i--) g = g.unfoldHalves(fs[i]!.m, fs[i]!.sh, w[i]!);
  // [x < 0] = 1 ⊕ c_k ⊕ r_k ⊕ β (the public 1 ⊕ c_k XORed in by party 0).
  const parts = [g, rBin.shrAnd(k, 1n)];
  if (s.me === 0) parts.push(c.shrAnd(k, 1n).xorScalar(1n));
  return Ring.combine('xor', parts, g).andScalar(1n).reshape(x.shape);
}

/**
 * Documented cost of msb over `len` elements with bound 2^k: rounds and bytes sent to each peer
 * (any n). `andBytes` is the carry tree's part of bytesPerPeer: in hm (the replicated AND,
 * and.ts) it goes to the previous party only, so a party sends bytesPerPeer − andBytes to the next.
 */
export function msbCost(_n: number, len: number, k = 63): { rounds: number; bytesPerPeer: number; andBytes: number } {
  const w = widths(len);
  let ands = 0;
  folds(k).forEach((f, i) => {
    if (f.tree) ands += 2 * (i < 5 ? 2 : 1) * w[i + 1]!;
  });
  return { rounds: 1 + treeLevels(k), bytesPerPeer: 8 * (len + ands), andBytes: 8 * ands };
}
