import { Ring } from '../../src/ring/ring.js';
import type { DaBits } from '../../src/session/preprocessing.js';
import { addPublicScalar } from '../arithmetic/linear.js';
import { msbCost, msbPrep, msbStep, type MsbPrep } from '../binary/msb.js';
import { b2aMulPrep, b2aMulStep, b2aStep, type B2aMulPrep } from '../binary/b2a.js';
import { notBinary } from '../binary/linear.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import type { Scope } from '../core/scope.js';
import { cat, splitLike } from '../arithmetic/open.js';

/**
 * Interval membership for piecewise approximations. Step bits s_i = [x ≥ t_i] for public
 * thresholds t_i come from one batched msb (every threshold at once) and one b2a, so any number
 * of intervals costs the rounds of one ltz, 8 (any n). A piecewise function with per-interval
 * public values c_i is then Σ s_i·(c_i − c_{i−1}) (local), and per-interval secret values v_i
 * enter through s_i·v_i fused into the b2a (same round). Sums telescope exactly in the ring, so
 * intermediate overflow of values outside their own interval never matters.
 * Bytes to each peer: msb's over len·thresholds words + 8·⌈len·thresholds/64⌉ (+ 16 per element and
 * threshold with values).
 */
export async function* stepsStep(s: Scope, x: Ring, thresholds: bigint[], values?: Ring[], pre: StepsPrep = stepsPrep(s, thresholds.length * x.size, values !== undefined)): Chain<{ bits: Ring[]; prods: Ring[] }> {
  const flat = x.reshape([x.size]);
  const shifted = cat(thresholds.map((t) => addPublicScalar(s, flat, -t)));
  const ge = notBinary(s, yield* msbStep(s, shifted, pre.msb));
  const like = thresholds.map(() => flat);
  if (!values || !pre.mul) return { bits: splitLike(yield* b2aStep(s, ge, pre.bits), like), prods: [] };
  const { b, bv } = yield* b2aMulStep(s, ge, cat(values), pre.mul);
  return { bits: splitLike(b, like), prods: splitLike(bv, like) };
}

/** Preprocessing of stepsStep: the b2a's (with products, or bare daBits), then the msb's. */
export interface StepsPrep {
  mul?: B2aMulPrep;
  bits?: Promise<DaBits>;
  msb: MsbPrep;
}

/** Request the preprocessing of stepsStep over `len` = thresholds × elements words (one batch). */
export function stepsPrep(s: Scope, len: number, withValues: boolean): StepsPrep {
  // The b2a's preprocessing is requested together with the msb's.
  const b2a = withValues ? { mul: b2aMulPrep(s, len) } : { bits: prefetch(s.prep.daBits(s.tag(), [len])) };
  return { ...b2a, msb: msbPrep(s, len) };
}

/** Σ_i bits_i·c_i for public ring constants c_i (exact, local). */
export function combine(bits: Ring[], cs: bigint[]): Ring {
  let acc = Ring.zeros(bits[0]!.shape);
  bits.forEach((b, i) => {
    if (cs[i] !== 0n) acc = acc.add(b.scale(cs[i]!));
  });
  return acc;
}

/** Differences c_i − c_{i−1} (c_{−1} = base) of a per-interval table, as telescoping weights. */
export function deltas(cs: bigint[], base: bigint): bigint[] {
  return cs.map((c, i) => c - (i === 0 ? base : cs[i - 1]!));
}

/** Rounds of stepsStep (those of ltz). */
export function stepsRounds(n: number): number {
  return msbCost(n, 1).rounds + 1;
}
