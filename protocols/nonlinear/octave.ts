import type { Ring } from '../../src/ring/ring.js';
import type { StagedTruncPair } from '../../src/session/preprocessing.js';
import { addPublicScalar } from '../arithmetic/linear.js';
import type { Chain } from '../core/chain.js';
import type { Scope } from '../core/scope.js';
import { truncPrep, truncStep } from '../arithmetic/trunc.js';
import { coef } from './poly.js';
import { combine, deltas, stepsPrep, stepsStep, type StepsPrep } from './intervals.js';

/** Fractional bits of the slope coefficients of the octave guess. */
const SLOPE_BITS = 34;

/**
 * Initial guess for Newton iterations, linear within each octave of x: for x ∈ [2^q, 2^(q+1))
 * (q = qMin..qMax; below 2^qMin the first octave's line, above the last's) returns
 * a(q) + b(q)·x. One batched comparison against the octave boundaries gives the step bits; the
 * per-octave slopes enter as s_q·(Δb_q·x), fused into the b2a; one truncation rescales.
 * Rounds: 9 (any n). The line of the active octave must satisfy |b(q)·x| < 2^(61 − f − 34).
 */
export async function* octaveGuessStep(s: Scope, x: Ring, qMin: number, qMax: number, a: (q: number) => number, b: (q: number) => number, f: number, pre: OctavePrep = octavePrep(s, x.size, qMax - qMin)): Chain<Ring> {
  const qs = Array.from({ length: qMax - qMin }, (_, i) => qMin + 1 + i);
  const ts = qs.map((q) => BigInt(Math.round(2 ** (q + f))));
  const as = qs.map((q) => coef(a(q), f));
  const bs = qs.map((q) => coef(b(q), SLOPE_BITS));
  const b0 = coef(b(qMin), SLOPE_BITS);
  const slopes = deltas(bs, b0).map((d) => x.scale(d));
  const { bits, prods } = yield* stepsStep(s, x, ts, slopes, pre.steps);
  const slopeSum = prods.reduce((acc, p) => acc.add(p), x.scale(b0));
  const lin = yield* truncStep(s, slopeSum, SLOPE_BITS, pre.trunc);
  const a0 = coef(a(qMin), f);
  return addPublicScalar(s, lin.add(combine(bits, deltas(as, a0))), a0);
}

/** Preprocessing of an octave guess: the comparisons with products, then the rescaling truncation. */
export interface OctavePrep {
  steps: StepsPrep;
  trunc: Promise<StagedTruncPair>;
}

/** Request the preprocessing of octaveGuessStep over `len` elements and `octaves` boundaries. */
export function octavePrep(s: Scope, len: number, octaves: number): OctavePrep {
  return { steps: stepsPrep(s, octaves * len, true), trunc: truncPrep(s, len, SLOPE_BITS) };
}
