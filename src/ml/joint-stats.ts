import { ConcordError } from '../errors.js';
import type { Session } from '../session/session.js';
import { wideSum } from '../../protocols/arithmetic/wide-sum.js';

/**
 * Joint column statistics of horizontally partitioned data, over the UNION of the parties' rows,
 * without any party's own aggregates being revealed (scikit-learn SimpleImputer(mean) followed by
 * StandardScaler: population variance, imputed cells count as the mean, std 0 → 1).
 *
 * Protocol, per numeric column (2 rounds of protocols/arithmetic/wide-sum.ts, 64·(2d) then 64·d
 * bytes to each peer):
 *  1. each party inputs its count of observed cells and its sum Σx as secret shares; only the
 *     totals are opened → observed count c and mean μ = Σx / c;
 *  2. each party inputs Σ(x − μ)² over its observed cells; only the total is opened →
 *     std = √(Σ(x − μ)² / N) with N the public row count of the union.
 * Exactness: each party sums in double-double (error-free two-sum), encodes the sum as an integer
 * with 64 fractional bits and the wide ring Z_2^512 adds them without wrap-around, so columns with
 * |x| up to 10^30 over 10^7+ rows give the float64-rounded exact mean and std (no E_RANGE);
 * centring before squaring avoids the cancellation of Σx² − (Σx)²/N.
 * Declared output to every party: per numeric column the observed-cell count, mean and std.
 */

/** Joint statistics of one numeric column. */
export interface ColumnStats {
  /** Observed (non-missing) cells in the union. */
  observed: number;
  mean: number;
  std: number;
}

const FRAC = 64;
const SCALE = 2 ** FRAC;

/** Error-free accumulation: [sum, compensation]; the sum is hi + lo to ~2^-100 relative. */
function twoSumAdd(acc: Float64Array, j: number, x: number): void {
  const a = acc[2 * j]!;
  const s = a + x;
  const bp = s - a;
  acc[2 * j] = s;
  acc[2 * j + 1]! += a - (s - bp) + (x - bp);
}

/** A double-double as an integer with 64 fractional bits. */
function toFixedBig(hi: number, lo: number): bigint {
  return BigInt(Math.round(hi * SCALE)) + BigInt(Math.round(lo * SCALE));
}

/**
 * Joint count, mean and std of every column in `cols` (NaN = missing), `total` = public number
 * of rows of the union. E_DATA (the same at every party, from opened counts) if a column has no
 * observed cell at any party. 2 rounds.
 */
export async function jointColumnStats(s: Session, cols: readonly Float64Array[], total: number, names: readonly string[]): Promise<ColumnStats[]> {
  const d = cols.length;
  const acc = new Float64Array(2 * d);
  const counts = cols.map((v, j) => {
    let c = 0;
    for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i]!)) { c++; twoSumAdd(acc, j, v[i]!); }
    return c;
  });
  const first = await wideSum(s, [...counts.map(BigInt), ...cols.map((_, j) => toFixedBig(acc[2 * j]!, acc[2 * j + 1]!))]);
  const observed = first.slice(0, d).map(Number);
  const mean = cols.map((_, j) => {
    if (observed[j]! <= 0) throw new ConcordError('E_DATA', `column "${names[j]}" has no observed (non-missing) cell at any party; drop it from "features"`);
    return Number(first[d + j]!) / SCALE / observed[j]!;
  });
  const sq = new Float64Array(2 * d);
  cols.forEach((v, j) => {
    for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i]!)) twoSumAdd(sq, j, (v[i]! - mean[j]!) ** 2);
  });
  const second = await wideSum(s, cols.map((_, j) => toFixedBig(sq[2 * j]!, sq[2 * j + 1]!)));
  return cols.map((_, j) => {
    const sd = Math.sqrt(Math.max(0, Number(second[j]!) / SCALE) / total);
    // A constant column is left unscaled, like StandardScaler. The sums are exact, so the only
    // noise is the mean's float rounding (≤ 1 ulp): a std within 2 ulps of the mean is constant.
    return { observed: observed[j]!, mean: mean[j]!, std: sd > 2 * Number.EPSILON * Math.abs(mean[j]!) && sd > 0 ? sd : 1 };
  });
}
