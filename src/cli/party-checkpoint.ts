import { statSync } from 'node:fs';
import { ConcordError } from '../errors.js';
import type { Args } from './args.js';
import type { Session } from '../session/session.js';
import type { Consortium } from '../config/consortium.js';
import { CheckpointStore } from '../ml/checkpoint-file.js';
import { agreeOnCheckpoints, checkPublicState, consortiumFingerprint, epochSaver, type CheckpointOptions, type CheckpointStats } from '../ml/checkpoint.js';
import { initParams, type Arch } from '../ml/model.js';
import type { SecureTrainOptions } from '../ml/train.js';

/**
 * `concord party --checkpoint <dir> [--resume] [--keep-checkpoints]`: the CLI side of resumable
 * training (src/ml/checkpoint.ts holds the agreement and the per-epoch save).
 */

/** The checkpoint flags of one party, checked before it connects. */
export interface CheckpointFlags {
  dir?: string;
  resume: boolean;
  keep: boolean;
}

/** The `checkpoint` field of the party's --json report. */
export interface CheckpointReport {
  /** Epoch the run continued after (0 = started at epoch 1). */
  resumedFrom: number;
  runId: string;
  /** Per-epoch writes of this party: count, total seconds (digest exchange + atomic write), size of one file. */
  writes: number;
  seconds: number;
  bytes: number;
  kept: boolean;
}

/** Read and check the flags (E_USAGE before any connection is made). */
export function checkpointFlags(args: Args): CheckpointFlags {
  const dir = args.flags.get('checkpoint');
  const resume = args.switches.has('resume');
  const keep = args.switches.has('keep-checkpoints');
  if (!dir && (resume || keep)) throw new ConcordError('E_USAGE', `party: --${resume ? 'resume' : 'keep-checkpoints'} needs --checkpoint <dir> (the directory holding this party's checkpoints)`);
  if (dir) {
    let isDir = true;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      /* missing: created at the first write */
    }
    if (!isDir) throw new ConcordError('E_USAGE', `party: --checkpoint ${dir} exists and is not a directory`);
  }
  return { ...(dir ? { dir } : {}), resume, keep };
}

/**
 * Run the start-up agreement (every party, with or without --checkpoint) and return what the
 * training loop needs (resume state, per-epoch save), the report, and the clean-up after success.
 */
export async function partyCheckpoints(
  s: Session,
  o: { flags: CheckpointFlags; hash: string; consortium: Consortium; arch: Arch; log: (line: string) => void },
): Promise<{ train: Pick<SecureTrainOptions, 'resume' | 'onEpochState'>; report: (resumedFrom: number) => CheckpointReport; finish: () => void }> {
  const { flags, log } = o;
  const store = flags.dir ? new CheckpointStore(flags.dir, s.id) : undefined;
  const opts: CheckpointOptions = { ...(store ? { store } : {}), resume: flags.resume, jobHash: o.hash, consortium: consortiumFingerprint(o.consortium.name, o.consortium.parties) };
  const plan = await agreeOnCheckpoints(s, opts);
  if (plan.note) log(plan.note);
  let stats: CheckpointStats = { writes: 0, seconds: 0, bytes: 0 };
  const train: Pick<SecureTrainOptions, 'resume' | 'onEpochState'> = {};
  if (store) {
    log(`checkpoints: after every epoch into ${store.dir} (the newest two epochs are kept)`);
    const saver = epochSaver(s, store, opts, plan, { params: initParams(o.arch, 0).map((p) => p.name) });
    stats = saver.stats;
    train.onEpochState = saver.save;
  }
  if (plan.from) {
    const from = plan.from;
    train.resume = { epoch: from.meta.epoch, tensors: from.tensors, check: (pub) => checkPublicState(s, from, pub) };
  }
  return {
    train,
    report: (resumedFrom) => ({ resumedFrom, runId: plan.runId, ...stats, kept: !!store && flags.keep }),
    finish: () => {
      if (!store) return;
      if (flags.keep) {
        log(`checkpoints kept in ${store.dir} (--keep-checkpoints); they hold this party's shares: delete them when no longer needed`);
        return;
      }
      store.removeAll();
      log('checkpoints of this run removed (the run finished; --keep-checkpoints keeps them)');
    },
  };
}
