/**
 * An ordered stream of preprocessed items generated in batches ahead of need.
 * Requests reserve consecutive item ranges synchronously, in call order; since every party makes
 * the same requests in the same order, every party cuts the same batches at the same places and
 * so runs the same extensions, without negotiating. Batches of one stream are generated one after
 * another (bounded memory), growing from `firstBatch` to `maxBatch`; once a stream has been used
 * twice, the next batch is started before it is needed (prefetch), overlapping the online phase.
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
}

export class ItemStream<T> {
  private reserved = 0;
  private scheduled = 0;
  private size: number;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly batches: Batch<T>[] = [];
  readonly stats: StreamStats = { requests: 0, items: 0, batches: 0, waits: 0 };

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
    while (this.scheduled < hi) this.schedule(tag, Math.min(this.spec.maxBatch, Math.max(this.size, hi - this.scheduled)));
    if (this.spec.prefetch !== false && this.stats.requests > 1 && this.scheduled - hi < this.size / 2) this.schedule(tag, this.size);
    const parts = this.batches.filter((b) => b.lo < hi && b.hi > lo);
    if (parts.some((b) => !b.ready)) this.stats.waits++;
    return (async () => {
      const out: T[] = [];
      for (const b of parts) {
        const v = await b.value;
        const from = Math.max(lo, b.lo), to = Math.min(hi, b.hi);
        out.push(this.spec.slice(v, from - b.lo, to - b.lo));
        b.left -= to - from;
        if (b.left === 0) this.batches.splice(this.batches.indexOf(b), 1);
      }
      return out.length === 1 ? out[0]! : this.spec.concat(out);
    })();
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
    this.size = Math.min(this.spec.maxBatch, this.size * 2);
  }
}
