import { writePrivateFile } from '../config/private-file.js';
import { ConcordError, isConcordError, peerMessage } from '../errors.js';
import { parseArgs, required, intFlag } from './args.js';
import type { Command } from './args.js';
import { onStopSignal, StoppedError } from './signals.js';
import { loadIdentity, startSession } from './connect.js';
import { resolveOffline } from './prep.js';
import { loadJob, jobHash, type Job } from '../ml/job.js';
import { DataError } from '../ml/csv.js';
import { openTable, type TableSource } from '../ml/table.js';
import { encodeLocal, tableSpec, type LocalTable } from '../ml/encode.js';
import { fitJoint, transform, type Fitted } from '../ml/preprocess.js';
import { predictTable } from '../ml/predict.js';
import { agreeOnData } from '../ml/agree.js';
import { encodeVertical, type VerticalTable } from '../ml/vertical-table.js';
import { runVerticalParty } from './party-vertical.js';
import type { PartyReport } from './party-report.js';
import { trainSecure, type EpochReport, type LocalData } from '../ml/train.js';
import { secureOps } from '../ml/nonlinear.js';
import type { ModelFile } from '../ml/model.js';
import { binaryMetrics, type Metrics } from '../ml/metrics.js';
import { checkpointFlags, partyCheckpoints } from './party-checkpoint.js';

export type { PartyReport } from './party-report.js';

const USAGE = 'party --config <consortium.json> --id <party-id> --key <file> --job <job.json> [--data <csv>] [--test <csv>] [--out <model.json>] [--checkpoint <dir> [--resume] [--keep-checkpoints]] [--timeout <seconds>] [--json] [--unsafe-reveal-checkpoints]';

/** The override a `party` needs to run a job with revealCheckpoints (simulate --check passes it to its own children). */
export const UNSAFE_CHECKPOINTS_SWITCH = 'unsafe-reveal-checkpoints';

/**
 * `concord party`: one organization's process. Loads the job, the consortium and its key, loads
 * and validates its own CSV, connects to the other parties (and the dealer) over Noise links
 * with the job hash in the handshake, agrees on the data shape, trains, and saves the model if it
 * is a recipient. Any failure aborts the session on every party with the cause.
 */
