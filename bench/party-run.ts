/**
 * Shared plumbing of the multi-party benchmarks: run a task module in real party processes
 * (runCluster) and time one operation inside a party's session, the same way everywhere.
 */
import { ConcordError } from '../src/errors.js';
import { runClusterDetailed } from '../src/cli/cluster.js';
import { Ring } from '../src/ring/ring.js';
import type { Session } from '../src/session/session.js';
import { open } from '../protocols/arithmetic/open.js';

/** One timed run inside a party: wall and CPU seconds, bytes this party sent, rounds. */
export interface PartyTiming {
  seconds: number;
  cpuSeconds: number;
  bytes: number;
  rounds: number;
}

const now = (): number => performance.now() / 1000;

/** A one-element opening, so every party starts the next measurement together. */
export function barrier(s: Session): Promise<Ring> {
  return open(s, Ring.zeros([1]));
}

/** Time `body` in this party after a barrier. */
export async function measure(s: Session, body: () => Promise<unknown>): Promise<PartyTiming> {
  await barrier(s);
  const s0 = s.stats();
  const c0 = process.cpuUsage();
  const t0 = now();
  await body();
  const seconds = now() - t0;
  const c = process.cpuUsage(c0);
  const s1 = s.stats();
  return { seconds, cpuSeconds: (c.user + c.system) / 1e6, bytes: s1.bytesSent - s0.bytesSent, rounds: s1.rounds - s0.rounds };
}

/**
 * Run the compiled task module `task` (a URL relative to this bench folder, e.g. './compare-task.js')
 * in `parties` real processes; returns every party's result and the largest peak RSS, or throws
 * naming the party that failed and the end of its stderr.
 */
export async function runPartyTask<T>(
  label: string,
  opts: { parties: number; offline?: 'none' | 'dealer' | 'ot' | 'hm'; task: string; args: unknown; timeoutMs: number },
): Promise<{ outs: T[]; peakMemory: number }> {
  const run = await runClusterDetailed({
    parties: opts.parties,
    task: new URL(opts.task, import.meta.url).href,
    args: opts.args,
    ...(opts.offline ? { offline: opts.offline } : {}),
    timeoutMs: opts.timeoutMs,
  });
  const outs = run.parties.map((p, i) => {
    if (p.exitCode !== 0) throw new ConcordError('E_INTERNAL', `bench ${label}: party ${i} failed (exit ${p.exitCode}): ${p.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return p.result as T;
  });
  return { outs, peakMemory: Math.max(...run.parties.map((p) => (p.maxRssKiB ?? 0) * 1024)) };
}
