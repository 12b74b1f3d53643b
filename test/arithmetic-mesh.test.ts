import { expect } from 'chai';
import { runClusterDetailed } from '../src/cli/cluster.js';

/** Real processes: 3 parties + the dealer over the Noise/WebSocket mesh. */
describe('arithmetic over the WebSocket mesh with the dealer process (n=3)', function () {
  this.timeout(90_000);
  it('mul, matmul, masked matmul (sliced, transposed) and trunc match plaintext; the dealer prefetches', async () => {
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
    expect(last.items).to.equal(1 + 8 * 5);
    expect(last.hits).to.be.at.least(3 * 5);
    expect(run.dealer?.exitCode, run.dealer?.stderr).to.equal(0);
  });
});
