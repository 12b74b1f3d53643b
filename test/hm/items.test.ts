import { expect } from 'chai';
import { runClusterDetailed } from '../../src/cli/cluster.js';
import { createHmPreprocessing, HM_TRUST_LINE } from '../../protocols/offline/hm/preprocessing.js';
import { isConcordError } from '../../src/errors.js';
import { memorySessions, runParties } from '../helpers/parties.js';
import { task, type HmItemsResult } from '../helpers/hm-items-task.js';

describe('hm preprocessing: every item kind reconstructs correctly', function () {
  this.timeout(120_000);

  it('in memory (3 parties, small batches so requests span batch boundaries)', async () => {
    const out = await runParties(3, (s) => task(s, { count: 5000 }), { sessionPrep: (s) => createHmPreprocessing(s, { firstBatch: 64, maxBatch: 512 }) });
    for (const r of out) {
      expect(r.failures).to.deep.equal([]);
      expect(r.checked).to.be.at.least(30);
    }
  });

  it('over real processes on the WebSocket mesh; every party prints the hm trust line', async () => {
    const run = await runClusterDetailed({ parties: 3, task: new URL('../helpers/hm-items-task.js', import.meta.url).href, args: { count: 20_000 }, offline: 'hm', timeoutMs: 100_000 });
    for (const [i, p] of run.parties.entries()) {
      expect(p.exitCode, `party ${i}: ${p.stderr}`).to.equal(0);
      const r = p.result as HmItemsResult;
      expect(r.mode).to.equal('hm');
      expect(r.failures).to.deep.equal([]);
      expect(r.checked).to.be.at.least(30);
      expect(p.stderr).to.include(HM_TRUST_LINE);
    }
  });

  for (const n of [2, 4]) {
    it(`is refused for ${n} parties with E_CONFIG naming the modes that work`, async () => {
      const ss = memorySessions(n);
      try {
        expect(() => createHmPreprocessing(ss[0]!)).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_CONFIG') && /exactly 3 parties/.test((e as Error).message) && /"ot"/.test((e as Error).message) && /"dealer"/.test((e as Error).message));
      } finally {
        await Promise.all(ss.map((s) => s.close()));
      }
    });
  }
});
