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
  /** Same computation on plaintext in the same run, where a reference exists. */
  plainSeconds?: number;
  /** seconds / plainSeconds, where plainSeconds exists. */
  plainRatio?: number;
  /** Peak resident memory of the measuring processes, bytes. */
  peakMemory: number;
  /** Training benchmarks. */
  accuracy?: number;
  [extra: string]: unknown;
}

/** What a benchmark is asked to run. */
export interface BenchContext {
  parties: number;
  size: number;
  offline: 'dealer' | 'ot';
  reps: number;
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

/** Median, min and max of timings. */
export function summarize(times: number[]): { seconds: number; minSeconds: number; maxSeconds: number } {
  const t = [...times].sort((a, b) => a - b);
  const mid = t.length >> 1;
  const seconds = t.length % 2 ? t[mid]! : (t[mid - 1]! + t[mid]!) / 2;
  return { seconds, minSeconds: t[0]!, maxSeconds: t[t.length - 1]! };
}

/** Time an async body: one warm-up, then `reps` measured runs; returns seconds per run. */
export async function timeReps(reps: number, body: () => Promise<void> | void): Promise<number[]> {
  await body();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await body();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return out;
}
