import type { Party } from '../core/scope.js';
import { Ring } from '../../src/ring/ring.js';

/**
 * Local linear operations on additive shares: no communication.
 * Adding a public value is done by party 0 alone so the shares still sum to x + p.
 */

/** Shares of x + p for a public tensor p. */
export function addPublic(s: Party, x: Ring, p: Ring): Ring {
  return s.me === 0 ? x.add(p) : x.clone();
}

/** Shares of x + k for a public scalar k. */
export function addPublicScalar(s: Party, x: Ring, k: bigint): Ring {
  return s.me === 0 ? x.addScalar(k) : x.clone();
}

/** Shares of p − x for a public tensor p. */
export function subFromPublic(s: Party, p: Ring, x: Ring): Ring {
  return s.me === 0 ? p.sub(x) : x.neg();
}

/** Shares of the public tensor p itself (party 0 holds p, the others zero). */
export function publicShare(s: Party, p: Ring): Ring {
  return s.me === 0 ? p.clone() : Ring.zeros(p.shape);
}
