import { expect } from 'chai';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnConcord, makeSimDir, runConsortium, errorLine, type SimDir } from '../../src/cli/sim-cluster.js';
import { writeDiagnosisShards, type DiagnosisShards } from '../helpers/diagnosis-shards.js';
import { generateKey, writeKeyFile } from '../../src/config/keys.js';
import type { SimulateReport } from '../../src/cli/simulate.js';

/**
 * End-to-end: real `concord party` / `concord dealer` / `concord simulate` processes over
 * Noise/WebSockets on 127.0.0.1. Accuracy targets from the issue: within 1 point of the plaintext
 * run of the same loop and within 2 points of scikit-learn's LogisticRegression
 * (parties/data/README.md: 0.9737 breast cancer, 0.9801 fraud).
 */

const DATA = fileURLToPath(new URL('../../../parties/data/', import.meta.url));

async function simulateOut(args: string[], timeoutS = 20): Promise<{ report: SimulateReport; stdout: string }> {
  const { done } = spawnConcord('simulate', ['simulate', '--json', '--timeout', String(timeoutS), ...args]);
  const out = await done;
  expect(out.exitCode, out.stderr).to.equal(0);
  return { report: out.json as SimulateReport, stdout: out.stdout };
}
const simulate = async (args: string[]): Promise<SimulateReport> => (await simulateOut(args)).report;

/** A 3-hospital consortium dir with shards of the breast-cancer training split and a job. */
async function consortium(jobOver: object = {}): Promise<DiagnosisShards> {
  // Default offline mode (hm for three parties) so these process tests need only the party processes.
  const sim = await makeSimDir('test-diagnosis', ['hospital-a', 'hospital-b', 'hospital-c'], false);
  return writeDiagnosisShards(sim, { epochs: 2, ...jobOver });
}

const partyArgs = (c: { sim: SimDir; job: string; shard: (id: string) => string }, id: string, over: Record<string, string> = {}): string[] => {
  const a: Record<string, string> = { config: c.sim.consortium, id, key: c.sim.keys.get(id)!, job: c.job, data: c.shard(id), out: join(c.sim.dir, `m-${id}.json`), timeout: '5', ...over };
  return Object.entries(a).flatMap(([k, v]) => [`--${k}`, v]);
};

