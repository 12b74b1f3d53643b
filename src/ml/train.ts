import { ConcordError, isConcordError } from '../errors.js';
import type { Session } from '../session/session.js';
import { Ring } from '../ring/ring.js';
import { encodeFixed, decodeFixed } from '../ring/fixed.js';
import { inputBlocks, inputSeeded } from '../../protocols/arithmetic/input.js';
import { open, revealTo } from '../../protocols/arithmetic/open.js';
import { matmul } from '../../protocols/arithmetic/matmul.js';
import { mul } from '../../protocols/arithmetic/mul.js';
import { trunc, truncMany } from '../../protocols/arithmetic/trunc.js';
import { publicShare } from '../../protocols/arithmetic/linear.js';
import { initParams, toModelFile, withOnes, type Arch, type ModelFile } from './model.js';
import { trainingOrder, batchRanges } from './partition.js';
import { fitNumeric, type Fitted } from './preprocess.js';
import { scaleAndClip, type Preprocessing } from './encode.js';
import { DEFAULT_CLIP } from './job.js';
import { SharedData, SeededData, orderedRows, orderedSource, type DataMatrix } from './data-matrix.js';
import type { MaskShare } from '../session/preprocessing.js';
import type { HyperParams } from './hyper.js';
import type { EpochState, PublicState } from './checkpoint.js';

/**
 * Joint training on horizontally partitioned data: logistic regression or a one-hidden-layer
 * ReLU MLP, binary cross-entropy gradient, mini-batch SGD with optional momentum.
 *
 * Flow: joint standardization (src/ml/scaling.ts, declared output: mean and std) → each party
 * scales its own rows, appends the constant-1 bias column and inputs them (0 rounds) → the union
 * is put in the public training order (local gather) → per batch:
 *   logreg: z = X_b·w (2f bits) → p = σ(z) → e = p − y → G = X_bᵀ·e → w −= trunc(η·G + μ·v)
 *   mlp:    (A, D) = relu(X_b·W1) → z = A·W2 + b2 (3f bits) → p = σ(z) → e = p − y
 *           → {Aᵀ·e, e ⊙ (D ⊙ W2ᵀ)} (1 round; D ⊙ W2ᵀ computed alongside σ) → dH = trunc(·)
 *           → X_bᵀ·dH → all updates in 1 round. Rounds per mlp step: 2·rounds(σ-ish) + 6 (+1 for f > 16).
 * Rounds per logreg step: 1 + rounds(σ) + 1 + 1 (+2 with a positive-class weight); σ takes the
 * untruncated product and truncates within its comparison rounds.
 * The learning rate and 1/|batch| are folded into ONE public fixed-point factor η_e = lr/|b|·2^e
 * so each update needs a single truncation (by f + e bits) — momentum is folded into the same one.
 * Revealed: public row counts, the scaling, (optionally) the per-epoch Brier loss, and the final
 * model to the recipients. Everything else stays in shares.
 */

/** The comparison-based functions the loop needs (protocols/compare, protocols/nonlinear). */
export interface NonlinearOps {
  /** σ at f fractional bits of an input with `inFrac` (f..2f, default f) fractional bits. */
  sigmoid(s: Session, x: Ring, f: number, inFrac?: number): Promise<Ring>;
  relu(s: Session, x: Ring): Promise<{ y: Ring; d: Ring }>;
}

/** This party's own training rows (raw, unscaled). */
export interface LocalData {
  x: Float64Array;
  y: Float64Array;
  rows: number;
}

