import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { mul } from './mul.js';
import { matmul } from './matmul.js';
import { trunc } from './trunc.js';

/**
 * Fixed-point products: the ring product of two f-bit fixed-point values carries 2f fractional
 * bits; truncation brings it back to f. Correct (within 1 ulp) while the exact product satisfies
 * |x·y| < 2^62 in ring units, i.e. |real product| < 2^(62−2f) = 2^30 at f = 16.
 * Rounds: 2 (product, then truncation). Bytes: the product's plus 8·len of output to each peer.
 */
export async function mulFx(s: Session, x: Ring, y: Ring, f: number = FRAC_BITS): Promise<Ring> {
  return trunc(s, await mul(s, x, y), f);
}

/** Fixed-point matrix product: matmul then truncation (2 rounds). Same range as mulFx per output entry. */
export async function matmulFx(s: Session, x: Ring, y: Ring, f: number = FRAC_BITS): Promise<Ring> {
  return trunc(s, await matmul(s, x, y), f);
}
