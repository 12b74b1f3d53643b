import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { writeClusterFiles, type ClusterFiles } from '../src/cli/cluster.js';
import { connectParty } from '../src/index.js';

const script = new URL('./helpers/connect-party.js', import.meta.url).pathname;

function party(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 50_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('connectParty: the library entry point over real processes', function () {
  this.timeout(60_000);
  let files: ClusterFiles;
  before(async () => {
    files = await writeClusterFiles({ parties: 3 });
  });
  after(() => rmSync(files.dir, { recursive: true, force: true }));

  it('three processes connect from a consortium file and compute X·W + b over the Noise mesh', async () => {
    const outs = await Promise.all(files.ids.map((id, i) => party([files.consortiumPath, id, files.keyPaths[i]!])));
    outs.forEach((o, i) => {
      expect(o.code, o.stderr).to.equal(0);
      expect(o.stderr).to.equal(`[p${i}] offline: ot — no trusted party; secure against up to n−1 colluding semi-honest parties\n`);
      const r = JSON.parse(o.stdout) as { id: string; me: number; y: number[] };
      expect([r.id, r.me]).to.deep.equal([`p${i}`, i]);
      r.y.forEach((v, k) => expect(v).to.be.closeTo([9.5, 26, 30.25, 52][k]!, 2 ** -15));
    });
  });

  it("another party's key file is E_KEY, before any connection", async () => {
    const err = await connectParty({ consortium: files.consortiumPath, id: 'p0', key: files.keyPaths[1]! }).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'E_KEY');
  });

  it('offline "dealer" without a dealer entry is E_CONFIG naming the consortium file', async () => {
    const err = await connectParty({ consortium: files.consortiumPath, id: 'p0', key: files.keyPaths[0]!, offline: 'dealer' }).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'E_CONFIG');
    expect((err as Error).message).to.contain(files.consortiumPath).and.contain('dealer');
  });
});
