import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnConcord, makeSimDir, runConsortium, errorLine } from '../../src/cli/sim-cluster.js';
import { validateJob } from '../../src/ml/job.js';
import { binaryMetrics } from '../../src/ml/metrics.js';
import type { SimulateReport } from '../../src/cli/simulate.js';
import type { PredictReport } from '../../src/cli/predict.js';
import { messyCsv, MESSY_JOB, referencePredictions } from '../helpers/messy-table.js';

/**
 * Raw tables end to end over real processes: `simulate --job` on a generated messy table (text
 * categories, `?`/empty/NA cells, values of 10^12, a 10^4-std outlier, a text label, an ID and a
 * free-text column) in the default offline mode, against the plaintext reference pipeline;
 * `predict` on the test CSV reproducing simulate's metrics; and a secret-looking cell at one party
 * never appearing in any other party's output.
 */

const JOB = { ...MESSY_JOB, name: 'messy fraud table', epochs: 3, batchSize: 60, lr: 0.5 };

describe('raw tables end to end (simulate --job, predict, party processes)', function () {
  this.timeout(240_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-raw-'));
    writeFileSync(join(dir, 'train.csv'), messyCsv(360, 21));
    writeFileSync(join(dir, 'test.csv'), messyCsv(300, 22, false));
    writeFileSync(join(dir, 'job.json'), JSON.stringify(JOB, null, 1));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('simulate --job trains the messy table across 3 parties within 1 point of the plaintext pipeline; predict reproduces its metrics', async () => {
    const model = join(dir, 'model.json');
    const sim = await spawnConcord('simulate', ['simulate', '--job', join(dir, 'job.json'), '--train', join(dir, 'train.csv'), '--test', join(dir, 'test.csv'), '--out', model, '--json', '--timeout', '30']).done;
    expect(sim.exitCode, sim.stderr).to.equal(0);
    const r = sim.json as SimulateReport;
    expect([r.parties, r.trainRows, r.testRows, r.epochs]).to.deep.equal([3, 360, 300, 3]);
    // The plaintext pipeline written in the tests (helpers/messy-table.ts), on the same union.
    const ref = referencePredictions([readFileSync(join(dir, 'train.csv'), 'utf8')], readFileSync(join(dir, 'test.csv'), 'utf8'), validateJob(JOB, 'job'));
    const plain = binaryMetrics(ref.p, ref.y);
    expect(Math.abs(r.accuracy - plain.accuracy), `MPC ${r.accuracy} vs plaintext pipeline ${plain.accuracy}`).to.be.at.most(0.01);
    expect(r.accuracy).to.be.above(0.7);
    if (process.env.SHOW_ACC) console.log(`MPC ${r.accuracy} / plaintext pipeline ${plain.accuracy} (AUC ${r.auc} / ${plain.auc}), ${r.trainSeconds} s`);

    const out = join(dir, 'pred.csv');
    const pr = await spawnConcord('predict', ['predict', '--model', model, '--data', join(dir, 'test.csv'), '--out', out, '--json']).done;
    expect(pr.exitCode, pr.stderr).to.equal(0);
    const p = pr.json as PredictReport;
    expect(p.rows).to.equal(300);
    expect(p.idColumn).to.equal('txn_id');
    for (const k of ['accuracy', 'auc', 'precision', 'recall', 'f1'] as const) expect(p.metrics![k], k).to.equal(r[k]);
    expect(statSync(out).mode & 0o777, 'predictions file mode').to.equal(0o600);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).to.equal('txn_id,probability,class');
    expect(lines).to.have.length(301);
    expect(lines[1]).to.match(/^T-100000,0\.\d+|^T-100000,[01](\.\d+)?(e-\d+)?,[01]$/);

    // Bad cells get the training errors: an undeclared level in the file given to predict.
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, readFileSync(join(dir, 'test.csv'), 'utf8').replace(',PAYMENT,', ',REFUND,'));
    const pb = await spawnConcord('predict', ['predict', '--model', model, '--data', bad]).done;
    expect(pb.exitCode).to.equal(1);
    expect(pb.stderr).to.match(/E_DATA: .*bad\.csv: line \d+, column "kind": level "REFUND" is not declared in "categorical"/);
  });

  it('flags given with --job override the file (epochs), and a bad field names the job file', async () => {
    const bad = join(dir, 'bad-job.json');
    writeFileSync(bad, JSON.stringify({ ...JOB, impute: 'median' }));
    const out = await spawnConcord('simulate', ['simulate', '--job', bad, '--train', join(dir, 'train.csv')]).done;
    expect(out.exitCode).to.equal(1);
    expect(out.stderr).to.match(/E_CONFIG: .*bad-job\.json.*field "impute" must be one of "mean", "error"/);
    const over = await spawnConcord('simulate', ['simulate', '--job', join(dir, 'job.json'), '--train', join(dir, 'train.csv'), '--epochs', '1', '--offline', 'dealer', '--json']).done;
    expect(over.exitCode, over.stderr).to.equal(0);
    expect((over.json as SimulateReport).epochs).to.equal(1);
  });

  it('a secret-looking cell at one party never appears in another party\'s output; peers learn party, line and column', async () => {
    const sim = await makeSimDir('test-raw', ['bank-a', 'bank-b', 'bank-c'], false);
    try {
      const rows = messyCsv(300, 23).trim().split('\n');
      const header = rows[0]!;
      const secret = 'SECRET-4111-1111-1111-1111';
      const shard = (k: number) => [header, ...rows.slice(1 + 100 * k, 101 + 100 * k)];
      const files = sim.ids.map((id, k) => {
        const lines = shard(k);
        // bank-c: the secret in the free-text note (ignored) and, in the second run, in a numeric column.
        if (k === 2) lines[3] = lines[3]!.replace(/^([^,]*),[^,]*,/, `$1,${secret},`);
        const f = join(sim.dir, `${id}-private-ledger.csv`);
        writeFileSync(f, lines.join('\n') + '\n');
        return f;
      });
      const badFile = join(sim.dir, 'bank-c-private-ledger-bad.csv');
      writeFileSync(badFile, readFileSync(files[2]!, 'utf8').replace(/^(T-[^,]*,[^,]*,)[^,]*,/m, `$1${secret},`));
      const job = join(sim.dir, 'job.json');
      writeFileSync(job, JSON.stringify(validateJob({ ...JOB, epochs: 1 }, 'test')));
      const run = (data: (id: string) => string) =>
        runConsortium({ sim, deadlineMs: 90_000, partyArgs: (id) => ['--config', sim.consortium, '--id', id, '--key', sim.keys.get(id)!, '--job', job, '--data', data(id), '--out', join(sim.dir, `m-${id}.json`), '--timeout', '20', '--json'] });
      // 1. Training succeeds; the ignored note column of bank-c never travels.
      const ok = await run((id) => files[sim.ids.indexOf(id)]!);
      for (const p of ok.parties) expect(p.exitCode, p.stderr).to.equal(0);
      for (const p of ok.parties.slice(0, 2)) expect(p.stdout + p.stderr).to.not.contain('SECRET').and.not.contain('ledger');
      // bank-b holds the 10^4-std outlier (row 150): it logs its own clipped count; nobody else hears of it.
      expect(ok.parties[1]!.stderr).to.match(/outliers: clipped to ±10 std \(local count, not sent\): score 1\n/);
      for (const i of [0, 2]) expect(ok.parties[i]!.stderr).to.not.match(/outliers|clipped/);
      // 2. The secret in a numeric cell stops everyone; peers learn the party, line and column only.
      const bad = await run((id) => (id === 'bank-c' ? badFile : files[sim.ids.indexOf(id)]!));
      for (const p of bad.parties) expect(p.exitCode).to.not.equal(0);
      expect(errorLine(bad.parties[2]!)).to.match(/E_DATA: .*private-ledger-bad\.csv: line 2, column "amount": "SECRET-4111/);
      for (const p of bad.parties.slice(0, 2)) {
        expect(errorLine(p)).to.match(/bank-c (aborted the session: )?could not load its training data: line 2, column "amount": a cell is not a number/);
        expect(p.stdout + p.stderr).to.not.contain('SECRET').and.not.contain('ledger').and.not.contain(sim.dir);
      }
    } finally {
      sim.remove();
    }
  });
});
