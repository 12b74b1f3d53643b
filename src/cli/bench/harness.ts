import { ConcordError } from '../../errors.js';
import { NET_ENV, netProfileSpec, type NetProfile } from '../../net/shaper.js';
import { BENCH_NAMES, loadBenchmark } from './registry.js';
import { normalize, type Benchmark, type BenchContext, type NormalizedResult } from './types.js';

/**
 * The benchmark suite runner behind `concord bench`: loads benchmarks by name, runs each with
 * a progress line, normalizes every result (all fields present, types checked) and keeps going
 * when one benchmark fails so a long run still reports the others.
 */

/** How to run benchmarks. */
export interface SuiteOptions {
  parties: number;
  offline: 'dealer' | 'ot' | 'hm';
  reps: number;
  /** Overrides every benchmark's default size. */
  size?: number;
  /** Per-benchmark size (used when `size` is not set), e.g. tinySize for smoke runs. */
  sizeFor?: (b: Benchmark) => number;
  warmup?: number;
  epochs?: number;
  /** Training benchmarks: the job's "maskData". */
  maskData?: 'once' | 'perBatch';
  /** Simulated network for the party processes (via the CONCORD_NET environment variable). */
  net?: NetProfile;
}

/** What a suite run produced. */
export interface SuiteOutcome {
  results: NormalizedResult[];
  /** Names whose module is not in this build. */
  missing: string[];
  failures: { name: string; error: string }[];
}

/** Progress lines on stderr: one live line on a TTY, plain lines otherwise. */
export class Progress {
  private readonly live: boolean;
  private current = '';

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } = process.stderr, live?: boolean) {
    this.live = live ?? out.isTTY === true;
  }

  /** A benchmark starts. */
  start(step: string, name: string, detail: string): void {
    this.current = `[${step}] ${name}`;
    if (this.live) this.status(`${this.current} ${detail} …`);
    else this.out.write(`bench ${this.current}: ${detail}\n`);
  }

  /** A progress note from inside the running benchmark. */
  note(line: string): void {
    if (this.live) this.status(`${this.current}: ${line}`);
    else this.out.write(`bench ${this.current}: ${line}\n`);
  }

  /** A permanent line (result summary, warning). */
  line(text: string): void {
    if (this.live) this.out.write('\r\x1b[K');
    this.out.write(text + '\n');
  }

  private status(text: string): void {
    const cols = Math.max(20, (this.out.columns ?? 100) - 1);
    this.out.write('\r\x1b[K' + (text.length > cols ? text.slice(0, cols - 1) + '…' : text));
  }
}

function sizeOf(b: Benchmark, opts: SuiteOptions): number {
  return opts.size ?? opts.sizeFor?.(b) ?? b.defaultSize;
}

const TINY: Record<string, number> = { 'ring.matmul': 16, 'ring.mul': 1000, prg: 4096, 'net.throughput': 65_536, 'net.latency': 20, matmul: 8, 'train.logreg': 64, 'train.mlp': 64, 'offline.matrix': 8 };

/** A size at which a benchmark finishes in moments (smoke runs and tests): never above its default. */
export function tinySize(b: Benchmark): number {
  return Math.min(b.defaultSize, TINY[b.name] ?? 100);
}

/** Peak RSS of this process in bytes (what local, single-process benchmarks use). */
export function selfPeakMemory(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Run one benchmark and normalize its result. Local benchmarks that report no peak memory get
 * this process's; `net` is recorded for multi-party ones only (local ones use no network).
 */
export async function runBenchmark(b: Benchmark, opts: SuiteOptions, log: (line: string) => void): Promise<NormalizedResult> {
  const ctx: BenchContext = {
    parties: b.multiParty ? opts.parties : 1,
    size: sizeOf(b, opts),
    offline: opts.offline,
    reps: opts.reps,
    log,
  };
  if (opts.warmup !== undefined) ctx.warmup = opts.warmup;
  if (opts.epochs !== undefined) ctx.epochs = opts.epochs;
  if (opts.maskData !== undefined) ctx.maskData = opts.maskData;
  const saved = process.env[NET_ENV];
  if (b.multiParty && opts.net) process.env[NET_ENV] = netProfileSpec(opts.net);
  try {
    const raw = await b.run(ctx);
    if (raw === null || typeof raw !== 'object') throw new ConcordError('E_INTERNAL', `benchmark ${b.name} returned ${String(raw)} instead of a result object`);
    const r = normalize({ ...raw, name: raw.name || b.name });
    if (!b.multiParty && r.peakMemory === 0) r.peakMemory = selfPeakMemory();
    if (!b.multiParty) r.net = 'none';
    else if (r.net === 'none' && opts.net) r.net = opts.net.name;
    if (r.reps === 0) r.reps = opts.reps;
    return r;
  } finally {
    if (saved === undefined) delete process.env[NET_ENV];
    else process.env[NET_ENV] = saved;
  }
}

/** Load the named benchmarks (or every one for 'all'), split into present and missing. */
export async function loadSuite(names: readonly string[]): Promise<{ present: Benchmark[]; missing: string[] }> {
  const present: Benchmark[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const b = await loadBenchmark(name);
    if (b) present.push(b);
    else missing.push(name);
  }
  return { present, missing };
}

/** Run benchmarks in order; `onResult` sees each result as it completes. */
export async function runSuite(names: readonly string[], opts: SuiteOptions, progress: Progress, onResult: (r: NormalizedResult) => void = () => {}): Promise<SuiteOutcome> {
  const { present, missing } = await loadSuite(names);
  for (const m of missing) progress.line(`bench: ${m} is not available in this build (its module under bench/ is missing), skipped`);
  const out = await runBenchmarks(present, opts, progress, onResult);
  out.missing = missing;
  return out;
}

/** Run loaded benchmarks in order, recording failures and going on. */
export async function runBenchmarks(present: readonly Benchmark[], opts: SuiteOptions, progress: Progress, onResult: (r: NormalizedResult) => void = () => {}): Promise<SuiteOutcome> {
  const out: SuiteOutcome = { results: [], missing: [], failures: [] };
  for (let i = 0; i < present.length; i++) {
    const b = present[i]!;
    const size = sizeOf(b, opts);
    progress.start(`${i + 1}/${present.length}`, b.name, b.multiParty ? `${opts.parties} parties, size ${size}, ${opts.offline}${opts.net ? `, ${opts.net.name} network` : ''}` : `size ${size}`);
    const t0 = performance.now();
    try {
      const r = await runBenchmark(b, opts, (l) => progress.note(l));
      out.results.push(r);
      progress.line(`bench [${i + 1}/${present.length}] ${b.name}: ${fmtSeconds(r.seconds)} median (${fmtSeconds(r.minSeconds)}..${fmtSeconds(r.maxSeconds)}), wall ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      onResult(r);
    } catch (e) {
      const msg = e instanceof ConcordError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
      out.failures.push({ name: b.name, error: msg });
      progress.line(`bench [${i + 1}/${present.length}] ${b.name}: FAILED — ${msg}`);
    }
  }
  return out;
}

/** Every name `bench all` runs, in order. */
export function allNames(): string[] {
  return [...BENCH_NAMES];
}

/** Seconds with a unit a person reads at a glance: 1.23 s, 45.6 ms, 789 µs. */
export function fmtSeconds(s: number): string {
  if (s === 0) return '0';
  if (s >= 1) return `${s.toFixed(s >= 100 ? 0 : 2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(s >= 0.1 ? 0 : 1)} ms`;
  return `${(s * 1e6).toFixed(0)} µs`;
}
