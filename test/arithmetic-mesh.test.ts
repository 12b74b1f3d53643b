import { expect } from 'chai';
import { runClusterDetailed } from '../src/cli/cluster.js';

/** Real processes: 3 parties + the dealer over the Noise/WebSocket mesh. */
describe('arithmetic over the WebSocket mesh with the dealer process (n=3)', function () {
  this.timeout(90_000);
  it('mul, matmul, masked matmul (sliced, transposed), trunc, mulFx and matmulFx match plaintext; the dealer prefetches', async () => {
    const run = await runClusterDetailed({
      parties: 3,
      task: new URL('./helpers/arith-task.js', import.meta.url).href,
      args: { seed: 'mesh-arith', steps: 8 },
      offline: 'dealer',
      timeoutMs: 60_000,
    });
    for (const [i, p] of run.parties.entries()) {
      expect(p.exitCode, `party ${i}: ${p.stderr}`).to.equal(0);
      const r = p.result as { failures: string[]; mode: string; prep: { items: number; hits: number; waits: number } };
      expect(r.failures).to.deep.equal([]);
      expect(r.mode).to.equal('dealer');
      expect(p.stderr).to.match(/offline: dealer — the dealer must not collude/);
      if (i < 2) expect(r.prep.waits).to.equal(0);
    }
    const last = (run.parties[2]!.result as { prep: { items: number; hits: number; waits: number } }).prep;
    // 1 mask + 4 items per step (the mask needs no correction); later steps come from prefetch.
    expect(last.items).to.equal(1 + 8 * 5 + 4);
    expect(last.hits).to.be.at.least(10); // typically 28–30: steps 3..8 come from prefetch
    expect(run.dealer?.exitCode, run.dealer?.stderr).to.equal(0);
  });
});

describe('dealer process when a party crashes', function () {
  this.timeout(60_000);
  it('the dealer exits non-zero naming the lost party; the surviving parties fail too', async () => {
    const run = await runClusterDetailed({
      parties: 3,
      task: new URL('./helpers/dealer-crash-task.js', import.meta.url).href,
      offline: 'dealer',
      timeoutMs: 30_000,
      recvTimeoutMs: 5_000,
    });
    expect(run.parties[2]!.signal).to.equal('SIGKILL');
    expect(run.parties[0]!.exitCode).to.not.equal(0);
    expect(run.dealer?.exitCode, run.dealer?.stderr).to.equal(1);
    expect(run.dealer?.stderr).to.match(/E_PEER_LOST.*p2/);
  });
});

describe('concord dealer command: usage and config errors', function () {
  this.timeout(30_000);
  it('missing flags and a consortium without a dealer entry fail with one clear message', async () => {
    const { spawnSync } = await import('node:child_process');
    const { writeClusterFiles, cliScript } = await import('../src/cli/cluster.js');
    const { rmSync } = await import('node:fs');
    const run = (args: string[]) => spawnSync(process.execPath, [cliScript('main.js'), 'dealer', ...args], { encoding: 'utf8' });
    const a = run([]);
    expect(a.status).to.equal(2);
    expect(a.stderr).to.match(/E_USAGE.*--config is required/);
    const files = await writeClusterFiles({ parties: 2 });
    try {
      const b = run(['--config', files.consortiumPath, '--key', files.keyPaths[0]!]);
      expect(b.status).to.equal(1);
      expect(b.stderr).to.match(/E_CONFIG.*dealer: missing/);
    } finally {
      rmSync(files.dir, { recursive: true, force: true });
    }
  });
});

describe('concord dealer: idle timeout', function () {
  this.timeout(30_000);
  it('parties that connect and then stay silent make the dealer stop with E_TIMEOUT instead of waiting forever', async () => {
    const { spawn } = await import('node:child_process');
    const { writeClusterFiles, cliScript } = await import('../src/cli/cluster.js');
    const { connectNodes } = await import('../src/net/mesh.js');
    const { readKeyFile } = await import('../src/config/keys.js');
    const { loadConsortium } = await import('../src/config/consortium.js');
    const { dealerSessionHash } = await import('../src/net/dealer-session.js');
    const { rmSync } = await import('node:fs');
    const files = await writeClusterFiles({ parties: 2, dealer: true });
    try {
      const dealer = spawn(process.execPath, [cliScript('main.js'), 'dealer', '--config', files.consortiumPath, '--key', files.dealer!.keyPath, '--idle-timeout', '1500'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      dealer.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => dealer.on('close', (code) => r(code)));
      const c = loadConsortium(files.consortiumPath);
      const links = await Promise.all(
        c.parties.map((p, i) => connectNodes({ me: p, privateKey: readKeyFile(files.keyPaths[i]!).privateKey, peers: [c.dealer!], dials: () => true, jobHash: dealerSessionHash(c.parties, c.dealer!, 'job'), startupTimeoutMs: 10_000 })),
      );
      const t0 = Date.now();
      const code = await exited;
      expect(code, stderr).to.equal(1);
      expect(stderr).to.match(/E_TIMEOUT: no party sent the dealer anything for 1500 ms/);
      expect(Date.now() - t0).to.be.below(10_000);
      await Promise.all(links.flatMap((m) => [...m.values()].map((l) => l.close())));
    } finally {
      rmSync(files.dir, { recursive: true, force: true });
    }
  });
});
