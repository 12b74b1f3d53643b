import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isConcordError } from '../src/errors.js';
import { Prg } from '../src/crypto/prg.js';
import { encodeFrame, FrameDecoder } from '../src/net/frame.js';
import { jobHash, validateJob } from '../src/ml/job.js';
import { generateKey, readKeyFile, writeKeyFile } from '../src/config/keys.js';
import { writePrivateFile } from '../src/config/private-file.js';
import { makeSimDir, runConsortium, spawnConcord } from '../src/cli/sim-cluster.js';
import { readCsv, selectRows, toCsv } from '../src/ml/csv.js';
import { shardSizes } from '../src/ml/partition.js';
import { Packr } from 'msgpackr';

/** Issue 15, finding 5 (the smaller things) and finding 3 (revealCheckpoints only in simulation). */

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const DATA = fileURLToPath(new URL('../../parties/data/', import.meta.url));
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

function rawFrame(head: unknown[]): Uint8Array {
  const h = packr.pack(head);
  const out = new Uint8Array(4 + h.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 4);
  return out;
}

describe('hardening: loaders, frames, PRG tags, file modes', () => {
  it('job fields named like Object.prototype members are unknown fields (E_CONFIG), never a crash or a new hash', () => {
    const base = jobHash(validateJob({}, 'job.json'));
    for (const name of ['__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'constructor', 'toString', 'propertyIsEnumerable', '__defineGetter__']) {
      const obj = JSON.parse(`{"${name}": true}`) as unknown;
      let err: unknown;
      try {
        validateJob(obj, 'job.json');
      } catch (e) {
        err = e;
      }
      expect(isConcordError(err, 'E_CONFIG'), `${name}: ${String(err)}`).to.equal(true);
      expect((err as Error).message).to.contain(`unknown field "${name}"`);
    }
    expect(jobHash(validateJob({}, 'job.json'))).to.equal(base);
  });

  it('PRG stream tags and subs that do not fit 32 bits throw instead of wrapping onto another stream', () => {
    const key = new Uint8Array(16).fill(3);
    for (const bad of [2 ** 32, 2 ** 32 + 5, -1, 1.5, Number.NaN]) {
      expect(() => new Prg(key, bad), `tag ${bad}`).to.throw(/does not fit its 32-bit field/);
      expect(() => new Prg(key, 0, bad), `sub ${bad}`).to.throw(/does not fit its 32-bit field/);
    }
    expect(Buffer.from(new Prg(key, 2 ** 32 - 1).bytes(16)).equals(Buffer.from(new Prg(key, 0).bytes(16)))).to.equal(false);
  });

  it('the frame decoder allocates as bytes arrive, not the announced length', () => {
    const dec = new FrameDecoder();
    const before = process.memoryUsage().arrayBuffers;
    const len = 512 << 20; // 512 MiB announced, within the 1 GiB frame limit
    dec.push(rawFrame([1, 7, 'x', 1, 'u64', [len / 8], len]));
    dec.push(new Uint8Array(10));
    const grew = process.memoryUsage().arrayBuffers - before;
    expect(grew, `${grew} bytes allocated for 10 received`).to.be.below(8 << 20);
    // and a large frame still decodes exactly, whatever the split
    const data = new BigUint64Array(300_000).map((_, i) => BigInt(i) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn);
    const f = encodeFrame({ tag: 9, kind: 'big', ring: { shape: [data.length], data } as never });
    const stream = new Uint8Array(f.head.length + f.payload.length);
    stream.set(f.head);
    stream.set(f.payload, f.head.length);
    const d2 = new FrameDecoder();
    const got = [];
    for (let off = 0; off < stream.length; off += 65519) got.push(...d2.push(stream.slice(off, off + 65519)));
    expect(got).to.have.length(1);
    expect(Buffer.from(got[0]!.ring!.data.buffer).equals(Buffer.from(data.buffer))).to.equal(true);
  });

  it('control JSON frames are capped at 1 MiB (E_FRAME), far below the tensor limit', () => {
    const dec = new FrameDecoder();
    expect(() => dec.push(rawFrame([1, 1, 'data', 3, '', [], 2 << 20]))).to.throw(/JSON payload of 2097152 bytes exceeds 1048576/);
  });

  describe('files that hold secrets', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'concord-files-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('keygen --force replaces a symlink instead of writing through it, and the new file is 0600', () => {
      const victim = join(dir, 'victim.txt');
      writeFileSync(victim, 'do not touch\n', { mode: 0o644 });
      const out = join(dir, 'party.key');
      symlinkSync(victim, out);
      expect(() => writeKeyFile(out, generateKey())).to.throw(/already exists/);
      writeKeyFile(out, generateKey(), true);
      expect(readFileSync(victim, 'utf8')).to.equal('do not touch\n');
      expect(lstatSync(out).isSymbolicLink()).to.equal(false);
      expect(statSync(out).mode & 0o777).to.equal(0o600);
      readKeyFile(out);
    });

    it('keygen --force over a 0644 key leaves a 0600 file, and no temporary file behind', () => {
      const out = join(dir, 'old.key');
      writeFileSync(out, 'old', { mode: 0o644 });
      writeKeyFile(out, generateKey(), true);
      expect(statSync(out).mode & 0o777).to.equal(0o600);
      expect(readdirSync(dir)).to.deep.equal(['old.key']);
    });

    it('private files (the model) are created 0600 and renamed into place', () => {
      const out = join(dir, 'model.json');
      writeFileSync(out, '{}', { mode: 0o644 });
      writePrivateFile(out, '{"w":1}\n');
      expect(statSync(out).mode & 0o777).to.equal(0o600);
      expect(readFileSync(out, 'utf8')).to.equal('{"w":1}\n');
      mkdirSync(join(dir, 'sub'));
      expect(() => writePrivateFile(join(dir, 'sub'), 'x')).to.throw();
      expect(readdirSync(dir).sort()).to.deep.equal(['model.json', 'sub']);
    });
  });
});