export const command: Command = {
  summary: 'party',
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, ['config', 'id', 'key', 'job', 'data', 'test', 'out', 'timeout', 'checkpoint'], ['json', UNSAFE_CHECKPOINTS_SWITCH, 'resume', 'keep-checkpoints'], 'party');
    if (args.positional.length > 0) throw new ConcordError('E_USAGE', `party: unexpected argument "${args.positional[0]}"\nusage: concord ${USAGE}`);
    const id = required(args, 'id', 'party');
    const jobFile = required(args, 'job', 'party');
    const job = loadJob(jobFile);
    checkCheckpointOverride(job, jobFile, args.switches.has(UNSAFE_CHECKPOINTS_SWITCH), (l) => process.stderr.write(l + '\n'));
    const who = loadIdentity(required(args, 'config', 'party'), id, required(args, 'key', 'party'));
    const { consortium, index: me } = who;
    const timeoutMs = intFlag(args, 'timeout', 30, 1, 3600, 'party') * 1000;
    const json = args.switches.has('json');
    const ckptFlags = checkpointFlags(args);
    const log = (line: string) => process.stderr.write(`[${id}] ${line}\n`);
    const recipients = recipientIndices(job, consortium.parties.map((p) => p.id), jobFile);
    const offline = resolveOffline(job.offline, consortium.parties.length, `${jobFile}: field "offline"`);
    if (offline === 'dealer' && !consortium.dealer) {
      throw new ConcordError('E_CONFIG', `${consortium.file}: dealer: missing, but the job ${jobFile} uses "offline": "dealer"; add the dealer entry or use "offline": "ot"`);
    }

    // Load the data before connecting, but report a failure to the others instead of vanishing.
    const dataFile = args.flags.get('data');
    const vertical = job.partitioning === 'vertical';
    if (vertical && ckptFlags.dir) throw new ConcordError('E_USAGE', 'party: --checkpoint is not supported for vertically partitioned jobs yet (the PSI order is agreed afresh on every run); run without it');
    let { data, vtable, dataError } = loadData(dataFile, job);

    // A test CSV is checked before connecting: a local mistake should not waste a training run.
    const testFile = args.flags.get('test');
    let testSet: TableSource | undefined;
    const testTable = testFile && vertical ? encodeVertical(openTable(testFile), job, job.id!) : undefined;
    if (testFile && !vertical) {
      // Checked now, read again (streamed) with the model's preprocessing after training.
      testSet = openTable(testFile);
      encodeLocal(testSet, tableSpec(job, testSet.header), 'required');
    }

    const hash = jobHash(job);
    log(`job "${job.name}" (${job.model}, hash ${hash.slice(0, 16)}…), party ${me + 1} of ${consortium.parties.length}; connecting`);
    const { session: s, prep } = await startSession(who, { offline, jobHash: hash, timeoutMs, log });
    // SIGINT/SIGTERM: abort the session (the peers learn why instead of seeing a lost connection) and exit 128+n.
    let stoppedBy: NodeJS.Signals | undefined;
    const unhook = onStopSignal((sig) => {
      stoppedBy = sig;
      log(`${sig}: aborting the session`);
      s.abort(new ConcordError('E_ABORTED', `party ${id} was stopped (${sig})`, { party: id }));
    });
    try {
      if (!prep) throw new ConcordError('E_INTERNAL', `offline mode ${offline} gave no preprocessing source`);
      if (vertical) {
        const v = await runVerticalParty(s, {
          job, hash, me, recipients, log, out: args.flags.get('out') ?? `model-${id}.json`,
          ...(vtable ? { table: vtable } : {}), ...(dataError ? { tableError: dataError } : {}), ...(testTable ? { test: testTable, testFile: testFile! } : {}),
        });
        const st = s.stats();
        const report: PartyReport = { party: id, index: me, job: job.name, jobHash: hash, ...v, rounds: st.rounds, bytesSent: st.bytesSent, offline: prep.mode, maxRssKiB: process.resourceUsage().maxRSS };
        log(`trained in ${v.trainSeconds.toFixed(2)} s, ${v.trainRounds} rounds for ${v.steps} steps, ${(st.bytesSent / 1e6).toFixed(1)} MB sent`);
        await s.close();
        if (json) process.stdout.write(JSON.stringify(report) + '\n');
        else process.stdout.write(`${id}: trained ${job.model} on ${v.trainRows} aligned rows in ${v.trainSeconds.toFixed(2)} s${report.modelFile ? `; model in ${report.modelFile}` : ''}\n`);
        return 0;
      }
      const partyRows = await agreeOnData(s, {
        ok: dataError === undefined,
        rows: data?.rows ?? 0,
        features: data?.spec.columns.map((c) => c.name) ?? [],
        label: job.label,
        ...(dataError ? { problem: peerMessage(dataError) } : {}),
      }).catch((e: unknown) => {
        throw dataError ?? e;
      });
      const total = partyRows.reduce((a, b) => a + b, 0);
      // Joint preprocessing: opens per numeric column the observed-cell count, mean and std.
      const fitted = await fitJoint(s, data!, partyRows);
      const columns = data!.spec.columns.length;
      const { local, clipped } = localRows(data!, fitted);
      // A suspended async function keeps its variables alive: drop the parsed columns for the training.
      data = undefined;
      log(`joint training set: ${total} rows (${partyRows.map((r, i) => `${s.ids[i]} ${r}`).join(', ')}), ${columns} columns → ${fitted.features.length} features`);
      // Local only, never sent: how many of THIS party's cells the outlier bound clipped.
      const clips = fitted.features.map((f, j) => [f, clipped[j]!] as const).filter(([, c]) => c > 0);
      if (clips.length > 0) log(`outliers: clipped to ±${job.clip} std (local count, not sent): ${clips.map(([f, c]) => `${f} ${c}`).join(', ')}`);
      // Checkpoint flags and holdings are compared on every run (1 round), so mismatched commands are named.
      const arch = { kind: job.model, features: fitted.features.length, hidden: job.hidden };
      const ckpt = await partyCheckpoints(s, { flags: ckptFlags, hash, consortium, arch, log });
      const res = await trainSecure(s, local, partyRows, {
        arch,
        hp: job,
        fracBits: job.fracBits,
        features: fitted.features,
        prepared: fitted,
        label: job.label,
        recipients,
        revealLoss: job.revealLoss,
        revealCheckpoints: job.revealCheckpoints,
        ops: secureOps,
        maskData: job.maskData,
        releaseRows: true,
        ...ckpt.train,
        onEpoch: (e) => log(`epoch ${e.epoch}/${job.epochs}  ${e.seconds.toFixed(3)} s${e.loss !== undefined ? `  loss (Brier) ${e.loss.toFixed(5)}` : ''}  rounds ${e.rounds}`),
      });
      const st = s.stats();
      const report: PartyReport = {
        party: id, index: me, job: job.name, jobHash: hash, trainRows: total, partyRows, epochs: res.epochs,
        trainSeconds: res.trainSeconds, trainRounds: res.trainRounds, steps: res.steps, rounds: st.rounds, bytesSent: st.bytesSent, offline: prep.mode, maxRssKiB: process.resourceUsage().maxRSS,
        checkpoint: ckpt.report(res.resumedFrom),
      };
      if (res.checkpoints) report.checkpoints = res.checkpoints.map((c) => Array.from(c));
      if (res.model) {
        const out = args.flags.get('out') ?? `model-${id}.json`;
        // The model is an output only the recipients may see: created 0600 (then renamed into place).
        try {
          writePrivateFile(out, JSON.stringify(res.model, null, 1) + '\n');
        } catch (e) {
          throw new ConcordError('E_CONFIG', `cannot write the model file ${out}: ${(e as Error).message}`);
        }
        report.model = res.model;
        report.modelFile = out;
        log(`model saved to ${out}`);
        if (testFile && testSet) {
          // Local evaluation by a recipient on its own held-out rows (nothing leaves this party).
          const t = predictTable(res.model, testSet, 'required');
          report.test = { file: testFile, rows: t.p.length, ...binaryMetrics(t.p, t.y!) };
          const m = report.test;
          log(`test ${testFile} (${t.p.length} rows): accuracy ${m.accuracy.toFixed(4)}, ROC AUC ${m.auc.toFixed(4)}, precision ${m.precision.toFixed(4)}, recall ${m.recall.toFixed(4)}, F1 ${m.f1.toFixed(4)}`);
        }
      } else {
        log('this party is not a recipient of the model');
      }
      log(`trained in ${res.trainSeconds.toFixed(2)} s, ${res.trainRounds} rounds for ${res.steps} steps, ${(st.bytesSent / 1e6).toFixed(1)} MB sent`);
      const ps = prepWaits(prep);
      if (ps && ps.waits > 0) log(`offline: waited ${ps.waits} times for preprocessing (${ps.waitMs !== undefined ? `${ps.waitMs.toFixed(0)} ms, ` : ''}${ps.items} items in all)`);
      await s.close();
      ckpt.finish();
      if (json) process.stdout.write(JSON.stringify(report) + '\n');
      else process.stdout.write(`${id}: trained ${job.model} on ${total} joint rows in ${res.trainSeconds.toFixed(2)} s${report.modelFile ? `; model in ${report.modelFile}` : ''}\n`);
      return 0;
    } catch (e) {
      const err = isConcordError(e) ? e : new ConcordError('E_INTERNAL', `party ${id}: ${(e as Error).message}`);
      // The abort carries only the peer-safe form (Session.abort → peerMessage), worded like the
      // data announcement, so a peer that reads the abort first learns the same: line and column.
      s.abort(e === dataError ? new ConcordError(err.code, err.message, { shareable: `could not load its training data: ${peerMessage(err)}` }) : err);
      await s.close().catch(() => {});
      if (stoppedBy) throw new StoppedError(stoppedBy, `party ${id} aborted its session`);
      throw e;
    } finally {
      unhook();
    }
  },
};

