import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { readCsv, selectRows, type Dataset } from '../../src/ml/csv.js';
import { stratifiedSplit, shardSizes } from '../../src/ml/partition.js';
import { trainPlain } from '../../src/ml/plain.js';
import { trainSecure, type NonlinearOps } from '../../src/ml/train.js';
import { agreeOnData } from '../../src/ml/agree.js';
import { fitNumeric } from '../../src/ml/preprocess.js';
import { forwardF, predict, scaleForModel, withOnes, type Arch } from '../../src/ml/model.js';
import { binaryMetrics } from '../../src/ml/metrics.js';
import type { HyperParams } from '../../src/ml/hyper.js';
import { runParties } from '../helpers/parties.js';
import { memoryDealer } from '../helpers/dealer.js';
import { insecureOps } from '../helpers/insecure-nonlinear.js';
import { secureOps } from '../../src/ml/nonlinear.js';

const DATA = fileURLToPath(new URL('../../../parties/data/', import.meta.url));

/** Train on shards of the stratified split with n in-memory parties; compare with the plaintext loop. */
async function trainBoth(ds: Dataset, arch: Arch, hp: HyperParams, ops: NonlinearOps, n = 3, fracBits = 16) {
  const { train, test } = stratifiedSplit(ds.y, 0.2, 0);
  const tr = selectRows(ds, train);
  const te = selectRows(ds, test);
  const sizes = shardSizes(tr.rows, n);
  const res = await runParties(n, async (s) => {
    const off = sizes.slice(0, s.me).reduce((a, b) => a + b, 0);
    const mine = selectRows(tr, Array.from({ length: sizes[s.me]! }, (_, i) => off + i));
    return trainSecure(s, mine, sizes, { arch, hp, fracBits, features: ds.features, label: 'label', recipients: [0], revealLoss: false, ops });
  });
  const model = res[0]!.model!;
  expect(res[1]!.model).to.equal(undefined);
  const secure = binaryMetrics(predict(model, te.x, te.rows), te.y);
  const x1 = withOnes(scaleForModel(model, tr.x, tr.rows), tr.rows, arch.features);
  const { params } = trainPlain(arch, x1, tr.y, tr.rows, hp);
  const plain = binaryMetrics(forwardF(arch, params, withOnes(scaleForModel(model, te.x, te.rows), te.rows, arch.features), te.rows), te.y);
  let maxDiff = 0;
  params.forEach((p, k) => p.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - model.params[k]!.values[i]!)))));
  return { secure, plain, maxDiff, rounds: res[0]!.trainRounds, steps: res[0]!.steps };
}

const HP: HyperParams = { epochs: 10, batchSize: 64, lr: 0.5, momentum: 0, positiveWeight: 1, seed: 1 };

