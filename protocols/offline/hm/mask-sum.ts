/**
 * The two-part mask of hm's truncation pairs and edaBits (trunc.ts, edabits.ts): from one
 * replicated random word w = w_0 ⊕ w_1 ⊕ w_2 (replicated.ts), u = w_0 ⊕ w_1 is known to party 0
 * only and y = w_2 to parties 1 and 2, and the mask is the arithmetic sum r = u + y mod 2^64,
 * uniform to each party (each misses one piece). As XOR-replicated sharings u = (w_0, w_1, 0)
 * and y = (0, 0, w_2) come for free, and p = u ⊕ y is w itself.
 * Rounds 0, bytes 0. Security: that of replicated.ts; the additive shares below must still get a
 * zero-sharing before use (party 2 knows party 1's).
 */
import { Ring } from '../../../src/ring/ring.js';
import type { Pieces } from './replicated.js';

/**
 * Party `me`'s components (x_i, x_{i+1}) of u and y, rows 0..n−1 of the pieces' bit planes, as
 * views (an AND reads them once; the caller must not change the planes before that).
 */
export function maskOperands(me: number, planes: Pieces, n: number): { u: Pieces; y: Pieces } {
  const rows = (t: Ring): Ring => new Ring([n, t.shape[1]!], t.data.subarray(0, n * t.shape[1]!));
  const mine = rows(planes.mine), other = rows(planes.other), none = Ring.zeros(mine.shape);
  if (me === 0) return { u: { mine, other }, y: { mine: none, other: none } };
  if (me === 1) return { u: { mine, other: none }, y: { mine: none, other } };
  return { u: { mine: none, other }, y: { mine, other: none } };
}

/** Party `me`'s additive share of r = u + y: u (party 0), y (party 1), 0 (party 2). */
export function maskShare(me: number, w: Pieces): Ring {
  return me === 0 ? w.mine.xor(w.other) : me === 1 ? w.other.clone() : Ring.zeros(w.mine.shape);
}
