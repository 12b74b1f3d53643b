/**
 * An ordered stream of preprocessed items generated in batches ahead of need.
 * Requests reserve consecutive item ranges synchronously, in call order; since every party makes
 * the same requests in the same order, every party cuts the same batches at the same places and
 * so runs the same extensions, without negotiating. Batches of one stream are generated one after
 * another (bounded memory). A training job asks for the same sizes every step, so once the
 * history of request sizes shows a repeating cycle, each batch holds exactly the next
 * BATCH_REQUESTS predicted requests and the next KEEP_AHEAD are kept generated before they are
 * asked for (prefetch, overlapping the online phase): little is left over when the job ends.
 * Without a cycle, batches grow from `firstBatch` to `maxBatch` (doubling) and, once the stream
 * has been used twice, the next one is started when less than half a batch is left.
 * A wrong prediction only costs a wait or a later use of the surplus, never correctness.
 */

/** How a stream makes, cuts and joins its items. */
export interface StreamSpec<T> {
  generate(count: number, tag: number, batchIndex: number): Promise<T>;
  slice(v: T, from: number, to: number): T;
  concat(vs: T[]): T;
  firstBatch: number;
  maxBatch: number;
  /** Start the next batch before it is needed once the stream is in repeated use (default true). */
  prefetch?: boolean;
}

/** Request sizes remembered per stream (enough for a few epochs of a training job). */
const HISTORY = 4096;
/**
 * Predicted requests a batch covers, and how many are kept generated ahead (prefetch): small, so
 * that little is left over when the job ends, yet a batch is under way while the last is used.
 */
const BATCH_REQUESTS = 16;
const KEEP_AHEAD = 2;

/** Predicted request sizes: `cycle` repeats from the next request on. */
interface Plan {
  cycle: number[];
}

interface Batch<T> {
  lo: number;
  hi: number;
  value: Promise<T>;
  ready: boolean;
  left: number;
}

/** Counters of one stream (for benchmarks and the report of how often the online phase waited). */
export interface StreamStats {
  requests: number;
  items: number;
  batches: number;
  /** Requests that had to wait for generation. */
  waits: number;
  /** Items generated (≥ items: the rest is prefetched or left over). */
  generated: number;
}

export class ItemStream<T> {
  private reserved = 0;
  private scheduled = 0;
  private size: number;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly batches: Batch<T>[] = [];
  private readonly history: number[] = [];
  readonly stats: StreamStats = { requests: 0, items: 0, batches: 0, waits: 0, generated: 0 };

  constructor(private readonly spec: StreamSpec<T>, private readonly nextBatchIndex: () => number) {
    this.size = Math.max(1, Math.min(spec.firstBatch, spec.maxBatch));
  }

  /** The next `count` items (count ≥ 1). Reserves synchronously; resolves when generated. */
  take(tag: number, count: number): Promise<T> {
    const lo = this.reserved;
    const hi = lo + count;
    this.reserved = hi;
    this.stats.requests++;
    this.stats.items += count;
    this.history.push(count);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    const plan = this.plan();
    while (this.scheduled < hi) this.schedule(tag, Math.min(this.spec.maxBatch, Math.max(plan ? this.planned(plan) : this.size, hi - this.scheduled)));
    if (this.spec.prefetch !== false && this.stats.requests > 1) {
      if (plan) {
        // keep the next LOOKAHEAD predicted requests generated, so a batch runs while the last is used
        if (this.scheduled - hi < this.upcoming(plan, KEEP_AHEAD)) this.schedule(tag, this.planned(plan));
      } else if (this.scheduled - hi < this.size / 2) this.schedule(tag, this.size);
    }
    const parts = this.batches.filter((b) => b.lo < hi && b.hi > lo);
    if (parts.some((b) => !b.ready)) this.stats.waits++;
    return (async () => {
      const out: T[] = [];
      for (const b of parts) {
        const v = await b.value;
        const from = Math.max(lo, b.lo), to = Math.min(hi, b.hi);
        // A batch taken whole by one request is handed over as it is (no copy): nobody else takes from it.
        out.push(from === b.lo && to === b.hi ? v : this.spec.slice(v, from - b.lo, to - b.lo));
        b.left -= to - from;
        if (b.left === 0) this.batches.splice(this.batches.indexOf(b), 1);
      }
      return out.length === 1 ? out[0]! : this.spec.concat(out);
    })();
  }

  /** Ensure the next `count` items after the reserved ones are scheduled (prefetch driven from outside). */
  ensureAhead(tag: number, count: number): void {
    while (this.scheduled - this.reserved < count) this.schedule(tag, Math.min(this.spec.maxBatch, count - (this.scheduled - this.reserved)));
  }

  /**
   * The repeating pattern of request sizes, if the history shows one: the shortest period P whose
   * last two repetitions agree. Training requests the same shapes every step (and every epoch),
   * so batches cut to whole periods leave nothing over but the last prefetched period.
   */
  private plan(): Plan | undefined {
    const h = this.history, n = h.length;
    for (let p = 1; 2 * p <= n; p++) {
      let ok = true;
      for (let i = 1; i <= p && ok; i++) ok = h[n - i] === h[n - i - p];
      if (ok) return { cycle: h.slice(n - p) };
    }
    return undefined;
  }

  /** Items the next `count` predicted requests ask for (at most maxBatch). */
  private upcoming(plan: Plan, count: number): number {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += plan.cycle[i % plan.cycle.length]!;
    return Math.min(this.spec.maxBatch, sum);
  }

  /** Items from the scheduled end to the predicted request boundary BATCH_REQUESTS requests (at most maxBatch) ahead. */
  private planned(plan: Plan): number {
    const target = this.scheduled + this.upcoming(plan, BATCH_REQUESTS);
    let pos = this.reserved;
    for (let i = 0; pos < target; i = (i + 1) % plan.cycle.length) pos += plan.cycle[i]!;
    return Math.max(1, Math.min(this.spec.maxBatch, pos - this.scheduled));
  }

  private schedule(tag: number, count: number): void {
    const index = this.nextBatchIndex();
    const lo = this.scheduled;
    this.scheduled += count;
    const value = this.chain.then(() => this.spec.generate(count, tag, index));
    const batch: Batch<T> = { lo, hi: lo + count, value, ready: false, left: count };
    value.then(() => { batch.ready = true; }, () => undefined);
    this.chain = value.catch(() => undefined);
    this.batches.push(batch);
    this.stats.batches++;
    this.stats.generated += count;
    this.size = Math.min(this.spec.maxBatch, this.size * 2);
  }
}
