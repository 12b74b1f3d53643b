/**
 * Arithmetic protocol benchmarks over a real mesh: one OS process per party plus the dealer
 * (runCluster), Noise-encrypted WebSockets on 127.0.0.1.
 *   mul     element-wise Beaver product of `size` elements (default 10^6), ring only.
 *   matmul  fixed-point matmulFx of two size×size matrices (default 256) = Beaver + truncation;
 *           also reports the same product with a reused mask (reuseSeconds, reuseBytes).
 *   trunc   probabilistic truncation of `size` elements (default 10^6).
 * seconds: median over reps of the slowest party's wall time for one operation (preprocessing
 * fetch included; the dealer prefetches after the first repetition). plainSeconds: the same
 * product on plaintext ring tensors in the same processes. bytesSent: all parties, one operation.
 * cpuSeconds: CPU time of the busiest party for one operation (wall time also counts waiting for
 * a core on a loaded machine). prepSeconds / localSeconds: preprocessing fetch and local ring
 * arithmetic measured alone; the rest of `seconds` is the network (framing, encryption, waiting).
 * mul also reports readySeconds: the same product with its triple fetched before the timing
 * starts (the online round alone, what a round costs once preprocessing is done), and
 * rttSeconds: the median round trip of a 1-element tensor between parties 0 and 1 in the same
 * processes (net.latency in this run); readyRatio = readySeconds / rttSeconds (goal ≤ 2).
 * Below 4096 elements mul warms up for 3000 unmeasured runs (a party's steady state; V8 keeps
 * per-round code in its lower tiers for the first thousands of rounds) and also reports
 * coldSeconds, the median of the first 200 of them (a fresh process); --warmup N overrides.
 * Small muls also report chainSeconds: per product, in blocks of 50 run back to back (the way a
 * training loop runs its rounds), the median block; steadier than the median of single products
 * on a host where the parties share too few cores.
 */
import { ConcordError } from '../src/errors.js';
import type { Benchmark, BenchContext, BenchResult } from '../src/cli/bench/types.js';
import { summarize } from '../src/cli/bench/types.js';
import type { ArithBenchArgs, ArithBenchOut } from './arithmetic-task.js';
import { runPartyTask, type PartyTiming } from './party-run.js';

/** Per repetition, the slowest party's time; bytes summed over parties; rounds of the slowest. */
function combine(perParty: PartyTiming[][]): { seconds: number[]; cpu: number[]; bytes: number; bytesPerParty: number; rounds: number } {
  const reps = perParty[0]!.length;
  const seconds = Array.from({ length: reps }, (_, i) => Math.max(...perParty.map((p) => p[i]!.seconds)));
  const cpu = Array.from({ length: reps }, (_, i) => Math.max(...perParty.map((p) => p[i]!.cpuSeconds)));
  const last = perParty.map((p) => p[reps - 1]!);
  return { seconds, cpu, bytes: last.reduce((a, t) => a + t.bytes, 0), bytesPerParty: Math.max(...last.map((t) => t.bytes)), rounds: Math.max(...last.map((t) => t.rounds)) };
}

function bench(name: ArithBenchArgs['op'], defaultSize: number): Benchmark {
  return {
    name,
    defaultSize,
    multiParty: true,
    async run(ctx: BenchContext): Promise<BenchResult> {
      const args: ArithBenchArgs = { op: name, size: ctx.size, reps: ctx.reps, ...(ctx.warmup !== undefined ? { warmup: ctx.warmup } : {}) };
      const { outs, peakMemory } = await runPartyTask<ArithBenchOut>(name, { parties: ctx.parties, offline: ctx.offline, task: './arithmetic-task.js', args, timeoutMs: 300_000 });
      const on = combine(outs.map((o) => o.online));
      const t = summarize(on.seconds);
      const ops = name === 'matmul' ? ctx.size ** 3 : ctx.size;
      const plainSeconds = Math.max(...outs.map((o) => o.plainSeconds));
      const res: BenchResult = {
        name, parties: ctx.parties, size: ctx.size, ...t,
        opsPerSecond: ops / t.seconds,
        bytesSent: on.bytes, bytesPerParty: on.bytesPerParty, rounds: on.rounds, offline: ctx.offline,
        plainSeconds, plainRatio: t.seconds / plainSeconds,
        peakMemory,
        reps: on.seconds.length,
        // CPU seconds of the busiest party per operation: robust to other load on the machine.
        cpuSeconds: summarize(on.cpu).seconds,
        prepSeconds: Math.max(...outs.map((o) => o.prepSeconds)),
        localSeconds: Math.max(...outs.map((o) => o.localSeconds)),
      };
      if (outs[0]!.ready) {
        const ready = summarize(combine(outs.map((o) => o.ready!)).seconds).seconds;
        const rtt = outs[0]!.rttSeconds ?? 0;
        Object.assign(res, { readySeconds: ready, rttSeconds: rtt, readyRatio: rtt > 0 ? ready / rtt : 0 });
        ctx.log(`${name} size ${ctx.size}: with the triple ready ${(ready * 1e3).toFixed(3)} ms, round trip ${(rtt * 1e3).toFixed(3)} ms (${(ready / rtt).toFixed(2)}×)`);
      }
      if (outs[0]!.chain) {
        // Per block the slowest party (they end together within a round), then the median block.
        const blocks = outs[0]!.chain.map((_, b) => Math.max(...outs.map((o) => o.chain![b]!)));
        const chain = summarize(blocks).seconds;
        res.chainSeconds = chain;
        ctx.log(`${name} size ${ctx.size}: back to back ${(chain * 1e3).toFixed(3)} ms per product (median of ${blocks.length} blocks)`);
      }
      if (outs[0]!.cold) {
        const cold = summarize(combine(outs.map((o) => o.cold!)).seconds).seconds;
        res.coldSeconds = cold;
        ctx.log(`${name} size ${ctx.size}: first ${outs[0]!.cold.length} runs of a fresh process ${(cold * 1e3).toFixed(3)} ms median (JIT cold)`);
      }
      const last = outs[outs.length - 1]!.prep;
      if (last) Object.assign(res, { prepItems: last.items, prepWaits: last.waits, prepWaitMs: Math.round(last.waitMs) });
      if (outs[0]!.reuse) {
        const mask = combine(outs.map((o) => [o.reuse![0]!]));
        const r = combine(outs.map((o) => o.reuse!.slice(1)));
        Object.assign(res, {
          reuseSeconds: summarize(r.seconds).seconds, reuseBytes: r.bytes, reuseRounds: r.rounds,
          maskOnceSeconds: -Math.min(...outs.map((o) => o.reuse![0]!.seconds)) || Math.abs(mask.seconds[0]!), maskOnceBytes: mask.bytes,
        });
      }
      ctx.log(`${name} size ${ctx.size}: ${t.seconds.toFixed(4)} s median (plain ${plainSeconds.toFixed(4)} s), prep alone ${res.prepSeconds as number} s, local ${res.localSeconds as number} s`);
      return res;
    },
  };
}

export const benchmarks: Benchmark[] = [bench('mul', 1_000_000), bench('matmul', 256), bench('trunc', 1_000_000)];
