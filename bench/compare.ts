/**
 * Comparison benchmarks over a real mesh: one OS process per party plus the dealer (runCluster),
 * Noise-encrypted WebSockets on 127.0.0.1.
 *   ltz      sign bit of `size` ring elements (default 10^5; --size 1000000 for the target).
 *   relu     ReLU with derivative of `size` elements (default 10^5).
 *   sigmoid  sigmoid of `size` fixed-point elements (default 10^5), the method 'auto' picks:
 *            the 2-round lookup for ≤ 4,096 elements in modes with lookup masks, else comparisons.
 *   sigmoid.lookup / sigmoid.compare  either method forced (default 4,096 elements).
 * seconds: median over reps of the slowest party's wall time for one operation (preprocessing
 * fetch included). bytesSent: all parties, one operation. rounds: as counted by the session;
 * expectedRounds / expectedBytesSent: the documented formulas, for comparison.
 */
import { runPartyTask } from './party-run.js';
import { ConcordError } from '../src/errors.js';
import { ltzCost } from '../protocols/compare/ltz.js';
import { reluCost } from '../protocols/compare/relu.js';
import { sigmoidCost, type SigmoidMethod } from '../protocols/nonlinear/sigmoid.js';
import type { Benchmark, BenchContext, BenchResult } from '../src/cli/bench/types.js';
import { summarize } from '../src/cli/bench/types.js';
import type { CompareBenchArgs, CompareBenchOut } from './compare-task.js';

/** The documented cost of `op` (for sigmoid: of the method the parties report they ran). */
function cost(op: CompareBenchArgs['op'], n: number, len: number, lookup: boolean): { rounds: number; bytesPerPeer: number } {
  if (op === 'ltz') return ltzCost(n, len);
  if (op === 'relu') return reluCost(n, len);
  return sigmoidCost(n, len, false, lookup);
}

function bench(name: string, op: CompareBenchArgs['op'], defaultSize: number, method: SigmoidMethod = 'auto'): Benchmark {
  return {
    name,
    defaultSize,
    multiParty: true,
    async run(ctx: BenchContext): Promise<BenchResult> {
      const args: CompareBenchArgs = { op, size: ctx.size, reps: ctx.reps, method };
      const { outs, peakMemory } = await runPartyTask<CompareBenchOut>(name, { parties: ctx.parties, offline: ctx.offline, task: './compare-task.js', args, timeoutMs: 600_000 });
      const reps = outs[0]!.online.length;
      const seconds = Array.from({ length: reps }, (_, i) => Math.max(...outs.map((o) => o.online[i]!.seconds)));
      const last = outs.map((o) => o.online[reps - 1]!);
      const t = summarize(seconds);
      const c = cost(op, ctx.parties, ctx.size, outs[0]!.lookup ?? false);
      const plainSeconds = Math.max(...outs.map((o) => o.plainSeconds));
      const res: BenchResult = {
        name, parties: ctx.parties, size: ctx.size, ...t,
        opsPerSecond: ctx.size / t.seconds,
        bytesSent: last.reduce((a, o) => a + o.bytes, 0),
        bytesPerParty: Math.max(...last.map((o) => o.bytes)),
        rounds: Math.max(...last.map((o) => o.rounds)),
        offline: ctx.offline,
        plainSeconds, plainRatio: t.seconds / plainSeconds,
        peakMemory,
        reps,
        expectedRounds: c.rounds,
        expectedBytesSent: c.bytesPerPeer * ctx.parties * (ctx.parties - 1),
      };
      const prepSeconds = Math.max(...outs.map((o) => o.prepSeconds ?? 0));
      if (name === 'ltz') res.prepSeconds = prepSeconds;
      const prep = outs[outs.length - 1]!.prep;
      if (prep) Object.assign(res, { prepItems: prep.items, prepWaits: prep.waits, prepWaitMs: Math.round(prep.waitMs) });
      ctx.log(`${name} size ${ctx.size}: ${t.seconds.toFixed(4)} s median, ${res.rounds} rounds (formula ${c.rounds}), ${(res.bytesSent / 1e6).toFixed(1)} MB`);
      return res;
    },
  };
}

export const benchmarks: Benchmark[] = [
  bench('ltz', 'ltz', 100_000), bench('relu', 'relu', 100_000), bench('sigmoid', 'sigmoid', 100_000),
  // Both sigmoid methods forced, so their crossover is measured (protocols/nonlinear/sigmoid.ts usesLookup).
  bench('sigmoid.lookup', 'sigmoid', 4096, 'lookup'), bench('sigmoid.compare', 'sigmoid', 4096, 'compare'),
];
