import { ConcordError } from '../errors.js';
import type { Session } from '../session/session.js';
import { Ring } from '../ring/ring.js';
import { encodeFixed, decodeFixed, fixedLimit } from '../ring/fixed.js';
import { input } from '../../protocols/arithmetic/input.js';
import { open } from '../../protocols/arithmetic/open.js';

/**
 * Joint standardization of horizontally partitioned data, fitted on the UNION of the parties'
 * rows (scikit-learn StandardScaler: population variance, std 0 → 1).
 *
 * Protocol (2 rounds, 8·d bytes to each peer per round):
 *  1. every party inputs its column sums Σx as shares (0 rounds); the shares are added and only
 *     the total is opened → mean = Σx / N (N = Σ of the public row counts);
 *  2. every party inputs Σ(x − mean)² of its rows; only the total is opened → std.
 * Declared output: mean and std of every column, to every party. They are needed to scale rows
 * before input and ship with the model anyway; given the public N they are equivalent to the
 * opened sums. No party's own sums are revealed. Centring before squaring keeps the sums small
 * enough for the 64-bit ring (checked: E_RANGE names the column if a party's sum is too large).
 */
export async function jointStandardize(s: Session, x: Float64Array, rows: number, d: number, rowCounts: readonly number[], features: readonly string[], f = 16): Promise<{ mean: Float64Array; std: Float64Array }> {
  const total = rowCounts.reduce((a, b) => a + b, 0);
  const colSums = new Float64Array(d);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) colSums[j]! += x[i * d + j]!;
  const sum = await jointSum(s, colSums, features, 'sum', f);
  const mean = sum.map((v) => v / total);
  const sq = new Float64Array(d);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) sq[j]! += (x[i * d + j]! - mean[j]!) ** 2;
  const ss = await jointSum(s, sq, features, 'sum of squared deviations', f);
  const std = ss.map((v) => {
    const sd = Math.sqrt(Math.max(v, 0) / total);
    return sd > 1e-9 ? sd : 1;
  });
  return { mean, std };
}

/** Open Σ over parties of each party's local vector (only the total is revealed). */
async function jointSum(s: Session, local: Float64Array, features: readonly string[], what: string, f: number): Promise<Float64Array> {
  const limit = fixedLimit(f) / (2 * s.n);
  local.forEach((v, j) => {
    if (!(Math.abs(v) < limit)) {
      throw new ConcordError('E_RANGE', `party ${s.id}: the ${what} of column "${features[j]}" is ${Math.abs(v) > 1e6 ? 'too large' : 'not finite'} for ${f}-bit fixed point (limit ${limit.toExponential(2)}); rescale that column (e.g. change its unit) before training`, { party: s.id });
    }
  });
  const d = local.length;
  const mine = encodeFixed(local, [d], f);
  let acc = Ring.zeros([d]);
  for (let p = 0; p < s.n; p++) acc = acc.add(input(s, p, [d], p === s.me ? mine : undefined));
  return decodeFixed(await open(s, acc), f);
}
