import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { maxPrep, maxRounds, maxStep, type MaxPrep } from '../compare/max.js';
import { expPrep, expRounds, expStep, type ExpPrep } from './exp.js';
import { mulFxPrep, mulFxStep, type MulFxPrep } from '../arithmetic/fixed.js';
import { reciprocalPrep, reciprocalRounds, reciprocalStep, type ReciprocalPrep } from './reciprocal.js';

/**
 * Softmax along an axis of fixed-point shares: e^(x − max) / Σ e^(x − max).
 * Subtracting the (tournament) maximum keeps every exponent ≤ 0, so exp works in its
 * absolute-error regime and the row sum lies in [1, m] for m entries, inside reciprocal's range.
 * Rounds: ⌈log2 m⌉·8 + exp + reciprocal + 2, any n (m = 10: 32 + 15 + 17 + 2 = 66).
 * Accuracy (measured, f = 16): absolute error ≤ 1e-3 per output for m ≤ 64 classes with logits
 * whose differences stay below 2^(46) (entries more than 11.09 below the maximum count as 0).
 * Input range: any encodable logits (|x| < 2^46 real); m ≤ 16384. 1-D input: softmax over all.
 */
export const softmax = runner((s, x: Ring, axis?: 0 | 1, f?: number) => softmaxStep(s, x, axis, f));

/** Preprocessing of one softmax over g groups of m: the tournament, exp, reciprocal, the product. */
interface SoftmaxPrep {
  max: MaxPrep;
  exp: ExpPrep;
  reciprocal: ReciprocalPrep;
  scale: MulFxPrep;
}

function softmaxPrep(s: Scope, g: number, m: number, f: number): SoftmaxPrep {
  return { max: maxPrep(s, m, g), exp: expPrep(s, g * m, f), reciprocal: reciprocalPrep(s, g, f), scale: mulFxPrep(s, g * m, f) };
}

/** softmax as a chain; its preprocessing is requested when it starts. */
export async function* softmaxStep(s: Scope, x: Ring, axis: 0 | 1 = 1, f: number = FRAC_BITS): Chain<Ring> {
  if (x.shape.length !== 1 && x.shape.length !== 2) throw new ConcordError('E_SHAPE', `softmax: expected a 1-D or 2-D tensor, got [${x.shape.join('×')}]`);
  // Work on rows: (groups × m), one softmax per row.
  const rows = x.shape.length === 1 ? x.reshape([1, x.size]) : axis === 1 ? x : x.transpose();
  const [g, m] = rows.shape as [number, number];
  if (m > 16384) throw new ConcordError('E_RANGE', `softmax: ${m} entries along the axis; at most 16384 are supported (the sum must stay below reciprocal's range)`);
  const pre = softmaxPrep(s, g, m, f);
  const { values } = yield* maxStep(s, rows, 1, pre.max);
  const ones = Ring.fill([1, m], 1n);
  const z = rows.sub(values.reshape([g, 1]).matmul(ones));
  const e = (yield* expStep(s, z, f, pre.exp)).reshape([g, m]);
  const sum = e.sum(1);
  const inv = yield* reciprocalStep(s, sum, f, pre.reciprocal);
  const y = yield* mulFxStep(s, e, inv.reshape([g, 1]).matmul(ones), f, pre.scale);
  const out = y.reshape([g, m]);
  return x.shape.length === 1 ? out.reshape(x.shape) : axis === 1 ? out : out.transpose();
}

/** Documented rounds of softmax over m entries per group. */
export function softmaxRounds(n: number, m: number): number {
  return maxRounds(n, m) + expRounds(n) + reciprocalRounds(n) + 2;
}