export interface SecureTrainOptions {
  arch: Arch;
  hp: HyperParams;
  fracBits: number;
  features: string[];
  label: string;
  /** Party indices that receive the model. */
  recipients: number[];
  revealLoss: boolean;
  /** Open the parameters to every party after every step (declared debugging output). */
  revealCheckpoints?: boolean;
  /**
   * The joint preprocessing already applied to local.x (src/ml/preprocess.ts: imputed, one-hot,
   * standardized, clipped). Absent: local.x is raw numeric and is standardized jointly here
   * (clipped at DEFAULT_CLIP).
   */
  prepared?: Fitted;
  ops: NonlinearOps;
  onEpoch?: (e: EpochReport) => void;
  /** Continue after a checkpointed epoch: its shares (params, then velocities) and a check of the public state. */
  resume?: { epoch: number; tensors: Ring[]; check?: (pub: PublicState) => void };
  /** Awaited after every epoch with this party's shares of the state (src/ml/checkpoint.ts writes them). */
  onEpochState?: (st: EpochState) => Promise<void>;
  /**
   * How the training matrix is masked for its products (job field "maskData"): "once" opens
   * E = X − A of the whole matrix once and every party keeps it (8·rows·cols bytes each);
   * "perBatch" opens each batch's rows of E with its first product (same rounds, 8·|X_b| more
   * bytes per peer and step), and a party keeps only its own rows' share. Default "once".
   */
  maskData?: 'once' | 'perBatch';
  /** The caller needs local.x and local.y no more: they are emptied once input, not kept for the whole run. */
  releaseRows?: boolean;
}

/** Progress of one epoch (the loss only when the job reveals it). */
export interface EpochReport {
  epoch: number;
  seconds: number;
  loss?: number;
  rounds: number;
  bytesSent: number;
}

export interface SecureTrainResult {
  /** The model, at recipients only. */
  model?: ModelFile;
  epochs: EpochReport[];
  mean: Float64Array;
  std: Float64Array;
  /** Seconds from the first input to the revealed model (scaling included). */
  trainSeconds: number;
  /** Rounds of the training steps only (per step = rounds / steps). */
  trainRounds: number;
  steps: number;
  /** With revealCheckpoints: all parameters (flattened, in order) after every step. */
  checkpoints?: Float64Array[];
  /** The trained parameters as this party's shares (for predictions computed in MPC). */
  shares: Ring[];
  /** The epoch this run continued after (0: started from the initial parameters). */
  resumedFrom: number;
}

/** Largest standardized feature magnitude accepted (z-score); bounds the gradient for the ring. */
export const MAX_SCALED = 64;

/**
 * Train jointly. Every party calls this with its own rows and the public row counts of all parties.
 * A local failure (range check, bad input) aborts the session so the other parties stop too.
 */
export async function trainSecure(s: Session, local: LocalData, rowCounts: readonly number[], o: SecureTrainOptions): Promise<SecureTrainResult> {
  try {
    return await trainInner(s, local, rowCounts, o);
  } catch (e) {
    if (isConcordError(e)) s.abort(e);
    throw e;
  }
}

async function trainInner(s: Session, local: LocalData, rowCounts: readonly number[], o: SecureTrainOptions): Promise<SecureTrainResult> {
  const t0 = performance.now();
  const { arch, hp } = o;
  const f = o.fracBits;
  const d = arch.features;
  if (rowCounts[s.me] !== local.rows) throw new ConcordError('E_INTERNAL', `party ${s.id}: row count ${local.rows} differs from the announced ${rowCounts[s.me]}`);

  const fitted = o.prepared ?? (await fitNumeric(s, local.x, local.rows, rowCounts, o.features, DEFAULT_CLIP, o.label));
  const shares = inputScaled(s, local, fitted, o.prepared !== undefined, rowCounts, d, f, hp, o.maskData ?? 'once');
  if (o.releaseRows) {
    local.x = new Float64Array(0);
    local.y = new Float64Array(0);
  }
  return trainOnShares(s, shares, fitted, o, t0);
}

/** Scale (unless prepared) and input the rows; a function of its own so the scaled copy is garbage once input. */
function inputScaled(s: Session, local: LocalData, fitted: Fitted, prepared: boolean, rowCounts: readonly number[], d: number, f: number, hp: HyperParams, maskData: 'once' | 'perBatch'): TrainingShares {
  const scaled = prepared ? local.x : scaleAndClip(local.x, local.rows, fitted.mean, fitted.std, DEFAULT_CLIP).x;
  checkScaled(scaled);
  return inputRows(s, scaled, local.y, rowCounts, d, f, hp, maskData);
}

/**
 * Input every party's rows [x', 1], labels and (if weighted) row weights (0 rounds), straight
 * into the public training order: one party's input exists at a time beside the ordered result.
 */
