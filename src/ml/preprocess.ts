import type { Session } from '../session/session.js';
import { encodeMatrix, encodedNames, scaleAndClip, type LocalTable, type Preprocessing, type TableSpec } from './encode.js';
import { jointColumnStats } from './joint-stats.js';

/**
 * The joint preprocessing of a training job: joint statistics of the numeric columns
 * (src/ml/joint-stats.ts), then each party imputes, one-hot encodes, standardizes and clips its
 * own rows (src/ml/encode.ts). The fitted result is what the model file carries.
 */

/** A fitted preprocessing: the model's `preprocessing`, encoded feature names and their mean/std. */
export interface Fitted {
  preprocessing: Preprocessing;
  features: string[];
  mean: Float64Array;
  std: Float64Array;
}

/** Build the fitted form from per-numeric-column statistics (in input-column order). */
export function fitFromStats(spec: TableSpec, stats: readonly { observed: number; mean: number; std: number }[]): Fitted {
  const features = encodedNames(spec);
  const mean = new Float64Array(features.length);
  const std = new Float64Array(features.length).fill(1);
  let k = 0, off = 0;
  const columns = spec.columns.map((c) => {
    if (c.levels) {
      off += c.levels.length;
      return { name: c.name, kind: 'categorical' as const, levels: [...c.levels] };
    }
    const st = stats[k++]!;
    mean[off] = st.mean;
    std[off] = st.std;
    off++;
    return { name: c.name, kind: 'numeric' as const, impute: st.mean, observed: st.observed };
  });
  const preprocessing: Preprocessing = { columns, label: spec.label, positiveClass: spec.positiveClass, missing: [...spec.missing], impute: spec.impute, unknownLevel: spec.unknownLevel, clip: spec.clip };
  return { preprocessing, features, mean, std };
}

/** Fit jointly: every party calls this with its own parsed table and the public row counts. 2 rounds. */
export async function fitJoint(s: Session, t: LocalTable, rowCounts: readonly number[]): Promise<Fitted> {
  const numeric = t.spec.columns.map((c, k) => [c, k] as const).filter(([c]) => !c.levels);
  const total = rowCounts.reduce((a, b) => a + b, 0);
  const stats = await jointColumnStats(s, numeric.map(([, k]) => t.values[k] as Float64Array), total, numeric.map(([c]) => c.name));
  return fitFromStats(t.spec, stats);
}

/** Imputation value per input column (NaN for categorical ones, which need none). */
export function imputeValues(p: Preprocessing): number[] {
  return p.columns.map((c) => (c.kind === 'numeric' ? c.impute : NaN));
}

/** Apply a fitted preprocessing to a parsed table: scaled, clipped rows and this party's clipped-cell counts per feature. */
export function transform(t: LocalTable, f: Pick<Fitted, 'preprocessing' | 'mean' | 'std'>): { x: Float64Array; clipped: number[] } {
  // In place: the encoded matrix is fresh, and a second rows × features copy would only raise the peak.
  const x = encodeMatrix(t, imputeValues(f.preprocessing));
  return scaleAndClip(x, t.rows, f.mean, f.std, f.preprocessing.clip, x);
}

/**
 * Fit the joint preprocessing of an all-numeric matrix x[rows×d] without missing cells (the
 * programmatic path of trainSecure, e.g. tests and benchmarks on clean data). 2 rounds.
 */
export async function fitNumeric(s: Session, x: Float64Array, rows: number, rowCounts: readonly number[], features: readonly string[], clip: number, label = 'label'): Promise<Fitted> {
  const d = features.length;
  const cols = features.map((_, j) => Float64Array.from({ length: rows }, (_, i) => x[i * d + j]!));
  const spec: TableSpec = { label, positiveClass: null, columns: features.map((name) => ({ name })), missing: [], impute: 'error', unknownLevel: 'error', clip };
  const total = rowCounts.reduce((a, b) => a + b, 0);
  return fitFromStats(spec, await jointColumnStats(s, cols, total, features));
}
