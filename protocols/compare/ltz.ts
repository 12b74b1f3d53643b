import type { Ring } from '../../src/ring/ring.js';
import { msbCost, msbStep } from '../binary/msb.js';
import { b2aStep, packedWords } from '../binary/b2a.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';

/**
 * Less-than-zero: arithmetic shares of 1 where x < 0 (two's complement, i.e. bit 63 set), else 0.
 * msb (carry-save layers + a packed carry tree, msb.ts), then b2a with a daBit.
 * [DSZ15; EGKRS20] Rounds: C(n) + 8 (C = carry-save layers: 0, 1, 2, 3 for n = 2, 3, 4, 5) — 9 at n = 3.
 * Bytes to each peer: msb's + 8·⌈len/64⌉ (≈ 63.4·len at n = 3; see ltzCost). Semi-honest.
 * Input range: every ring element (exact; −2^63 counts as negative).
 */
export const ltz = runner((s, x: Ring) => ltzStep(s, x));

/** ltz as a chain. */
export async function* ltzStep(s: Scope, x: Ring): Chain<Ring> {
  const r = prefetch(s.prep.daBits(s.tag(), x.shape)); // requested with the a2b's triples, one batch
  return yield* b2aStep(s, yield* msbStep(s, x), r);
}

/** Documented cost of ltz over `len` elements: rounds and bytes sent to each peer. */
export function ltzCost(n: number, len: number): { rounds: number; bytesPerPeer: number } {
  const c = msbCost(n, len);
  return { rounds: c.rounds + 1, bytesPerPeer: c.bytesPerPeer + 8 * packedWords(len) };
}
