import type { Benchmark } from './types.js';

/**
 * Every benchmark name of DESIGN.md §7 and the module under bench/ that exports it
 * (`export const benchmarks: Benchmark[]` in that module). Loaded lazily.
 */
export const BENCH_MODULES: Record<string, string> = {
  'ring.matmul': './ring.js',
  'ring.mul': './ring.js',
  prg: './ring.js',
  'net.throughput': './net.js',
  'net.latency': './net.js',
  mul: './arithmetic.js',
  matmul: './arithmetic.js',
  trunc: './arithmetic.js',
  ltz: './compare.js',
  relu: './compare.js',
  sigmoid: './compare.js',
  'train.logreg': './train.js',
  'train.mlp': './train.js',
  'offline.triples': './offline.js',
  'offline.matrix': './offline.js',
  'offline.bits': './offline.js',
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
