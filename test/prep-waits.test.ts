import { expect } from 'chai';
import { prepWaits } from '../src/cli/party.js';
import { hmSessions } from './helpers/hm-view.js';

/** The "offline: waited …" line of `concord party` reads every mode's counters (dealer: totals; ot/hm: per stream). */
describe('prepWaits: the party\'s preprocessing-wait summary', () => {
  it('reads the dealer client\'s totals', () => {
    expect(prepWaits({ stats: () => ({ items: 10, hits: 7, waits: 3, waitMs: 12.5 }) })).to.deep.equal({ items: 10, waits: 3, waitMs: 12.5 });
  });

  it('sums hm\'s per-stream counters (real in-memory sessions)', async () => {
    const ss = hmSessions(64, undefined, () => {});
    try {
      await Promise.all(ss.map((s) => s.prep.daBits(s.tag(), [64])));
      await Promise.all(ss.map((s) => s.prep.truncPair(s.tag(), [64], 16)));
      const w = prepWaits(ss[1]!.prep)!;
      expect(w.items).to.equal(128);
      expect(w.waits).to.be.at.least(1); // no prefetch: the first request of each stream waits
      expect(w.waitMs).to.equal(undefined);
    } finally {
      await Promise.all(ss.map((s) => s.prep.close()));
    }
  });

  it('is undefined for a mode without counters', () => {
    expect(prepWaits({})).to.equal(undefined);
  });
});
