/**
 * Network benchmarks over one Noise-encrypted WebSocket link between two party processes on
 * 127.0.0.1 (runCluster; with --parties N > 2 the extra parties join the mesh and stay idle).
 *   net.throughput  a tensor of `size` u64 elements (default 2^21 = 16 MiB) from party 0 to 1, acked;
 *                   opsPerSecond = payload bytes/s. plainSeconds: one AES-128-GCM stream over the same
 *                   payload in party 0 (median, measured between the transfers, so under the same
 *                   load); plainRatio = seconds / plainSeconds (the link's goal: ≤ 2). Also reports
 *                   where the time goes: per-payload local seconds of frame encode, AES-256-GCM
 *                   encrypt, decrypt and frame decode. bareSeconds: the same payload between the same
 *                   two processes over a bare WebSocket as 1 MiB AES-256-GCM messages (no Noise
 *                   framing, session or backpressure): what ws and node:crypto allow on this machine;
 *                   bareRatio = seconds / bareSeconds.
 *   net.latency     round trip of a 1-element tagged tensor (party 0 → 1 → 0); `size` round trips
 *                   per repetition (default 2000), median reported; opsPerSecond = round trips/s.
 */
import { runPartyTask } from './party-run.js';
import type { NetBenchArgs, NetBenchOut } from './net-task.js';
import { summarize, type Benchmark, type BenchContext, type BenchResult } from '../src/cli/bench/types.js';

async function measure(name: string, ctx: BenchContext, op: NetBenchArgs['op']): Promise<{ out: NetBenchOut; receiver: NetBenchOut; peak: number; parties: number }> {
  const parties = Math.max(2, ctx.parties);
  const args: NetBenchArgs = { op, size: ctx.size, reps: ctx.reps, warmup: ctx.warmup ?? 1 };
  const { outs, peakMemory } = await runPartyTask<NetBenchOut>(name, { parties, task: './net-task.js', args, timeoutMs: 300_000 });
  return { out: outs[0]!, receiver: outs[1]!, peak: peakMemory, parties };
}

export const benchmarks: Benchmark[] = [
  {
    name: 'net.throughput',
    defaultSize: 1 << 21,
    multiParty: true,
    async run(ctx: BenchContext): Promise<BenchResult> {
      const { out, receiver, peak, parties } = await measure('net.throughput', ctx, 'throughput');
      const t = summarize(out.seconds);
      const bytes = ctx.size * 8;
      const b = out.breakdown!;
      const mbps = (s: number): number => Math.round(bytes / s / 1e6);
      const senderCpu = out.cpuSeconds ?? 0;
      const receiverCpu = receiver.cpuSeconds ?? 0;
      const plain = summarize(out.plainSeconds ?? []).seconds;
      const bare = summarize(out.bareSeconds ?? []).seconds;
      ctx.log(`payload ${bytes} B: ${mbps(t.seconds)} MB/s end to end (one AES-128-GCM stream: ${mbps(plain)} MB/s, ${(plain / t.seconds).toFixed(2)}×; a bare WebSocket with AES-256-GCM: ${mbps(bare)} MB/s, ${(bare / t.seconds).toFixed(2)}×); CPU per transfer: sender ${(senderCpu * 1e3).toFixed(1)} ms, receiver ${(receiverCpu * 1e3).toFixed(1)} ms; alone: encode ${mbps(b.encode)}, encrypt ${mbps(b.encrypt)}, decrypt ${mbps(b.decrypt)}, decode ${mbps(b.decode)} MB/s`);
      return {
        name: 'net.throughput', parties, size: ctx.size, ...t,
        opsPerSecond: bytes / t.seconds,
        bytesSent: bytes + 8, bytesPerParty: bytes, rounds: 2, offline: 'none',
        plainSeconds: plain, plainRatio: t.seconds / plain,
        /** The same payload over a bare WebSocket with AES-256-GCM between the same processes (net-task.ts). */
        bareSeconds: bare, bareRatio: t.seconds / bare,
        peakMemory: peak, reps: out.seconds.length,
        senderCpuSeconds: senderCpu, receiverCpuSeconds: receiverCpu,
        /** Payload bytes per CPU-second of the busier side: the rate on idle cores (the machine is shared). */
        cpuBoundBytesPerSecond: bytes / Math.max(senderCpu, receiverCpu, 1e-9),
        encodeSeconds: b.encode, encryptSeconds: b.encrypt, decryptSeconds: b.decrypt, decodeSeconds: b.decode,
      };
    },
  },
  {
    name: 'net.latency',
    defaultSize: 2000,
    multiParty: true,
    async run(ctx: BenchContext): Promise<BenchResult> {
      const { out, peak, parties } = await measure('net.latency', ctx, 'latency');
      const t = summarize(out.seconds);
      ctx.log(`median round trip ${(t.seconds * 1e3).toFixed(3)} ms over ${ctx.size} round trips per repetition`);
      return {
        name: 'net.latency', parties, size: ctx.size, ...t,
        opsPerSecond: 1 / t.seconds,
        bytesSent: 16 * ctx.size, bytesPerParty: 8 * ctx.size, rounds: 2 * ctx.size, offline: 'none',
        peakMemory: peak, reps: out.seconds.length,
      };
    },
  },
];
