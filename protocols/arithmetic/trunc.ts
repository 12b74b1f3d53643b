import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { open } from './open.js';

/**
 * Probabilistic truncation [x] → [x >> f] in Z_2^64 with the mask's top bit shared separately.
 * [EGKRS20, "Improved primitives for MPC over mixed arithmetic-binary circuits", CRYPTO 2020]
 *
 * For |x| < 2^62: x' = x + 2^62 ∈ [0, 2^63). With r = rLow + 2^63·rTop from preprocessing,
 * open c = x' + r = cLow + 2^63·cTop. The carry of x' + rLow is w = cTop ⊕ rTop
 * (= cTop + rTop − 2·cTop·rTop, linear since cTop is public), so
 *   [x >> f] = (cLow >> f) − [rLow >> f] + 2^(63−f)·[w] − 2^(62−f).
 * Rounds: 1. Bytes to each peer: 8·len. Perfectly hiding (c is x' masked by uniform r).
 * Result: floor(x / 2^f) or that plus 1 (off by at most 1 ulp); never a large error for |x| < 2^62.
 * Outside that range the result is wrong by about 2^(63−f): callers keep products below 2^62.
 */
export async function trunc(s: Session, x: Ring, f: number = FRAC_BITS): Promise<Ring> {
  const { r, rLowShifted, rTop } = await s.prep.truncPair(s.tag(), x.shape, f);
  const shifted = s.me === 0 ? x.addScalar(1n << 62n) : x;
  const c = await open(s, shifted.add(r));
  return finishTrunc(s, c, rLowShifted, rTop, f);
}

/** The local part of trunc once c = x + 2^62 + r is open (for callers that batch the opening). */
export function finishTrunc(s: Session, c: Ring, rLowShifted: Ring, rTop: Ring, f: number): Ring {
  const cTop = c.shr(63);
  // [w] = cTop + [rTop] − 2·cTop·[rTop]; cTop is public, so only party 0 adds the cTop term.
  let w = rTop.sub(cTop.mul(rTop).scale(2n));
  if (s.me === 0) w = w.add(cTop);
  let z = w.scale(1n << BigInt(63 - f)).sub(rLowShifted);
  if (s.me === 0) {
    const cLow = c.shl(1).shr(1);
    z = z.add(cLow.shr(f)).addScalar(-(1n << BigInt(62 - f)));
  }
  return z;
}
