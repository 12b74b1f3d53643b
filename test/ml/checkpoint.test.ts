import { expect } from 'chai';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { spawnConcord, makeSimDir, errorLine, type SimDir, type ProcOutcome } from '../../src/cli/sim-cluster.js';
import { spawnDealer, childEnv } from '../../src/cli/cluster.js';
import { writeDiagnosisShards, type DiagnosisShards } from '../helpers/diagnosis-shards.js';
import { Ring } from '../../src/ring/ring.js';
import { CheckpointStore, decodeCheckpoint, encodeCheckpoint, shareDigest, digest, type CheckpointMeta } from '../../src/ml/checkpoint-file.js';
import { decideResume, type CheckpointAnnouncement } from '../../src/ml/checkpoint.js';
import type { PartyReport } from '../../src/cli/party.js';

/**
 * Resumable training (issue 17): the checkpoint file format, the start-up decision, and real
 * `concord party` processes that are killed mid-run and resumed with --resume.
 */

const IDS = ['hospital-a', 'hospital-b', 'hospital-c'];

describe('checkpoint file format', () => {
  const meta = (over: Partial<CheckpointMeta> = {}): CheckpointMeta => ({
    format: 'concord-checkpoint/1', party: 'p0', index: 0, parties: 2, jobHash: 'ab'.repeat(32), consortium: 'cd'.repeat(32), runId: 'ef'.repeat(16), runNonce: '01'.repeat(32),
    epoch: 3, epochs: 5, steps: 30, publicDigest: '23'.repeat(32), tensors: [{ name: 'w', shape: [3, 1] }, { name: 'w.velocity', shape: [3, 1] }], shareDigests: ['45'.repeat(32), '67'.repeat(32)], ...over,
  });
  const tensors = [Ring.from([1n, 2n ** 64n - 1n, 0n], [3, 1]), Ring.from([5n, 6n, 7n], [3, 1])];

  it('round-trips shares and header exactly', () => {
    const c = decodeCheckpoint(encodeCheckpoint(meta(), tensors));
    expect(c.meta).to.deep.equal(meta());
    expect(c.tensors.map((t) => Array.from(t.data))).to.deep.equal(tensors.map((t) => Array.from(t.data)));
  });

  it('detects truncation, a flipped bit anywhere, trailing bytes and foreign files', () => {
    const b = encodeCheckpoint(meta(), tensors);
    expect(() => decodeCheckpoint(b.subarray(0, b.length - 1))).to.throw(/truncated/);
    expect(() => decodeCheckpoint(b.subarray(0, 30))).to.throw(/truncated|header/);
    for (const at of [25, b.length - 40, b.length - 1]) {
      const t = Uint8Array.from(b);
      t[at]! ^= 1;
      expect(() => decodeCheckpoint(t), `byte ${at}`).to.throw(/modified or corrupted|corrupt header|unknown format/);
    }
    expect(() => decodeCheckpoint(Buffer.concat([b, Buffer.from([0])]))).to.throw(/trailing/);
    expect(() => decodeCheckpoint(Buffer.from('{"hello":1}\n'))).to.throw(/not a Concord checkpoint/);
  });

  it('writes 0600 files atomically and keeps the newest two epochs', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'concord-ckpt-')), 'nested');
    try {
      const st = new CheckpointStore(dir, 'p0');
      for (let e = 1; e <= 4; e++) st.save(meta({ epoch: e }), tensors);
      expect(st.files().map((f) => f.epoch)).to.deep.equal([3, 4]);
      for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o777, f).to.equal(0o600);
      expect(statSync(dir).mode & 0o777).to.equal(0o700);
      expect(st.read(4, st.files()[1]!.file).meta.epoch).to.equal(4);
      st.removeAll();
      expect(existsSync(dir)).to.equal(false);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});

