import { ConcordError } from '../errors.js';
import { SeededRandom } from './partition.js';
import type { Preprocessing } from './encode.js';

/**
 * Model parameters in plaintext (float64) and the shared architecture description used by the
 * secure loop (src/ml/train.ts) and the plaintext reference (src/ml/plain.ts), so both start
 * from the same parameters and run the same layers.
 *
 * Shapes (d features, h hidden units). The bias of the first layer is the last ROW of the
 * first weight matrix, because the data matrix carries a constant-1 column:
 *   logreg: w  [d+1, 1]
 *   mlp:    w1 [d+1, h], w2 [h, 1], b2 [1]
 */

export type ModelKind = 'logreg' | 'mlp';

/** A named parameter tensor: row-major float64 values. */
export interface Param {
  name: string;
  shape: [number, number];
  data: Float64Array;
}

/** Architecture: kind, number of features, hidden width (mlp). */
export interface Arch {
  kind: ModelKind;
  features: number;
  hidden: number;
}

/**
 * Initial parameters. logreg: zeros (scikit-learn/DESIGN.md §7). mlp: PyTorch nn.Linear default,
 * U(−1/√fan_in, 1/√fan_in) for weights and biases, drawn from the job seed: the initial values
 * are public (like any framework's init), data never is.
 */
export function initParams(arch: Arch, seed: number): Param[] {
  const d = arch.features;
  if (arch.kind === 'logreg') return [{ name: 'w', shape: [d + 1, 1], data: new Float64Array(d + 1) }];
  const h = arch.hidden;
  const rng = new SeededRandom(seed, 'init');
  const u = (n: number, fanIn: number) => Float64Array.from({ length: n }, () => (2 * rng.uniform() - 1) / Math.sqrt(fanIn));
  const w1 = u(d * h, d);
  const b1 = u(h, d);
  const w1b = new Float64Array((d + 1) * h);
  w1b.set(w1);
  w1b.set(b1, d * h);
  return [
    { name: 'w1', shape: [d + 1, h], data: w1b },
    { name: 'w2', shape: [h, 1], data: u(h, h) },
    { name: 'b2', shape: [1, 1], data: u(1, h) },
  ];
}

/** Exact logistic function. */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Dense a[r×k]·b[k×c] in float64. */
export function matmulF(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++)
    for (let t = 0; t < k; t++) {
      const av = a[i * k + t]!;
      if (av === 0) continue;
      for (let j = 0; j < c; j++) out[i * c + j]! += av * b[t * c + j]!;
    }
  return out;
}

/** Append a constant-1 column: x[r×d] → [r×(d+1)]. */
export function withOnes(x: Float64Array, r: number, d: number): Float64Array {
  const out = new Float64Array(r * (d + 1));
  for (let i = 0; i < r; i++) {
    out.set(x.subarray(i * d, i * d + d), i * (d + 1));
    out[i * (d + 1) + d] = 1;
  }
  return out;
}

/** Probabilities for rows of already-standardized features x1 = [x, 1] (r×(d+1)). */
export function forwardF(arch: Arch, params: Param[], x1: Float64Array, r: number): Float64Array {
  const d1 = arch.features + 1;
  if (arch.kind === 'logreg') return matmulF(x1, params[0]!.data, r, d1, 1).map(sigmoid);
  const h = arch.hidden;
  const a = matmulF(x1, params[0]!.data, r, d1, h).map((v) => (v > 0 ? v : 0));
  const b2 = params[2]!.data[0]!;
  return matmulF(a, params[1]!.data, r, h, 1).map((v) => sigmoid(v + b2));
}

/** A trained model as saved to disk: architecture, parameters and the scaling fitted jointly. */
export interface ModelFile {
  format: 'concord-model/1';
  model: ModelKind;
  hidden?: number;
  features: string[];
  label: string;
  /** Standardization per encoded feature: x' = (x − mean) / std, fitted on the union of the parties' training rows. */
  mean: number[];
  std: number[];
  /**
   * How raw CSV rows become `features` (src/ml/encode.ts): input columns in order, imputation
   * values, categorical levels, missing texts, the label's positive class and the clip bound.
   * Absent in models saved before it existed: every feature is a numeric column, no clipping.
   */
  preprocessing?: Preprocessing;
  params: { name: string; shape: [number, number]; values: number[] }[];
}

/** Build the saved form of a model. */
export function toModelFile(arch: Arch, params: Param[], features: string[], label: string, mean: ArrayLike<number>, std: ArrayLike<number>, preprocessing?: Preprocessing): ModelFile {
  return {
    format: 'concord-model/1',
    model: arch.kind,
    ...(arch.kind === 'mlp' ? { hidden: arch.hidden } : {}),
    features,
    label,
    mean: Array.from(mean),
    std: Array.from(std),
    ...(preprocessing ? { preprocessing } : {}),
    params: params.map((p) => ({ name: p.name, shape: p.shape, values: Array.from(p.data) })),
  };
}

/** Read back a saved model (validated: E_CONFIG naming the field on a mismatch). */
export function fromModelFile(m: ModelFile, file = 'model'): { arch: Arch; params: Param[] } {
  if (m.format !== 'concord-model/1') throw new ConcordError('E_CONFIG', `${file}: "format" must be "concord-model/1"`);
  const arch: Arch = { kind: m.model, features: m.features.length, hidden: m.hidden ?? 0 };
  const want = initParams(arch, 0);
  if (m.params.length !== want.length) throw new ConcordError('E_CONFIG', `${file}: "params" has ${m.params.length} tensors, a ${m.model} needs ${want.length}`);
  const params = want.map((w, i) => {
    const p = m.params[i]!;
    if (p.name !== w.name || p.values.length !== w.data.length) throw new ConcordError('E_CONFIG', `${file}: params[${i}] should be "${w.name}" with ${w.data.length} values`);
    return { name: w.name, shape: w.shape, data: Float64Array.from(p.values) };
  });
  return { arch, params };
}

/** Standardize raw rows x[r×d] with (mean, std). */
export function standardize(x: Float64Array, r: number, mean: ArrayLike<number>, std: ArrayLike<number>): Float64Array {
  const d = mean.length;
  const out = new Float64Array(r * d);
  for (let i = 0; i < r; i++) for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j]! - mean[j]!) / std[j]!;
  return out;
}

/** Standardize and clip encoded rows x[r×d] the way the model's training did (no clipping for models without preprocessing). */
export function scaleForModel(m: ModelFile, x: Float64Array, r: number): Float64Array {
  const z = standardize(x, r, m.mean, m.std);
  const clip = m.preprocessing?.clip;
  if (clip !== undefined) for (let i = 0; i < z.length; i++) z[i] = Math.max(-clip, Math.min(clip, z[i]!));
  return z;
}

/** Probabilities of a saved model on encoded (imputed, one-hot), unscaled feature rows x[r×d]. */
export function predict(m: ModelFile, x: Float64Array, r: number): Float64Array {
  const { arch, params } = fromModelFile(m);
  return forwardF(arch, params, withOnes(scaleForModel(m, x, r), r, arch.features), r);
}
