import { expect } from 'chai';
import { runClusterDetailed } from '../src/cli/cluster.js';

/** Real processes: 3 parties + the dealer over the Noise/WebSocket mesh. */
describe('ltz, relu and sigmoid over the WebSocket mesh with the dealer process (n=3)', function () {
  this.timeout(90_000);
  it('match plaintext (ring edges included) with the documented rounds', async () => {
    const run = await runClusterDetailed({
      parties: 3,
      task: new URL('./helpers/compare-task.js', import.meta.url).href,
      args: { seed: 'mesh-compare' },
      offline: 'dealer',
      timeoutMs: 60_000,
    });
    for (const [i, p] of run.parties.entries()) {
      expect(p.exitCode, `party ${i}: ${p.stderr}`).to.equal(0);
      const r = p.result as { failures: string[]; mode: string; ltzRounds: number; sigmoidRounds: number };
      expect(r.failures).to.deep.equal([]);
      expect(r.mode).to.equal('dealer');
      expect(r.ltzRounds).to.equal(8); // edaBits: 1 opening + 6 tree levels + b2a, any n
      expect(r.sigmoidRounds).to.equal(2); // the dealer supplies lookup masks: one opening, one fused product-and-truncation
    }
    expect(run.dealer?.exitCode, run.dealer?.stderr).to.equal(0);
  });
});
