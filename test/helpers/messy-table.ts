import { SeededRandom } from '../../src/ml/partition.js';
import { trainPlain } from '../../src/ml/plain.js';
import { forwardF, withOnes } from '../../src/ml/model.js';
import type { Job } from '../../src/ml/job.js';

/**
 * A generated table the way institutions export them (for the preprocessing tests): a text ID
 * column, a free-text note, an amount of about 10^12, a score with one outlier 10^4 standard
 * deviations out, a text category (`CASH_OUT`, …) and a coded one with missing cells, `?`, empty
 * and `NA` cells, padded cells, exponent notation, and a text label (`fraud` / `ok`). The label
 * follows a logistic model of the features, so it is learnable.
 */

export const MESSY_LEVELS = { kind: ['CASH_OUT', 'PAYMENT', 'TRANSFER', 'DEBIT'], region: ['1', '2', '3'] };

/** Job fields that read the messy table. */
export const MESSY_JOB = {
  label: 'status',
  positiveClass: 'fraud',
  features: ['amount', 'score', 'kind', 'region', 'age'],
  categorical: MESSY_LEVELS,
  impute: 'mean',
};

/** CSV text of `rows` messy rows (seeded). */
export function messyCsv(rows: number, seed: number, outlier = true): string {
  const rng = new SeededRandom(seed, 'messy');
  const normal = () => {
    const u = Math.max(rng.uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
  };
  const lines = ['txn_id, note ,amount,score,kind,region,age,status'];
  for (let i = 0; i < rows; i++) {
    const amount = 1e12 + 3e11 * normal();
    const score = normal();
    const kind = rng.below(4);
    const region = rng.below(3);
    const age = 20 + rng.below(60);
    const z = 1.5 * (amount - 1e12) / 3e11 - 1.2 * score + [1.5, -1, 0.5, -1][kind]! + (region === 2 ? 0.8 : 0) + 0.03 * (age - 50);
    const fraud = rng.uniform() < 1 / (1 + Math.exp(-z));
    const miss = (v: string) => {
      const r = rng.below(20);
      return r === 0 ? '?' : r === 1 ? '' : r === 2 ? ' NA ' : v;
    };
    const amountText = i % 7 === 0 ? amount.toExponential(9) : amount.toFixed(2);
    const scoreText = outlier && i === Math.floor(rows / 2) ? '10000' : score.toFixed(6);
    lines.push([
      `T-${String(100000 + i)}`,
      i % 5 === 0 ? 'call back; customer said acct 99' : 'none',
      miss(`  ${amountText} `),
      miss(scoreText),
      MESSY_LEVELS.kind[kind]!,
      miss(MESSY_LEVELS.region[region]!),
      miss(String(age)),
      fraud ? 'fraud' : 'ok',
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

/** The reference pipeline on the union of the shards: feature names, mean/std, scaled rows, labels. */
export function reference(csvs: string[], job: Job) {
  const rows: string[][] = [];
  let header: string[] = [];
  for (const c of csvs) {
    const [h, ...r] = c.trim().split('\n');
    header = h!.split(',').map((x) => x.trim());
    for (const line of r) rows.push(line.split(',').map((x) => x.trim()));
  }
  const missing = new Set(job.missing.map((m) => m.toLowerCase()));
  const isMissing = (v: string) => missing.has(v.toLowerCase());
  const names: string[] = [];
  const cols: number[][] = [];
  const numeric: boolean[] = [];
  for (const f of job.features) {
    const j = header.indexOf(f);
    const levels = job.categorical[f];
    if (levels) {
      for (const l of levels) {
        names.push(`${f}=${l}`);
        cols.push(rows.map((r) => (r[j] === l ? 1 : 0)));
        numeric.push(false);
      }
    } else {
      const v = rows.map((r) => (isMissing(r[j]!) ? NaN : parseFloat(r[j]!)));
      const obs = v.filter((x) => !Number.isNaN(x));
      const mean = obs.reduce((a, b) => a + b, 0) / obs.length;
      names.push(f);
      cols.push(v.map((x) => (Number.isNaN(x) ? mean : x)));
      numeric.push(true);
    }
  }
  const N = rows.length;
  const mean = cols.map((c, k) => (numeric[k] ? c.reduce((a, b) => a + b, 0) / N : 0));
  const std = cols.map((c, k) => (numeric[k] ? Math.sqrt(c.reduce((a, b) => a + (b - mean[k]!) ** 2, 0) / N) || 1 : 1));
  const d = names.length;
  const x = new Float64Array(N * d);
  const clip = job.clip;
  for (let i = 0; i < N; i++) for (let k = 0; k < d; k++) x[i * d + k] = Math.max(-clip, Math.min(clip, (cols[k]![i]! - mean[k]!) / std[k]!));
  const li = header.indexOf(job.label);
  const y = Float64Array.from(rows, (r) => (r[li] === job.positiveClass ? 1 : 0));
  return { names, mean, std, x, y, N, d };
}

/** Encoded, imputed (unscaled) rows of the reference, with the TRAINING means as imputation values. */
export function rawEncoded(csvs: string[], job: Job, trainMean: number[]): Float64Array {
  const [h, ...lines] = csvs[0]!.trim().split('\n');
  const t = { header: h!.split(',').map((x) => x.trim()), rows: lines.map((l) => l.split(',').map((x) => x.trim())) };
  const missing = new Set(job.missing.map((m) => m.toLowerCase()));
  const out: number[] = [];
  for (const r of t.rows) {
    let k = 0;
    for (const f of job.features) {
      const cell = r[t.header.indexOf(f)]!;
      const levels = job.categorical[f];
      if (levels) for (const l of levels) { out.push(cell === l ? 1 : 0); k++; }
      else { out.push(missing.has(cell.toLowerCase()) ? trainMean[k]! : parseFloat(cell)); k++; }
    }
  }
  return Float64Array.from(out);
}

/**
 * The whole plaintext pipeline of the issue on a training and a test CSV: fit on the training
 * rows (reference()), train with the same SGD loop, scale the test rows with the training
 * statistics (imputing with the training means) and return the test probabilities and labels.
 */
export function referencePredictions(trainCsvs: string[], testCsv: string, job: Job): { p: Float64Array; y: Float64Array } {
  const ref = reference(trainCsvs, job);
  const arch = { kind: 'logreg' as const, features: ref.d, hidden: 0 };
  const plain = trainPlain(arch, withOnes(ref.x, ref.N, ref.d), ref.y, ref.N, job);
  const raw = rawEncoded([testCsv], job, ref.mean);
  const n = raw.length / ref.d;
  const xt = new Float64Array(raw.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < ref.d; k++) xt[i * ref.d + k] = Math.max(-job.clip, Math.min(job.clip, (raw[i * ref.d + k]! - ref.mean[k]!) / ref.std[k]!));
  return { p: forwardF(arch, plain.params, withOnes(xt, n, ref.d), n), y: reference([testCsv], job).y };
}
