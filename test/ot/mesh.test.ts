import { expect } from 'chai';
import { runClusterDetailed } from '../../src/cli/cluster.js';

/** Real processes over the Noise/WebSocket mesh with the dealer-free offline phase. */
describe('arithmetic over the WebSocket mesh with offline mode ot (n=3)', function () {
  this.timeout(120_000);
  it('mul, matmul, masked matmul, trunc, mulFx, matmulFx match plaintext; every party prints the ot trust line', async () => {
    const run = await runClusterDetailed({
      parties: 3,
      task: new URL('../helpers/arith-task.js', import.meta.url).href,
      args: { seed: 'mesh-ot', steps: 2 },
      offline: 'ot',
      timeoutMs: 100_000,
    });
    for (const [i, p] of run.parties.entries()) {
      expect(p.exitCode, `party ${i}: ${p.stderr}`).to.equal(0);
      const r = p.result as { failures: string[]; mode: string };
      expect(r.failures).to.deep.equal([]);
      expect(r.mode).to.equal('ot');
      expect(p.stderr).to.match(/offline: ot — no trusted party; secure against up to n−1 colluding semi-honest parties/);
    }
  });
});
