/**
 * `bench psi`: the n-party ECDH-PSI (protocols/psi/ecdh-psi.ts) in real party processes over
 * Noise-encrypted WebSockets on 127.0.0.1. `size` = IDs per party (default 100,000);
 * opsPerSecond = IDs per second per party (size / seconds); seconds = median over reps of the
 * slowest party's wall time; bytesSent = all parties, one run; rounds = the largest party's.
 * plainSeconds: the same intersection in the clear (hash sets, one process). Adds
 * `intersection` (its size) and cpuSecondsPerParty. No offline phase is involved.
 */
import { runPartyTask } from './party-run.js';
import type { Benchmark, BenchContext, BenchResult } from '../src/cli/bench/types.js';
import { summarize } from '../src/cli/bench/types.js';
import type { PsiBenchArgs, PsiBenchOut } from './psi-task.js';

export const benchmarks: Benchmark[] = [{
  name: 'psi',
  defaultSize: 100_000,
  multiParty: true,
  async run(ctx: BenchContext): Promise<BenchResult> {
    const reps = Math.max(1, Math.min(ctx.reps, ctx.size >= 500_000 ? 1 : ctx.reps));
    const args: PsiBenchArgs = { size: ctx.size, reps };
    const { outs, peakMemory } = await runPartyTask<PsiBenchOut>('psi', { parties: ctx.parties, offline: 'none', task: './psi-task.js', args, timeoutMs: 3_600_000 });
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
      plainSeconds: Math.max(...outs.map((o) => o.plainSeconds)),
      intersection: outs[0]!.intersection,
      cpuSecondsPerParty: last.reduce((a, x) => a + x.cpuSeconds, 0) / last.length,
    };
    ctx.log(`psi ${ctx.parties} × ${ctx.size} IDs: ${t.seconds.toFixed(2)} s, ${(res.opsPerSecond).toFixed(0)} IDs/s per party, intersection ${res.intersection}, ${(res.bytesSent / 1e6).toFixed(1)} MB, peak ${(peakMemory / 2 ** 20).toFixed(0)} MiB`);
    return res;
  },
}];
