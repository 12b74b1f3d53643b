import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConcordError } from '../errors.js';
import type { Session } from '../session/session.js';
import { loadIdentity, startSession } from './connect.js';
import type { OfflineMode } from './prep.js';

/**
 * One party process of the local cluster harness (src/cli/cluster.ts):
 *   node dist/src/cli/worker.js <spec.json>
 * Connects the mesh, builds its Session and preprocessing, runs `task(session, args)` from the
 * task module, prints one JSON line {result, stats, maxRssKiB} on stdout and exits 0; on error
 * prints "concord worker <id>: error <CODE>: <message>" on stderr and exits 1.
 */

/** What runCluster hands each worker (written to a JSON file in the cluster's temp dir). */
export interface WorkerSpec {
  consortium: string;
  id: string;
  keyFile: string;
  /** File URL or absolute path of a compiled module exporting task(s, args). */
  task: string;
  args: unknown;
  offline: OfflineMode;
  jobHash: string;
  timeoutMs: number;
  startupTimeoutMs: number;
}

/** Signature of a cluster task module's export. */
export type ClusterTask = (s: Session, args: unknown) => Promise<unknown>;

const jsonSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

async function runWorker(specFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as WorkerSpec;
  const log = (line: string): void => void process.stderr.write(`[${spec.id}] ${line}\n`);
  const who = loadIdentity(spec.consortium, spec.id, spec.keyFile);
  const taskUrl = spec.task.startsWith('file:') ? spec.task : pathToFileURL(spec.task).href;
  const mod = (await import(taskUrl)) as { task?: ClusterTask };
  if (typeof mod.task !== 'function') throw new ConcordError('E_USAGE', `task module ${spec.task} does not export a function "task(session, args)"`);
  const { session } = await startSession(who, { offline: spec.offline, jobHash: spec.jobHash, timeoutMs: spec.timeoutMs, startupTimeoutMs: spec.startupTimeoutMs, log });
  try {
    const result = await mod.task(session, spec.args);
    if (session.error) throw session.error;
    const stats = session.stats();
    await session.close();
    const line = JSON.stringify({ result: result ?? null, stats, maxRssKiB: process.resourceUsage().maxRSS }, jsonSafe);
    await new Promise<void>((r) => process.stdout.write(line + '\n', () => r()));
  } catch (e) {
    const err = session.error ?? (e instanceof ConcordError ? e : new ConcordError('E_INTERNAL', `task failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    session.abort(err);
    await session.close().catch(() => {});
    throw err;
  }
}

const specFile = process.argv[2];
if (!specFile) {
  process.stderr.write('usage: node worker.js <spec.json> (started by runCluster, not by hand)\n');
  process.exit(2);
}
runWorker(specFile).then(
  () => process.exit(0),
  (e: unknown) => {
    const id = (() => {
      try {
        return (JSON.parse(readFileSync(specFile, 'utf8')) as WorkerSpec).id;
      } catch {
        return '?';
      }
    })();
    const msg = e instanceof ConcordError ? `error ${e.code}: ${e.message}` : `internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
    process.stderr.write(`concord worker ${id}: ${msg}\n`, () => process.exit(1));
  },
);
