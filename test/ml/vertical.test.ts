import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnConcord, makeSimDir, runConsortium, errorLine, type SimDir } from '../../src/cli/sim-cluster.js';
import { readCsv, type Dataset } from '../../src/ml/csv.js';
import { validateJob } from '../../src/ml/job.js';
import { parseTable } from '../../src/ml/table.js';
import { encodeVertical, fitLocal } from '../../src/ml/vertical-table.js';
import { transform } from '../../src/ml/preprocess.js';
import type { SimulateReport } from '../../src/cli/simulate.js';

/**
 * Vertical jobs end to end: real `concord simulate --partition vertical` and `concord party`
 * processes over the Noise mesh, in each offline mode, plus the layout errors a consortium
 * makes (a missing ID column, the label at two parties, a party with no columns left).
 */
const DATA = fileURLToPath(new URL('../../../parties/data/', import.meta.url));
const IDS = ['hospital-a', 'hospital-b', 'hospital-c'];

async function simulate(args: string[]): Promise<SimulateReport> {
  const out = await spawnConcord('simulate', ['simulate', '--json', '--timeout', '30', '--partition', 'vertical', ...args]).done;
  expect(out.exitCode, out.stderr).to.equal(0);
  return out.json as SimulateReport;
}

/** CSV of some columns of `ds` under IDs `rec-<row>` (optionally with the label). */
function shard(ds: Dataset, cols: string[], label: boolean): string {
  const d = ds.features.length;
  const idx = cols.map((c) => ds.features.indexOf(c));
  const lines = Array.from({ length: ds.rows }, (_, r) => [`rec-${r}`, ...idx.map((j) => String(ds.x[r * d + j])), ...(label ? [String(ds.y[r])] : [])].join(','));
  return [['record_id', ...cols, ...(label ? ['label'] : [])].join(','), ...lines].join('\n') + '\n';
}

/** Run a 3-party vertical job whose shards `files(id)` returns; every party must fail; their error lines. */
async function failingRun(files: (ds: Dataset) => Record<string, string>): Promise<string[]> {
  const sim: SimDir = await makeSimDir('test-vertical', IDS, false);
  try {
    const ds = readCsv(join(DATA, 'breast_cancer.csv'), 'label');
    const texts = files(ds);
    for (const id of IDS) writeFileSync(join(sim.dir, `${id}.csv`), texts[id]!);
    const job = join(sim.dir, 'job.json');
    writeFileSync(job, JSON.stringify(validateJob({ epochs: 1, offline: 'ot', partitioning: 'vertical', id: 'record_id' }, 'test')));
    const run = await runConsortium({
      sim, deadlineMs: 90_000,
      partyArgs: (id) => ['--config', sim.consortium, '--id', id, '--key', sim.keys.get(id)!, '--job', job, '--data', join(sim.dir, `${id}.csv`), '--out', join(sim.dir, `m-${id}.json`), '--timeout', '10'],
    });
    for (const p of run.parties) expect(p.exitCode, `${p.id} should fail`).to.not.equal(0);
    if (process.env.SHOW_ERRS) console.log(run.parties.map(errorLine));
    return run.parties.map(errorLine);
  } finally {
    sim.remove();
  }
}

