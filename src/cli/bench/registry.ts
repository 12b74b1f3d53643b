import type { Benchmark } from './types.js';

/**
 * Every benchmark name of DESIGN.md §7 and the module under bench/ that exports it
 * (`export const benchmarks: Benchmark[]` in that module; paths relative to this compiled file,
 * dist/src/cli/bench/). Loaded lazily, by name: the harness here never imports a benchmark.
 */
export const BENCH_MODULES: Record<string, string> = {
  'ring.matmul': '../../../bench/ring.js',
  'ring.mul': '../../../bench/ring.js',
  prg: '../../../bench/ring.js',
  'net.throughput': '../../../bench/net.js',
  'net.latency': '../../../bench/net.js',
  mul: '../../../bench/arithmetic.js',
  matmul: '../../../bench/arithmetic.js',
  trunc: '../../../bench/arithmetic.js',
  ltz: '../../../bench/compare.js',
  relu: '../../../bench/compare.js',
  sigmoid: '../../../bench/compare.js',
  'sigmoid.lookup': '../../../bench/compare.js',
  'sigmoid.compare': '../../../bench/compare.js',
  'train.logreg': '../../../bench/train.js',
  'train.mlp': '../../../bench/train.js',
  'offline.triples': '../../../bench/offline.js',
  'offline.matrix': '../../../bench/offline.js',
  'offline.bits': '../../../bench/offline.js',
  psi: '../../../bench/psi.js',
};

/** Names in the order `bench all` runs them. */
export const BENCH_NAMES = Object.keys(BENCH_MODULES);

/** Load one benchmark by name; undefined if the name is unknown or its module is not built yet. */
export async function loadBenchmark(name: string): Promise<Benchmark | undefined> {
  const mod = BENCH_MODULES[name];
  if (!mod) return undefined;
  let loaded: { benchmarks?: Benchmark[] };
  try {
    loaded = (await import(mod)) as { benchmarks?: Benchmark[] };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
  return loaded.benchmarks?.find((b) => b.name === name);
}
