/**
 * `bench psi`: the n-party ECDH-PSI (protocols/psi/ecdh-psi.ts) in real party processes over
 * Noise-encrypted WebSockets on 127.0.0.1. `size` = IDs per party (default 100,000);
 * opsPerSecond = IDs per second per party (size / seconds); seconds = median over reps of the
 * slowest party's wall time; bytesSent = all parties, one run; rounds = the largest party's.
 * plainSeconds: the same intersection in the clear (hash sets, in this process; the secure
 * result must equal it). Adds
 * `intersection` (its size) and cpuSecondsPerParty. No offline phase is involved.
 */
import { runPartyTask } from './party-run.js';
import type { Benchmark, BenchContext, BenchResult } from '../src/cli/bench/types.js';
import { summarize } from '../src/cli/bench/types.js';
import { benchIds, type PsiBenchArgs, type PsiBenchOut } from './psi-task.js';
import { ConcordError } from '../src/errors.js';

/** The same intersection in the clear (hash sets of trimmed IDs): its size and seconds. */
function plainIntersection(parties: number, size: number): { size: number; seconds: number } {
  const sets = Array.from({ length: parties }, (_, i) => benchIds(i, size));
  const t0 = performance.now();
  const others = sets.slice(1).map((x) => new Set(x.map((v) => v.trim())));
  const common = sets[0]!.filter((v) => others.every((o) => o.has(v.trim()))).length;
  return { size: common, seconds: (performance.now() - t0) / 1000 };
}

export const benchmarks: Benchmark[] = [{
  name: 'psi',
  defaultSize: 100_000,
  multiParty: true,
  async run(ctx: BenchContext): Promise<BenchResult> {
    const reps = Math.max(1, Math.min(ctx.reps, ctx.size >= 500_000 ? 1 : ctx.reps));
    const args: PsiBenchArgs = { size: ctx.size, reps };
    const { outs, peakMemory } = await runPartyTask<PsiBenchOut>('psi', { parties: ctx.parties, offline: 'none', task: './psi-task.js', args, timeoutMs: 3_600_000 });
    const plain = plainIntersection(ctx.parties, ctx.size);
    if (outs.some((o) => o.intersection !== plain.size)) throw new ConcordError('E_INTERNAL', `bench psi: the secure intersection (${outs.map((o) => o.intersection).join(' / ')}) differs from the plaintext one (${plain.size})`);
    const seconds = Array.from({ length: reps }, (_, r) => Math.max(...outs.map((o) => o.reps[r]!.seconds)));
    const t = summarize(seconds);
    const last = outs.map((o) => o.reps[reps - 1]!);
    const res: BenchResult = {
      name: 'psi', parties: ctx.parties, size: ctx.size, ...t,
      opsPerSecond: ctx.size / t.seconds,
      bytesSent: last.reduce((a, x) => a + x.bytes, 0),
      bytesPerParty: Math.max(...last.map((x) => x.bytes)),
      rounds: Math.max(...last.map((x) => x.rounds)),
      offline: 'none', peakMemory, reps,
      plainSeconds: plain.seconds,
      intersection: outs[0]!.intersection,
      cpuSecondsPerParty: last.reduce((a, x) => a + x.cpuSeconds, 0) / last.length,
    };
    ctx.log(`psi ${ctx.parties} × ${ctx.size} IDs: ${t.seconds.toFixed(2)} s, ${(res.opsPerSecond).toFixed(0)} IDs/s per party, intersection ${res.intersection}, ${(res.bytesSent / 1e6).toFixed(1)} MB, peak ${(peakMemory / 2 ** 20).toFixed(0)} MiB`);
    return res;
  },
}];