/** Process ids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

describe('revealCheckpoints and signals in real processes', function () {
  this.timeout(120_000);

  it('a party refuses a job with revealCheckpoints unless explicitly overridden (and then warns loudly)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-ckpt-'));
    try {
      const job = join(dir, 'job.json');
      writeFileSync(job, JSON.stringify({ revealCheckpoints: true }));
      const out = await spawnConcord('p', ['party', '--config', join(dir, 'none.json'), '--id', 'a', '--key', join(dir, 'none.key'), '--job', job]).done;
      expect(out.exitCode).to.equal(1);
      expect(out.stderr).to.match(/E_CONFIG: .*"revealCheckpoints" is true: it opens the weights after every step to every party.*--unsafe-reveal-checkpoints/);
      const over = await spawnConcord('p', ['party', '--config', join(dir, 'none.json'), '--id', 'a', '--key', join(dir, 'none.key'), '--job', job, '--unsafe-reveal-checkpoints']).done;
      expect(over.stderr).to.match(/WARNING: --unsafe-reveal-checkpoints: this job reveals the weights after EVERY step to EVERY party/);
      expect(over.stderr).to.match(/cannot read consortium file/); // it went on past the job check
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a model written by a party is 0600', async () => {
    const sim = await makeSimDir('modes', ['a', 'b'], false);
    try {
      const ds = readCsv(join(DATA, 'breast_cancer.csv'), 'label');
      const sizes = shardSizes(120, 2);
      const small = selectRows(ds, Array.from({ length: 120 }, (_, i) => i));
      let off = 0;
      sim.ids.forEach((id, i) => {
        writeFileSync(join(sim.dir, `${id}.csv`), toCsv(small, Array.from({ length: sizes[i]! }, (_, k) => off + k)));
        off += sizes[i]!;
      });
      const job = join(sim.dir, 'job.json');
      writeFileSync(job, JSON.stringify({ epochs: 1, batchSize: 60, offline: 'ot' }));
      const run = await runConsortium({
        sim,
        deadlineMs: 60_000,
        partyArgs: (id) => ['--config', sim.consortium, '--id', id, '--key', sim.keys.get(id)!, '--job', job, '--data', join(sim.dir, `${id}.csv`), '--out', join(sim.dir, `model-${id}.json`), '--timeout', '20'],
      });
      for (const p of run.parties) expect(p.exitCode, p.stderr).to.equal(0);
      for (const id of sim.ids) expect(statSync(join(sim.dir, `model-${id}.json`)).mode & 0o777, id).to.equal(0o600);
    } finally {
      sim.remove();
    }
  });

  it('SIGTERM during simulate stops every party process and removes the temporary directory', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'concord-sigterm-'));
    try {
      const child = spawn(process.execPath, [MAIN, 'simulate', '--epochs', '400', '--timeout', '30'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      let done = false;
      const exited = new Promise<number | null>((r) => child.on('close', (code) => ((done = true), r(code))));
      // Wait until the three party processes run (and have started connecting), then stop simulate.
      let kids: number[] = [];
      for (let i = 0; i < 400 && !done && kids.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 50));
        kids = childrenOf(child.pid!);
      }
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = Date.now();
      expect(kids.length, stderr).to.be.at.least(3);
      expect(readdirSync(tmp).filter((f) => f.startsWith('concord-sim-'))).to.have.length(1);
      child.kill('SIGTERM');
      const code = await exited;
      expect(code, stderr).to.equal(143);
      expect(Date.now() - t0, 'stopping took too long').to.be.below(10_000);
      expect(stderr).to.match(/simulate: SIGTERM: stopping the party processes/);
      expect(stderr).to.match(/E_ABORTED: stopped by SIGTERM/);
      for (const k of kids) expect(alive(k), `party process ${k} still running`).to.equal(false);
      expect(readdirSync(tmp), 'temporary files left').to.deep.equal([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
