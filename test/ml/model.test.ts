import { expect } from 'chai';
import { trainPlain } from '../../src/ml/plain.js';
import { initParams, toModelFile, fromModelFile, predict, sigmoid, type Arch } from '../../src/ml/model.js';

describe('ml/model and the plaintext loop', () => {
  it('one logreg step from zero weights is w = −lr·Xᵀ(½ − y)/b (hand-computed)', () => {
    // 2 rows, 1 feature + bias column; one epoch, one batch holding both rows.
    const x1 = Float64Array.from([2, 1, -1, 1]);
    const y = Float64Array.from([1, 0]);
    const { params } = trainPlain({ kind: 'logreg', features: 1, hidden: 0 }, x1, y, 2, { epochs: 1, batchSize: 2, lr: 0.4, momentum: 0, positiveWeight: 1, seed: 1 });
    // Xᵀ(p − y) = [2·(−½) + (−1)·(½), 1·(−½) + 1·(½)] = [−1.5, 0]; w = −0.4·[−1.5, 0]/2 = [0.3, 0].
    expect(Array.from(params[0]!.data)).to.deep.equal([0.30000000000000004, 0]);
  });
  it('positive weight scales the positive rows; momentum accumulates PyTorch-style', () => {
    const x1 = Float64Array.from([1, 1]);
    const y = Float64Array.from([1]);
    const hp = { epochs: 2, batchSize: 1, lr: 1, momentum: 0.5, positiveWeight: 3, seed: 1 };
    const { params } = trainPlain({ kind: 'logreg', features: 1, hidden: 0 }, x1, y, 1, hp);
    // step 1: g = 3·(½ − 1)·[1,1] = [−1.5, −1.5]; v = g; w = [1.5, 1.5]
    // step 2: p = σ(3); g = 3·(σ(3) − 1); v = 0.5·(−1.5) + g; w = 1.5 − v
    const g2 = 3 * (sigmoid(3) - 1);
    const w = 1.5 - (0.5 * -1.5 + g2);
    expect(params[0]!.data[0]).to.be.closeTo(w, 1e-12);
  });
  it('MLP init is seeded, PyTorch-bounded, and differs across seeds; logreg starts at zero', () => {
    const arch: Arch = { kind: 'mlp', features: 4, hidden: 3 };
    const a = initParams(arch, 1), b = initParams(arch, 1), c = initParams(arch, 2);
    expect(a[0]!.data).to.deep.equal(b[0]!.data);
    expect(a[0]!.data).to.not.deep.equal(c[0]!.data);
    for (const v of a[0]!.data) expect(Math.abs(v)).to.be.at.most(1 / Math.sqrt(4));
    expect(Array.from(initParams({ kind: 'logreg', features: 4, hidden: 0 }, 1)[0]!.data)).to.deep.equal([0, 0, 0, 0, 0]);
  });
  it('a saved model round-trips and predicts with its scaling; a malformed one is rejected', () => {
    const arch: Arch = { kind: 'logreg', features: 2, hidden: 0 };
    const params = initParams(arch, 1);
    params[0]!.data.set([1, -1, 0.5]);
    const m = JSON.parse(JSON.stringify(toModelFile(arch, params, ['a', 'b'], 'label', [10, 0], [2, 1])));
    // x = (12, 1) → standardized (1, 1) → z = 1 − 1 + 0.5
    expect(predict(m, Float64Array.from([12, 1]), 1)[0]).to.be.closeTo(sigmoid(0.5), 1e-12);
    expect(() => fromModelFile({ ...m, params: [] }, 'm.json')).to.throw(/m\.json: "params" has 0 tensors/);
    expect(() => fromModelFile({ ...m, format: 'x' }, 'm.json')).to.throw(/"format"/);
  });
});
