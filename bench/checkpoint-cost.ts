import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTable, tableRows, type RawTable } from '../src/ml/table.js';
import { encodeLocal, tableSpec } from '../src/ml/encode.js';
import { stratifiedSplit, SeededRandom } from '../src/ml/partition.js';
import { validateJob, type Job } from '../src/ml/job.js';
import { runSimulation, DATA_DIR, type SimulateReport } from '../src/cli/simulate.js';

/**
 * Cost of the per-epoch checkpoint (issue 17): the whole `concord simulate` path with and without
 * `--checkpoint`, on the demo data and on a synthetic table (seeded Gaussian features, logistic
 * labels). Prints one JSON line per table: seconds per write (the slowest party's mean: the
 * digest round plus the atomic write with fsyncs), bytes of one party's file, the epoch time, and
 * the training time with and without checkpoints.
 *
 *   node dist/bench/checkpoint-cost.js [--rows 24000] [--features 32] [--epochs 3] [--offline dealer]
 */

function synthetic(rows: number, d: number, seed: number): { table: RawTable; y: Float64Array } {
  const rng = new SeededRandom(seed, 'synthetic');
  const w = Float64Array.from({ length: d }, () => 2 * rng.uniform() - 1);
  const x = new Float64Array(rows * d);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = 0;
    for (let j = 0; j < d; j++) {
      // Box–Muller normal
      const v = Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
      x[i * d + j] = v;
      z += w[j]! * v;
    }
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const header = [...Array.from({ length: d }, (_, j) => `f${j + 1}`), 'label'];
  const cells = Array.from({ length: rows }, (_, i) => [...Array.from(x.subarray(i * d, (i + 1) * d), (v) => v.toFixed(6)), String(y[i])]);
  return { table: { file: `synthetic ${rows}x${d}`, header, rows: cells, lines: cells.map((_, i) => i + 2) }, y };
}

async function measure(name: string, job: Job, train: RawTable, test: RawTable): Promise<void> {
  const timeoutS = 60 + Math.ceil((train.rows.length * job.epochs) / 500);
  const base = { job, n: 3, train, test, dataset: name, timeoutS, check: false, say: () => {} };
  const plain: SimulateReport = await runSimulation(base);
  const dir = join(mkdtempSync(join(tmpdir(), 'concord-ckbench-')), 'ck');
  try {
    const ck: SimulateReport = await runSimulation({ ...base, checkpoint: { dir, resume: false, keep: false } });
    const c = ck.checkpoint!;
    process.stdout.write(JSON.stringify({
      name: 'checkpoint', table: name, rows: train.rows.length, features: train.header.length - 1, model: job.model, epochs: job.epochs, offline: job.offline,
      writes: c.writes, secondsPerWrite: c.secondsPerWrite, bytes: c.bytes,
      epochSeconds: ck.trainSeconds / job.epochs, writeShareOfEpoch: c.secondsPerWrite / (ck.trainSeconds / job.epochs),
      trainSecondsWith: ck.trainSeconds, trainSecondsWithout: plain.trainSeconds,
    }) + '\n');
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
}

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const epochs = Number(arg('epochs', '3'));
const offline = arg('offline', 'dealer');
const rows = Number(arg('rows', '24000'));
const d = Number(arg('features', '32'));

const demo = readTable(join(DATA_DIR, 'breast_cancer.csv'));
const sp = stratifiedSplit(encodeLocal(demo, tableSpec(validateJob({}, 'bench'), demo.header), 'required').y!, 0.2, 0);
await measure('breast_cancer.csv', validateJob({ epochs: 10, offline }, 'bench'), tableRows(demo, sp.train), tableRows(demo, sp.test));
const syn = synthetic(rows + Math.round(rows / 4), d, 7);
const ss = stratifiedSplit(syn.y, 0.2, 0);
await measure(`synthetic ${rows}x${d}`, validateJob({ epochs, offline, batchSize: 64 }, 'bench'), tableRows(syn.table, ss.train.slice(0, rows)), tableRows(syn.table, ss.test));
