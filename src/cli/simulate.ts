import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConcordError } from '../errors.js';
import { parseArgs, intFlag, numFlag } from './args.js';
import type { Command } from './args.js';
import { makeSimDir, runConsortium, errorLine } from './sim-cluster.js';
import { onStopSignal, StoppedError } from './signals.js';
import { readTable, tableRows, tableCsv, type RawTable } from '../ml/table.js';
import { encodeLocal, tableSpec } from '../ml/encode.js';
import { encodeForModel, predictTable } from '../ml/predict.js';
import { stratifiedSplit, shardSizes } from '../ml/partition.js';
import { loadJob, validateJob, type Job } from '../ml/job.js';
import { binaryMetrics, type Metrics } from '../ml/metrics.js';
import { forwardF, scaleForModel, withOnes, fromModelFile } from '../ml/model.js';
import { trainPlain } from '../ml/plain.js';
import { UNSAFE_CHECKPOINTS_SWITCH, type PartyReport } from './party.js';
import { simCheckpointFlags, persistentKeys, partyCheckpointArgs, finishSimCheckpoint, type SimCheckpoint } from './sim-checkpoint.js';
import { resolveOffline } from './prep.js';
import { runVerticalSimulation } from './simulate-vertical.js';
import type { SimulateReport } from './simulate-types.js';
import { HM_TRUST_LINE } from '../../protocols/offline/hm/preprocessing.js';

/** Bundled demo data (parties/data), relative to the compiled file dist/src/cli/simulate.js. */
export const DATA_DIR = fileURLToPath(new URL('../../../parties/data/', import.meta.url));

const VALUED = ['job', 'parties', 'train', 'test', 'out', 'label', 'model', 'epochs', 'batch', 'lr', 'offline', 'partition', 'id', 'hidden', 'momentum', 'pos-weight', 'seed', 'mask-data', 'timeout', 'checkpoint'];
const SWITCHES = ['check', 'json', 'keep', 'resume', 'keep-checkpoints'];

/** Party ids of the demo consortia: hospitals for the diagnosis data, banks for the fraud data. */
function partyIds(trainFile: string, n: number): { ids: string[]; consortium: string } {
  const letter = (i: number) => String.fromCharCode(97 + i);
  if (/fraud|credit/i.test(basename(trainFile))) return { ids: Array.from({ length: n }, (_, i) => `bank-${letter(i)}`), consortium: 'demo-fraud' };
  if (/colic|horse/i.test(basename(trainFile))) return { ids: Array.from({ length: n }, (_, i) => `clinic-${letter(i)}`), consortium: 'demo-colic' };
  if (/breast|cancer/i.test(basename(trainFile))) return { ids: Array.from({ length: n }, (_, i) => `hospital-${letter(i)}`), consortium: 'demo-diagnosis' };
  return { ids: Array.from({ length: n }, (_, i) => `party-${i + 1}`), consortium: 'simulation' };
}

export type { SimulateReport } from './simulate-types.js';

/**
 * `concord simulate`: a whole consortium on this machine, one OS process per party (plus the
 * dealer), each reading only its own shard; then evaluation on the test set and comparison with
 * the plaintext run of the same loop.
 */
