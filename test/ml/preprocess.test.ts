import { expect } from 'chai';
import { parseTable } from '../../src/ml/table.js';
import { encodeLocal, tableSpec } from '../../src/ml/encode.js';
import { fitJoint, transform } from '../../src/ml/preprocess.js';
import { jointColumnStats } from '../../src/ml/joint-stats.js';
import { predictTable } from '../../src/ml/predict.js';
import { trainSecure } from '../../src/ml/train.js';
import { trainPlain } from '../../src/ml/plain.js';
import { forwardF, withOnes } from '../../src/ml/model.js';
import { binaryMetrics } from '../../src/ml/metrics.js';
import { validateJob, DEFAULT_MISSING } from '../../src/ml/job.js';
import { shardSizes } from '../../src/ml/partition.js';
import { wideSum } from '../../protocols/arithmetic/wide-sum.js';
import { secureOps } from '../../src/ml/nonlinear.js';
import { isConcordError } from '../../src/errors.js';
import { runParties } from '../helpers/parties.js';
import { messyCsv, MESSY_JOB, reference, rawEncoded } from '../helpers/messy-table.js';

/**
 * The joint preprocessing (src/ml/encode.ts, joint-stats.ts, preprocess.ts) against a plaintext
 * reference pipeline written here from the definitions: mean imputation over the union's
 * observed cells, one 0/1 indicator per declared level, standardization on the union (population
 * std, imputed cells count as the mean), clipping at ±clip, and the same SGD loop.
 */

/** Split CSV text into n shards of rows (header repeated). */
function shards(csv: string, n: number): string[] {
  const [header, ...rows] = csv.trim().split('\n');
  const sizes = shardSizes(rows.length, n);
  let off = 0;
  return sizes.map((k) => {
    const part = rows.slice(off, off + k);
    off += k;
    return [header, ...part].join('\n') + '\n';
  });
}

const JOB = validateJob({ ...MESSY_JOB, epochs: 4, batchSize: 32, lr: 0.3 }, 'test');

