/**
 * Truncation pairs with the mask's top bit shared separately (DESIGN.md §4, [EGKRS20]) for three
 * parties: shares of r, of r_low >> f and of the bit r_top, where r = r_low + 2^63·r_top.
 *
 * Recipe: r = w_0 ⊕ w_1 ⊕ w_2 is a replicated random 64-bit word (no traffic), so every bit of r
 * is uniform to each party (each misses one piece). Its 64 bits v_k get arithmetic shares by
 * convert.ts (party 0 → party 1, one masked word per bit), and the three outputs are exact
 * integer combinations of them, one local 3×64 by 64×count product:
 *   r = Σ_{k<64} 2^k·v_k,   r_low >> f = Σ_{f≤k<63} 2^(k−f)·v_k,   r_top = v_63.
 * The three outputs get a fresh zero-sharing (convert.ts explains why).
 * So r is uniform mod 2^64, r_low < 2^63 and [r_low >> f] is exact: trunc is off by at most
 * 1 ulp, with no failure probability, for |x| < 2^62.
 * Rounds: 1, generated in batches ahead of use (see preprocessing.ts). Bytes per pair, party 0
 * to party 1 only: Σ truncWidths(f) / 8 = (Σ_{k<f}(63−k) + Σ_{j≤62−f}(63−j) + 63) / 8, e.g.
 * 354 at f = 16, 384 at f = 30 (was 512 with whole words). Security: semi-honest, no two parties
 * collude.
 */
import { Ring } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';
import type { TruncPair } from '../../../src/session/preprocessing.js';
import { bitsToArith } from './convert.js';
import type { ItemPrgs } from './replicated.js';

/** Weights taking the 64 arithmetic bits to (r, r_low >> f, r_top): a 3×64 matrix. */
export function truncWeights(f: number): Ring {
  const w = new Ring([3, 64]);
  for (let k = 0; k < 64; k++) {
    w.data[k] = 1n << BigInt(k);
    if (k >= f && k < 63) w.data[64 + k] = 1n << BigInt(k - f);
  }
  w.data[2 * 64 + 63] = 1n;
  return w;
}

/**
 * Bits of bit k's conversion message (convert.ts): 63 − the smallest exponent weighting it, i.e.
 * k < f: 63 − k (only in r); f ≤ k < 63: 63 − (k − f) (r_low >> f); k = 63: 63 (r_top).
 */
export function truncWidths(f: number): number[] {
  return Array.from({ length: 64 }, (_, k) => (k < f ? 63 - k : k < 63 ? 63 - (k - f) : 63));
}

/** `count` truncation pairs for shifting by f bits. The conversion message goes under (tag, kind). */
export async function truncPairs(s: Session, p: ItemPrgs, count: number, f: number, tag: number, kind: string): Promise<TruncPair> {
  const w = p.pieces([count]);
  const bits = await bitsToArith(s, p, w, truncWidths(f), tag, kind);
  const out = truncWeights(f).matmul(bits).add(p.rerandomizer([3, count])); // see convert.ts
  return { r: out.slice(0, 1).reshape([count]), rLowShifted: out.slice(1, 2).reshape([count]), rTop: out.slice(2, 3).reshape([count]) };
}
