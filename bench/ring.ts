/**
 * Local ring-engine benchmarks (one process, no network): `ring.matmul`, `ring.mul`, `prg`.
 * Each compares against a plaintext reference measured in the same run where one exists and
 * names it in `plainReference`. Timings are medians over `reps` after `warmup` runs.
 */
import { Prg } from '../src/crypto/prg.js';
import * as Ref from '../src/ring/reference.js';
import * as W from '../src/ring/wasm.js';
import { summarize, timeReps, type BenchContext, type BenchResult, type Benchmark } from '../src/cli/bench/types.js';

const SEED = new TextEncoder().encode('concord ring benchmark seed....');

function peakMemory(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Wall-clock and CPU seconds per run: `warmup` unmeasured runs, then `reps` measured ones. */
function timeBoth(reps: number, warmup: number, body: () => void): { wall: number[]; cpu: number[] } {
  for (let i = 0; i < warmup; i++) body();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    body();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall, cpu };
}

/**
 * The common result fields. `cpuSeconds` (median CPU time of this process per run) is reported
 * beside wall time because on a shared machine wall time also counts waiting for a core.
 */
function local(name: string, ctx: BenchContext, times: { wall: number[]; cpu: number[] }, ops: number): BenchResult {
  const t = summarize(times.wall);
  const cpuSeconds = summarize(times.cpu).seconds;
  return {
    name, parties: 1, size: ctx.size, ...t, opsPerSecond: ops / t.seconds,
    bytesSent: 0, bytesPerParty: 0, rounds: 0, offline: 'none', peakMemory: 0, reps: times.wall.length,
    cpuSeconds, opsPerCpuSecond: cpuSeconds > 0 ? ops / cpuSeconds : 0,
  };
}

/** Float64 values in [0, 1) from the PRG, for the plaintext references. */
function floats(p: Prg, n: number): Float64Array {
  const u = new Uint32Array(p.bytes(4 * n).buffer);
  return Float64Array.from(u, (x) => x / 2 ** 32);
}

/** Plain JS reference: C = A·B on Float64Arrays, i-k-j order (row-major friendly). */
function plainMatmul(a: Float64Array, b: Float64Array, c: Float64Array, n: number, k: number, m: number): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * m;
    for (let t = 0; t < k; t++) {
      const av = a[i * k + t]!;
      const bt = t * m;
      for (let j = 0; j < m; j++) c[ci + j] = c[ci + j]! + (av * b[bt + j]!);
    }
  }
}

const matmulBench: Benchmark = {
  name: 'ring.matmul',
  defaultSize: 512,
  multiParty: false,
  async run(ctx) {
    const s = ctx.size;
    const p = Prg.fromSeed(SEED, 'matmul');
    const a = p.ring([s, s]);
    const b = p.ring([s, s]);
    const times = timeBoth(ctx.reps, ctx.warmup ?? 1, () => { a.matmul(b); });
    ctx.log(`${ctx.reps} products of ${s}×${s} matrices done`);
    const fa = floats(p, s * s);
    const fb = floats(p, s * s);
    const fc = new Float64Array(s * s);
    // The Float64 loop is slow at large sizes: fewer repetitions there.
    const plainReps = s > 1024 ? 1 : Math.min(ctx.reps, 3);
    const plain = summarize(await timeReps(plainReps, () => plainMatmul(fa, fb, fc, s, s, s), s > 1024 ? 0 : 1));
    const r = local('ring.matmul', ctx, times, s * s * s);
    return {
      ...r, plainSeconds: plain.seconds, plainRatio: r.seconds / plain.seconds,
      plainReference: 'JS Float64Array i-k-j triple loop (same n·k·m)',
      kernel: 'wasm simd128, 32-bit split products, packed 2×4 micro-kernel, k-blocks of 256',
      peakMemory: peakMemory(),
    };
  },
};

const mulBench: Benchmark = {
  name: 'ring.mul',
  defaultSize: 1_000_000,
  multiParty: false,
  async run(ctx) {
    const n = ctx.size;
    const p = Prg.fromSeed(SEED, 'mul');
    const a = p.ring([n]);
    const b = p.ring([n]);
    const times = timeBoth(ctx.reps, ctx.warmup ?? 1, () => { a.mul(b); });
    // The same kernel and copies into a reused result: what remains once the fresh 8·n-byte
    // result of Ring.mul stops paying first-touch page faults (see resultAllocation below).
    const reused = new BigUint64Array(n);
    const kernel = summarize(timeBoth(ctx.reps, 1, () => W.binary('mul', a.data, b.data, reused)).wall);
    const fa = floats(p, n);
    const fb = floats(p, n);
    const plain = summarize(await timeReps(ctx.reps, () => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = fa[i]! * fb[i]!;
    }));
    // One run of the BigInt reference kernel shows what the WASM kernels replace.
    const t0 = process.hrtime.bigint();
    Ref.mul(a.data, b.data, new BigUint64Array(n));
    const bigintSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const r = local('ring.mul', ctx, times, n);
    return {
      ...r, plainSeconds: plain.seconds, plainRatio: r.seconds / plain.seconds,
      plainReference: 'JS Float64Array element-wise product into a fresh array',
      bigintReferenceSeconds: bigintSeconds,
      reusedResultOpsPerSecond: n / kernel.seconds,
      resultAllocation: 'Ring.mul returns a fresh tensor; when glibc hands back freed memory to the OS, its pages fault in again '
        + '(MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=268435456 keeps them)',
      peakMemory: peakMemory(),
    };
  },
};

const prgBench: Benchmark = {
  name: 'prg',
  defaultSize: 64 * 1024 * 1024,
  multiParty: false,
  async run(ctx) {
    const bytes = ctx.size;
    const prg = Prg.fromSeed(SEED, 'prg');
    const buf = new Uint8Array(bytes);
    const times = timeBoth(ctx.reps, ctx.warmup ?? 1, () => prg.fill(buf));
    // Fresh tensors also pay for new pages: reported apart.
    const elems = Math.floor(bytes / 8);
    const fresh = summarize(await timeReps(ctx.reps, () => { prg.ring([elems]); }));
    const r = local('prg', ctx, times, bytes);
    return {
      ...r,
      plainReference: 'none (opsPerSecond: keystream bytes/s of Prg.fill into a reused buffer)',
      freshRingBytesPerSecond: fresh.seconds > 0 ? (elems * 8) / fresh.seconds : 0,
      peakMemory: peakMemory(),
    };
  },
};

/** The ring-engine benchmarks, by name (see src/cli/bench/registry.ts). */
export const benchmarks: Benchmark[] = [matmulBench, mulBench, prgBench];