/**
 * Read and encode this party's CSV (a vertical job: its columns and IDs). A data error is
 * returned, not thrown, so the party can tell the others why it stops. Its own function so that
 * the raw text table is garbage once encoded (in the async command it would stay alive, ~4× the
 * CSV's size, for the whole run).
 */
function loadData(dataFile: string | undefined, job: Job): { data?: LocalTable; vtable?: VerticalTable; dataError?: ConcordError } {
  try {
    if (!dataFile) throw new DataError('(no file)', `no --data given: every party of a ${job.partitioning} job holds training rows`, 'no training data given');
    // Streamed: the file's text and its cells never stay in memory (src/ml/table.ts TableSource).
    if (job.partitioning === 'vertical') return { vtable: encodeVertical(openTable(dataFile), job, job.id!) };
    const src = openTable(dataFile);
    return { data: encodeLocal(src, tableSpec(job, src.header), 'required') };
  } catch (e) {
    if (!isConcordError(e)) throw e;
    return { dataError: e };
  }
}

/** This party's rows, encoded and scaled, as the object training consumes (its only holder: training empties it once input). */
function localRows(data: LocalTable, fitted: Fitted): { local: LocalData; clipped: number[] } {
  const { x, clipped } = transform(data, fitted);
  return { local: { x, y: data.y!, rows: data.rows }, clipped };
}

