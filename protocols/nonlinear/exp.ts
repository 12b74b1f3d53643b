import { ConcordError } from '../../src/errors.js';
import type { Ring } from '../../src/ring/ring.js';
import type { StagedTruncPair } from '../../src/session/preprocessing.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { combine, deltas, stepsPrep, stepsRounds, stepsStep, type StepsPrep } from './intervals.js';
import { msbCost } from '../binary/msb.js';
import { packedWords } from '../binary/b2a.js';
import { COEF_BITS, polyEvalStep, powersPrep, powersStep } from './poly.js';
import { mulFxPrep, mulFxStep, type MulFxPrep } from '../arithmetic/fixed.js';
import { truncPrep } from '../arithmetic/trunc.js';

/** Interval index range: x ∈ [j·ln2, (j+1)·ln2) for j = J_MIN..J_MAX. */
const J_MIN = -16;
const J_MAX = 15;
/** Minimax quartic of e^u on [0, ln2] (max relative error 2.6e-6). */
const EXP_U = [1.00000241, 0.99979684, 0.50251295, 0.15621281, 0.05861127];

/**
 * Exponential e^x on fixed-point shares by range reduction: x = j·ln2 + u with j integer and
 * u ∈ [0, ln2); e^x = 2^j · e^u. The interval j comes from 32 thresholds j·ln2 compared in one
 * batched ltz; 2^j and j·ln2 are then public-coefficient sums of the step bits (local), e^u a
 * minimax quartic (powers and one truncation), and one fixed-point product joins them.
 * [range reduction as in Cody–Waite; comparisons via DSZ15/EGKRS20]
 * Rounds: 15, any n (ltz's 8 + 7). Bytes to each peer: msb's over 32·len + 8·⌈32·len/64⌉ + 104·len
 * (≈ 1,364·len, any n).
 * Accuracy (measured on a dense grid, f = 16, against e^x of the encoded x):
 * |error| ≤ 5e-5·e^x + 2^−16 for every x < 11.05 (measured 2.3e-5 relative; absolute ≤ 2e-5 for
 * x ≤ 0, so softmax inputs are safe); x < −16·ln2 ≈ −11.09 returns 0 (true value < 1.6e-5).
 * Input range: x < 16·ln2 ≈ 11.09 (e^x < 65536); larger inputs give wrong results. Requires f ≤ 20.
 */
export const exp = runner((s, x: Ring, f?: number) => expStep(s, x, f));

/** Preprocessing of one exp: the comparisons, the powers of u, the quartic, the final product. */
export interface ExpPrep {
  steps: StepsPrep;
  powers: MulFxPrep[];
  poly: Promise<StagedTruncPair>;
  join: MulFxPrep;
}

/** Request the preprocessing of an exp over `len` elements (E_RANGE for f outside 1..20). */
export function expPrep(s: Scope, len: number, f: number = FRAC_BITS): ExpPrep {
  if (!Number.isInteger(f) || f < 1 || f > 20) throw new ConcordError('E_RANGE', `exp: fractional bits f=${f} outside 1..20`);
  return { steps: stepsPrep(s, (J_MAX - J_MIN + 1) * len, false), powers: powersPrep(s, len, 4, f), poly: truncPrep(s, len, COEF_BITS), join: mulFxPrep(s, len, f) };
}

/** exp as a chain; its preprocessing is requested when it is created. */
export async function* expStep(s: Scope, x: Ring, f: number = FRAC_BITS, pre: ExpPrep = expPrep(s, x.size, f)): Chain<Ring> {
  const flat = x.reshape([x.size]);
  const js = Array.from({ length: J_MAX - J_MIN + 1 }, (_, i) => J_MIN + i);
  const ts = js.map((j) => BigInt(Math.round(j * Math.LN2 * 2 ** f)));
  const pows = js.map((j) => (j + f >= 0 ? 1n << BigInt(j + f) : 0n));
  const { bits } = yield* stepsStep(s, flat, ts, undefined, pre.steps);
  // Below every threshold both sums are 0: e^x ≈ 0 there, and u (garbage) is multiplied by 0.
  const twoJ = combine(bits, deltas(pows, 0n));
  const u = flat.sub(combine(bits, deltas(ts, 0n)));
  const pw = yield* powersStep(s, u, 4, f, pre.powers);
  const [eu] = (yield* polyEvalStep(s, pw, [EXP_U], f, pre.poly)) as [Ring];
  const y = yield* mulFxStep(s, twoJ, eu, f, pre.join);
  return y.reshape(x.shape);
}

/** Documented rounds of exp. */
export function expRounds(n: number): number {
  return stepsRounds(n) + 7;
}

/** Documented bytes exp sends to each peer for `len` elements. */
export function expBytes(n: number, len: number): number {
  return msbCost(n, 32 * len).bytesPerPeer + 8 * packedWords(32 * len) + 104 * len;
}