describe('resume decision (same on every party)', () => {
  const held = (epochs: number[], digests = ['aa', 'bb', 'cc']) => epochs.map((epoch) => ({ epoch, pub: '11'.repeat(16), digests: digests.map((d) => d.repeat(16)) }));
  const ann = (over: Partial<CheckpointAnnouncement> = {}): CheckpointAnnouncement => ({ checkpoint: true, resume: true, nonce: '00'.repeat(16), state: 'ok', runId: 'ee'.repeat(16), held: held([2, 3]), ...over });
  const ids = IDS;

  it('continues from the latest epoch every party holds', () => {
    expect(decideResume(ids, [ann(), ann({ held: held([3, 4]) }), ann()]).epoch).to.equal(3);
    expect(decideResume(ids, [ann(), ann(), ann()]).epoch).to.equal(3);
  });
  it('starts at epoch 1 and says so when no party holds a checkpoint', () => {
    const none = { state: 'none' as const, runId: undefined, held: undefined };
    const d = decideResume(ids, [ann(none), ann(none), ann(none)]);
    expect(d.epoch).to.equal(0);
    expect(d.note).to.match(/starting from epoch 1/);
  });
  it('names the party at fault', () => {
    const none = { state: 'none' as const, runId: undefined, held: undefined };
    const cases: [CheckpointAnnouncement[], RegExp][] = [
      [[ann(), ann(none), ann()], /party hospital-b has no checkpoint/],
      [[ann(), ann(), ann({ state: 'bad', problem: 'checkpoint of epoch 3 is truncated (1 of 2 bytes)' })], /party hospital-c: its checkpoint of epoch 3 is truncated/],
      [[ann(), ann({ runId: 'dd'.repeat(16) }), ann()], /party hospital-b holds a checkpoint of another run/],
      [[ann(), ann(), ann({ held: held([2, 3], ['aa', 'bb', 'c9']) })], /party hospital-c's checkpoint of epoch 3 does not match the share digest that hospital-a, hospital-b recorded/],
      [[ann(), ann({ held: [{ ...held([3])[0]!, pub: '22'.repeat(16) }] }), ann()], /hospital-b's checkpoint of epoch 3 has another public training state/],
      [[ann({ held: held([1]) }), ann({ held: held([2]) }), ann()], /no epoch in common/],
      [[ann(), ann({ resume: false }), ann()], /party hospital-b was started without --resume/],
      [[ann(), ann({ checkpoint: false, state: 'none', held: undefined, runId: undefined }), ann()], /party hospital-b runs without --checkpoint/],
      [[ann({ resume: false }), ann({ resume: false, state: 'none', held: undefined, runId: undefined }), ann({ resume: false, state: 'none', held: undefined, runId: undefined })], /hospital-a's checkpoint directory already holds checkpoints of this job \(epochs 2, 3\): add --resume/],
    ];
    for (const [anns, re] of cases) expect(() => decideResume(ids, anns)).to.throw(re).with.property('code', 'E_CHECKPOINT');
  });
});

/** A 3-hospital consortium dir with shards of the breast-cancer training split and a job file. */
async function consortium(jobOver: object, dealer: boolean): Promise<DiagnosisShards> {
  const sim = await makeSimDir('test-resume', IDS, dealer);
  return writeDiagnosisShards(sim, { epochs: 4, momentum: 0.5, ...jobOver });
}

type Cons = Awaited<ReturnType<typeof consortium>>;

/** Run every party (and a fresh dealer) once; `onLine` may kill. Resolves when all have exited. */
async function runParties(c: Cons, extra: (id: string) => string[], onLine?: (id: string, line: string, procs: ChildProcess[]) => void): Promise<ProcOutcome[]> {
  const dealer = c.sim.dealerId ? spawnDealer(c.sim.files, childEnv()) : undefined;
  const procs: ChildProcess[] = [];
  const runs = c.sim.ids.map((id) => {
    const args = ['party', '--config', c.sim.consortium, '--id', id, '--key', c.sim.keys.get(id)!, '--job', c.job, '--data', c.shard(id), '--out', join(c.sim.dir, `m-${id}.json`), '--timeout', '60', '--json', ...extra(id)];
    const r = spawnConcord(id, args, (who, line) => onLine?.(who, line, procs));
    procs.push(r.child);
    return r;
  });
  const killer = setTimeout(() => [...procs, ...(dealer ? [dealer] : [])].forEach((p) => p.kill('SIGKILL')), 400_000);
  try {
    return await Promise.all(runs.map((r) => r.done));
  } finally {
    clearTimeout(killer);
    if (dealer && dealer.exitCode === null) {
      await new Promise((r) => setTimeout(r, 300));
      dealer.kill('SIGKILL');
    }
  }
}

const weights = (r: PartyReport): number[] => r.model!.params.flatMap((p) => p.values);
const maxDiff = (a: number[], b: number[]): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** Kill hospital-b once every party has finished epoch `k − 1`, then restart all with --resume. */
async function killAndResume(c: Cons, dirs: (id: string) => string, k: number): Promise<{ first: ProcOutcome[]; second: ProcOutcome[] }> {
  const done = new Set<string>();
  let killed = false;
  const first = await runParties(c, (id) => ['--checkpoint', dirs(id)], (id, line, procs) => {
    if (new RegExp(`epoch ${k - 1}/`).test(line)) done.add(id);
    if (!killed && done.size === 3) {
      killed = true;
      procs[1]!.kill('SIGKILL');
    }
  });
  expect(killed, 'hospital-b was never killed').to.equal(true);
  const second = await runParties(c, (id) => ['--checkpoint', dirs(id), '--resume']);
  return { first, second };
}

describe('kill a party mid-training, restart every party with --resume (real processes)', function () {
  this.timeout(900_000);
  let ref: PartyReport[] | undefined;

  for (const offline of ['hm', 'ot', 'dealer'] as const) {
    it(`${offline}: resumes at the epoch it was killed in and ends with the model of an uninterrupted run`, async () => {
      const c = await consortium({ offline }, offline === 'dealer');
      const dirs = (id: string) => join(c.sim.dir, `ckpt-${id}`);
      try {
        // The uninterrupted run of the same job, once (the modes differ only by fixed-point noise).
        if (!ref) {
          const plain = await runParties(c, () => []);
          for (const p of plain) expect(p.exitCode, p.stderr).to.equal(0);
          ref = plain.map((p) => p.json as PartyReport);
        }
        const { first, second } = await killAndResume(c, dirs, 3);
        expect(first[1]!.exitCode).to.not.equal(0);
        for (const i of [0, 2]) expect(errorLine(first[i]!)).to.match(/hospital-b/);
        for (const p of second) expect(p.exitCode, p.stderr).to.equal(0);
        const reps = second.map((p) => p.json as PartyReport);
        for (const [i, r] of reps.entries()) {
          expect(second[i]!.stderr).to.match(/--resume: every party holds epoch 2 of run .*continuing with epoch 3/);
          expect(r.checkpoint!.resumedFrom).to.equal(2);
          expect(r.epochs.map((e) => e.epoch)).to.deep.equal([3, 4]);
          expect(r.steps).to.equal(ref[i]!.steps / 2);
          expect(maxDiff(weights(r), weights(ref[i]!)), 'resumed vs uninterrupted').to.be.below(1e-3);
          expect(existsSync(dirs(IDS[i]!)), 'checkpoints are removed after a finished run').to.equal(false);
        }
      } finally {
        c.sim.remove();
      }
    });
  }

  it('a missing, truncated, edited, other-job or other-run checkpoint (or a fresh start over one) stops every party with E_CHECKPOINT naming it; 0600 files; --resume with none starts at epoch 1', async () => {
    const c = await consortium({ offline: 'dealer', epochs: 2 }, true);
    const base = (id: string) => join(c.sim.dir, 'base', id);
    try {
      const kept = await runParties(c, (id) => ['--checkpoint', base(id), '--keep-checkpoints']);
      for (const p of kept) expect(p.exitCode, p.stderr).to.equal(0);
      for (const id of IDS) {
        const files = readdirSync(base(id));
        expect(files).to.deep.equal([`${id}.epoch-000001.ckpt`, `${id}.epoch-000002.ckpt`]);
        for (const f of files) expect(statSync(join(base(id), f)).mode & 0o777).to.equal(0o600);
      }
      const latest = (dir: string) => join(dir, 'hospital-c.epoch-000002.ckpt');
      const rewrite = (file: string, over: (m: CheckpointMeta, t: Ring[]) => void) => {
        const ck = decodeCheckpoint(readFileSync(file));
        over(ck.meta, ck.tensors);
        ck.meta.runId = digest('concord-run/1', ck.meta.jobHash, ck.meta.consortium, ck.meta.runNonce).slice(0, 32);
        ck.meta.shareDigests[2] = shareDigest(ck.meta.runId, ck.meta.epoch, 2, ck.tensors);
        writeFileSync(file, encodeCheckpoint(ck.meta, ck.tensors), { mode: 0o600 });
      };
      const scenarios: [string, (dir: string) => void, RegExp, boolean?][] = [
        ['missing', (d) => rmSync(d, { recursive: true }), /party hospital-c has no checkpoint in its --checkpoint directory while hospital-a, hospital-b hold epochs 1, 2/],
        ['fresh start over kept checkpoints', () => {}, /party hospital-a's checkpoint directory already holds checkpoints of this job \(epochs 1, 2\): add --resume/, false],
        ['truncated', (d) => writeFileSync(latest(d), readFileSync(latest(d)).subarray(0, 500)), /party hospital-c: its checkpoint of epoch 2 is truncated/],
        ['edited', (d) => { const b = readFileSync(latest(d)); b[b.length - 100]! ^= 4; writeFileSync(latest(d), b); }, /party hospital-c: its checkpoint of epoch 2 has been modified or corrupted/],
        // A share changed, the file made self-consistent again: only the other parties' records catch it.
        ['edited, digest recomputed', (d) => rewrite(latest(d), (_m, t) => void (t[0]!.data[0]! += 1n)), /party hospital-c's checkpoint of epoch 2 does not match the share digest that hospital-a, hospital-b recorded/],
        ['other job', (d) => rewrite(latest(d), (m) => void (m.jobHash = '12'.repeat(32))), /party hospital-c: its checkpoint of epoch 2 is from another job/],
        ['other run', (d) => { rewrite(latest(d), (m) => void (m.runNonce = '34'.repeat(32))); rmSync(join(d, 'hospital-c.epoch-000001.ckpt')); }, /party hospital-c holds a checkpoint of another run/],
      ];
      for (const [name, spoil, re, resume = true] of scenarios) {
        const dir = (id: string) => join(c.sim.dir, name, id);
        for (const id of IDS) cpSync(base(id), dir(id), { recursive: true });
        spoil(dir('hospital-c'));
        const t0 = Date.now();
        const outs = await runParties(c, (id) => ['--checkpoint', dir(id), ...(resume ? ['--resume'] : [])]);
        expect(Date.now() - t0, name).to.be.below(120_000);
        for (const p of outs) {
          expect(p.exitCode, `${name}: ${p.id}`).to.not.equal(0);
          // The verdict itself, not a receive timeout or a lost peer: no party waited for another.
          expect(errorLine(p), `${name}: ${p.id}`).to.match(/E_CHECKPOINT/).and.to.match(re);
          expect(errorLine(p)).to.not.contain(c.sim.dir);
        }
      }
      // --resume when no party holds a checkpoint (the crash came during epoch 1): starts at epoch 1 and says so.
      const fresh = await runParties(c, (id) => ['--checkpoint', join(c.sim.dir, 'fresh', id), '--resume']);
      for (const p of fresh) {
        expect(p.exitCode, p.stderr).to.equal(0);
        expect(p.stderr).to.match(/--resume: no party holds a checkpoint; starting from epoch 1/);
        expect((p.json as PartyReport).epochs.map((e) => e.epoch)).to.deep.equal([1, 2]);
      }
    } finally {
      c.sim.remove();
    }
  });
});

describe('simulate --checkpoint: interrupted with Ctrl-C, continued with --resume', function () {
  this.timeout(900_000);

  it('SIGINT to the whole process group during epoch 3, then the same command plus --resume finishes from epoch 2', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'concord-simck-')), 'ck');
    const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const flags = ['simulate', '--json', '--offline', 'dealer', '--epochs', '4', '--timeout', '60', '--checkpoint', dir];
    try {
      // Like Ctrl-C in a terminal: the signal goes to simulate AND its party processes (one process group).
      const child = spawn(process.execPath, [MAIN, ...flags], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
      let stderr = '';
      let interrupted = false;
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!interrupted && /epoch 2\/4/.test(stderr)) {
          interrupted = true;
          process.kill(-child.pid!, 'SIGINT');
        }
      });
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      expect(interrupted, stderr).to.equal(true);
      expect(code).to.not.equal(0);
      expect(statSync(join(dir, 'keys')).mode & 0o777).to.equal(0o700);
      for (const f of readdirSync(join(dir, 'keys'))) expect(statSync(join(dir, 'keys', f)).mode & 0o777, f).to.equal(0o600);
      const out = await spawnConcord('simulate', [...flags, '--resume']).done;
      expect(out.exitCode, out.stderr).to.equal(0);
      const r = out.json as { resumedFrom: number; accuracy: number; plain: { accuracy: number }; maxWeightDiff: number };
      expect(r.resumedFrom).to.be.within(1, 2);
      expect(out.stderr).to.match(/continuing with epoch [23]/);
      expect(Math.abs(r.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
      expect(r.maxWeightDiff).to.be.below(0.05);
      expect(existsSync(dir), 'a finished simulation leaves no checkpoint or key behind').to.equal(false);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
