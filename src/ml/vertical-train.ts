import { ConcordError, isConcordError } from '../errors.js';
import type { Session } from '../session/session.js';
import { Ring } from '../ring/ring.js';
import { encodeFixed, decodeFixed } from '../ring/fixed.js';
import { input, inputSeeded } from '../../protocols/arithmetic/input.js';
import { revealTo } from '../../protocols/arithmetic/open.js';
import { matmul } from '../../protocols/arithmetic/matmul.js';
import { trunc } from '../../protocols/arithmetic/trunc.js';
import { publicShare } from '../../protocols/arithmetic/linear.js';
import type { Arch } from './model.js';
import type { Preprocessing } from './encode.js';
import type { Fitted } from './preprocess.js';
import { trainingOrder } from './partition.js';
import { orderedColumns } from './data-matrix.js';
import type { MaskShare } from '../session/preprocessing.js';
import { trainOnShares, checkScaled, type NonlinearOps, type SecureTrainOptions, type SecureTrainResult } from './train.js';
import type { VerticalLayout } from './vertical-agree.js';

/**
 * Training on vertically partitioned data, after the PSI has aligned the rows: row t of every
 * party's local matrix is the same record (the intersection in the agreed order).
 *
 * Flow: each party preprocesses ITS OWN columns over the aligned rows with the job's rules
 * (src/ml/vertical-table.ts: imputation, one-hot, StandardScaler, clip; no communication, since
 * each party owns whole columns) → inputs its block
 * X_p (N × d_p) with the PRG trick (0 rounds, 0 bytes); the label party inputs the labels →
 * X = [X_0 | … | X_{n−1} | 1] (local column concatenation; the bias column is public) → the same
 * loop as horizontal training (src/ml/train.ts trainOnShares). Weights are therefore ordered by
 * party, then by column, bias last. Each party's scaling (mean, std of its columns) is sent to
 * the model's recipients only (1 message, 16·d_p bytes of JSON numbers), since the model file
 * needs it (with the imputation values and levels) to score new rows. Revealed: |intersection| (PSI), the scalings and the model to the
 * recipients, and whatever the job reveals (loss, checkpoints) — never a party's columns.
 */

/** This party's aligned rows, already preprocessed with its own local fit (vertical-table.ts); labels at the label party. */
export interface VerticalLocal {
  /** rows × (its encoded features), imputed, standardized and clipped. */
  x: Float64Array;
  rows: number;
  y?: Float64Array;
  /** Its own fitted preprocessing (mean/std per encoded feature, imputation values, levels). */
  fitted: Fitted;
}

type Column = Preprocessing['columns'][number];

/** A peer's scaling message, checked strictly (E_FRAME naming the party). */
function parseScaling(s: Session, p: number, v: unknown, d: number): { mean: Float64Array; std: Float64Array; columns: Column[] } {
  const o = v as { mean?: unknown; std?: unknown; columns?: unknown } | null;
  const nums = (a: unknown): a is number[] => Array.isArray(a) && a.length === d && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  const column = (c: unknown): c is Column => {
    const k = c as Record<string, unknown> | null;
    if (typeof k !== 'object' || k === null || typeof k.name !== 'string') return false;
    if (k.kind === 'numeric') return typeof k.impute === 'number' && Number.isFinite(k.impute) && Number.isInteger(k.observed);
    return k.kind === 'categorical' && Array.isArray(k.levels) && k.levels.every((l) => typeof l === 'string');
  };
  if (!o || !nums(o.mean) || !nums(o.std) || !Array.isArray(o.columns) || o.columns.length > d || !o.columns.every(column)) {
    throw new ConcordError('E_FRAME', `party ${s.ids[p]} sent a malformed scaling`, { party: s.ids[p]! });
  }
  return { mean: Float64Array.from(o.mean), std: Float64Array.from(o.std), columns: o.columns };
}

/**
 * Train on aligned vertical data. `o.features` lists every party's columns in party order and
 * `o.arch.features` their total; a local failure aborts the session so every party stops.
 */
export async function trainVertical(s: Session, local: VerticalLocal, layout: VerticalLayout, o: SecureTrainOptions): Promise<SecureTrainResult> {
  try {
    return await trainVerticalInner(s, local, layout, o);
  } catch (e) {
    if (isConcordError(e)) s.abort(e);
    throw e;
  }
}