export const command: Command = {
  summary: 'simulate',
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, VALUED, SWITCHES, 'simulate');
    const n = intFlag(args, 'parties', 3, 2, 8, 'simulate');
    const partition = args.flags.get('partition') ?? 'horizontal';
    if (partition !== 'horizontal' && partition !== 'vertical') throw new ConcordError('E_USAGE', `simulate: --partition must be horizontal (each party holds some rows) or vertical (each party holds some columns), got "${partition}"`);
    if (args.flags.has('id') && partition !== 'vertical') throw new ConcordError('E_USAGE', 'simulate: --id applies only to --partition vertical');
    const json = args.switches.has('json');
    const checkpoint = simCheckpointFlags(args);
    const check = args.switches.has('check');
    const trainFile = args.flags.get('train') ?? join(DATA_DIR, 'breast_cancer.csv');
    // The job: a job file (every field) or the defaults; flags given alongside override the file.
    const jobFile = args.flags.get('job');
    const base: Record<string, unknown> = jobFile ? { ...loadJob(jobFile) } : { name: `simulate ${basename(trainFile)}` };
    const over: Record<string, unknown> = {};
    const flag = (name: string, field: string, parse: () => unknown) => {
      if (args.flags.has(name)) over[field] = parse();
    };
    flag('label', 'label', () => args.flags.get('label'));
    flag('model', 'model', () => args.flags.get('model'));
    flag('offline', 'offline', () => args.flags.get('offline'));
    flag('epochs', 'epochs', () => intFlag(args, 'epochs', 10, 1, 10_000, 'simulate'));
    flag('batch', 'batchSize', () => intFlag(args, 'batch', 64, 1, 1_000_000, 'simulate'));
    flag('lr', 'lr', () => numFlag(args, 'lr', 0.5, 0, 100, 'simulate'));
    flag('hidden', 'hidden', () => intFlag(args, 'hidden', 16, 1, 1024, 'simulate'));
    flag('momentum', 'momentum', () => Number(args.flags.get('momentum')));
    flag('pos-weight', 'positiveWeight', () => numFlag(args, 'pos-weight', 1, 0, 1000, 'simulate'));
    flag('seed', 'seed', () => intFlag(args, 'seed', 1, 0, 2 ** 31 - 1, 'simulate'));
    flag('mask-data', 'maskData', () => args.flags.get('mask-data'));
    if (check) Object.assign(over, { revealLoss: true, revealCheckpoints: true });
    const job: Job = validateJob({ ...base, ...over }, jobFile ? `${jobFile} (with the simulate options)` : 'simulate options');
    const timeoutS = intFlag(args, 'timeout', 30, 1, 3600, 'simulate');
    const say = (line: string) => process.stdout.write(line + '\n');

    if (partition === 'vertical') {
      if (checkpoint) throw new ConcordError('E_USAGE', 'simulate: --checkpoint is not supported with --partition vertical yet');
      if (check) throw new ConcordError('E_USAGE', 'simulate: --check is not available with --partition vertical (the report compares with the plaintext loop on the same intersection anyway)');
      const report = await runVerticalSimulation({
        job, n, trainFile, ...(args.flags.has('test') ? { testFile: args.flags.get('test')! } : {}), timeoutS, keep: args.switches.has('keep'), say,
        progress: (l) => process.stderr.write(`  ${l}\n`), ...partyIds(trainFile, n), ...(args.flags.has('id') ? { idColumn: args.flags.get('id')! } : {}),
      });
      if (json) say(JSON.stringify(report));
      return 0;
    }
    // Data: the training CSV (and test CSV, or a fixed stratified 80/20 split of the training CSV),
    // read as raw text; checked here with the job's rules so a bad cell stops before any process starts.
    const full = readTable(trainFile);
    const y = encodeLocal(full, tableSpec(job, full.header), 'required').y!;
    let train: RawTable, test: RawTable;
    if (args.flags.has('test')) {
      train = full;
      test = readTable(args.flags.get('test')!);
      encodeLocal(test, tableSpec(job, full.header), 'required');
    } else {
      const sp = stratifiedSplit(y, 0.2, 0);
      train = tableRows(full, sp.train);
      test = tableRows(full, sp.test);
    }
    const out = args.flags.get('out');
    const report = await runSimulation({ job, n, train, test, dataset: basename(trainFile), timeoutS, check, ...(out ? { out } : {}), keep: args.switches.has('keep'), ...(checkpoint ? { checkpoint } : {}), say, progress: (l) => process.stderr.write(`  ${l}\n`) });
    if (json) say(JSON.stringify(report));
    return 0;
  },
};

