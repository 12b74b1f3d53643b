import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConcordError } from '../errors.js';
import { writeClusterFiles, spawnDealer, childEnv, childNodeArgs, type ClusterFiles } from './cluster.js';
import type { KeyPair } from '../crypto/noise.js';

/**
 * The local consortium of `concord simulate` (and the training tests/benchmarks): a temporary
 * directory with fresh keys (0600), a consortium file on 127.0.0.1 with free ports, and one OS
 * process per party running `concord party` (plus `concord dealer`). Keys never leave the dir,
 * which is deleted afterwards.
 */

/** Files of one simulated consortium. */
export interface SimDir {
  dir: string;
  ids: string[];
  consortium: string;
  keys: Map<string, string>;
  dealerId?: string;
  files: ClusterFiles;
  remove(): void;
}

/** Make the temp dir, keys and consortium file for `ids` (+ a dealer when asked), via the cluster harness. */
export async function makeSimDir(name: string, ids: string[], withDealer: boolean, keyOf?: (id: string) => KeyPair): Promise<SimDir> {
  const files = await writeClusterFiles({ parties: ids.length, ids, name, dealer: withDealer, dir: mkdtempSync(join(tmpdir(), 'concord-sim-')), ...(keyOf ? { keyOf } : {}) });
  const keys = new Map<string, string>(ids.map((id, i) => [id, files.keyPaths[i]!]));
  if (files.dealer) keys.set(files.dealer.id, files.dealer.keyPath);
  return { dir: files.dir, ids, consortium: files.consortiumPath, keys, files, ...(files.dealer ? { dealerId: files.dealer.id } : {}), remove: () => rmSync(files.dir, { recursive: true, force: true }) };
}

/** Outcome of one child process. */
export interface ProcOutcome {
  id: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON, when it is JSON. */
  json?: unknown;
}

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

/** Spawn `concord <args>` as a child process (stdout/stderr captured; lines offered to `onLine`). */
export function spawnConcord(id: string, args: string[], onLine?: (id: string, line: string) => void, env?: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<ProcOutcome> } {
  return watchChild(id, spawn(process.execPath, [...childNodeArgs(), MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(env ?? process.env) }), onLine);
}

/** Capture a child's output; stderr lines are offered to `onLine` as they come. */
function watchChild(id: string, child: ChildProcess, onLine?: (id: string, line: string) => void): { child: ChildProcess; done: Promise<ProcOutcome> } {
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    stderr += d.toString();
    const lines = text.split('\n');
    partial = lines.pop()!;
    for (const l of lines) onLine?.(id, l);
  });
  const done = new Promise<ProcOutcome>((resolve) => {
    child.on('close', (code, signal) => {
      if (partial) onLine?.(id, partial);
      const last = stdout.trim().split('\n').pop() ?? '';
      let json: unknown;
      try {
        json = last.startsWith('{') ? JSON.parse(last) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ id, exitCode: code ?? (signal ? 128 : 1), stdout, stderr, ...(json !== undefined ? { json } : {}) });
    });
  });
  return { child, done };
}

/**
 * Run every party (and the dealer) to completion. The dealer is stopped once every party has
 * exited. A global deadline kills everything (E_TIMEOUT). Returns the parties' outcomes in order.
 */
export async function runConsortium(o: {
  sim: SimDir;
  partyArgs: (id: string) => string[];
  deadlineMs: number;
  onLine?: (id: string, line: string) => void;
  /** Aborting it stops every child (SIGTERM, then SIGKILL after a grace period); the call then resolves with their outcomes. */
  signal?: AbortSignal;
}): Promise<{ parties: ProcOutcome[]; dealer?: ProcOutcome }> {
  const procs: ChildProcess[] = [];
  if (o.signal?.aborted) return { parties: [] };
  let dealer: { child: ChildProcess; done: Promise<ProcOutcome> } | undefined;
  if (o.sim.dealerId) {
    dealer = watchChild(o.sim.dealerId, spawnDealer(o.sim.files, childEnv()), o.onLine);
    procs.push(dealer.child);
  }
  const parties = o.sim.ids.map((id) => spawnConcord(id, ['party', ...o.partyArgs(id)], o.onLine));
  procs.push(...parties.map((p) => p.child));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const c of procs) c.kill('SIGKILL');
  }, o.deadlineMs);
  let graceKill: NodeJS.Timeout | undefined;
  const stopAll = (): void => {
    for (const c of procs) c.kill('SIGTERM');
    graceKill = setTimeout(() => {
      for (const c of procs) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, STOP_GRACE_MS);
  };
  o.signal?.addEventListener('abort', stopAll, { once: true });
  try {
    const outs = await Promise.all(parties.map((p) => p.done));
    if (dealer) {
      const grace = setTimeout(() => dealer!.child.kill('SIGTERM'), 2000);
      const d = await dealer.done;
      clearTimeout(grace);
      if (timedOut) throw new ConcordError('E_TIMEOUT', `the simulation did not finish within ${o.deadlineMs / 1000} s; all processes were stopped`);
      return { parties: outs, dealer: d };
    }
    if (timedOut) throw new ConcordError('E_TIMEOUT', `the simulation did not finish within ${o.deadlineMs / 1000} s; all processes were stopped`);
    return { parties: outs };
  } finally {
    clearTimeout(timer);
    clearTimeout(graceKill);
    o.signal?.removeEventListener('abort', stopAll);
  }
}

/** How long a stopped child may take to exit on SIGTERM before it is killed. */
const STOP_GRACE_MS = 2000;

/** The "concord: error E_…: message" line a failed child printed, or its last stderr line. */
export function errorLine(p: ProcOutcome): string {
  const lines = p.stderr.trim().split('\n');
  const err = lines.find((l) => /error E_[A-Z_]+/.test(l)) ?? lines.find((l) => /internal error/.test(l)) ?? lines.pop() ?? `exit code ${p.exitCode}`;
  return err.replace(/^concord: /, '');
}

/** The parties' last JSON lines, or E_ABORTED after printing each failed party's error line. */
export function partyJsonOrThrow<T>(parties: ProcOutcome[]): T[] {
  const failed = parties.filter((p) => p.exitCode !== 0);
  if (failed.length > 0) {
    for (const p of failed) process.stderr.write(`simulate: party ${p.id} exited with code ${p.exitCode}: ${errorLine(p)}\n`);
    throw new ConcordError('E_ABORTED', `${failed.length} of ${parties.length} parties failed (${failed.map((p) => p.id).join(', ')}); see the messages above`);
  }
  return parties.map((p) => p.json as T);
}
