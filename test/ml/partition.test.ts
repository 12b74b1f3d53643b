import { expect } from 'chai';
import { stratifiedSplit, shardSizes, trainingOrder, batchRanges, SeededRandom } from '../../src/ml/partition.js';

describe('ml/partition', () => {
  it('stratified split has scikit-learn class counts (breast cancer: 455/114 with 42 test positives)', () => {
    const y = [...Array(212).fill(1), ...Array(357).fill(0)];
    const { train, test } = stratifiedSplit(y, 0.2, 0);
    expect([train.length, test.length]).to.deep.equal([455, 114]);
    expect(test.filter((i) => y[i] === 1).length).to.equal(42);
    expect(new Set([...train, ...test]).size).to.equal(569);
    const fraud = [...Array(492).fill(1), ...Array(2773).fill(0)];
    const f = stratifiedSplit(fraud, 0.2, 0);
    expect([f.train.length, f.test.length, f.test.filter((i) => fraud[i] === 1).length]).to.deep.equal([2612, 653, 98]);
  });
  it('splits a million rows (no argument spreading: that overflowed the stack at ~10^5 rows)', () => {
    const y = new Uint8Array(1_000_000).map((_, i) => (i % 5 === 0 ? 1 : 0));
    const { train, test } = stratifiedSplit(y, 0.2, 0);
    expect([train.length, test.length]).to.deep.equal([800_000, 200_000]);
    expect(test.filter((i) => y[i] === 1).length).to.equal(40_000);
  });
  it('is reproducible for a seed and differs across seeds', () => {
    const y = Array.from({ length: 100 }, (_, i) => i % 3 === 0 ? 1 : 0);
    expect(stratifiedSplit(y, 0.2, 7)).to.deep.equal(stratifiedSplit(y, 0.2, 7));
    expect(stratifiedSplit(y, 0.2, 7).test).to.not.deep.equal(stratifiedSplit(y, 0.2, 8).test);
  });
  it('shards, order and batches cover every row once; the last batch is partial', () => {
    expect(shardSizes(455, 3)).to.deep.equal([152, 152, 151]);
    const o = trainingOrder(455, 1);
    expect([...o].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 455 }, (_, i) => i));
    const b = batchRanges(455, 64);
    expect(b.length).to.equal(8);
    expect(b[7]).to.deep.equal([448, 455]);
  });
  it('SeededRandom.below is in range and roughly uniform', () => {
    const r = new SeededRandom(3, 't');
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 5000; i++) counts[r.below(5)]!++;
    for (const c of counts) expect(c).to.be.within(900, 1100);
  });
});
