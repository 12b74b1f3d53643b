import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConcordError } from '../errors.js';
import { consortiumJson } from '../config/consortium.js';
import { generateKey, toHex, writeKeyFile } from '../config/keys.js';
import type { KeyPair } from '../crypto/noise.js';
import type { SessionStats } from '../session/session.js';
import type { OfflineMode } from './prep.js';
import type { WorkerSpec } from './worker.js';

/**
 * Local cluster harness for tests and benchmarks (stable API):
 *
 *   const out = await runCluster({ parties: 3, task: new URL('./my-task.js', import.meta.url).href, args: {...} });
 *
 * makes a temp dir with fresh keys and a consortium file on 127.0.0.1 (free ports), spawns one
 * OS process per party (`node dist/src/cli/worker.js <spec>`; plus the dealer for offline
 * 'dealer'), each connects the Noise/WebSocket mesh, builds its Session and preprocessing, runs
 * `task(session, args)` and prints {result, stats}. Returns one outcome per party, in order.
 * A timeout kills every child (their outcomes then have a non-zero exitCode).
 * `writeClusterFiles` / `freePorts` are exported for `concord simulate`.
 */

export interface ClusterOptions {
  parties: number;
  /** Absolute path or file URL of a compiled JS module exporting `task(s: Session, args: unknown): Promise<unknown>`. */
  task: string;
  args?: unknown;
  offline?: OfflineMode;
  /** Whole-run limit; every child is killed after it (default 60 s). */
  timeoutMs?: number;
  /** Extra environment for the children. */
  env?: Record<string, string>;
  /** Mesh start-up limit per party (default 15 s). */
  startupTimeoutMs?: number;
  /** Session receive timeout in the parties (default: timeoutMs). */
  recvTimeoutMs?: number;
  /** Once a party has failed, kill the ones still running after this long (default 5 s). */
  failFastMs?: number;
}

export interface PartyOutcome {
  exitCode: number;
  result?: unknown;
  stats?: SessionStats;
  stderr: string;
  /** Peak resident set of the party process, KiB (from process.resourceUsage()). */
  maxRssKiB?: number;
  /** Signal that ended the process, if any. */
  signal?: string;
}

/** Files of a local cluster: a temp dir, keys (0600) and a consortium file. */
export interface ClusterFiles {
  dir: string;
  consortiumPath: string;
  ids: string[];
  keyPaths: string[];
  addresses: string[];
  publicKeys: string[];
  dealer?: { id: string; keyPath: string; address: string; publicKey: string };
}

const HOST = '127.0.0.1';
/** Below Linux's ephemeral range (32768+), so outgoing connections do not take our ports. */
const PORT_MIN = 20000;
const PORT_MAX = 32000;

/** `k` distinct ports that are free on 127.0.0.1 right now. */
export async function freePorts(k: number): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < k; tries++) {
    if (tries > 200) throw new ConcordError('E_CONFIG', `could not find ${k} free ports on ${HOST}`);
    const p = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
    if (out.includes(p)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p, HOST, () => s.close(() => resolve(true)));
    });
    if (ok) out.push(p);
  }
  return out;
}

/** Write fresh keys and a consortium file (parties p0..p{n-1}, optional dealer) into a new temp dir. */
export async function writeClusterFiles(opts: { parties: number; dealer?: boolean; ids?: string[]; name?: string; dir?: string; keyOf?: (id: string) => KeyPair }): Promise<ClusterFiles> {
  const n = opts.parties;
  if (!Number.isInteger(n) || n < 2) throw new ConcordError('E_USAGE', `a cluster needs at least 2 parties, got ${n}`);
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'concord-cluster-'));
  const ids = opts.ids ?? Array.from({ length: n }, (_, i) => `p${i}`);
  const ports = await freePorts(n + (opts.dealer ? 1 : 0));
  // keyOf: keys that outlive the temp dir (a resumable simulation keeps its identities); default fresh.
  const keyOf = opts.keyOf ?? (() => generateKey());
  const nodes = ids.map((id, i) => {
    const k = keyOf(id);
    const keyPath = join(dir, `${id}.key`);
    writeKeyFile(keyPath, k, true);
    return { id, address: `${HOST}:${ports[i]}`, publicKey: k.publicKey, keyPath };
  });
  let dealer: (typeof nodes)[number] | undefined;
  if (opts.dealer) {
    const k = keyOf('dealer');
    const keyPath = join(dir, 'dealer.key');
    writeKeyFile(keyPath, k, true);
    dealer = { id: 'dealer', address: `${HOST}:${ports[n]}`, publicKey: k.publicKey, keyPath };
  }
  const consortiumPath = join(dir, 'consortium.json');
  writeFileSync(consortiumPath, JSON.stringify(consortiumJson(opts.name ?? 'local-cluster', nodes, dealer), null, 2) + '\n');
  const files: ClusterFiles = {
    dir,
    consortiumPath,
    ids,
    keyPaths: nodes.map((x) => x.keyPath),
    addresses: nodes.map((x) => x.address),
    publicKeys: nodes.map((x) => toHex(x.publicKey)),
  };
  if (dealer) files.dealer = { id: dealer.id, keyPath: dealer.keyPath, address: dealer.address, publicKey: toHex(dealer.publicKey) };
  return files;
}

