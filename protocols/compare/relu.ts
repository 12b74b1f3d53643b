import type { Ring } from '../../src/ring/ring.js';
import { msbCost, msbStep } from '../binary/msb.js';
import { b2aMulPrep, b2aMulStep, packedWords } from '../binary/b2a.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';

/**
 * ReLU with its derivative: y = max(x, 0) and d = (x > 0) as arithmetic 0/1 shares.
 * d = msb(−x) (x > 0 ⇔ −x < 0); y = d·x is fused into the b2a of d (the Beaver product r·x
 * travels in the same round as the masked bit), so relu costs exactly the rounds of ltz.
 * Works on raw ring values, so fixed-point inputs need no truncation.
 * Rounds: 8, any n. Bytes to each peer: msb's + 8·⌈len/64⌉ + 16·len (≈ 55.4·len, any n).
 * Input range: every ring element except −2^63 (for which −x = x, giving d = 1, y = −2^63).
 */
export const relu = runner((s, x: Ring) => reluStep(s, x));

/** relu as a chain. */
export async function* reluStep(s: Scope, x: Ring): Chain<{ y: Ring; d: Ring }> {
  const pre = b2aMulPrep(s, x.size); // requested with the a2b's triples, one batch
  const bit = yield* msbStep(s, x.neg());
  const { b, bv } = yield* b2aMulStep(s, bit, x, pre);
  return { y: bv, d: b };
}

/** Documented cost of relu over `len` elements: rounds and bytes sent to each peer. */
export function reluCost(n: number, len: number): { rounds: number; bytesPerPeer: number } {
  const c = msbCost(n, len);
  return { rounds: c.rounds + 1, bytesPerPeer: c.bytesPerPeer + 8 * packedWords(len) + 16 * len };
}