describe('ml/train (in memory)', function () {
  this.timeout(120_000);
  const bc = readCsv(`${DATA}/breast_cancer.csv`, 'label');

  it('joint standardization equals the float mean/std of the union', async () => {
    const rows = [[1, 10], [2, 20], [3, 60], [6, 30]];
    const parts = [rows.slice(0, 1), rows.slice(1, 3), rows.slice(3)];
    const out = await runParties(3, (s) => fitNumeric(s, Float64Array.from(parts[s.me]!.flat()), parts[s.me]!.length, [1, 2, 1], ['a', 'b'], 10));
    for (const o of out) {
      expect(o.mean[0]).to.be.closeTo(3, 1e-4);
      expect(o.mean[1]).to.be.closeTo(30, 1e-4);
      expect(o.std[0]).to.be.closeTo(Math.sqrt((4 + 1 + 0 + 9) / 4), 1e-4);
      expect(o.std[1]).to.be.closeTo(Math.sqrt((400 + 100 + 900 + 0) / 4), 1e-4);
    }
  });

  it('agreeOnData returns row counts; a failed party or different columns stop everyone naming the party', async () => {
    const ok = (rows: number, features = ['a', 'b']) => ({ ok: true, rows, features, label: 'label' });
    expect(await runParties(3, (s) => agreeOnData(s, ok(s.me + 1)))).to.deep.equal([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    const bad = await runParties(3, (s) => agreeOnData(s, s.me === 2 ? { ...ok(0), ok: false, problem: 'x.csv: line 3, column "b": empty cell' } : ok(1)).catch((e: Error) => e.message));
    expect(bad[0]).to.match(/party p2 could not load its training data: x\.csv: line 3, column "b": empty cell/);
    const cols = await runParties(3, (s) => agreeOnData(s, ok(1, s.me === 1 ? ['a', 'c'] : ['a', 'b'])).catch((e: Error) => e.message));
    expect(cols[0]).to.match(/party p1 has no column "b"/);
    expect(cols[1]).to.match(/party p0 has no column "c"/);
  });

  it('an outlier 10^4 standard deviations out trains: clipped at ±clip, never an error naming its row', async () => {
    const rows = [3000, 3000];
    const out = await runParties(2, (s) => {
      const x = Float64Array.from({ length: rows[s.me]! * 2 }, (_, i) => (i % 7) - 3);
      if (s.me === 1) x[10] = 2e4;
      const y = Float64Array.from({ length: rows[s.me]! }, (_, i) => i % 2);
      return trainSecure(s, { x, y, rows: rows[s.me]! }, rows, { arch: { kind: 'logreg', features: 2, hidden: 0 }, hp: { ...HP, epochs: 1 }, fracBits: 16, features: ['a', 'b'], label: 'label', recipients: [0], revealLoss: false, ops: insecureOps });
    }, { timeoutMs: 10_000 });
    const m = out[0]!.model!;
    expect(m.preprocessing!.clip).to.equal(10);
    // The outlier inflates the joint std of "a" (≈ 2e4/√6000 = 258) but no error stops training.
    expect(m.std[0]).to.be.within(200, 300);
    expect(m.params[0]!.values.every(Number.isFinite)).to.equal(true);
  });

  it('logreg loop with exact nonlinearities tracks the plaintext loop closely (isolates fixed-point error)', async () => {
    const r = await trainBoth(bc, { kind: 'logreg', features: 30, hidden: 0 }, HP, insecureOps);
    expect(r.maxDiff).to.be.below(2e-3);
    expect(r.secure.accuracy).to.be.closeTo(r.plain.accuracy, 0.01);
  });

  it('logreg with the secure σ: plaintext accuracy, ≤ 13 rounds per step (< 2,000 for the target job)', async () => {
    const r = await trainBoth(bc, { kind: 'logreg', features: 30, hidden: 0 }, HP, secureOps);
    expect(r.steps).to.equal(80);
    expect(r.rounds).to.be.at.most(13 * 80);
    expect(Math.abs(r.secure.accuracy - r.plain.accuracy)).to.be.at.most(0.01);
    expect(r.maxDiff).to.be.below(0.01);
  });

  it('weighted positives and momentum match the plaintext loop', async () => {
    const r = await trainBoth(bc, { kind: 'logreg', features: 30, hidden: 0 }, { ...HP, epochs: 3, momentum: 0.9, positiveWeight: 2.5, lr: 0.1 }, insecureOps, 2);
    expect(r.maxDiff).to.be.below(5e-3);
  });

  it('mlp loop with exact nonlinearities tracks the plaintext loop', async () => {
    const r = await trainBoth(bc, { kind: 'mlp', features: 30, hidden: 8 }, { ...HP, epochs: 3 }, insecureOps);
    expect(r.maxDiff).to.be.below(5e-3);
  });

  it('maskData "perBatch" trains the same model as "once" (logreg and mlp, insecure and dealer prep, n = 2, 3): no masking rounds, 8·|X|·(n−1) more bytes per party for each epoch after the first; releaseRows empties the rows', async () => {
    const { train } = stratifiedSplit(bc.y, 0.2, 0);
    const tr = selectRows(bc, train);
    for (const [arch, n, dealer] of [[{ kind: 'logreg', features: 30, hidden: 0 }, 3, true], [{ kind: 'mlp', features: 30, hidden: 4 }, 2, false], [{ kind: 'logreg', features: 30, hidden: 0 }, 2, true]] as const) {
      const sizes = shardSizes(tr.rows, n);
      const hp = { ...HP, epochs: 2 };
      const once = async (maskData: 'once' | 'perBatch') => {
        const preps = dealer ? memoryDealer(n, `mask-${arch.kind}-${n}`).preps : undefined;
        return runParties(n, async (s) => {
          const off = sizes.slice(0, s.me).reduce((a, b) => a + b, 0);
          const mine = selectRows(tr, Array.from({ length: sizes[s.me]! }, (_, i) => off + i));
          const local = { x: mine.x, y: mine.y, rows: mine.rows };
          const r = await trainSecure(s, local, sizes, { arch, hp, fracBits: 16, features: bc.features, label: 'label', recipients: [0], revealLoss: false, ops: insecureOps, maskData, releaseRows: true });
          return { r, bytes: s.stats().bytesSent, released: local.x.length === 0 && local.y.length === 0 };
        }, { seed: `mask-${arch.kind}-${n}`, ...(preps ? { prep: (me: number) => preps[me]! } : {}) });
      };
      const a = await once('once');
      const b = await once('perBatch');
      const N = tr.rows;
      const what = `${arch.kind}, n=${n}, ${dealer ? 'dealer' : 'insecure'}`;
      expect(b[0]!.r.model!.params, what).to.deep.equal(a[0]!.r.model!.params);
      expect(b[0]!.r.trainRounds, what).to.equal(a[0]!.r.trainRounds);
      for (let p = 0; p < n; p++) {
        expect(b[p]!.bytes - a[p]!.bytes, `${what}, party ${p}`).to.equal((hp.epochs - 1) * 8 * N * 31 * (n - 1));
        expect(a[p]!.released && b[p]!.released).to.equal(true);
      }
    }
  });

  it('mlp with f = 17 (σ input truncated first: 3f = 51 bits is too many to fuse) tracks the plaintext loop', async () => {
    const r = await trainBoth(bc, { kind: 'mlp', features: 30, hidden: 8 }, { ...HP, epochs: 2 }, insecureOps, 3, 17);
    expect(r.maxDiff).to.be.below(5e-3);
  });
});
