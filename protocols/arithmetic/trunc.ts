import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';
import type { TruncPair } from '../../src/session/preprocessing.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { flatten, openMany, split } from './open.js';

/**
 * Probabilistic truncation [x] → [x >> f] in Z_2^64 with the mask's top bit shared separately.
 * [EGKRS20: Escudero, Ghosh, Keller, Rachuri, Scholl, "Improved primitives for MPC over mixed
 * arithmetic-binary circuits", CRYPTO 2020, §5.1]
 *
 * For |x| < 2^62: x' = x + 2^62 ∈ [0, 2^63). With r = rLow + 2^63·rTop from preprocessing,
 * open c = x' + r = cLow + 2^63·cTop. The carry of x' + rLow is w = cTop ⊕ rTop
 * (= cTop + rTop − 2·cTop·rTop, linear since cTop is public), so
 *   [x >> f] = (cLow >> f) − [rLow >> f] + 2^(63−f)·[w] − 2^(62−f).
 * Rounds: 1. Bytes to each peer: 8·len. Perfectly hiding (c is x' masked by a uniform r).
 *
 * Input range and error: for every x with −2^62 ≤ x < 2^62 (ring units, two's complement) the
 * result is floor(x / 2^f) or floor(x / 2^f) + 1 — within 1 ulp, always (no failure probability).
 * For f-bit fixed-point products that is |real product| < 2^(62−2f) = 2^30 at f = 16.
 * Outside it, x' + rLow can pass 2^64 and the classic silent failure returns: the result is off
 * by ∓2^(64−f) (2^32 in real terms at f = 16) with probability ≈ (|x| − 2^62)/2^63 per element
 * (test/trunc-range.test.ts measures it). Callers keep values in range; a secret cannot be checked.
 */
export async function trunc(s: Session, x: Ring, f: number = FRAC_BITS, tag: number = s.tag()): Promise<Ring> {
  checkF(f);
  return truncWith(s, x, f, s.prep.truncPair(tag, x.shape, f), tag);
}

/** trunc with a truncation pair already requested (lets callers prefetch at call time). */
export async function truncWith(s: Session, x: Ring, f: number, pair: Promise<TruncPair>, tag: number): Promise<Ring> {
  const p = await pair;
  const [c] = await openMany(s, [maskForTrunc(s, x, p)], tag);
  return finishTrunc(s, c!, p, f);
}

/**
 * Truncate several tensors in one round (one truncation pair and one message per peer).
 * Rounds: 1. Bytes to each peer: 8·Σ len. Range as trunc, per element.
 */
export async function truncMany(s: Session, xs: readonly Ring[], f: number = FRAC_BITS, tag: number = s.tag()): Promise<Ring[]> {
  const { truncated } = await openWithTrunc(s, [], xs, f, tag);
  return truncated;
}

/**
 * Open `toOpen` (e.g. the Beaver masks of the next product) and truncate `toTrunc` in the same
 * round, where the data flow allows it (the opened values must not depend on the truncations).
 * Rounds: 1. Bytes to each peer: 8·(Σ |toOpen| + Σ |toTrunc|).
 */
export async function openWithTrunc(s: Session, toOpen: readonly Ring[], toTrunc: readonly Ring[], f: number = FRAC_BITS, tag: number = s.tag()): Promise<{ opened: Ring[]; truncated: Ring[] }> {
  checkF(f);
  const flat = toTrunc.length > 0 ? flatten(toTrunc) : undefined;
  const pair = flat ? s.prep.truncPair(tag, flat.shape, f) : undefined;
  const p = pair ? await pair : undefined;
  const masked = flat && p ? [maskForTrunc(s, flat, p)] : [];
  const out = await openMany(s, [...toOpen, ...masked], tag);
  const opened = out.slice(0, toOpen.length);
  const truncated = flat && p ? split(finishTrunc(s, out[toOpen.length]!, p, f), toTrunc) : [];
  return { opened, truncated };
}

/** Shares of c = x + 2^62 + r (party 0 adds the public offset). */
export function maskForTrunc(s: Session, x: Ring, p: TruncPair): Ring {
  const masked = x.add(p.r);
  return s.me === 0 ? masked.addScalar(1n << 62n) : masked;
}

/** The local part of trunc once c = x + 2^62 + r is open. */
export function finishTrunc(s: Session, c: Ring, p: TruncPair, f: number): Ring {
  const cTop = c.shr(63);
  // [w] = cTop + [rTop] − 2·cTop·[rTop]; cTop is public, so only party 0 adds the cTop term.
  let w = p.rTop.sub(cTop.mul(p.rTop).scale(2n));
  if (s.me === 0) w = w.add(cTop);
  let z = w.scale(1n << BigInt(63 - f)).sub(p.rLowShifted);
  if (s.me === 0) z = z.add(c.shl(1).shr(f + 1)).addScalar(-(1n << BigInt(62 - f)));
  return z;
}

function checkF(f: number): void {
  if (!Number.isInteger(f) || f < 1 || f > 62) throw new ConcordError('E_RANGE', `trunc: f=${f} fractional bits outside 1..62`);
}
