import { ConcordError } from '../errors.js';

/** Binary-classification metrics on a test set (positive class = 1, threshold on the probability). */
export interface Metrics {
  accuracy: number;
  /** ROC AUC (Mann–Whitney statistic; ties count one half). */
  auc: number;
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/**
 * Accuracy, ROC AUC, precision, recall and F1 of probabilities `p` against 0/1 labels `y`.
 * Conventions as scikit-learn: precision/recall/F1 are 0 when undefined (no predicted or no
 * actual positives); AUC needs both classes present (E_DATA otherwise).
 */
export function binaryMetrics(p: ArrayLike<number>, y: ArrayLike<number>, threshold = 0.5): Metrics {
  if (p.length !== y.length || p.length === 0) throw new ConcordError('E_DATA', `metrics: ${p.length} predictions for ${y.length} labels`);
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < p.length; i++) {
    const pred = p[i]! >= threshold ? 1 : 0;
    if (pred === 1 && y[i] === 1) tp++;
    else if (pred === 1) fp++;
    else if (y[i] === 1) fn++;
    else tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { accuracy: (tp + tn) / p.length, auc: rocAuc(p, y), precision, recall, f1, tp, fp, tn, fn };
}

/** ROC AUC by average ranks: (Σ ranks of positives − P(P+1)/2) / (P·N). */
export function rocAuc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[a]! - p[b]!);
  const rank = new Float64Array(p.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && p[idx[j + 1]!] === p[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) rank[idx[k]!] = r;
    i = j + 1;
  }
  let pos = 0, sum = 0;
  for (let i = 0; i < p.length; i++) if (y[i] === 1) { pos++; sum += rank[i]!; }
  const neg = p.length - pos;
  if (pos === 0 || neg === 0) throw new ConcordError('E_DATA', `ROC AUC needs both classes in the test set (got ${pos} positives, ${neg} negatives)`);
  return (sum - (pos * (pos + 1)) / 2) / (pos * neg);
}
