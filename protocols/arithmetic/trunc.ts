import { ConcordError } from '../../src/errors.js';
import { Ring, type Shape } from '../../src/ring/ring.js';
import type { StagedTruncPair, TruncPair } from '../../src/session/preprocessing.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import { runner } from '../core/run.js';
import type { Party, Scope } from '../core/scope.js';
import { cat, splitLike } from './open.js';

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
export async function* truncStep(s: Scope, x: Ring, f: number = FRAC_BITS, pre: Promise<StagedTruncPair> = truncPrep(s, x.shape, f)): Chain<Ring> {
  const p = await pre;
  // A pair requested for the flat length (by a caller batching several tensors) fits any shape.
  const { add } = yield { add: [maskForTrunc(s, x, { r: p.r.reshape(x.shape) })] };
  return finishTrunc(s, add[0]!, await settled(p), f);
}

/**
 * Request a truncation pair by f bits for a tensor of `shape` (or a flat length) now, for
 * truncStep / openWithTruncStep: staged where the mode can (they open x + r before they need the
 * rest, so the dealer's correction arrives during that round). E_RANGE for f outside 1..62.
 */
export function truncPrep(s: Scope, shape: Shape | number, f: number = FRAC_BITS): Promise<StagedTruncPair> {
  checkF(f);
  const tag = s.tag();
  const sh = typeof shape === 'number' ? [shape] : shape;
  return prefetch(s.prep.stagedTruncPair ? s.prep.stagedTruncPair(tag, sh, f) : s.prep.truncPair(tag, sh, f));
}

/** The whole pair at once, for a protocol that uses rLow >> f or rTop before it opens x + r (E_RANGE as truncPrep). */
export function truncPairPrep(s: Scope, shape: Shape | number, f: number = FRAC_BITS): Promise<TruncPair> {
  checkF(f);
  return prefetch(s.prep.truncPair(s.tag(), typeof shape === 'number' ? [shape] : shape, f));
}

/** The whole pair once its staged parts have arrived (no wait for a pair that came whole). */
async function settled(p: StagedTruncPair): Promise<TruncPair> {
  const { r, rLowShifted, rTop } = p;
  return rLowShifted instanceof Ring && rTop instanceof Ring ? { r, rLowShifted, rTop } : { r, rLowShifted: await rLowShifted, rTop: await rTop };
}

/**
 * Open `toOpen` (e.g. the Beaver masks of the next product) and truncate `toTrunc` in the same
 * round, where the data flow allows it (the opened values must not depend on the truncations).
 * All truncations share one pair (flat) and one message. Range as trunc, per element.
 * Rounds: 1. Bytes to each peer: 8·(Σ |toOpen| + Σ |toTrunc|).
 */
export async function* openWithTruncStep(s: Scope, toOpen: readonly Ring[], toTrunc: readonly Ring[], f: number = FRAC_BITS): Chain<{ opened: Ring[]; truncated: Ring[] }> {
  checkF(f);
  const flat = toTrunc.length > 0 ? cat(toTrunc) : undefined;
  const p = flat ? await truncPrep(s, flat.shape, f) : undefined;
  const masked = flat && p ? [maskForTrunc(s, flat, p)] : [];
  const { add } = yield { add: [...toOpen, ...masked] };
  const opened = add.slice(0, toOpen.length);
  const truncated = flat && p ? splitLike(finishTrunc(s, add[toOpen.length]!, await settled(p), f), toTrunc) : [];
  return { opened, truncated };
}

/** Shares of x >> f (1 round, see truncStep). */
export const trunc = runner((s, x: Ring, f?: number) => truncStep(s, x, f));

/** Truncate several tensors in one round (one truncation pair and one message per peer). */
export const truncMany = runner(async function* (s, xs: readonly Ring[], f?: number): Chain<Ring[]> {
  return (yield* openWithTruncStep(s, [], xs, f)).truncated;
});

/** Open and truncate in one round (see openWithTruncStep). */
export const openWithTrunc = runner((s, toOpen: readonly Ring[], toTrunc: readonly Ring[], f?: number) => openWithTruncStep(s, toOpen, toTrunc, f));

/** Shares of c = x + 2^62 + r (party 0 adds the public offset). */
export function maskForTrunc(s: Party, x: Ring, p: { r: Ring }): Ring {
  const masked = x.add(p.r);
  return s.me === 0 ? masked.addScalar(1n << 62n) : masked;
}

/** The local part of trunc once c = x + 2^62 + r is open. */
export function finishTrunc(s: Party, c: Ring, p: TruncPair, f: number): Ring {
  // [w] = cTop + [rTop] − 2·cTop·[rTop] (cTop public, so only party 0 adds the cTop term), then
  // [w]·2^(63−f) − [rLow >> f] and party 0's (cLow >> f) − 2^(62−f): one kernel (Ring.truncFinish).
  return Ring.truncFinish(c, p.rTop.reshape(c.shape), p.rLowShifted.reshape(c.shape), f, s.me === 0);
}

function checkF(f: number): void {
  if (!Number.isInteger(f) || f < 1 || f > 62) throw new ConcordError('E_RANGE', `trunc: f=${f} fractional bits outside 1..62`);
}
