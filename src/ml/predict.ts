import { encodeRows, encodeMatrix, specOf, type LocalTable, type Preprocessing } from './encode.js';
import { imputeValues } from './preprocess.js';
import { predict, type ModelFile } from './model.js';
import type { RawTable, TableSource } from './table.js';

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

/**
 * Encode a table for a model: parsed columns, the encoded unscaled matrix, labels when present
 * (or required), and the text of column `keep` when asked (the record IDs of a prediction file).
 */
export function encodeForModel(m: ModelFile, t: RawTable | TableSource, label: 'required' | 'optional', keep?: number): { local: LocalTable; x: Float64Array; kept?: string[] } {
  const p = modelPreprocessing(m);
  const { local, kept } = encodeRows(t, specOf(p), label, keep);
  return { local, x: encodeMatrix(local, imputeValues(p)), ...(kept ? { kept } : {}) };
}

/** Probabilities of the model for every row of a table, its 0/1 labels when the label column is present, and column `keep`'s text when asked. */
export function predictTable(m: ModelFile, t: RawTable | TableSource, label: 'required' | 'optional' = 'optional', keep?: number): { p: Float64Array; y?: Float64Array; kept?: string[] } {
  const { local, x, kept } = encodeForModel(m, t, label, keep);
  const p = predict(m, x, local.rows);
  return { p, ...(local.y ? { y: local.y } : {}), ...(kept ? { kept } : {}) };
}