function inputRows(s: Session, scaled: Float64Array, y: Float64Array, rowCounts: readonly number[], d: number, f: number, hp: HyperParams, maskData: 'once' | 'perBatch'): TrainingShares {
  const order = trainingOrder(rowCounts.reduce((a, b) => a + b, 0), hp.seed);
  const weighted = hp.positiveWeight !== 1;
  const ownX = (a: number, b: number) => withOnes(scaled.subarray(a * d, b * d), b - a, d);
  // Each party's rows go in as blocks (inputBlocks), placed as they are made: the only
  // union-sized tensor is the result.
  function* parts(width: number, own: (start: number, end: number) => Float64Array): Generator<Ring> {
    for (let p = 0; p < s.n; p++) {
      const r = rowCounts[p]!;
      if (r > 0) yield* inputBlocks(s, p, [r, width], p === s.me ? (a, b) => encodeFixed(own(a, b), [b - a, width], f) : undefined);
    }
  }
  // perBatch: X stays a row source (my rows' share and the seeds of the others': inputSeeded).
  const X = maskData === 'perBatch'
    ? orderedSource(order, d + 1, rowCounts.flatMap((r, p) => (r > 0 ? [inputSeeded(s, p, [r, d + 1], p === s.me ? (a, b) => encodeFixed(ownX(a, b), [b - a, d + 1], f) : undefined)] : [])))
    : orderedRows(order, d + 1, parts(d + 1, ownX));
  const Y = orderedRows(order, 1, parts(1, (a, b) => y.subarray(a, b)));
  const W = weighted ? orderedRows(order, 1, parts(1, (a, b) => y.subarray(a, b).map((v) => (v === 1 ? hp.positiveWeight : 1)))) : undefined;
  return { X, Y, ...(W ? { W } : {}), order };
}

/** The joint training data as shares: rows [x', 1] in the public training order, labels, row weights. */
export interface TrainingShares {
  /**
   * Consumed by trainOnShares. A tensor is masked once, in place (its buffer is reused for the
   * opened E = X − A); a row source (maskData "perBatch") is masked batch by batch.
   */
  X: Ring | MaskShare;
  Y: Ring;
  W?: Ring;
  /** The public row order (horizontal: the seeded permutation), for the checkpoints' public-state digest. */
  order?: readonly number[];
}

/**
 * The training loop proper, on data already input as shares (horizontal: trainInner above;
 * vertical: src/ml/vertical-train.ts). `scaling` goes into the recipients' model file; `t0`
 * is when the caller started (so trainSeconds covers its scaling and input too).
 */