/** What runSimulation needs: the job, the party count, the data, and where to print. */
export interface SimulationOptions {
  job: Job;
  n: number;
  /** Raw tables (text cells); the job's preprocessing reads them at each party. */
  train: RawTable;
  test: RawTable;
  dataset: string;
  timeoutS: number;
  check: boolean;
  keep?: boolean;
  /** --checkpoint <dir> [--resume] [--keep-checkpoints]: resumable after Ctrl-C (src/cli/sim-checkpoint.ts). */
  checkpoint?: SimCheckpoint;
  /** Save the trained model (with its preprocessing) here, for `concord predict`. */
  out?: string;
  /** Readable summary lines (stdout in the CLI). */
  say: (line: string) => void;
  /** Progress lines of the first party (epochs). */
  progress?: (line: string) => void;
}

/** Run a whole local consortium on `train`, evaluate on `test`, compare with the plaintext loop. */
export async function runSimulation(o: SimulationOptions): Promise<SimulateReport> {
  const { job, n, train, test, say, check } = o;
  const offline = resolveOffline(job.offline, n, 'simulate: --offline');
  const { ids, consortium } = partyIds(o.dataset, n);
  const trainRows = train.rows.length;
  const testRows = test.rows.length;
  const sizes = shardSizes(trainRows, n);
  if (sizes.some((r) => r === 0)) throw new ConcordError('E_USAGE', `simulate: ${trainRows} training rows cannot be shared among ${n} parties`);

  say(`Concord simulation: ${n} parties (${ids.join(', ')}) train a ${job.model === 'mlp' ? `${job.hidden}-unit MLP` : 'logistic regression'} on ${o.dataset}`);
  say(`  each party holds only its own rows (${sizes.join(' / ')} of ${trainRows}); test set ${testRows} rows`);
  say(offline === 'dealer'
    ? '  offline: dealer — a separate dealer process supplies correlated randomness; it must not collude with any party and never sees data'
    : offline === 'hm'
      ? `  ${HM_TRUST_LINE}`
      : '  offline: ot — dealer-free oblivious-transfer preprocessing; secure against up to n−1 colluding (semi-honest) parties');
  say(`  hyper-parameters: ${job.epochs} epochs, batch ${job.batchSize}, lr ${job.lr}${job.momentum ? `, momentum ${job.momentum}` : ''}, fixed point f=${job.fracBits}`);
  if (job.revealCheckpoints) say('  --check: the weights are revealed to every party after every step (rows can be reconstructed from them): a debugging aid for test data only');
  const timeoutS = o.timeoutS;
    const ck = o.checkpoint;
    const sim = await makeSimDir(consortium, ids, offline === 'dealer', ck ? persistentKeys(ck) : undefined);
    // SIGINT/SIGTERM: stop the party processes, then the finally below removes the directory (keys, shards).
    const stop = new AbortController();
    let stoppedBy: NodeJS.Signals | undefined;
    const unhook = onStopSignal((sig) => {
      stoppedBy = sig;
      process.stderr.write(`simulate: ${sig}: stopping the party processes and removing ${sim.dir}\n`);
      if (ck) process.stderr.write(`simulate: the checkpoints stay in ${ck.dir}: run the same command with --resume to continue\n`);
      stop.abort();
    });
    const stopped = (): StoppedError => new StoppedError(stoppedBy!, `the simulation was interrupted; its party processes were stopped and its temporary directory removed`);
    const t0 = performance.now();
    try {
      const jobFile = join(sim.dir, 'job.json');
      writeFileSync(jobFile, JSON.stringify(job, null, 2) + '\n');
      let off = 0;
      const shards = new Map<string, string>();
      ids.forEach((id, i) => {
        const file = join(sim.dir, `${id}.csv`);
        writeFileSync(file, tableCsv(train, Array.from({ length: sizes[i]! }, (_, k) => off + k)));
        off += sizes[i]!;
        shards.set(id, file);
      });
      const run = await runConsortium({
        sim,
        deadlineMs: (timeoutS * 4 + 120) * 1000,
        partyArgs: (id) => ['--config', sim.consortium, '--id', id, '--key', sim.keys.get(id)!, '--job', jobFile, '--data', shards.get(id)!, '--out', join(sim.dir, `model-${id}.json`), '--timeout', String(timeoutS), '--json', ...(job.revealCheckpoints ? [`--${UNSAFE_CHECKPOINTS_SWITCH}`] : []), ...(ck ? partyCheckpointArgs(ck, id) : [])],
        signal: stop.signal,
        onLine: (id, line) => {
          if ((id === ids[0] && /epoch \d+\/|--resume:/.test(line)) || /offline: waited/.test(line)) o.progress?.(line);
        },
      });
      if (stoppedBy) throw stopped();
      const failed = run.parties.filter((p) => p.exitCode !== 0);
      if (failed.length > 0) {
        for (const p of failed) process.stderr.write(`simulate: party ${p.id} exited with code ${p.exitCode}: ${errorLine(p)}\n`);
        if (ck) process.stderr.write(`simulate: the checkpoints stay in ${ck.dir}; fix the cause, then run the same command with --resume\n`);
        throw new ConcordError('E_ABORTED', `${failed.length} of ${n} parties failed (${failed.map((p) => p.id).join(', ')}); see the messages above`);
      }
      const reports = run.parties.map((p) => p.json as PartyReport);
      if (ck) finishSimCheckpoint(ck, ids);
      const resumedFrom = reports[0]?.checkpoint?.resumedFrom ?? 0;
      const wallSeconds = (performance.now() - t0) / 1000;
      const r0 = reports[0]!;
      if (!r0?.model) throw new ConcordError('E_INTERNAL', `party ${ids[0]} reported no model`);
      const model = r0.model;
      if (o.out) writeFileSync(o.out, JSON.stringify(model, null, 1) + '\n');
      const evalTest = predictTable(model, test, 'required');
      const secure = binaryMetrics(evalTest.p, evalTest.y!);

      // The plaintext run of the same loop on the same (union) rows, same preprocessing.
      const { arch } = fromModelFile(model);
      const d = arch.features;
      const tp = performance.now();
      const enc = encodeForModel(model, train, 'required');
      const x1 = withOnes(scaleForModel(model, enc.x, trainRows), trainRows, d);
      const plainSteps: Float64Array[] = [];
      const plainRun = trainPlain(arch, x1, enc.local.y!, trainRows, job, check ? (ps) => plainSteps.push(Float64Array.from(ps.flatMap((p) => Array.from(p.data)))) : undefined);
      const plainSeconds = (performance.now() - tp) / 1000;
      const encT = encodeForModel(model, test, 'required');
      const pPlain = forwardF(arch, plainRun.params, withOnes(scaleForModel(model, encT.x, testRows), testRows, d), testRows);
      const plain = binaryMetrics(pPlain, evalTest.y!);
      const pSecure = evalTest.p;
      let maxWeightDiff = 0, maxPredictionDiff = 0;
      plainRun.params.forEach((p, k) => p.data.forEach((v, i) => (maxWeightDiff = Math.max(maxWeightDiff, Math.abs(v - model.params[k]!.values[i]!)))));
      pPlain.forEach((v, i) => (maxPredictionDiff = Math.max(maxPredictionDiff, Math.abs(v - pSecure[i]!))));

      const bytesSent = reports.reduce((a, r) => a + r.bytesSent, 0);
      say('');
      say(`Trained in ${r0.trainSeconds.toFixed(2)} s of secure computation (${wallSeconds.toFixed(1)} s wall incl. start-up): ${r0.rounds} rounds, ${(bytesSent / 1e6).toFixed(1)} MB sent by all parties`);
      say(fmtRow('secure (MPC)', secure));
      say(fmtRow('plaintext, same loop', plain));
      say(`  largest difference to the plaintext loop: weights ${maxWeightDiff.toExponential(2)}, test probabilities ${maxPredictionDiff.toExponential(2)}`);
      // --check: largest |secure − plaintext| over all parameters after each step, and the per-epoch losses.
      // After --resume the secure run reports only the steps of the epochs it ran.
      const perEpoch = plainSteps.length / job.epochs;
      const skip = resumedFrom * perEpoch;
      const stepDiff = (r0.checkpoints ?? []).map((c, i) => c.reduce((m, v, j) => Math.max(m, Math.abs(v - plainSteps[skip + i]![j]!)), 0));
      const checkRows = check
        ? r0.epochs.map((e, i) => ({ epoch: e.epoch, loss: e.loss ?? NaN, plainLoss: plainRun.epochs[e.epoch - 1]!.brier, maxWeightDiff: stepDiff.slice(i * perEpoch, (i + 1) * perEpoch).reduce((a, b) => Math.max(a, b), 0) }))
        : undefined;
      if (checkRows) {
        say('  --check: per epoch, Brier loss secure (revealed) vs plaintext, and the largest weight divergence over its steps:');
        for (const c of checkRows) say(`    epoch ${String(c.epoch).padStart(3)}: loss ${c.loss.toFixed(5)} vs ${c.plainLoss.toFixed(5)}   max |Δw| ${c.maxWeightDiff.toExponential(2)}`);
        const worst = stepDiff.indexOf(stepDiff.reduce((a, b) => Math.max(a, b), 0)); // no spread: one argument per step
        say(`    largest divergence at step ${skip + worst + 1} of ${plainSteps.length}: ${stepDiff[worst]!.toExponential(2)} (fixed-point rounding of f=${job.fracBits} bits and the σ approximation)`);
      }
      if (o.out) say(`  model saved to ${o.out}: \`concord predict --model ${o.out} --data <csv>\` applies it (and its preprocessing) to new rows`);
      say(`  the model (weights + preprocessing) went to ${job.recipients.length ? job.recipients.join(', ') : 'every party'}; no party saw another's rows`);
      say(offline === 'ot'
        ? '  next: --offline dealer (faster, needs a neutral dealer), --model mlp, --check, the bank demo (--train parties/data/creditcard_fraud.csv); deploying on real machines: README.md'
        : offline === 'hm'
          ? '  next: --offline ot (no honest-majority assumption, slower), --model mlp, --check, the bank demo (--train parties/data/creditcard_fraud.csv); deploying on real machines: README.md'
        : '  next: --model mlp, --check, the bank demo (--train parties/data/creditcard_fraud.csv); deploying on real machines: README.md');
      const report: SimulateReport = {
        parties: n, model: job.model, epochs: job.epochs, trainRows, testRows,
        accuracy: secure.accuracy, auc: secure.auc, precision: secure.precision, recall: secure.recall, f1: secure.f1,
        trainSeconds: r0.trainSeconds, bytesSent, rounds: r0.rounds, offline, trainRounds: r0.trainRounds, steps: r0.steps,
        dataset: o.dataset,
        plain: { accuracy: plain.accuracy, auc: plain.auc, precision: plain.precision, recall: plain.recall, f1: plain.f1, seconds: plainSeconds },
        maxWeightDiff, maxPredictionDiff, wallSeconds, peakMemory: Math.max(...reports.map((r) => r.maxRssKiB)) * 1024,
      };
      if (checkRows) report.check = checkRows;
      if (ck) {
        report.resumedFrom = resumedFrom;
        const w = r0.checkpoint?.writes ?? 0;
        report.checkpoint = { writes: w, secondsPerWrite: w ? Math.max(...reports.map((r) => (r.checkpoint?.seconds ?? 0) / w)) : 0, bytes: Math.max(...reports.map((r) => r.checkpoint?.bytes ?? 0)) };
      }
      if (stoppedBy) throw stopped();
      return report;
    } finally {
      unhook();
      if (o.keep) process.stderr.write(`simulate: kept ${sim.dir} (contains private keys: delete it when done)\n`);
      else sim.remove();
    }
}

function fmtRow(name: string, m: Metrics): string {
  return `  ${name.padEnd(22)} accuracy ${m.accuracy.toFixed(4)}  ROC AUC ${m.auc.toFixed(4)}  precision ${m.precision.toFixed(4)}  recall ${m.recall.toFixed(4)}  F1 ${m.f1.toFixed(4)}`;
}
