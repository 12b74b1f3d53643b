import { batchRanges, trainingOrder } from './partition.js';
import { initParams, matmulF, sigmoid, type Arch, type Param } from './model.js';
import type { HyperParams } from './hyper.js';

/**
 * Plaintext float64 reference of EXACTLY the loop in src/ml/train.ts: same initial parameters,
 * same public batch order, same positive-class weighting, same momentum rule, but exact sigmoid
 * and no fixed-point rounding. `simulate --check` compares the two.
 */

/** Per-epoch progress of the plaintext run. */
export interface PlainEpoch {
  epoch: number;
  /** Mean squared error of the probabilities over the epoch (the Brier score the secure loop can reveal). */
  brier: number;
}

/**
 * Train on standardized rows x1 = [x, 1] (rows × (d+1)) with 0/1 labels y.
 * Returns the final parameters and the per-epoch Brier score.
 */
export function trainPlain(arch: Arch, x1: Float64Array, y: Float64Array, rows: number, hp: HyperParams, onStep?: (params: Param[]) => void): { params: Param[]; epochs: PlainEpoch[] } {
  const params = initParams(arch, hp.seed);
  const vel = params.map((p) => new Float64Array(p.data.length));
  const d1 = arch.features + 1;
  const h = arch.hidden;
  const history: PlainEpoch[] = [];
  const order = trainingOrder(rows, hp.seed);
  for (let epoch = 0; epoch < hp.epochs; epoch++) {
    let sq = 0;
    for (const [start, end] of batchRanges(rows, hp.batchSize)) {
      const idx = order.slice(start, end);
      const b = idx.length;
      const xb = new Float64Array(b * d1);
      const yb = new Float64Array(b);
      idx.forEach((r, i) => {
        xb.set(x1.subarray(r * d1, r * d1 + d1), i * d1);
        yb[i] = y[r]!;
      });
      const grads: Float64Array[] = [];
      let p: Float64Array;
      if (arch.kind === 'logreg') {
        p = matmulF(xb, params[0]!.data, b, d1, 1).map(sigmoid);
        const dz = errVector(p, yb, hp.positiveWeight);
        grads.push(matmulF(transpose(xb, b, d1), dz, d1, b, 1));
      } else {
        const hid = matmulF(xb, params[0]!.data, b, d1, h);
        const a = hid.map((v) => (v > 0 ? v : 0));
        const b2 = params[2]!.data[0]!;
        p = matmulF(a, params[1]!.data, b, h, 1).map((v) => sigmoid(v + b2));
        const dz = errVector(p, yb, hp.positiveWeight);
        const gW2 = matmulF(transpose(a, b, h), dz, h, b, 1);
        const gb2 = Float64Array.of(dz.reduce((s, v) => s + v, 0));
        const dh = matmulF(dz, params[1]!.data, b, 1, h); // dz·W2ᵀ; W2 is [h,1] so its data is W2ᵀ row-major too
        for (let i = 0; i < dh.length; i++) if (!(hid[i]! > 0)) dh[i] = 0;
        grads.push(matmulF(transpose(xb, b, d1), dh, d1, b, h), gW2, gb2);
      }
      for (let i = 0; i < b; i++) sq += (p[i]! - yb[i]!) ** 2;
      params.forEach((prm, k) => {
        const g = grads[k]!;
        const v = vel[k]!;
        for (let i = 0; i < v.length; i++) {
          v[i] = hp.momentum * v[i]! + (hp.lr / b) * g[i]!;
          prm.data[i]! -= v[i]!;
        }
      });
      onStep?.(params);
    }
    history.push({ epoch: epoch + 1, brier: sq / rows });
  }
  return { params, epochs: history };
}

/** Per-row gradient of the weighted BCE w.r.t. the logit (summed later, divided by the batch size). */
function errVector(p: Float64Array, y: Float64Array, posWeight: number): Float64Array {
  return p.map((v, i) => (y[i] === 1 ? posWeight : 1) * (v - y[i]!));
}

function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}