/** Path of a compiled CLI script next to this one (dist/src/cli/). */
export function cliScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/**
 * glibc malloc settings for party/dealer/worker children: tensors of 1 MB+ come from the heap
 * instead of a fresh mmap each (which page-faults on every first touch and is unmapped on free).
 * Measured (in-process 3-party 10^6 mul, dealer mode): sys time 0.35–0.41 → 0.20–0.24 s, page
 * faults 220k → 110k, wall 220–230 → 170 ms per mul. Values already in the environment win.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '67108864', MALLOC_TRIM_THRESHOLD_: '268435456' };

/**
 * Node flags for party/dealer/worker children. A local cluster puts every party and the dealer
 * on one host; V8's concurrent and parallel GC then runs helper threads in each process, which
 * on a small host take cores from the other parties' main threads (a 10^6 mul allocates
 * ~100 MB of short-lived buffers per party: ws reassembly, AES-GCM output, tensors). So on
 * hosts with at most SMALL_HOST_CORES cores the children collect garbage on their own thread.
 * Measured on 2 cores (bench mul --size 1000000, 3 parties + dealer, alternating): CPU of the
 * busiest party 0.137–0.196 s → 0.117–0.127 s per mul; in-process 3-party mul 250–470 →
 * 238–250 ms. Larger hosts keep V8's default (not measured there).
 */
export function childNodeArgs(cores = availableParallelism()): string[] {
  return cores <= SMALL_HOST_CORES ? ['--single-threaded-gc'] : [];
}
const SMALL_HOST_CORES = 4;

/** `base` plus MALLOC_ENV where `base` does not set those variables. */
export function childEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...MALLOC_ENV, ...base };
}

/**
 * HOOK (dealer engineer): start the dealer process for offline 'dealer'. Default: the documented
 * CLI `concord dealer --config <consortium> --key <dealer key>`. It must exit on its own once
 * every party has closed its link; runCluster kills it a few seconds after the parties are done.
 */
