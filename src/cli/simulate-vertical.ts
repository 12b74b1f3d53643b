import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConcordError } from '../errors.js';
import { makeSimDir, runConsortium, partyJsonOrThrow } from './sim-cluster.js';
import { SeededRandom, shardSizes, stratifiedSplit } from '../ml/partition.js';
import type { Job } from '../ml/job.js';
import { binaryMetrics } from '../ml/metrics.js';
import { forwardF, withOnes, fromModelFile } from '../ml/model.js';
import { trainPlain } from '../ml/plain.js';
import type { PartyReport } from './party.js';
import type { SimulateReport } from './simulate-types.js';
import { parseTable, readTable, tableRows, type RawTable } from '../ml/table.js';
import { encodeLocal, tableSpec } from '../ml/encode.js';
import { encodeVertical, fitLocal, localRows } from '../ml/vertical-table.js';
import { transform } from '../ml/preprocess.js';
import { resolveOffline } from './prep.js';

/** What `simulate --partition vertical` needs. */
export interface VerticalSimulationOptions {
  job: Job;
  n: number;
  /**
   * CSVs as institutions export them (src/ml/table.ts): the training file, and the test file or a
   * stratified 80/20 split of the training file. The job's preprocessing fields (categorical,
   * missing, impute, positiveClass, clip) apply at each party to its own columns.
   */
  trainFile: string;
  testFile?: string;
  /** A column of the training file to use as the real record ID (default: synthetic IDs). */
  idColumn?: string;
  /** Party ids and the consortium name. */
  ids: string[];
  consortium: string;
  timeoutS: number;
  keep?: boolean;
  say: (line: string) => void;
  progress?: (line: string) => void;
}

/** Share of the training rows each party keeps (so the PSI has work: 0.9^3 ≈ 73% in common). */
export const KEEP = 0.9;

/** One party's shard of a vertical split: its (raw) columns and its rows (indices into the table). */
interface Shard {
  columns: string[];
  rows: number[];
}

/** The record ID of each row: the real ID column's cells (--id) or a synthetic ID. */
function idsOf(t: RawTable, idColumn: string | undefined, prefix: string): string[] {
  if (idColumn === undefined) return t.rows.map((_, r) => `${prefix}-${String(r).padStart(7, '0')}`);
  const j = t.header.indexOf(idColumn);
  if (j < 0) throw new ConcordError('E_USAGE', `simulate: --id ${idColumn} is not a column of ${t.file} (columns: ${t.header.join(', ')})`);
  return t.rows.map((row) => row[j]!);
}

/** CSV text of one party's shard: the ID column, its raw columns (cells as exported), the label at party 0. */
function shardCsv(t: RawTable, ids: string[], idName: string, sh: Shard, label: string | undefined): string {
  const cols = [...sh.columns, ...(label !== undefined ? [label] : [])].map((c) => t.header.indexOf(c));
  const lines = sh.rows.map((r) => [ids[r]!, ...cols.map((j) => t.rows[r]![j]!)].join(','));
  return [[idName, ...sh.columns, ...(label !== undefined ? [label] : [])].join(','), ...lines].join('\n') + '\n';
}

/** Columns side by side: blocks[p] is rows × dims[p] (row-major) → rows × Σdims. */
function sideBySide(blocks: Float64Array[], dims: number[], rows: number): Float64Array {
  const d = dims.reduce((a, b) => a + b, 0);
  const out = new Float64Array(rows * d);
  let at = 0;
  blocks.forEach((b, p) => {
    const w = dims[p]!;
    for (let r = 0; r < rows; r++) out.set(b.subarray(r * w, (r + 1) * w), r * d + at);
    at += w;
  });
  return out;
}

/**
 * `simulate --partition vertical`: the training CSV's feature columns split into n contiguous
 * blocks (label to the first party); each party keeps a seeded random 90% of the rows in its own
 * shuffled order under a synthetic ID (or the real one with --id); the test CSV is split by
 * columns the same way with every row at every party. The parties align both by PSI, train,
 * and score the test rows in MPC; the plaintext loop runs on the same intersection in the same
 * order, with each party's preprocessing fitted the same way (locally, on its aligned rows).
 */
