import { writePrivateFile } from '../config/private-file.js';
import { basename } from 'node:path';
import { ConcordError, peerMessage } from '../errors.js';
import type { Session } from '../session/session.js';
import { Ring } from '../ring/ring.js';
import { psi, type PsiResult } from '../../protocols/psi/ecdh-psi.js';
import type { Job } from '../ml/job.js';
import { DataError } from '../ml/csv.js';
import { localRows, fitLocal, type VerticalTable } from '../ml/vertical-table.js';
import { transform, type Fitted } from '../ml/preprocess.js';
import { agreeOnVerticalLayout, type VerticalLayout } from '../ml/vertical-agree.js';
import { predictVertical, trainVertical } from '../ml/vertical-train.js';
import type { PartyReport } from './party-report.js';
import { secureOps } from '../ml/nonlinear.js';
import { binaryMetrics } from '../ml/metrics.js';
import type { EpochReport } from '../ml/train.js';

/** The training part of a vertical party's report (party.ts adds the session figures). */
export type VerticalReport = Omit<PartyReport, 'rounds' | 'bytesSent' | 'offline' | 'maxRssKiB' | 'party' | 'index' | 'job' | 'jobHash'> & { intersection: number; psiSeconds: number; alignedRows: number[] };

/** What `concord party` hands the vertical flow once the session and preprocessing are up. */
export interface VerticalRun {
  job: Job;
  hash: string;
  me: number;
  table?: VerticalTable;
  tableError?: ConcordError;
  test?: VerticalTable;
  testFile?: string;
  recipients: number[];
  out: string;
  log: (line: string) => void;
}

/**
 * A vertical job at one party: agree on the layout → PSI on the ID column (salted with the job
 * hash) → train on the aligned rows (src/ml/vertical-train.ts) → save the model at recipients →
 * with --test at every party: PSI on the test IDs, predictions in MPC revealed to the recipients
 * (with the label party's test labels, for the metrics). Returns this party's report.
 */
export async function runVerticalParty(s: Session, r: VerticalRun): Promise<VerticalReport> {
  const { job, log } = r;
  const layout = await agreeOnVerticalLayout(s, {
    ok: r.tableError === undefined,
    features: r.table?.features ?? [],
    hasLabel: r.table?.local.y !== undefined,
    hasTest: r.test !== undefined,
    ...(r.tableError ? { problem: peerMessage(r.tableError) } : {}),
  }, job.label).catch((e: unknown) => {
    throw r.tableError ?? e;
  });
  const table = r.table!;
  const salt = new Uint8Array(Buffer.from(r.hash, 'hex'));
  const file = basename(table.file);
  const tp = performance.now();
  const inter = await align(s, table, salt, file, log);
  const psiSeconds = (performance.now() - tp) / 1000;
  log(`private set intersection: ${inter.size} common IDs (set sizes ${inter.sizes.join(' / ')}) in ${psiSeconds.toFixed(2)} s`);
  // This party's own preprocessing, fitted locally on the aligned rows (it owns whole columns).
  const aligned = localRows(table.local, inter.rows);
  const fitted = fitLocal(aligned);
  const { x, clipped } = transform(aligned, fitted);
  const clips = fitted.features.map((f, j) => [f, clipped[j]!] as const).filter(([, c]) => c > 0);
  if (clips.length > 0) log(`outliers: clipped to ±${job.clip} std (local count, not sent): ${clips.map(([f, c]) => `${f} ${c}`).join(', ')}`);
  const local = { x, rows: aligned.rows, fitted, ...(aligned.y ? { y: aligned.y } : {}) };
  const features = layout.features.flat();
  const res = await trainVertical(s, local, layout, {
    arch: { kind: job.model, features: features.length, hidden: job.hidden },
    hp: job,
    fracBits: job.fracBits,
    features,
    label: job.label,
    recipients: r.recipients,
    revealLoss: job.revealLoss,
    revealCheckpoints: job.revealCheckpoints,
    ops: secureOps,
    onEpoch: (e: EpochReport) => log(`epoch ${e.epoch}/${job.epochs}  ${e.seconds.toFixed(3)} s${e.loss !== undefined ? `  loss (Brier) ${e.loss.toFixed(5)}` : ''}  rounds ${e.rounds}`),
  });
  const report: VerticalReport = {
    trainRows: inter.size, partyRows: inter.sizes, epochs: res.epochs, trainSeconds: res.trainSeconds, trainRounds: res.trainRounds, steps: res.steps,
    intersection: inter.size, psiSeconds, alignedRows: Array.from(inter.rows),
  };
  if (res.checkpoints) report.checkpoints = res.checkpoints.map((c) => Array.from(c));
  if (res.model) {
    // The model is an output only the recipients may see: created 0600.
    try {
      writePrivateFile(r.out, JSON.stringify(res.model, null, 1) + '\n');
    } catch (e) {
      throw new ConcordError('E_CONFIG', `cannot write the model file ${r.out}: ${(e as Error).message}`);
    }
    report.model = res.model;
    report.modelFile = r.out;
    log(`model saved to ${r.out}`);
  } else {
    log('this party is not a recipient of the model');
  }
  if (r.test) await scoreTest(s, r, layout, res.shares, fitted, table, salt, report);
  return report;
}