describe('training end to end (party processes over the Noise mesh)', function () {
  this.timeout(180_000);

  it('simulate: logreg on breast cancer matches the plaintext loop and scikit-learn', async () => {
    const r = await simulate(['--check', '--offline', 'dealer']);
    expect(r.parties).to.equal(3);
    expect(r.check).to.have.length(10);
    for (const e of r.check!) {
      expect(Math.abs(e.loss - e.plainLoss), `epoch ${e.epoch}`).to.be.below(0.005);
      expect(e.maxWeightDiff, `epoch ${e.epoch}`).to.be.below(0.02);
    }
    expect([r.trainRows, r.testRows]).to.deep.equal([455, 114]);
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
    expect(r.accuracy).to.be.at.least(0.9737 - 0.02);
    expect(r.maxWeightDiff).to.be.below(0.05);
    for (const k of ['auc', 'precision', 'recall', 'f1', 'trainSeconds', 'bytesSent', 'rounds', 'offline', 'epochs', 'model'] as const) expect(r).to.have.property(k);
    expect(r.rounds).to.be.below(2000 + 100); // + one checkpoint opening per step under --check
  });

  it('simulate with no flags uses the honest-majority hm mode (the default for 3 parties) at the dealer\'s accuracy', async () => {
    const { report: r, stdout } = await simulateOut([]);
    expect(r.offline).to.equal('hm');
    expect(stdout).to.include('offline: hm — no dealer; secure while no two parties collude (semi-honest)');
    expect([r.trainRows, r.testRows]).to.deep.equal([455, 114]);
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
    expect(r.accuracy).to.be.at.least(0.9737 - 0.02);
    expect(r.maxWeightDiff).to.be.below(0.05);
  });

  it('simulate --offline ot (dealer-free, dishonest majority) matches the plaintext loop', async () => {
    // 3 epochs: the OT mode's training path is what this checks (ot is ~10× slower than hm or dealer)
    const { report: r } = await simulateOut(['--offline', 'ot', '--epochs', '3'], 60);
    expect(r.offline).to.equal('ot');
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
    expect(r.maxWeightDiff).to.be.below(0.05);
  });

  it('simulate with 2 parties defaults to ot; MLP with hm matches the plaintext loop', async () => {
    const two = await simulate(['--parties', '2', '--epochs', '1']);
    expect(two.offline).to.equal('ot');
    const r = await simulate(['--model', 'mlp', '--offline', 'hm']);
    expect(r.offline).to.equal('hm');
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
    expect(r.accuracy).to.be.at.least(0.9737 - 0.02);
  });

  it('simulate with "maskData": "perBatch" (hm, over the mesh) matches the plaintext loop: the parties keep their own rows only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-perbatch-'));
    try {
      writeFileSync(join(dir, 'job.json'), JSON.stringify({ maskData: 'perBatch', epochs: 4 }));
      const r = await simulate(['--job', join(dir, 'job.json'), '--offline', 'hm']);
      // The flag form, and "once" overriding the file: perBatch sends 8·rows·31·(n − 1) more per party for each epoch after the first.
      const once = await simulate(['--job', join(dir, 'job.json'), '--offline', 'hm', '--mask-data', 'once']);
      const extra = 3 * 8 * 455 * 31 * 2 * 3; // 2,031,120 bytes, measured exactly; 5 % spare for hm's batch timing
      expect(r.bytesSent - once.bytesSent).to.be.closeTo(extra, extra * 0.05);
      expect(r.offline).to.equal('hm');
      expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
      expect(r.maxWeightDiff).to.be.below(0.05);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('simulate: logreg on the fraud data (bank demo) matches the plaintext loop and scikit-learn', async () => {
    const r = await simulate(['--train', join(DATA, 'creditcard_fraud.csv'), '--offline', 'dealer']);
    expect([r.trainRows, r.testRows]).to.deep.equal([2612, 653]);
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
    expect(r.accuracy).to.be.at.least(0.9801 - 0.02);
  });

  it('simulate: MLP on breast cancer matches the plaintext loop and scikit-learn', async () => {
    const r = await simulate(['--model', 'mlp', '--offline', 'dealer']);
    expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
    expect(r.accuracy).to.be.at.least(0.9737 - 0.02);
  });

  it('bad options and inputs stop with one clear error and a non-zero exit', async () => {
    const cases: [string[], number, RegExp][] = [
      [['simulate', '--partition', 'diagonal'], 2, /E_USAGE: simulate: --partition must be horizontal .* or vertical/],
      [['simulate', '--train', '/nonexistent/x.csv'], 1, /E_DATA: \/nonexistent\/x\.csv: cannot read the file/],
      [['simulate', '--model', 'svm'], 1, /E_CONFIG: simulate options: field "model" must be one of/],
      [['simulate', '--parties', '2', '--offline', 'hm'], 1, /E_CONFIG: simulate: --offline: offline mode "hm" needs exactly 3 parties, but there are 2; with 2 parties use "ot" .* or "dealer"/],
      [['simulate', '--parties', '4', '--offline', 'hm'], 1, /E_CONFIG: simulate: --offline: offline mode "hm" needs exactly 3 parties, but there are 4/],
      [['simulate', '--offline', 'fast'], 1, /E_CONFIG: simulate options: field "offline" must be one of "auto", "hm", "ot", "dealer"/],
      [['simulate', '--epochs', '0'], 2, /E_USAGE: simulate: --epochs must be an integer/],
      [['simulate', '--mask-data', 'lazy'], 1, /E_CONFIG: simulate options: field "maskData" must be one of "once", "perBatch"/],
      [['party', '--id', 'x'], 2, /E_USAGE: party: --job is required/],
    ];
    for (const [args, code, re] of cases) {
      const out = await spawnConcord(args[0]!, args).done;
      expect(out.exitCode, args.join(' ')).to.equal(code);
      expect(out.stderr.trim().split('\n')).to.have.length(1);
      expect(out.stderr).to.match(re);
    }
  });

  it('a party that crashes mid-training makes the others exit non-zero naming it, within the timeout', async () => {
    const c = await consortium({ epochs: 400 });
    try {
      let t0 = 0;
      const procs = c.sim.ids.map((id) =>
        spawnConcord(id, ['party', ...partyArgs(c, id)], (who, line) => {
          if (who === 'hospital-b' && t0 === 0 && /joint training set/.test(line)) {
            setTimeout(() => {
              t0 = Date.now();
              procs[1]!.child.kill('SIGKILL');
            }, 1500);
          }
        }),
      );
      const outs = await Promise.all(procs.map((p) => p.done));
      expect(t0, 'hospital-b never started training').to.be.above(0);
      expect(Date.now() - t0).to.be.below(8_000);
      for (const i of [0, 2]) {
        expect(outs[i]!.exitCode, outs[i]!.stderr).to.not.equal(0);
        expect(outs[i]!.stderr).to.match(/joint training set/);
        expect(errorLine(outs[i]!)).to.match(/E_(PEER_LOST|ABORTED|TIMEOUT)/).and.to.match(/hospital-b/);
      }
    } finally {
      c.sim.remove();
    }
  });

  async function runAll(c: Awaited<ReturnType<typeof consortium>>, over: (id: string) => Record<string, string>) {
    const run = await runConsortium({ sim: c.sim, deadlineMs: 60_000, partyArgs: (id) => partyArgs(c, id, over(id)) });
    for (const p of run.parties) expect(p.exitCode, `${p.id} should fail`).to.not.equal(0);
    if (process.env.SHOW_ERRS) console.log(run.parties.map(errorLine));
    return run.parties.map(errorLine);
  }

  it('a wrong key at one party stops every party before training, naming it', async () => {
    const c = await consortium();
    try {
      const wrong = join(c.sim.dir, 'wrong.key');
      writeKeyFile(wrong, generateKey());
      const errs = await runAll(c, (id): Record<string, string> => (id === 'hospital-c' ? { key: wrong } : {}));
      expect(errs[2]).to.match(/E_KEY/).and.to.match(/hospital-c|parties\[2\]/);
      for (const e of errs.slice(0, 2)) expect(e).to.match(/hospital-c/);
    } finally {
      c.sim.remove();
    }
  });

  it('a different job file at one party stops every party before training (job mismatch)', async () => {
    const c = await consortium();
    try {
      const other = join(c.sim.dir, 'other-job.json');
      writeFileSync(other, JSON.stringify({ ...JSON.parse(readFileSync(c.job, 'utf8')), lr: 0.25 }));
      const errs = await runAll(c, (id): Record<string, string> => (id === 'hospital-b' ? { job: other } : {}));
      for (const e of errs) expect(e).to.match(/E_JOB_MISMATCH|E_ABORTED|E_UNREACHABLE|E_HANDSHAKE/);
      expect(errs[0]).to.match(/hospital-b/);
      expect(errs.join('\n')).to.match(/E_JOB_MISMATCH/);
    } finally {
      c.sim.remove();
    }
  });

  it('a malformed CSV at one party stops every party before training, naming the party, line and column', async () => {
    const c = await consortium();
    try {
      const bad = join(c.sim.dir, 'bad.csv');
      const lines = readFileSync(c.shard('hospital-c'), 'utf8').split('\n');
      lines[5] = lines[5]!.replace(/^[^,]*/, 'oops');
      writeFileSync(bad, lines.join('\n'));
      const errs = await runAll(c, (id): Record<string, string> => (id === 'hospital-c' ? { data: bad } : {}));
      expect(errs[2]).to.match(/E_DATA.*bad\.csv: line 6, column "mean_radius": "oops" is not a number/);
      for (const e of errs.slice(0, 2)) {
        // Either this party read hospital-c's announcement itself (E_DATA), or hospital-c's abort
        // or a faster peer's relay came first (E_ABORTED): the same peer-safe diagnosis either way.
        expect(e).to.match(/E_(DATA|ABORTED): .*hospital-c (aborted the session: )?could not load its training data: line 6, column "mean_radius": a cell is not a number/);
        expect(e).to.not.contain('oops');
        expect(e).to.not.contain('bad.csv');
        expect(e).to.not.contain(c.sim.dir);
      }
    } finally {
      c.sim.remove();
    }
  });
});