export async function runVerticalSimulation(o: VerticalSimulationOptions): Promise<SimulateReport> {
  const { job, n, say, ids: partyIds } = o;
  const full = readTable(o.trainFile);
  if (o.idColumn !== undefined && !full.header.includes(o.idColumn)) throw new ConcordError('E_USAGE', `simulate: --id ${o.idColumn} is not a column of ${o.trainFile} (columns: ${full.header.join(', ')})`);
  // The feature columns: the job's `features`, or every column but the label and the ID.
  const featureCols = (job.features.length > 0 ? [...job.features] : full.header.filter((h) => h !== job.label)).filter((c) => c !== o.idColumn);
  const spec0 = tableSpec({ ...job, features: featureCols }, full.header);
  // Checked here with the job's rules, so a bad cell stops before any process starts.
  const y = encodeLocal(full, spec0, 'required').y!;
  let train: RawTable, test: RawTable;
  if (o.testFile) {
    train = full;
    test = readTable(o.testFile);
    encodeLocal(test, spec0, 'required');
  } else {
    const sp = stratifiedSplit(y, 0.2, 0);
    train = tableRows(full, sp.train);
    test = tableRows(full, sp.test);
  }
  const dataset = basename(o.trainFile);
  const offline = resolveOffline(job.offline, n, 'simulate: --offline');
  const idName = o.idColumn ?? 'record_id';
  if (o.idColumn === undefined && full.header.includes(idName)) throw new ConcordError('E_USAGE', `simulate: ${o.trainFile} already has a "${idName}" column: name it with --id ${idName}, or rename it`);
  const trainIds = idsOf(train, o.idColumn, 'rec');
  const testIds = idsOf(test, o.idColumn, 'test');
  if (featureCols.length < n) throw new ConcordError('E_USAGE', `simulate: ${featureCols.length} feature columns cannot be split among ${n} parties`);
  const widths = shardSizes(featureCols.length, n);
  let at = 0;
  const shards: Shard[] = widths.map((w, p) => {
    const columns = featureCols.slice(at, (at += w));
    const rng = new SeededRandom(job.seed, `vertical-rows/${p}`);
    const rows = rng.shuffle(Array.from({ length: train.rows.length }, (_, i) => i)).slice(0, Math.round(KEEP * train.rows.length));
    return { columns, rows };
  });
  const testShards = shards.map((sh, p) => ({ columns: sh.columns, rows: new SeededRandom(job.seed, `vertical-test/${p}`).shuffle(Array.from({ length: test.rows.length }, (_, i) => i)) }));
  const vjob: Job = { ...job, partitioning: 'vertical', id: idName, features: job.features.filter((f) => f !== idName) };

  say(`Concord simulation: ${n} parties (${partyIds.join(', ')}) train a ${job.model === 'mlp' ? `${job.hidden}-unit MLP` : 'logistic regression'} on ${dataset}, split by columns`);
  say(`  each party holds its own columns (${widths.join(' / ')} of ${featureCols.length}; the label at ${partyIds[0]}) for a random ${KEEP * 100}% of the ${train.rows.length} rows, under ${o.idColumn ? `the "${o.idColumn}" column` : 'a synthetic record ID'}`);
  say('  the parties align their rows by private set intersection (ECDH-PSI over X25519): only the common IDs\' count and each party\'s own matching rows are revealed');
  say(`  offline: ${offline}; hyper-parameters: ${job.epochs} epochs, batch ${job.batchSize}, lr ${job.lr}, fixed point f=${job.fracBits}`);
  const sim = await makeSimDir(o.consortium, partyIds, offline === 'dealer');
  const t0 = performance.now();
  try {
    const jobFile = join(sim.dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(vjob, null, 2) + '\n');
    const texts = partyIds.map((_, p) => ({
      data: shardCsv(train, trainIds, idName, shards[p]!, p === 0 ? job.label : undefined),
      test: shardCsv(test, testIds, idName, testShards[p]!, p === 0 ? job.label : undefined),
    }));
    const files = partyIds.map((id, p) => {
      const data = join(sim.dir, `${id}.csv`), tst = join(sim.dir, `${id}-test.csv`);
      writeFileSync(data, texts[p]!.data);
      writeFileSync(tst, texts[p]!.test);
      return { data, test: tst };
    });
    const run = await runConsortium({
      sim,
      deadlineMs: (o.timeoutS * 4 + 300) * 1000,
      partyArgs: (id) => {
        const p = partyIds.indexOf(id);
        return ['--config', sim.consortium, '--id', id, '--key', sim.keys.get(id)!, '--job', jobFile, '--data', files[p]!.data, '--test', files[p]!.test, '--out', join(sim.dir, `model-${id}.json`), '--timeout', String(o.timeoutS), '--json'];
      },
      onLine: (id, line) => {
        if ((id === partyIds[0] && /epoch \d+\/|intersection/.test(line)) || /offline: waited/.test(line)) o.progress?.(line);
      },
    });
    const reports = partyJsonOrThrow<PartyReport>(run.parties);
    const wallSeconds = (performance.now() - t0) / 1000;
    const r0 = reports[0]!;
    if (!r0?.model || !r0.test || !r0.testProbabilities || !r0.alignedRows) throw new ConcordError('E_INTERNAL', `party ${partyIds[0]} reported no model or test scores`);
    const model = r0.model;
    const secure = r0.test;

    // The plaintext loop on the same intersection, in the agreed order, each party's columns read
    // and fitted as its process does (encodeVertical → fitLocal on its aligned rows → transform).
    const rows = r0.alignedRows.map((k) => shards[0]!.rows[k]!);
    const parties = reports.map((rep, p) => {
      if (!rep.alignedRows) throw new ConcordError('E_INTERNAL', `party ${partyIds[p]} reported no aligned rows`);
      const t = encodeVertical(parseTable(texts[p]!.data, files[p]!.data), vjob, idName);
      const aligned = localRows(t.local, rep.alignedRows);
      const fitted = fitLocal(aligned);
      return { aligned, fitted, x: transform(aligned, fitted).x, dim: t.features.length };
    });
    const dims = parties.map((q) => q.dim);
    const D = dims.reduce((a, b) => a + b, 0);
    const { arch, params: modelParams } = fromModelFile(model);
    const tp = performance.now();
    const x1 = withOnes(sideBySide(parties.map((q) => q.x), dims, rows.length), rows.length, D);
    const plainRun = trainPlain(arch, x1, parties[0]!.aligned.y!, rows.length, job);
    const plainSeconds = (performance.now() - tp) / 1000;
    // Every test row, in the test file's order, transformed with each party's training fit.
    const T = test.rows.length;
    const testX = parties.map((q, p) => {
      const t = encodeVertical(parseTable(texts[p]!.test, files[p]!.test), vjob, idName);
      const local = new Array<number>(T);
      testShards[p]!.rows.forEach((r, k) => (local[r] = k));
      const inOrder = localRows(t.local, local);
      return { x: transform(inOrder, q.fitted).x, y: inOrder.y };
    });
    const xt1 = withOnes(sideBySide(testX.map((q) => q.x), dims, T), T, D);
    const yt = testX[0]!.y!;
    const plain = binaryMetrics(forwardF(arch, plainRun.params, xt1, T), yt);
    const pModel = forwardF(arch, modelParams, xt1, T);
    const testIntersection = secure.rows;
    let maxWeightDiff = 0;
    plainRun.params.forEach((p, k) => p.data.forEach((v, i) => (maxWeightDiff = Math.max(maxWeightDiff, Math.abs(v - model.params[k]!.values[i]!)))));
    // MPC scores vs the revealed model applied in plaintext, row by row (party 0's aligned test order).
    const order = (r0.testAlignedRows ?? []).map((k) => testShards[0]!.rows[k]!);
    let maxPredictionDiff = 0;
    order.forEach((r, t) => (maxPredictionDiff = Math.max(maxPredictionDiff, Math.abs(r0.testProbabilities![t]! - pModel[r]!))));

    const bytesSent = reports.reduce((a, r) => a + r.bytesSent, 0);
    say('');
    say(`Aligned ${r0.intersection} common rows by PSI in ${r0.psiSeconds!.toFixed(2)} s; trained in ${r0.trainSeconds.toFixed(2)} s of secure computation (${wallSeconds.toFixed(1)} s wall): ${r0.rounds} rounds, ${(bytesSent / 1e6).toFixed(1)} MB sent by all parties`);
    say(`  secure (MPC scores)    accuracy ${secure.accuracy.toFixed(4)}  ROC AUC ${secure.auc.toFixed(4)}  precision ${secure.precision.toFixed(4)}  recall ${secure.recall.toFixed(4)}  F1 ${secure.f1.toFixed(4)}  (${testIntersection} test rows)`);
    say(`  plaintext, same rows   accuracy ${plain.accuracy.toFixed(4)}  ROC AUC ${plain.auc.toFixed(4)}  precision ${plain.precision.toFixed(4)}  recall ${plain.recall.toFixed(4)}  F1 ${plain.f1.toFixed(4)}`);
    say(`  largest difference: weights vs the plaintext loop ${maxWeightDiff.toExponential(2)}; MPC test scores vs the revealed model ${maxPredictionDiff.toExponential(2)}`);
    say(`  the model (weights ordered by party and column, + each party's scaling) went to ${job.recipients.length ? job.recipients.join(', ') : 'every party'}; no party saw another's columns or IDs outside the intersection`);
    return {
      parties: n, model: job.model, epochs: job.epochs, trainRows: r0.intersection!, testRows: testIntersection,
      accuracy: secure.accuracy, auc: secure.auc, precision: secure.precision, recall: secure.recall, f1: secure.f1,
      trainSeconds: r0.trainSeconds, bytesSent, rounds: r0.rounds, offline, trainRounds: r0.trainRounds, steps: r0.steps,
      dataset: dataset,
      plain: { accuracy: plain.accuracy, auc: plain.auc, precision: plain.precision, recall: plain.recall, f1: plain.f1, seconds: plainSeconds },
      maxWeightDiff, maxPredictionDiff, wallSeconds, peakMemory: Math.max(...reports.map((r) => r.maxRssKiB)) * 1024,
      partitioning: 'vertical', intersection: r0.intersection!, psiSeconds: r0.psiSeconds!, alignedTrainRows: rows,
    };
  } finally {
    if (o.keep) process.stderr.write(`simulate: kept ${sim.dir} (contains private keys: delete it when done)\n`);
    else sim.remove();
  }
}