/** PSI on a table's ID column; errors name the file's lines. */
function align(s: Session, t: VerticalTable, salt: Uint8Array, file: string, log: (l: string) => void): Promise<PsiResult> {
  return psi(s, t.ids, { salt, describeRow: (row) => `${file} line ${row + 2}`, onProgress: log });
}

/** The --test rows: aligned by their own PSI, scored in MPC, revealed (with the labels) to the recipients. */
async function scoreTest(s: Session, r: VerticalRun, layout: VerticalLayout, shares: Ring[], fitted: Fitted, train: VerticalTable, salt: Uint8Array, report: VerticalReport): Promise<void> {
  const test = r.test!;
  if (test.features.join(',') !== train.features.join(',')) throw new DataError(test.file, `the test file's columns (${test.features.join(', ')}) differ from the training file's (${train.features.join(', ')})`, 'the test file has other columns than the training file');
  const testSalt = new Uint8Array([...salt, ...new TextEncoder().encode('/test')]);
  const inter = await align(s, test, testSalt, basename(test.file), r.log);
  const aligned = localRows(test.local, inter.rows);
  const { x } = transform(aligned, fitted);
  const dims = layout.features.map((c) => c.length);
  const job = r.job;
  const probs = await predictVertical(s, { kind: job.model, features: dims.reduce((a, b) => a + b, 0), hidden: job.hidden }, shares, x, aligned.rows, dims, job.fracBits, secureOps, r.recipients);
  // The label party sends its test labels to the recipients (declared output of the evaluation).
  const tag = s.tag();
  const L = layout.labelParty;
  if (s.me === L && !aligned.y) throw new DataError(test.file, `the test file has no label column "${job.label}" (this party holds the labels)`, `the label party's test file has no label column`);
  if (s.me === L) for (const q of r.recipients) if (q !== s.me) s.sendJson(q, tag, Array.from(aligned.y!), 'test-labels');
  if (!probs) return;
  const y = s.me === L ? aligned.y! : await s.recvJson(L, tag, 'test-labels');
  if (!Array.isArray(y) && !(y instanceof Float64Array)) throw new ConcordError('E_FRAME', `party ${s.ids[L]} sent malformed test labels`, { party: s.ids[L]! });
  const labels = Float64Array.from(y as ArrayLike<number>);
  if (labels.length !== probs.length || !labels.every((v) => v === 0 || v === 1)) throw new ConcordError('E_FRAME', `party ${s.ids[L]} sent ${labels.length} test labels for ${probs.length} rows`, { party: s.ids[L]! });
  const m = binaryMetrics(probs, labels);
  report.test = { file: r.testFile!, rows: probs.length, ...m };
  report.testProbabilities = Array.from(probs);
  report.testAlignedRows = Array.from(inter.rows);
  r.log(`test ${r.testFile} (${probs.length} aligned rows, scored in MPC): accuracy ${m.accuracy.toFixed(4)}, ROC AUC ${m.auc.toFixed(4)}, precision ${m.precision.toFixed(4)}, recall ${m.recall.toFixed(4)}, F1 ${m.f1.toFixed(4)}`);
}
