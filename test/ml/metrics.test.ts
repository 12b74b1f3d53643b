import { expect } from 'chai';
import { binaryMetrics, rocAuc } from '../../src/ml/metrics.js';

describe('ml/metrics (hand-computed values)', () => {
  it('confusion counts, accuracy, precision, recall, F1, AUC', () => {
    // predictions at 0.5: 1 1 0 1 0 0 against labels 1 1 1 0 0 0 → tp 2, fn 1, fp 1, tn 2.
    const m = binaryMetrics([0.9, 0.8, 0.3, 0.6, 0.2, 0.1], [1, 1, 1, 0, 0, 0]);
    expect([m.tp, m.fn, m.fp, m.tn]).to.deep.equal([2, 1, 1, 2]);
    expect(m.accuracy).to.be.closeTo(4 / 6, 1e-12);
    expect(m.precision).to.be.closeTo(2 / 3, 1e-12);
    expect(m.recall).to.be.closeTo(2 / 3, 1e-12);
    expect(m.f1).to.be.closeTo(2 / 3, 1e-12);
    // 9 positive/negative pairs, only 0.3 < 0.6 is misordered → 8/9.
    expect(m.auc).to.be.closeTo(8 / 9, 1e-12);
  });
  it('ties count one half in the AUC; threshold 0.5 counts as positive', () => {
    expect(rocAuc([0.5, 0.5], [1, 0])).to.equal(0.5);
    expect(rocAuc([0.2, 0.7, 0.7, 0.9], [0, 1, 0, 1])).to.be.closeTo(0.875, 1e-12);
    expect(binaryMetrics([0.5, 0.4], [1, 0]).accuracy).to.equal(1);
  });
  it('precision/recall/F1 are 0 when undefined; AUC needs both classes', () => {
    const m = binaryMetrics([0.1, 0.2], [1, 0]);
    expect([m.precision, m.recall, m.f1]).to.deep.equal([0, 0, 0]);
    expect(() => rocAuc([0.1, 0.2], [1, 1])).to.throw(/both classes/);
  });
});
