import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConcordError } from '../errors.js';
import { makeSimDir, runConsortium, partyJsonOrThrow } from './sim-cluster.js';
import type { Dataset } from '../ml/csv.js';
import { SeededRandom, shardSizes } from '../ml/partition.js';
import type { Job } from '../ml/job.js';
import { binaryMetrics } from '../ml/metrics.js';
import { forwardF, standardize, withOnes, fromModelFile, predict } from '../ml/model.js';
import { trainPlain } from '../ml/plain.js';
import type { PartyReport } from './party.js';
import type { SimulateReport } from './simulate-types.js';
import { readCsv, selectRows } from '../ml/csv.js';
import { stratifiedSplit } from '../ml/partition.js';
import { resolveOffline } from './prep.js';
import { basename } from 'node:path';

/** What `simulate --partition vertical` needs. */
export interface VerticalSimulationOptions {
  job: Job;
  n: number;
  /** Numeric CSVs (csv.ts): the training file, and the test file or a stratified 80/20 split. */
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

/** One party's shard of a vertical split: its columns, its rows (indices into the dataset) and their IDs. */
interface Shard {
  columns: number[];
  rows: number[];
}

/** `ids[r]` for dataset row r: the real ID column's values (--id) or a synthetic record ID. */
function idsOf(ds: Dataset, idColumn: string | undefined, prefix: string): { ids: string[]; featureCols: number[] } {
  const all = ds.features.map((_, j) => j);
  if (idColumn === undefined) return { ids: Array.from({ length: ds.rows }, (_, r) => `${prefix}-${String(r).padStart(7, '0')}`), featureCols: all };
  const j = ds.features.indexOf(idColumn);
  if (j < 0) throw new ConcordError('E_USAGE', `simulate: --id ${idColumn} is not a column of ${ds.file} (columns: ${ds.features.join(', ')})`);
  const d = ds.features.length;
  return { ids: Array.from({ length: ds.rows }, (_, r) => String(ds.x[r * d + j])), featureCols: all.filter((k) => k !== j) };
}

/** CSV text of one party's shard: the ID column, its feature columns, the label at party 0. */
function shardCsv(ds: Dataset, ids: string[], idName: string, sh: Shard, withLabel: boolean): string {
  const d = ds.features.length;
  const head = [idName, ...sh.columns.map((j) => ds.features[j]!), ...(withLabel ? [ds.label] : [])].join(',');
  const lines = sh.rows.map((r) => [ids[r]!, ...sh.columns.map((j) => String(ds.x[r * d + j])), ...(withLabel ? [String(ds.y[r])] : [])].join(','));
  return [head, ...lines].join('\n') + '\n';
}

/**
 * `simulate --partition vertical`: the training CSV's columns split into n contiguous blocks
 * (label to the first party); each party keeps a seeded random 90% of the rows in its own
 * shuffled order under a synthetic ID (or the real one with --id); the test CSV is split by
 * columns the same way with every row at every party. The parties align both by PSI, train,
 * and score the test rows in MPC; the plaintext loop runs on the same intersection in the same
 * order for comparison.
 */
export async function runVerticalSimulation(o: VerticalSimulationOptions): Promise<SimulateReport> {
  const { job, n, say, ids: partyIds } = o;
  const full = readCsv(o.trainFile, job.label);
  let train: Dataset, test: Dataset;
  if (o.testFile) {
    train = full;
    test = readCsv(o.testFile, job.label);
    if (test.features.join(',') !== train.features.join(',')) throw new ConcordError('E_DATA', `${o.testFile}: its columns differ from ${o.trainFile}; the test CSV needs the same columns in the same order`);
  } else {
    const sp = stratifiedSplit(full.y, 0.2, 0);
    train = selectRows(full, sp.train);
    test = selectRows(full, sp.test);
  }
  const dataset = basename(o.trainFile);
  const offline = resolveOffline(job.offline, n, 'simulate: --offline');
  const idName = o.idColumn ?? 'record_id';
  const { ids: trainIds, featureCols } = idsOf(train, o.idColumn, 'rec');
  const { ids: testIds } = idsOf(test, o.idColumn, 'test');
  if (featureCols.length < n) throw new ConcordError('E_USAGE', `simulate: ${featureCols.length} feature columns cannot be split among ${n} parties`);
  const widths = shardSizes(featureCols.length, n);
  let at = 0;
  const shards: Shard[] = widths.map((w, p) => {
    const columns = featureCols.slice(at, (at += w));
    const rng = new SeededRandom(job.seed, `vertical-rows/${p}`);
    const rows = rng.shuffle(Array.from({ length: train.rows }, (_, i) => i)).slice(0, Math.round(KEEP * train.rows));
    return { columns, rows };
  });
  const testShards = shards.map((sh, p) => ({ columns: sh.columns, rows: new SeededRandom(job.seed, `vertical-test/${p}`).shuffle(Array.from({ length: test.rows }, (_, i) => i)) }));
  const vjob: Job = { ...job, partitioning: 'vertical', id: idName };

  say(`Concord simulation: ${n} parties (${partyIds.join(', ')}) train a ${job.model === 'mlp' ? `${job.hidden}-unit MLP` : 'logistic regression'} on ${dataset}, split by columns`);
  say(`  each party holds its own columns (${widths.join(' / ')} of ${featureCols.length}; the label at ${partyIds[0]}) for a random ${KEEP * 100}% of the ${train.rows} rows, under ${o.idColumn ? `the "${o.idColumn}" column` : 'a synthetic record ID'}`);
  say('  the parties align their rows by private set intersection (ECDH-PSI over X25519): only the common IDs\' count and each party\'s own matching rows are revealed');
  say(`  offline: ${offline}; hyper-parameters: ${job.epochs} epochs, batch ${job.batchSize}, lr ${job.lr}, fixed point f=${job.fracBits}`);
  const sim = await makeSimDir(o.consortium, partyIds, offline === 'dealer');
  const t0 = performance.now();
  try {
    const jobFile = join(sim.dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(vjob, null, 2) + '\n');
    const files = partyIds.map((id, p) => {
      const data = join(sim.dir, `${id}.csv`), tst = join(sim.dir, `${id}-test.csv`);
      writeFileSync(data, shardCsv(train, trainIds, idName, shards[p]!, p === 0));
      writeFileSync(tst, shardCsv(test, testIds, idName, testShards[p]!, p === 0));
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

    // The plaintext loop on the same intersection, in the agreed order, with the same scaling.
    const rows = r0.alignedRows.map((k) => shards[0]!.rows[k]!);
    const cols = shards.flatMap((sh) => sh.columns);
    const d = train.features.length;
    const pick = (ds: Dataset, rs: number[]) => Float64Array.from(rs.flatMap((r) => cols.map((j) => ds.x[r * d + j]!)));
    const { arch } = fromModelFile(model);
    const tp = performance.now();
    const x1 = withOnes(standardize(pick(train, rows), rows.length, model.mean, model.std), rows.length, arch.features);
    const plainRun = trainPlain(arch, x1, Float64Array.from(rows, (r) => train.y[r]!), rows.length, job);
    const plainSeconds = (performance.now() - tp) / 1000;
    // Test rows in party 0's test order, which the MPC scores follow (its aligned test rows).
    const allTest = Array.from({ length: test.rows }, (_, i) => i);
    const xt = pick(test, allTest);
    const plain = binaryMetrics(forwardF(arch, plainRun.params, withOnes(standardize(xt, test.rows, model.mean, model.std), test.rows, arch.features), test.rows), test.y);
    const pModel = predict(model, xt, test.rows);
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
