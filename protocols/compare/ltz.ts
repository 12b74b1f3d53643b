import type { Ring } from '../../src/ring/ring.js';
import { msbCost, msbPrep, msbStep } from '../binary/msb.js';
import { b2aStep, packedWords } from '../binary/b2a.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';

/**
 * Less-than-zero: arithmetic shares of 1 where x < 0 (two's complement), else 0.
 * msb by one opening of x + 2^k + r with an edaBit r and a k-bit comparison of the public sum
 * with r's bits (msb.ts), then b2a with a daBit. [EGKRS20 (edaBits) §4; RW19 (daBits)]
 * Rounds: 2 + ⌈log2 k⌉ whatever n (8 for the full ring, k = 63; 7 for k ≤ 32).
 * Bytes to each peer: msb's + 8·⌈len/64⌉ (≈ 39.4·len for k = 63, any n; see ltzCost). Semi-honest.
 * Input range: −2^k ≤ x < 2^k (exact). k = 63, the default, is every ring element (−2^63 counts
 * as negative); a caller that knows a smaller bound (standardized data, a sigmoid's argument)
 * passes it and pays fewer rounds and bytes. Outside the stated bound the result is wrong.
 */
export const ltz = runner((s, x: Ring, k: number = 63) => ltzStep(s, x, k));

/** ltz as a chain. */
export async function* ltzStep(s: Scope, x: Ring, k = 63): Chain<Ring> {
  const r = prefetch(s.prep.daBits(s.tag(), x.shape)); // requested with the msb's items, one batch
  return yield* b2aStep(s, yield* msbStep(s, x, msbPrep(s, x.size, k)), r);
}

/** Documented cost of ltz over `len` elements with bound 2^k: rounds and bytes sent to each peer (andBytes as msbCost's). */
export function ltzCost(n: number, len: number, k = 63): { rounds: number; bytesPerPeer: number; andBytes: number } {
  const c = msbCost(n, len, k);
  return { rounds: c.rounds + 1, bytesPerPeer: c.bytesPerPeer + 8 * packedWords(len), andBytes: c.andBytes };
}