describe('vertical jobs: PSI-aligned columns (party processes over the Noise mesh)', function () {
  this.timeout(240_000);

  it('simulate --partition vertical (dealer, logreg): ≈73% of rows aligned, MPC scores match the plaintext loop on the same intersection', async () => {
    const r = await simulate(['--offline', 'dealer', '--epochs', '3']);
    expect(r.partitioning).to.equal('vertical');
    expect(r.intersection).to.be.within(0.65 * 455, 0.8 * 455); // 0.9^3 of the 455 training rows
    expect(r.trainRows).to.equal(r.intersection);
    expect(r.testRows).to.equal(114); // every test row is at every party
    expect(r.psiSeconds).to.be.above(0);
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
    expect(r.maxWeightDiff).to.be.below(0.02);
    expect(r.maxPredictionDiff).to.be.below(0.01);
    expect(r.accuracy).to.be.above(0.9); // the agreed order (sorted blinded values, fresh keys) varies per run, so SGD does too
  });

  it('vertical and horizontal training on the same intersection, in the same order, agree within 1 point of accuracy', async () => {
    const trainFile = join(DATA, 'breast_cancer.csv'), testFile = join(DATA, 'breast_cancer_test.csv');
    const common = ['--offline', 'dealer', '--epochs', '3', '--test', testFile];
    const v = await simulate([...common, '--train', trainFile]);
    const rows = v.alignedTrainRows!;
    expect(rows.length).to.equal(v.intersection);
    expect(new Set(rows).size).to.equal(rows.length);
    // The same rows as a horizontal table, in the agreed order: simulate shards it in contiguous blocks
    // and the union is concatenated in party order, so both runs visit the rows in one order.
    const ds = readCsv(trainFile, 'label');
    const d = ds.features.length;
    const dir = mkdtempSync(join(tmpdir(), 'concord-vh-'));
    try {
      const inter = join(dir, 'intersection.csv');
      writeFileSync(inter, [[...ds.features, 'label'].join(','), ...rows.map((r) => [...Array.from(ds.x.subarray(r * d, (r + 1) * d), String), String(ds.y[r])].join(','))].join('\n') + '\n');
      const out = await spawnConcord('simulate', ['simulate', '--json', '--timeout', '30', ...common, '--train', inter]).done;
      expect(out.exitCode, out.stderr).to.equal(0);
      const h = out.json as SimulateReport;
      expect(h.trainRows).to.equal(v.intersection);
      expect(Math.abs(v.accuracy - h.accuracy), `vertical ${v.accuracy} vs horizontal ${h.accuracy}`).to.be.at.most(0.01);
      expect(Math.abs(v.auc - h.auc)).to.be.at.most(0.01);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('simulate --partition vertical on a raw export (horse colic: "?" cells, categorical codes), each party reading its own columns with the job\'s rules', async () => {
    const r = await simulate(['--offline', 'dealer', '--epochs', '2', '--job', join(DATA, '../../config/jobs/colic-surgical.json'), '--train', join(DATA, 'horse_colic.csv'), '--test', join(DATA, 'horse_colic_test.csv')]);
    expect(r.intersection).to.be.within(0.65 * 300, 0.8 * 300);
    expect(r.testRows).to.equal(60);
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.02);
    expect(r.maxPredictionDiff).to.be.below(0.01);
    expect(r.accuracy).to.be.above(0.7);
  });

  it('simulate --partition vertical (ot) trains and scores', async () => {
    const r = await simulate(['--offline', 'ot', '--epochs', '1']);
    expect(r.offline).to.equal('ot');
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.02);
    expect(r.maxPredictionDiff).to.be.below(0.02);
  });

  it('simulate --partition vertical (hm, the default for three parties, mlp) trains and scores', async () => {
    const r = await simulate(['--model', 'mlp', '--epochs', '2']);
    expect(r.offline).to.equal('hm');
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.02);
    expect(r.maxPredictionDiff).to.be.below(0.02);
  });

  it('bad layouts stop every party with one clear E_DATA naming the party', async () => {
    const a = ['mean_radius', 'mean_texture'], b = ['mean_perimeter', 'mean_area'], c = ['mean_smoothness'];
    const missingId = await failingRun((ds) => ({ 'hospital-a': shard(ds, a, true), 'hospital-b': shard(ds, b, false), 'hospital-c': shard(ds, c, false).replace('record_id', 'patient') }));
    expect(missingId[2]).to.match(/E_DATA.*no ID column "record_id"/);
    for (const e of missingId.slice(0, 2)) expect(e).to.match(/E_(DATA|ABORTED).*hospital-c.*no ID column "record_id"/);

    const twoLabels = await failingRun((ds) => ({ 'hospital-a': shard(ds, a, true), 'hospital-b': shard(ds, b, true), 'hospital-c': shard(ds, c, false) }));
    for (const e of twoLabels) expect(e).to.match(/E_(DATA|ABORTED).*label column "label" is in the files of hospital-a and hospital-b/);

    const noColumns = await failingRun((ds) => ({ 'hospital-a': shard(ds, a, true), 'hospital-b': shard(ds, b, false), 'hospital-c': shard(ds, [], false) }));
    for (const e of noColumns) expect(e).to.match(/E_(DATA|ABORTED).*hospital-c has no feature columns left/);
  });

  it('a vertical table: ID column, own columns, optional label, the job\'s preprocessing fitted locally', () => {
    const job = validateJob({ partitioning: 'vertical', id: 'id', categorical: { c: ['red', 'blue'] } }, 'j');
    const t = encodeVertical(parseTable('id,x1,label,c\n a ,1,0,red\nb,3,1,blue\nc,NA,1,\n', 'p.csv'), job, 'id');
    expect(t.ids).to.deep.equal(['a', 'b', 'c']);
    expect(t.features).to.deep.equal(['x1', 'c=red', 'c=blue']);
    expect(Array.from(t.local.y!)).to.deep.equal([0, 1, 1]);
    const fitted = fitLocal(t.local);
    expect(fitted.mean[0]).to.equal(2); // over the observed cells; the missing one is imputed with it
    const { x } = transform(t.local, fitted);
    expect(x[6]).to.equal(0); // row 3, x1 imputed → (2 − 2)/std
    expect(Array.from(x.slice(1, 3))).to.deep.equal([1, 0]); // one-hot, not standardized
    expect(Array.from(x.slice(7, 9))).to.deep.equal([0, 0]); // a missing level: all zeros
    expect(encodeVertical(parseTable('id,x1\na,1\n', 'p.csv'), job, 'id').local.y).to.equal(undefined);
    expect(() => encodeVertical(parseTable('key,x1\na,1\n', 'p.csv'), job, 'id')).to.throw(/no ID column "id"/);
    expect(() => encodeVertical(parseTable('id,x1\na,zz\n', 'p.csv'), job, 'id')).to.throw(/line 2.*x1/);
  });
});