/**
 * revealCheckpoints opens the weights after every step to every party: with batchSize 1 the
 * logistic-regression update is −η·e·[x, 1], so each row is recovered as Δw / Δw_bias. It is a
 * debugging aid of `simulate --check`; a real party refuses it unless explicitly overridden.
 */
function checkCheckpointOverride(job: Job, jobFile: string, override: boolean, warn: (line: string) => void): void {
  if (!job.revealCheckpoints) return;
  if (!override) {
    throw new ConcordError('E_CONFIG', `${jobFile}: field "revealCheckpoints" is true: it opens the weights after every step to every party, from which the other parties can reconstruct training rows (with batchSize 1, exactly). It is a debugging aid for "concord simulate --check"; remove it from the job, or pass --${UNSAFE_CHECKPOINTS_SWITCH} if every party accepts revealing its rows`);
  }
  const bar = '!'.repeat(78);
  warn(`${bar}\nWARNING: --${UNSAFE_CHECKPOINTS_SWITCH}: this job reveals the weights after EVERY step to EVERY party.\nThe other parties can reconstruct this party's training rows from them (exactly with batchSize 1).\nUse it only on test data, never on records that must stay private.\n${bar}`)
}

/** Party indices of the job's recipients (all parties when the list is empty). */
function recipientIndices(job: Job, ids: string[], jobFile: string): number[] {
  if (job.recipients.length === 0) return ids.map((_, i) => i);
  return job.recipients.map((r) => {
    const i = ids.indexOf(r);
    if (i < 0) throw new ConcordError('E_CONFIG', `${jobFile}: field "recipients": "${r}" is not a party of the consortium (parties: ${ids.join(', ')})`);
    return i;
  });
}

/**
 * How often the online phase waited for preprocessing: the dealer client counts one total (with
 * milliseconds), ot and hm count per item stream; undefined when a mode keeps no counters.
 */
export function prepWaits(prep: unknown): { items: number; waits: number; waitMs?: number } | undefined {
  const st = (prep as { stats?: () => unknown }).stats?.();
  if (!st || typeof st !== 'object') return undefined;
  const one = st as { items?: unknown; waits?: unknown; waitMs?: unknown };
  if (typeof one.waits === 'number' && typeof one.items === 'number') return { items: one.items, waits: one.waits, ...(typeof one.waitMs === 'number' ? { waitMs: one.waitMs } : {}) };
  let items = 0, waits = 0;
  for (const v of Object.values(st as Record<string, { items?: unknown; waits?: unknown }>)) {
    if (typeof v?.items === 'number') items += v.items;
    if (typeof v?.waits === 'number') waits += v.waits;
  }
  return { items, waits };
}