async function trainVerticalInner(s: Session, local: VerticalLocal, layout: VerticalLayout, o: SecureTrainOptions): Promise<SecureTrainResult> {
  const t0 = performance.now();
  const f = o.fracBits;
  const N = local.rows;
  const dims = layout.features.map((c) => c.length);
  const d = dims[s.me]!;
  if (o.arch.features !== dims.reduce((a, b) => a + b, 0)) throw new ConcordError('E_INTERNAL', 'trainVertical: the architecture does not match the layout');
  const mine = local.fitted;
  const scaled = local.x;
  if (scaled.length !== N * d) throw new ConcordError('E_INTERNAL', 'trainVertical: the local matrix does not match the layout');
  checkScaled(scaled);

  // The scaling and preprocessing of this party's columns, to the recipients only (sent now, collected before the model is built).
  const scaleTag = s.tag();
  for (const r of o.recipients) if (r !== s.me) s.sendJson(r, scaleTag, { mean: Array.from(mine.mean), std: Array.from(mine.std), columns: mine.preprocessing.columns }, 'scaling');

  // Each party's columns as row sources (the owner's share, the others' seeds), assembled in the training order below.
  const blocks: MaskShare[] = dims.map((dp, p) => inputSeeded(s, p, [N, dp], p === s.me ? (a, b) => encodeFixed(scaled.subarray(a * dp, b * dp), [b - a, dp], f) : undefined));
  const ones = publicShare(s, Ring.fill([N, 1], 1n << BigInt(f)));
  blocks.push({ shape: [N, 1], rows: (a, b) => ones.slice(a, b), gather: (idx) => ones.gather(idx) });
  const L = layout.labelParty;
  if (s.me === L && !local.y) throw new ConcordError('E_INTERNAL', 'trainVertical: the label party has no labels');
  const Yin = input(s, L, [N, 1], s.me === L ? encodeFixed(local.y!, [N, 1], f) : undefined);
  const weighted = o.hp.positiveWeight !== 1;
  const Win = weighted ? input(s, L, [N, 1], s.me === L ? encodeFixed(local.y!.map((v) => (v === 1 ? o.hp.positiveWeight : 1)), [N, 1], f) : undefined) : undefined;
  const order = trainingOrder(N, o.hp.seed);

  let scaling: { mean: Float64Array; std: Float64Array; preprocessing?: Preprocessing } = mine;
  if (o.recipients.includes(s.me)) {
    const parts = await Promise.all(dims.map(async (dp, p) => (p === s.me
      ? { mean: mine.mean, std: mine.std, columns: mine.preprocessing.columns }
      : parseScaling(s, p, await s.recvJson(p, scaleTag, 'scaling'), dp))));
    scaling = {
      mean: Float64Array.from(parts.flatMap((q) => Array.from(q.mean))),
      std: Float64Array.from(parts.flatMap((q) => Array.from(q.std))),
      // One preprocessing over every party's columns, in party order: `predict` reads a joined table.
      preprocessing: { ...mine.preprocessing, columns: parts.flatMap((q) => q.columns) },
    };
  }
  const data = { X: orderedColumns(order, blocks), Y: Yin.gather(order), ...(Win ? { W: Win.gather(order) } : {}) };
  return trainOnShares(s, data, scaling, o, t0);
}

/**
 * Scores aligned test rows in MPC: every party inputs its own standardized columns, the model's
 * shared parameters score them (logreg: σ(X·w); mlp: σ(relu(X·W1)·w2 + b2)), and only the
 * recipients receive the probabilities. Rounds: 1 (+ rounds of relu and a truncation for the
 * MLP) + rounds(σ) + 1. Returns the probabilities at recipients, undefined elsewhere.
 */
export async function predictVertical(s: Session, arch: Arch, params: Ring[], scaledTest: Float64Array, rows: number, dims: readonly number[], f: number, ops: NonlinearOps, recipients: readonly number[]): Promise<Float64Array | undefined> {
  const blocks = dims.map((dp, p) => input(s, p, [rows, dp], p === s.me ? encodeFixed(scaledTest, [rows, dp], f) : undefined));
  blocks.push(publicShare(s, Ring.fill([rows, 1], 1n << BigInt(f))));
  const X = Ring.concat(blocks, 1);
  let p: Ring;
  if (arch.kind === 'logreg') {
    p = await ops.sigmoid(s, await matmul(s, X, params[0]!), f, 2 * f);
  } else {
    const { y: a2f } = await ops.relu(s, await matmul(s, X, params[0]!));
    const a = await trunc(s, a2f, f);
    const z = (await matmul(s, a, params[1]!)).add(Ring.fill([rows, 1], params[2]!.get(0) << BigInt(f)));
    p = await ops.sigmoid(s, z, f, 2 * f);
  }
  const out = await revealTo(s, p, recipients);
  return out ? decodeFixed(out, f) : undefined;
}
