import { ConcordError } from '../../errors.js';

/** One benchmark measurement: the JSON line `concord bench --json` prints (DESIGN.md §7). */
export interface BenchResult {
  name: string;
  parties: number;
  size: number;
  /** Median seconds over the repetitions. */
  seconds: number;
  minSeconds: number;
  maxSeconds: number;
  opsPerSecond: number;
  /** Application bytes sent, all parties and links (0 for local ops). */
  bytesSent: number;
  /** Bytes sent by one party (the maximum over parties). */
  bytesPerParty: number;
  rounds: number;
  offline: string;
  /** Same computation on plaintext in the same run, where a reference exists (else 0). */
  plainSeconds?: number;
  /** seconds / plainSeconds, where plainSeconds exists (else 0). */
  plainRatio?: number;
  /** Peak resident memory of the measuring processes (max over party processes), bytes. */
  peakMemory: number;
  /** Training benchmarks (else 0). */
  accuracy?: number;
  /** Simulated network profile the parties ran under ('none', 'lan', 'wan', 'custom'); set by the harness. */
  net?: string;
  /** Measured repetitions behind the median; set by the harness when the benchmark does not. */
  reps?: number;
  [extra: string]: unknown;
}

/** A result after normalize(): every documented field present. */
export type NormalizedResult = BenchResult & { plainSeconds: number; plainRatio: number; accuracy: number; net: string; reps: number };

/** Numeric fields every JSON line carries; 0 where they do not apply (DESIGN.md §7). */
export const NUMERIC_FIELDS = [
  'parties', 'size', 'seconds', 'minSeconds', 'maxSeconds', 'opsPerSecond', 'bytesSent', 'bytesPerParty',
  'rounds', 'plainSeconds', 'plainRatio', 'peakMemory', 'accuracy', 'reps',
] as const;

/** String fields every JSON line carries. */
export const STRING_FIELDS = ['name', 'offline', 'net'] as const;

/**
 * Fill every missing numeric field with 0 (and offline/net with 'none'), derive plainRatio from
 * plainSeconds, and check types: a benchmark that reports NaN, a negative figure or a non-number
 * is a bug in that benchmark, reported as E_INTERNAL naming it and the field.
 */
export function normalize(raw: Partial<BenchResult> & { name: string }): NormalizedResult {
  const name = typeof raw.name === 'string' && raw.name !== '' ? raw.name : undefined;
  if (!name) throw new ConcordError('E_INTERNAL', `benchmark result without a name: ${JSON.stringify(raw).slice(0, 200)}`);
  const out: Record<string, unknown> = { ...raw };
  for (const f of NUMERIC_FIELDS) {
    const v = out[f];
    if (v === undefined || v === null) {
      out[f] = 0;
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ConcordError('E_INTERNAL', `benchmark ${name}: field "${f}" must be a finite number ≥ 0, got ${JSON.stringify(v)} (a bug in bench/ for ${name})`);
    }
  }
  for (const f of STRING_FIELDS) {
    const v = out[f];
    if (v === undefined || v === null || v === '') out[f] = f === 'name' ? name : 'none';
    else if (typeof v !== 'string') throw new ConcordError('E_INTERNAL', `benchmark ${name}: field "${f}" must be a string, got ${JSON.stringify(v)}`);
  }
  const r = out as NormalizedResult;
  if (r.plainRatio === 0 && r.plainSeconds > 0) r.plainRatio = r.seconds / r.plainSeconds;
  if (r.minSeconds === 0 && r.maxSeconds === 0 && r.seconds > 0) {
    r.minSeconds = r.seconds;
    r.maxSeconds = r.seconds;
  }
  if (r.minSeconds > r.seconds || r.seconds > r.maxSeconds) {
    throw new ConcordError('E_INTERNAL', `benchmark ${name}: expected minSeconds ≤ seconds ≤ maxSeconds, got ${r.minSeconds} / ${r.seconds} / ${r.maxSeconds}`);
  }
  if (r.bytesPerParty === 0 && r.bytesSent > 0 && r.parties > 0) r.bytesPerParty = Math.ceil(r.bytesSent / r.parties);
  return r;
}

/** What a benchmark is asked to run. */
export interface BenchContext {
  parties: number;
  size: number;
  offline: 'dealer' | 'ot' | 'hm';
  reps: number;
  /** Warm-up runs before the measured ones (default 1; `bench scale` passes 0 for its largest sizes). */
  warmup?: number;
  /** Training benchmarks: epochs to run (default the benchmark's own, 10); scaling runs pass fewer. */
  epochs?: number;
  /** Training benchmarks: the job's "maskData" (default "once"). */
  maskData?: 'once' | 'perBatch';
  /** Report progress (a line per repetition); never prints secrets. */
  log: (line: string) => void;
}

/** A benchmark: its name, default size, and how to run it. */
export interface Benchmark {
  name: string;
  defaultSize: number;
  /** True if it runs party processes (parties/offline flags apply). */
  multiParty: boolean;
  run(ctx: BenchContext): Promise<BenchResult>;
}

/** Median, min and max of timings (seconds). */
export function summarize(times: number[]): { seconds: number; minSeconds: number; maxSeconds: number } {
  if (times.length === 0) throw new ConcordError('E_INTERNAL', 'summarize: no timings (reps must be ≥ 1)');
  const t = [...times].sort((a, b) => a - b);
  const mid = t.length >> 1;
  const seconds = t.length % 2 ? t[mid]! : (t[mid - 1]! + t[mid]!) / 2;
  return { seconds, minSeconds: t[0]!, maxSeconds: t[t.length - 1]! };
}

/** Time an async body: `warmup` unmeasured runs (default 1), then `reps` measured runs; returns seconds per run. */
export async function timeReps(reps: number, body: () => Promise<void> | void, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await body();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await body();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return out;
}
