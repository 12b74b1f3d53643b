import { encodeLocal, encodeMatrix, specOf, type LocalTable, type Preprocessing } from './encode.js';
import { imputeValues } from './preprocess.js';
import { predict, type ModelFile } from './model.js';
import type { RawTable } from './table.js';

/**
 * Applying a saved model to new raw rows, locally: the model's preprocessing reads the table
 * with the same rules and errors as training (src/ml/encode.ts), then the model predicts.
 */

/** The preprocessing of a model (models saved before preprocessing existed: numeric columns, nothing imputed). */
export function modelPreprocessing(m: ModelFile): Preprocessing {
  return m.preprocessing ?? {
    columns: m.features.map((name, j) => ({ name, kind: 'numeric' as const, impute: m.mean[j]!, observed: 0 })),
    label: m.label, positiveClass: null, missing: [], impute: 'error', unknownLevel: 'error', clip: Infinity,
  };
}

/** Encode a raw table for a model: parsed columns, the encoded unscaled matrix, and labels when present (or required). */
export function encodeForModel(m: ModelFile, t: RawTable, label: 'required' | 'optional'): { local: LocalTable; x: Float64Array } {
  const p = modelPreprocessing(m);
  const local = encodeLocal(t, specOf(p), label);
  return { local, x: encodeMatrix(local, imputeValues(p)) };
}

/** Probabilities of the model for every row of a raw table, and its 0/1 labels when the label column is present. */
export function predictTable(m: ModelFile, t: RawTable, label: 'required' | 'optional' = 'optional'): { p: Float64Array; y?: Float64Array } {
  const { local, x } = encodeForModel(m, t, label);
  const p = predict(m, x, local.rows);
  return local.y ? { p, y: local.y } : { p };
}