export async function trainOnShares(s: Session, data: TrainingShares, scaling: { mean: Float64Array; std: Float64Array; preprocessing?: Preprocessing }, o: SecureTrainOptions, t0 = performance.now()): Promise<SecureTrainResult> {
  const { arch, hp } = o;
  const f = o.fracBits;
  const { mean, std } = scaling;
  const X: DataMatrix = data.X instanceof Ring ? await SharedData.mask(s, data.X) : await SeededData.mask(s, data.X);
  const N = X.rows;
  const Y = data.Y;
  const W = data.W;

  let params = initParams(arch, hp.seed).map((p) => publicShare(s, encodeFixed(p.data, p.shape, f)));
  let vel = params.map((p) => Ring.zeros(p.shape));
  const batches = batchRanges(N, hp.batchSize);
  const pub = { rows: N, order: data.order ?? [], mean, std, batches: batches.length };
  const first = o.resume ? resumeState(o.resume, pub, params, hp.epochs) : 1;
  if (o.resume) {
    params = o.resume.tensors.slice(0, params.length);
    vel = o.resume.tensors.slice(params.length);
  }
  const epochs: EpochReport[] = [];
  const checkpoints: Promise<Ring>[] = [];
  const roundsBefore = s.stats().rounds;

  for (let epoch = first; epoch <= hp.epochs; epoch++) {
    const te = performance.now();
    let sq = Ring.zeros([1]);
    for (const [start, end] of batches) {
      const b = end - start;
      const yb = Y.slice(start, end);
      const step = arch.kind === 'logreg' ? logregStep : mlpStep;
      const { grads, err } = await step(s, o, X, start, end, params, yb, W?.slice(start, end));
      const upd = updateFactors(hp, b, f, o);
      const [steps, sqb] = await Promise.all([
        truncMany(s, grads.map((g, k) => addMomentum(g.scale(upd.eta), vel[k]!, upd.mu)), f + upd.e),
        o.revealLoss ? mul(s, err, err) : Promise.resolve(undefined),
      ]);
      params = params.map((p, k) => p.sub(steps[k]!));
      // Off the critical path: the loop does not wait for these openings until the end.
      if (o.revealCheckpoints) checkpoints.push(open(s, Ring.concat(params.map((p) => p.reshape([p.size])))));
      if (hp.momentum > 0) vel = steps;
      if (sqb) sq = sq.add(sqb.sum());
    }
    const report: EpochReport = { epoch, seconds: (performance.now() - te) / 1000, rounds: s.stats().rounds, bytesSent: s.stats().bytesSent };
    if (o.revealLoss) {
      const loss = decodeFixed(await open(s, sq), 2 * f)[0]! / N;
      // Brier score of probabilities lies in [0, 1] (up to the weights): outside means garbage.
      if (!Number.isFinite(loss) || loss < -0.01 || loss > 1.01 * Math.max(1, hp.positiveWeight ** 2)) {
        throw new ConcordError('E_RANGE', `epoch ${epoch}: the revealed loss ${loss} is outside [0, 1]; the fixed-point values overflowed (try a smaller lr, fewer features out of range, or more fracBits)`, { party: s.id });
      }
      report.loss = loss;
    }
    epochs.push(report);
    if (o.onEpochState) await o.onEpochState({ epoch, epochs: hp.epochs, steps: epoch * batches.length, params, vel, pub });
    o.onEpoch?.(report);
  }
  const trainRounds = s.stats().rounds - roundsBefore;

  const revealed = await Promise.all(params.map((p) => revealTo(s, p, o.recipients)));
  let model: ModelFile | undefined;
  if (o.recipients.includes(s.me)) {
    const plain = initParams(arch, hp.seed).map((p, k) => ({ ...p, data: decodeFixed(revealed[k]!, f) }));
    for (const p of plain) {
      if (!p.data.every((v) => Number.isFinite(v) && Math.abs(v) < 2 ** 20)) {
        throw new ConcordError('E_RANGE', `the trained ${p.name} has values beyond 2^20: training diverged or overflowed; lower lr`, { party: s.id });
      }
    }
    model = toModelFile(arch, plain, o.features, o.label, mean, std, scaling.preprocessing);
  }
  const opened = await Promise.all(checkpoints);
  return { ...(model ? { model } : {}), shares: params, ...(o.revealCheckpoints ? { checkpoints: opened.map((c) => decodeFixed(c, f)) } : {}), epochs, mean, std, trainSeconds: (performance.now() - t0) / 1000, trainRounds, steps: (hp.epochs - first + 1) * batches.length, resumedFrom: first - 1 };
}

/** First epoch to run after a checkpoint, once its public state and tensor shapes are checked. */
function resumeState(r: NonNullable<SecureTrainOptions['resume']>, pub: PublicState, init: readonly Ring[], epochs: number): number {
  r.check?.(pub);
  const shapes = [...init, ...init].map((p) => p.shape.join('x'));
  if (r.tensors.length !== shapes.length || r.tensors.some((t, i) => t.shape.join('x') !== shapes[i]) || r.epoch < 1 || r.epoch > epochs) {
    throw new ConcordError('E_CHECKPOINT', `the checkpoint of epoch ${r.epoch} does not fit this job (${r.tensors.length} tensors for a model of ${init.length} parameters, ${epochs} epochs)`);
  }
  return r.epoch + 1;
}

/** Public update factors: η_e = round(lr/b·2^e) with ≥ 7 significant bits, μ_e = round(μ·2^(f+e)). */
function updateFactors(hp: HyperParams, b: number, f: number, o: SecureTrainOptions): { eta: bigint; mu: bigint; e: number } {
  const eta = hp.lr / b;
  // The truncated value η_e·G + μ_e·v (G at 2f bits, |G| ≤ b·MAX_SCALED·pw, and the velocity
  // at most 1/(1 − μ) times one step) must stay below 2^61, the exact range of the truncation.
  const gBits = Math.ceil(Math.log2((b * MAX_SCALED * Math.max(1, hp.positiveWeight)) / (1 - hp.momentum)));
  const etaBits = Math.min(13, 61 - 2 * f - gBits);
  if (etaBits < 7) throw new ConcordError('E_RANGE', `batch ${b} with fracBits ${o.fracBits} leaves only ${etaBits} bits for the learning rate; use a smaller batchSize or fracBits`);
  const e = Math.max(0, etaBits - Math.ceil(Math.log2(eta)) - 1);
  if (f + e > 60) throw new ConcordError('E_RANGE', `learning rate ${hp.lr} is too small for fixed point (lr/batch = ${eta})`);
  return { eta: BigInt(Math.round(eta * 2 ** e)), mu: BigInt(Math.round(hp.momentum * 2 ** (f + e))), e };
}

