import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { Ring } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { TAGS, runChain, scoped, type Chain } from '../binary/lockstep.js';
import { maxRounds, maxStep, maxTags } from '../compare/max.js';
import { expRounds, expStep } from './exp.js';
import { mulFxStep } from './poly.js';
import { reciprocalRounds, reciprocalStep } from './reciprocal.js';

/**
 * Softmax along an axis of fixed-point shares: e^(x − max) / Σ e^(x − max).
 * Subtracting the (tournament) maximum keeps every exponent ≤ 0, so exp works in its
 * absolute-error regime and the row sum lies in [1, m] for m entries, inside reciprocal's range.
 * Rounds: ⌈log2 m⌉·(C(n) + 8) + exp + reciprocal + 2 (at n = 3, m = 10: 36 + 16 + 18 + 2 = 72).
 * Accuracy (measured, f = 16): absolute error ≤ 1e-3 per output for m ≤ 64 classes with logits
 * whose differences stay below 2^(46) (entries more than 11.09 below the maximum count as 0).
 * Input range: any encodable logits (|x| < 2^46 real); m ≤ 16384. 1-D input: softmax over all.
 */
export async function softmax(s: Session, x: Ring, axis: 0 | 1 = 1, f: number = FRAC_BITS): Promise<Ring> {
  const t = scoped(s, maxTags(x.shape.length === 1 ? x : axis === 1 ? x : x.transpose(), x.shape.length === 1 ? undefined : 1) + 2 * TAGS.nonlinear + 16);
  return runChain(t, softmaxStep(t, x, axis, f));
}

/** softmax as a lockstep chain. */
export async function* softmaxStep(s: Session, x: Ring, axis: 0 | 1 = 1, f: number = FRAC_BITS): Chain<Ring> {
  if (x.shape.length !== 1 && x.shape.length !== 2) throw new ConcordError('E_SHAPE', `softmax: expected a 1-D or 2-D tensor, got [${x.shape.join('×')}]`);
  // Work on rows: (groups × m), one softmax per row.
  const rows = x.shape.length === 1 ? x.reshape([1, x.size]) : axis === 1 ? x : x.transpose();
  const [g, m] = rows.shape as [number, number];
  if (m > 16384) throw new ConcordError('E_RANGE', `softmax: ${m} entries along the axis; at most 16384 are supported (the sum must stay below reciprocal's range)`);
  const { values } = yield* maxStep(s, rows, 1);
  const ones = Ring.fill([1, m], 1n);
  const z = rows.sub(values.reshape([g, 1]).matmul(ones));
  const e = (yield* expStep(s, z, f)).reshape([g, m]);
  const sum = e.sum(1);
  const inv = yield* reciprocalStep(s, sum, f);
  const [y] = (yield* mulFxStep(s, [e], [inv.reshape([g, 1]).matmul(ones)], f)) as [Ring];
  const out = y.reshape([g, m]);
  return x.shape.length === 1 ? out.reshape(x.shape) : axis === 1 ? out : out.transpose();
}

/** Documented rounds of softmax over m entries per group. */
export function softmaxRounds(n: number, m: number): number {
  return maxRounds(n, m) + expRounds(n) + reciprocalRounds(n) + 2;
}
