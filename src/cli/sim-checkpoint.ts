import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConcordError } from '../errors.js';
import type { Args } from './args.js';
import { generateKey, readKeyFile, writeKeyFile } from '../config/keys.js';
import type { KeyPair } from '../crypto/noise.js';

/**
 * `concord simulate --checkpoint <dir> [--resume] [--keep-checkpoints]`: a local simulation that
 * survives Ctrl-C. The directory holds what must outlive the run's temp dir:
 *   <dir>/keys/<id>.key   each party's (and the dealer's) private key, 0600, in a 0700 dir: the
 *                         consortium fingerprint (ids + public keys) must be the same on resume;
 *   <dir>/<id>/           that party's checkpoints (its shares only, src/ml/checkpoint-file.ts).
 * Ports are picked afresh on every run (addresses are not part of the fingerprint); data shards
 * and the job are derived from the same flags again. After a finished run everything is removed
 * unless --keep-checkpoints.
 */

/** The checkpoint flags of `simulate`. */
export interface SimCheckpoint {
  dir: string;
  resume: boolean;
  keep: boolean;
}

/** Read the flags (E_USAGE for --resume/--keep-checkpoints without --checkpoint). */
export function simCheckpointFlags(args: Args): SimCheckpoint | undefined {
  const dir = args.flags.get('checkpoint');
  const resume = args.switches.has('resume');
  const keep = args.switches.has('keep-checkpoints');
  if (!dir) {
    if (resume || keep) throw new ConcordError('E_USAGE', `simulate: --${resume ? 'resume' : 'keep-checkpoints'} needs --checkpoint <dir> (where the interrupted simulation kept its checkpoints)`);
    return undefined;
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConcordError('E_USAGE', `simulate: --checkpoint ${dir} exists and is not a directory`);
  return { dir, resume, keep };
}

/** Keys kept in <dir>/keys (created 0600 on first use, read back on later runs). */
export function persistentKeys(c: SimCheckpoint): (id: string) => KeyPair {
  const keys = join(c.dir, 'keys');
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  return (id) => {
    const file = join(keys, `${id}.key`);
    if (existsSync(file)) return readKeyFile(file);
    const k = generateKey();
    writeKeyFile(file, k);
    return k;
  };
}

/** The checkpoint flags one party process of the simulation gets. */
export function partyCheckpointArgs(c: SimCheckpoint, id: string): string[] {
  return ['--checkpoint', join(c.dir, id), ...(c.resume ? ['--resume'] : []), ...(c.keep ? ['--keep-checkpoints'] : [])];
}

/** After a finished run: remove the keys and the directory (when empty), unless --keep-checkpoints. */
export function finishSimCheckpoint(c: SimCheckpoint, ids: readonly string[]): void {
  if (c.keep) return;
  rmSync(join(c.dir, 'keys'), { recursive: true, force: true });
  for (const id of ids) {
    try {
      rmdirSync(join(c.dir, id));
    } catch {
      /* already removed by the party, or not empty */
    }
  }
  if (existsSync(c.dir) && readdirSync(c.dir).length === 0) rmdirSync(c.dir);
}