/** η_e·G + μ_e·v (v at f bits, so μ_e carries f + e bits and both terms sit at 2f + e). */
function addMomentum(gScaled: Ring, v: Ring, mu: bigint): Ring {
  return mu === 0n ? gScaled : gScaled.add(v.scale(mu));
}

/**
 * The preprocessing clips standardized values to ±clip ≤ MAX_SCALED (the bound the update
 * factors rely on); a value outside is a bug, reported without its row (outliers are clipped,
 * never named).
 */
export function checkScaled(x: Float64Array): void {
  if (!x.every((v) => Math.abs(v) <= MAX_SCALED)) throw new ConcordError('E_INTERNAL', `a standardized value is beyond ±${MAX_SCALED} or not finite after clipping`);
}

type Step = (s: Session, o: SecureTrainOptions, X: DataMatrix, start: number, end: number, params: Ring[], yb: Ring, wb: Ring | undefined) => Promise<{ grads: Ring[]; err: Ring }>;

/** Error term at f bits: p − y, times the row weight when the job weights positives. */
async function errorTerm(s: Session, p: Ring, yb: Ring, wb: Ring | undefined, f: number): Promise<Ring> {
  const e = p.sub(yb);
  return wb ? trunc(s, await mul(s, e, wb), f) : e;
}

const logregStep: Step = async (s, o, X, start, end, [w], yb, wb) => {
  const f = o.fracBits;
  // σ takes X_b·w untruncated (2f bits) and truncates inside its own rounds: one round less per step.
  const p = await o.ops.sigmoid(s, await X.times(start, end, w!), f, 2 * f);
  const err = await errorTerm(s, p, yb, wb, f);
  return { grads: [await X.transposeTimes(start, end, err)], err };
};

const mlpStep: Step = async (s, o, X, start, end, [w1, w2, b2], yb, wb) => {
  const f = o.fracBits;
  const b = end - start;
  const hid = w2!.shape[0]!;
  const ones = Ring.fill([1, hid], 1n);
  // relu works on raw ring values, so it takes X_b·W1 at 2f bits; its output is truncated
  // concurrently with the next product (same round), which then carries 3f bits.
  const { y: a2f, d: dRelu } = await o.ops.relu(s, await X.times(start, end, w1!));
  const [a, z3f] = await Promise.all([trunc(s, a2f, f), matmul(s, a2f, w2!)]);
  // Off the critical path, concurrently with σ: M = D ⊙ W2ᵀ (row-broadcast), so that the
  // hidden-layer error is one product dH = e ⊙ M instead of a matmul, a truncation and a product.
  // σ takes A·W2 + b2 at 3f bits as it is and truncates within its own rounds (saves a round)
  // while that leaves it the input range |z| < 2^(62−3f) ≥ 2^14; larger f truncates first.
  const fused = 3 * f <= 48;
  const [p, m] = await Promise.all([
    fused
      ? o.ops.sigmoid(s, z3f.add(Ring.fill([b, 1], b2!.get(0) << BigInt(2 * f))), f, 3 * f)
      : trunc(s, z3f, 2 * f).then((z) => o.ops.sigmoid(s, z.add(Ring.fill([b, 1], b2!.get(0))), f)),
    mul(s, dRelu, Ring.fill([b, 1], 1n).matmul(w2!.reshape([1, hid]))),
  ]);
  const err = await errorTerm(s, p, yb, wb, f);
  const [gW2, dH2f] = await Promise.all([matmul(s, a.transpose(), err), mul(s, err.matmul(ones), m)]);
  const gb2 = err.sum().reshape([1, 1]).scale(1n << BigInt(f));
  const dH = await trunc(s, dH2f, f);
  return { grads: [await X.transposeTimes(start, end, dH), gW2, gb2], err };
};