export function spawnDealer(files: ClusterFiles, env: NodeJS.ProcessEnv): ChildProcess {
  if (!files.dealer) throw new ConcordError('E_INTERNAL', 'spawnDealer: the cluster has no dealer entry');
  return spawn(process.execPath, [...childNodeArgs(), cliScript('main.js'), 'dealer', '--config', files.consortiumPath, '--key', files.dealer.keyPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Child {
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function watch(proc: ChildProcess): Child {
  const c: Child = { proc, stdout: '', stderr: '', exit: undefined as never };
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (c.stdout += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (c.stderr += d));
  c.exit = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return c;
}

/** Outcome of a whole run: every party, plus the dealer's when there is one. */
export interface ClusterRun {
  parties: PartyOutcome[];
  dealer?: PartyOutcome;
  files: ClusterFiles;
}

function outcome(c: Child, r: { code: number | null; signal: NodeJS.Signals | null }): PartyOutcome {
  const o: PartyOutcome = { exitCode: r.code ?? -1, stderr: c.stderr };
  if (r.signal) o.signal = r.signal;
  const last = c.stdout.trim().split('\n').pop();
  if (r.code === 0 && last) {
    try {
      const j = JSON.parse(last) as { result?: unknown; stats?: SessionStats; maxRssKiB?: number };
      o.result = j.result;
      if (j.stats) o.stats = j.stats;
      if (typeof j.maxRssKiB === 'number') o.maxRssKiB = j.maxRssKiB;
    } catch {
      o.stderr += `\n[runCluster] last stdout line is not JSON: ${last.slice(0, 200)}`;
    }
  }
  return o;
}

/**
 * Fresh keys make a handshake failure impossible inside one cluster, so E_HANDSHAKE (like a port
 * taken between freePorts and the bind) means another cluster on this machine grabbed one of our
 * ports and the two met: start over on new ports.
 */
const PORT_CLASH = /cannot listen on .*already in use|error E_HANDSHAKE/;

/** Run a task on a fresh local cluster; see ClusterRun. Retries (twice at most) after a port clash with another cluster. */
export async function runClusterDetailed(opts: ClusterOptions): Promise<ClusterRun> {
  for (let attempt = 0; ; attempt++) {
    const run = await runOnce(opts);
    const clash = run.parties.some((p) => PORT_CLASH.test(p.stderr)) || (run.dealer !== undefined && PORT_CLASH.test(run.dealer.stderr));
    if (!clash || attempt >= 2) return run;
  }
}

/** Run a task on a fresh local cluster; one outcome per party, in consortium order. */
export async function runCluster(opts: ClusterOptions): Promise<PartyOutcome[]> {
  return (await runClusterDetailed(opts)).parties;
}

async function runOnce(opts: ClusterOptions): Promise<ClusterRun> {
  const offline = opts.offline ?? 'none';
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const files = await writeClusterFiles({ parties: opts.parties, dealer: offline === 'dealer' });
  const env = childEnv({ ...process.env, ...(opts.env ?? {}) });
  const jobHash = toHex(sha256(new TextEncoder().encode(JSON.stringify({ task: opts.task, args: opts.args ?? null, offline, parties: opts.parties })))).slice(0, 32);
  const children: Child[] = [];
  let dealer: Child | undefined;
  try {
    if (offline === 'dealer') dealer = watch(spawnDealer(files, env));
    files.ids.forEach((id, i) => {
      const spec: WorkerSpec = {
        consortium: files.consortiumPath,
        id,
        keyFile: files.keyPaths[i]!,
        task: opts.task,
        args: opts.args ?? null,
        offline,
        jobHash,
        timeoutMs: opts.recvTimeoutMs ?? timeoutMs,
        startupTimeoutMs: opts.startupTimeoutMs ?? 15_000,
      };
      const specPath = join(files.dir, `${id}.spec.json`);
      writeFileSync(specPath, JSON.stringify(spec));
      children.push(watch(spawn(process.execPath, [...childNodeArgs(), cliScript('worker.js'), specPath], { env, stdio: ['ignore', 'pipe', 'pipe'] })));
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      for (const c of [...children, ...(dealer ? [dealer] : [])]) c.proc.kill('SIGKILL');
    }, timeoutMs);
    // A party that fails (e.g. before the mesh formed) must not leave the others waiting out their start-up timeout.
    let failFast: NodeJS.Timeout | undefined;
    let failFastNote = '';
    for (const [i, c] of children.entries()) {
      void c.exit.then((r) => {
        if (r.code === 0 || failFast) return;
        failFast = setTimeout(() => {
          failFastNote = `\n[runCluster] killed: party ${files.ids[i]} had failed ${opts.failFastMs ?? 5000} ms earlier`;
          for (const o of children) if (o.proc.exitCode === null && o.proc.signalCode === null) o.proc.kill('SIGKILL');
        }, opts.failFastMs ?? 5000);
      });
    }
    const results = await Promise.all(children.map((c) => c.exit));
    clearTimeout(failFast);
    let dealerOut: PartyOutcome | undefined;
    if (dealer) {
      const d = dealer;
      const grace = setTimeout(() => d.proc.kill('SIGKILL'), 3000);
      dealerOut = outcome(d, await d.exit);
      clearTimeout(grace);
    }
    clearTimeout(timer);
    const parties = children.map((c, i) => {
      const o = outcome(c, results[i]!);
      if (timedOut) o.stderr += `\n[runCluster] killed: the run exceeded timeoutMs = ${timeoutMs}`;
      else if (results[i]!.signal && failFastNote) o.stderr += failFastNote;
      return o;
    });
    return { parties, ...(dealerOut ? { dealer: dealerOut } : {}), files };
  } finally {
    for (const c of [...children, ...(dealer ? [dealer] : [])]) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    if (!process.env.CONCORD_KEEP_CLUSTER_DIR) rmSync(files.dir, { recursive: true, force: true });
  }
}