describe('ml/preprocess: raw tables against the plaintext reference pipeline', function () {
  this.timeout(120_000);

  it('mean imputation, one-hot, union standardization, clipping and the SGD loop match the reference (3 parties, text labels, 10^12 values, a 10^4-std outlier)', async () => {
    const parts = shards(messyCsv(480, 7), 3);
    const ref = reference(parts, JOB);
    const res = await runParties(3, async (s) => {
      const local = encodeLocal(parseTable(parts[s.me]!, `shard-${s.me}.csv`), tableSpec(JOB, ref.names), 'required');
      const counts = [0, 1, 2].map((p) => parts[p]!.trim().split('\n').length - 1);
      const fitted = await fitJoint(s, local, counts);
      const { x, clipped } = transform(local, fitted);
      const out = await trainSecure(s, { x, y: local.y!, rows: local.rows }, counts, { arch: { kind: 'logreg', features: fitted.features.length, hidden: 0 }, hp: JOB, fracBits: 16, features: fitted.features, label: JOB.label, recipients: [0], revealLoss: false, prepared: fitted, ops: secureOps });
      return { fitted, x, clipped, model: out.model };
    });
    const f = res[0]!.fitted;
    expect(f.features).to.deep.equal(ref.names);
    expect(f.features).to.include('kind=CASH_OUT').and.include('region=3');
    for (let k = 0; k < ref.d; k++) {
      expect(f.mean[k]).to.be.closeTo(ref.mean[k]!, Math.abs(ref.mean[k]!) * 1e-12 + 1e-12);
      expect(f.std[k]).to.be.closeTo(ref.std[k]!, ref.std[k]! * 1e-9);
    }
    expect(f.mean[0]).to.be.within(9e11, 1.1e12); // amount, around 10^12
    // Each party's scaled rows are the reference's rows of its shard.
    let off = 0;
    for (const r of res) {
      for (let i = 0; i < r.x.length; i++) expect(r.x[i]).to.be.closeTo(ref.x[off * ref.d + i]!, 1e-9);
      off += r.x.length / ref.d;
    }
    // The outlier (row 240, in the second shard) is clipped there, and only there; counts stay local.
    const score = ref.names.indexOf('score');
    expect(res.map((r) => r.clipped[score])).to.deep.equal([0, 1, 0]);
    // The model carries the preprocessing: columns, imputation values (= the joint means), levels, clip.
    const m = res[0]!.model!;
    expect(m.preprocessing!.columns.map((c) => c.name)).to.deep.equal(JOB.features);
    expect(m.preprocessing!.columns[0]).to.include({ kind: 'numeric' });
    expect((m.preprocessing!.columns[0] as { impute: number }).impute).to.equal(f.mean[0]);
    expect(m.preprocessing!.columns[2]).to.deep.equal({ name: 'kind', kind: 'categorical', levels: JOB.categorical.kind });
    expect(m.preprocessing!.clip).to.equal(10);
    // Same SGD loop in float64 on the reference rows: weights and accuracy agree.
    const arch = { kind: 'logreg' as const, features: ref.d, hidden: 0 };
    const plain = trainPlain(arch, withOnes(ref.x, ref.N, ref.d), ref.y, ref.N, JOB);
    plain.params[0]!.data.forEach((v, i) => expect(m.params[0]!.values[i]).to.be.closeTo(v, 0.02));
    const test = parseTable(messyCsv(300, 8, false), 'test.csv');
    const ours = predictTable(m, test);
    const refTest = reference([messyCsv(300, 8, false)], JOB);
    // The reference scales the test rows with the TRAINING statistics.
    const xt = new Float64Array(refTest.N * ref.d);
    const raw = rawEncoded([messyCsv(300, 8, false)], JOB, ref.mean);
    for (let i = 0; i < refTest.N; i++) for (let k = 0; k < ref.d; k++) xt[i * ref.d + k] = Math.max(-10, Math.min(10, (raw[i * ref.d + k]! - ref.mean[k]!) / ref.std[k]!));
    const pRef = forwardF(arch, plain.params, withOnes(xt, refTest.N, ref.d), refTest.N);
    const a = binaryMetrics(ours.p, ours.y!).accuracy;
    const b = binaryMetrics(pRef, refTest.y).accuracy;
    expect(Math.abs(a - b)).to.be.at.most(0.01);
    expect(a).to.be.above(0.7);
  });

  it('joint count, mean and std are exact for |x| near 10^15 over 10^7 rows (no E_RANGE)', async () => {
    const rows = [4_000_000, 3_000_000, 3_000_000];
    // x = 10^15 + k (k = row index mod 1001 − 500): exactly representable, so the exact mean and
    // variance are known in closed form over the union.
    const out = await runParties(3, (s) => {
      const v = new Float64Array(rows[s.me]!);
      for (let i = 0; i < v.length; i++) v[i] = 1e15 + ((i % 1001) - 500) * (s.me === 1 ? -1 : 1);
      if (s.me === 2) v[0] = NaN; // one missing cell
      return jointColumnStats(s, [v], 10_000_000, ['x']);
    });
    // Reference: x = 10^15 + k with integer offsets k, so Σk is exact in float64 and the mean is
    // 10^15 + Σk/n up to one rounding (the opened mean must be within 1 ulp = 0.125 of it).
    const offsets = (p: number, i: number) => ((i % 1001) - 500) * (p === 1 ? -1 : 1);
    let n = 0, sk = 0;
    rows.forEach((r, p) => { for (let i = p === 2 ? 1 : 0; i < r; i++) { n++; sk += offsets(p, i); } });
    const kbar = sk / n;
    let ss = 0;
    rows.forEach((r, p) => { for (let i = p === 2 ? 1 : 0; i < r; i++) ss += (offsets(p, i) - kbar) ** 2; });
    const mean = 1e15 + kbar;
    for (const o of out) {
      expect(o[0]!.observed).to.equal(9_999_999);
      expect(o[0]!.mean).to.be.closeTo(mean, 0.125);
      expect(o[0]!.std).to.be.closeTo(Math.sqrt(ss / 1e7), 1e-9 * Math.sqrt(ss / 1e7));
      expect(o[0]!.std).to.be.within(250, 320);
    }
  });

  it('wideSum equals the BigInt sum on edge values (0, −1, ±(2^500 − 1)) and refuses inputs beyond 2^500', async () => {
    const big = (1n << 500n) - 1n;
    const inputs = [[0n, -1n, big, 5n], [0n, -1n, -big, 1n << 300n], [0n, 1n, 0n, -(10n ** 40n)]];
    const out = await runParties(3, (s) => wideSum(s, inputs[s.me]!));
    const want = [0, 1, 2, 3].map((i) => inputs.reduce((a, v) => a + v[i]!, 0n));
    for (const o of out) expect(o).to.deep.equal(want);
    const bad = await runParties(2, (s) => wideSum(s, [s.me === 0 ? 1n << 500n : 0n]).then(() => 'ok', (e: Error) => e.message), { timeoutMs: 500 });
    expect(bad[0]).to.match(/beyond ±2\^500/);
  });

  it('every reading rule: missing texts (trimmed, any case), exponent notation, whitespace, unknownLevel zeros, a text label', () => {
    const csv = 'id,a,c,y\nr1,  1.5e3 ,X,yes\nr2, na ,?,no\nr3,-2,Z,yes\nr4,NULL,Y,maybe\n';
    const job = validateJob({ label: 'y', positiveClass: 'yes', features: ['a', 'c'], categorical: { c: ['X', 'Y'] }, unknownLevel: 'zeros' }, 't');
    const t = encodeLocal(parseTable(csv, 'f.csv'), tableSpec(job, ['id', 'a', 'c', 'y']), 'required');
    expect(Array.from(t.values[0]!)).to.deep.equal([1500, NaN, -2, NaN]);
    expect(Array.from(t.values[1]!)).to.deep.equal([0, -1, -1, 1]);
    expect(Array.from(t.y!)).to.deep.equal([1, 0, 1, 0]);
    expect(job.missing).to.deep.equal(DEFAULT_MISSING);
  });

  it('bad cells stop with E_DATA naming file, line and column; the shareable form never quotes the cell or the file', () => {
    const job = validateJob({ label: 'y', positiveClass: 'pos', features: ['a', 'c'], categorical: { c: ['X', 'Y'] } }, 't');
    const cases: [string, RegExp, RegExp][] = [
      ['a,c,y\n1,X,pos\n2,SECRET-LEVEL,neg\n', /line 3, column "c": level "SECRET-LEVEL" is not declared in "categorical"/, /^line 3, column "c": a level that is not declared/],
      ['a,c,y\n1,X,pos\nSECRET-4111,Y,neg\n', /line 3, column "a": "SECRET-4111" is not a number/, /^line 3, column "a": a cell is not a number/],
      ['a,c,y\n1,X,pos\n2,Y,?\n', /line 3, column "y": missing label/, /^line 3, column "y": missing label/],
      ['a,y\n1,pos\n', /no column "c"/, /^its CSV has no column "c"/],
      ['a,c,y\n1e31,X,pos\n', /line 2, column "a": 1e31 is beyond ±1e30/, /^line 2, column "a": a value is beyond/],
    ];
    for (const [csv, msg, share] of cases) {
      let err: unknown;
      try {
        const t = parseTable(csv, '/home/clinic/SECRET-path.csv');
        encodeLocal(t, tableSpec(job, t.header), 'required');
      } catch (e) {
        err = e;
      }
      expect(isConcordError(err, 'E_DATA'), String(err)).to.equal(true);
      const e = err as Error & { shareable: string };
      expect(e.message).to.match(msg).and.to.contain('/home/clinic/SECRET-path.csv');
      expect(e.shareable).to.match(share).and.not.to.match(/SECRET|home/);
    }
    // A label other than 0/1 without positiveClass; a missing numeric cell with impute "error".
    const strict = validateJob({ label: 'y', impute: 'error' }, 't');
    expect(() => encodeLocal(parseTable('a,y\n1,2\n', 'f.csv'), tableSpec(strict, ['a', 'y']), 'required')).to.throw(/line 2, column "y": label "2" is not 0 or 1; set "positiveClass"/);
    expect(() => encodeLocal(parseTable('a,y\n?,1\n', 'f.csv'), tableSpec(strict, ['a', 'y']), 'required')).to.throw(/line 2, column "a": missing cell and the job has "impute": "error"/);
  });
});
