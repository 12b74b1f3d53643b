/**
 * Dealer-free offline phase benchmarks (protocols/offline/ot, protocols/offline/hm): one OS
 * process per party over Noise-encrypted WebSockets on 127.0.0.1 (runCluster), items generated
 * between the parties by OT, or with `--offline hm` (3 parties) from replicated randomness.
 *   offline.triples  `size` element-wise triples per repetition (default 65536); ops = triples
 *   offline.matrix   one size×size·size×size matrix triple (default 32); ops = multiply-accumulates
 *   offline.bits     `size` bit triples over 64-bit words (default 65536); ops = words; also
 *                    reports daBits and truncation pairs of the same count (daBitsPerSecond, truncPerSecond)
 * seconds: median over reps of the slowest party's wall time; cpuSecondsPerParty: mean CPU time
 * of one party for one repetition; setupSeconds: base OTs (once per session). bytesSent: all
 * parties, one repetition. `--offline hm` measures hm; any other mode measures ot (the dealer's
 * cost is its per-item correction, which the online benchmarks already include).
 */
import { ConcordError } from '../src/errors.js';
import { runPartyTask } from './party-run.js';
import type { Benchmark, BenchContext, BenchResult } from '../src/cli/bench/types.js';
import { summarize } from '../src/cli/bench/types.js';
import type { OfflineBenchArgs, OfflineBenchOut, OfflineTiming } from './offline-task.js';

/** The mode these benchmarks measure: hm when asked for, else ot. */
const modeOf = (ctx: BenchContext): 'ot' | 'hm' => (ctx.offline === 'hm' ? 'hm' : 'ot');

async function runKind(ctx: BenchContext, kind: OfflineBenchArgs['kind'], size: number): Promise<{ outs: OfflineBenchOut[]; peak: number }> {
  const args: OfflineBenchArgs = { kind, size, reps: ctx.reps, mode: modeOf(ctx) };
  const { outs, peakMemory } = await runPartyTask<OfflineBenchOut>(`offline.${kind}`, { parties: ctx.parties, offline: 'none', task: './offline-task.js', args, timeoutMs: 600_000 });
  return { outs, peak: peakMemory };
}

function combine(outs: OfflineBenchOut[]) {
  const per = outs.map((o) => o.reps);
  const n = per[0]!.length;
  const seconds = Array.from({ length: n }, (_, i) => Math.max(...per.map((p) => p[i]!.seconds)));
  const last = per.map((p) => p[n - 1]!);
  const cpu = per.flat().reduce((a, t: OfflineTiming) => a + t.cpuSeconds, 0) / (n * per.length);
  return {
    seconds, cpu,
    bytes: last.reduce((a, t) => a + t.bytes, 0),
    bytesPerParty: Math.max(...last.map((t) => t.bytes)),
    rounds: Math.max(...last.map((t) => t.rounds)),
    setupSeconds: Math.max(...outs.map((o) => o.setup.seconds)),
  };
}

function bench(name: string, kind: OfflineBenchArgs['kind'], defaultSize: number, ops: (size: number) => number): Benchmark {
  return {
    name,
    defaultSize,
    multiParty: true,
    async run(ctx: BenchContext): Promise<BenchResult> {
      if (ctx.offline === 'hm' && ctx.parties !== 3) throw new ConcordError('E_CONFIG', `bench ${name}: --offline hm needs --parties 3 (got ${ctx.parties}); use --offline ot for ${ctx.parties} parties`);
      const { outs, peak } = await runKind(ctx, kind, ctx.size);
      const c = combine(outs);
      const t = summarize(c.seconds);
      const items = ops(ctx.size);
      const res: BenchResult = {
        name, parties: ctx.parties, size: ctx.size, ...t,
        opsPerSecond: items / t.seconds,
        bytesSent: c.bytes, bytesPerParty: c.bytesPerParty, rounds: c.rounds, offline: modeOf(ctx),
        peakMemory: peak, reps: c.seconds.length,
        setupSeconds: c.setupSeconds, cpuSecondsPerParty: c.cpu,
        microsecondsPerItem: (t.seconds / items) * 1e6,
      };
      if (kind === 'bits') {
        for (const [k, field] of [['dabits', 'daBitsPerSecond'], ['trunc', 'truncPerSecond']] as const) {
          const extra = combine((await runKind(ctx, k, ctx.size)).outs);
          res[field] = ctx.size / summarize(extra.seconds).seconds;
          res[`${k}Bytes`] = extra.bytes;
        }
      }
      ctx.log(`${name} size ${ctx.size}: ${t.seconds.toFixed(3)} s median, ${(res.microsecondsPerItem as number).toFixed(2)} µs/item, setup ${c.setupSeconds.toFixed(2)} s, ${(c.bytes / items).toFixed(0)} B/item`);
      return res;
    },
  };
}

export const benchmarks: Benchmark[] = [
  bench('offline.triples', 'triples', 65536, (s) => s),
  bench('offline.matrix', 'matrix', 32, (s) => s ** 3),
  bench('offline.bits', 'bits', 65536, (s) => s),
];
