/**
 * The dealer-free offline phase (DESIGN.md §5, mode `ot`): the `Preprocessing` interface served
 * by pairwise oblivious transfer, with no third party. Semi-honest security against any n−1
 * colluding parties: every party's shares of the random operands are sampled locally and only
 * cross terms between two parties go through OT (links.ts: base OTs [CO15], IKNP extension,
 * Gilboa OLE; generate.ts: how each item kind is built).
 *
 * Items are generated in batches ahead of need (stream.ts): one stream per item kind and shape;
 * since all parties request the same items in the same order, they cut the same batches. Base
 * OTs run once, on the first request. Messages go under the requesting tag with kinds `ot/…`,
 * never colliding with the online protocol's own kinds.
 * Rounds seen by the online phase: 0 when a batch is ready, else the batch's (2, or 2(n−1) for
 * daBits and truncation pairs, plus 3 for the base OTs on the very first request).
 */
import { randomBytes } from 'node:crypto';
import { ConcordError } from '../../../src/errors.js';
import { Prg, PrgMatrix, deriveKey } from '../../../src/crypto/prg.js';
import { Ring, sizeOf, type Shape } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';
import type { DaBits, EdaBits, MaskShare, MaskUse, MaskedTriple, Preprocessing, Triple, TruncPair } from '../../../src/session/preprocessing.js';
import { setupOt, type OtKeys } from './links.js';
import { ItemStream, type StreamSpec, type StreamStats } from './stream.js';
import { genBitTriples, genDaBits, genMaskedTriples, genMatrixTriples, genTriples, genTruncPairs, type GenContext, type RandomSource } from './generate.js';
import { edaBitsFromDaBits } from '../eda-from-dabits.js';

/** Whom the ot mode trusts (processes print `offline: ot — <this>`, i.e. OT_TRUST_LINE). */
export const OT_TRUST = 'no trusted party; secure against up to n−1 colluding semi-honest parties';
/** The full trust line of the ot mode. */
export const OT_TRUST_LINE = `offline: ot — ${OT_TRUST}`;

/** Options of the OT preprocessing. */
export interface OtPrepOptions {
  /** Seed of this party's private randomness (tests and known-answer runs only; default: fresh OS randomness). */
  seed?: Uint8Array;
  /** Largest batch of element triples / bit triples / truncation pairs (default 16384; bounds memory: about 100 bytes·64 per item). */
  maxBatch?: number;
  /** First batch size of a stream (default 256). */
  firstBatch?: number;
  /** Generate the next batch of a stream in repeated use before it is requested (default true). */
  prefetch?: boolean;
  /** Most matrix triples of one shape per batch (default: as many as 2^20 OTs allow). */
  matrixBatch?: number;
  /** TESTS ONLY (view tests force secrets with it): this party's random operands for batch `index`. */
  localRandom?: (index: number) => RandomSource;
}

const MAX_OTS_PER_BATCH = 1 << 20;
const BASE_STREAM = 0xffffffff;
const MASK_STREAM = 0xfffffffe;
/** Uses of a mask generated ahead of the current one (see chainPrefetch). */
const MASK_AHEAD = 3;

const ring1 = (t: Triple, from: number, to: number): Triple => ({ a: t.a.slice(from, to), b: t.b.slice(from, to), c: t.c.slice(from, to) });
const concat1 = (ts: Triple[]): Triple => ({ a: Ring.concat(ts.map((t) => t.a)), b: Ring.concat(ts.map((t) => t.b)), c: Ring.concat(ts.map((t) => t.c)) });

/** Preprocessing by oblivious transfer between the parties themselves. */
export class OtPreprocessing implements Preprocessing {
  readonly mode = 'ot';
  readonly trust = OT_TRUST;
  private readonly localKey: Uint8Array;
  private keys: Promise<OtKeys> | undefined;
  private batchIndex = 0;
  private closed = false;
  private readonly streams = new Map<string, ItemStream<unknown>>();
  private readonly masks = new Map<number, MaskShare>();
  private readonly batchKeys = new Map<number, string>();
  /** Per mask: the masked-triple stream requested last, and which stream followed which. */
  private readonly maskLast = new Map<number, string>();
  private readonly maskNext = new Map<string, string>();
  private readonly maxBatch: number;
  private readonly firstBatch: number;
  private readonly prefetch: boolean;
  private readonly matrixBatch: number;
  private readonly localRandom: ((index: number) => RandomSource) | undefined;

  constructor(private readonly s: Session, opts: OtPrepOptions = {}) {
    this.localKey = opts.seed ? deriveKey(opts.seed, `ot-local/${s.me}`) : new Uint8Array(randomBytes(16));
    this.maxBatch = opts.maxBatch ?? 16384;
    this.firstBatch = opts.firstBatch ?? 256;
    this.prefetch = opts.prefetch ?? true;
    this.matrixBatch = opts.matrixBatch ?? Number.MAX_SAFE_INTEGER;
    this.localRandom = opts.localRandom;
  }

  /** Counters per stream (requests, items, batches, waits). */
  stats(): Record<string, StreamStats> {
    return Object.fromEntries([...this.streams].map(([k, v]) => [k, { ...v.stats }]));
  }

  /** The stream a batch index (extension id >> 8) belongs to (for traffic accounting). */
  streamOfBatch(index: number): string | undefined {
    return this.batchKeys.get(index);
  }

  private ready(tag: number): Promise<OtKeys> {
    this.keys ??= setupOt(this.s, tag, (peer) => new Prg(this.localKey, BASE_STREAM, peer));
    return this.keys;
  }

  private stream<T>(key: string, make: () => Omit<StreamSpec<T>, 'generate'> & { gen: (g: GenContext, count: number) => Promise<T> }): ItemStream<T> {
    let st = this.streams.get(key) as ItemStream<T> | undefined;
    if (!st) {
      const spec = make();
      st = new ItemStream<T>({
        ...spec,
        prefetch: this.prefetch && spec.prefetch !== false,
        generate: async (count, tag, index) => {
          this.batchKeys.set(index, key);
          const keys = await this.ready(tag);
          if (this.closed) throw new ConcordError('E_ABORTED', 'OT preprocessing closed');
          return spec.gen({ s: this.s, keys, tag, ext: index * 256, prg: this.localRandom?.(index) ?? new Prg(this.localKey, index, 0) }, count);
        },
      }, () => ++this.batchIndex);
      this.streams.set(key, st as ItemStream<unknown>);
    }
    return st;
  }

  private take<T>(st: ItemStream<T>, tag: number, count: number): Promise<T> {
    if (this.closed) return Promise.reject(new ConcordError('E_INTERNAL', 'OT preprocessing used after close'));
    this.ready(tag).catch(() => undefined); // start the base OTs now; failures surface through take
    return st.take(tag, count);
  }

  private flat<T>(key: string, perItemOts: number, gen: (g: GenContext, count: number) => Promise<T>, slice: (t: T, a: number, b: number) => T, concat: (ts: T[]) => T): ItemStream<T> {
    const max = Math.max(1, Math.min(this.maxBatch, Math.floor(MAX_OTS_PER_BATCH / perItemOts)));
    return this.stream<T>(key, () => ({ gen, slice, concat, firstBatch: this.firstBatch, maxBatch: max }));
  }

  async triple(tag: number, shape: Shape): Promise<Triple> {
    const n = sizeOf(shape);
    if (n === 0) return { a: Ring.zeros(shape), b: Ring.zeros(shape), c: Ring.zeros(shape) };
    const t = await this.take(this.flat('triple', 64, genTriples, ring1, concat1), tag, n);
    return { a: t.a.reshape(shape), b: t.b.reshape(shape), c: t.c.reshape(shape) };
  }

  async bitTriple(tag: number, shape: Shape): Promise<Triple> {
    const n = sizeOf(shape);
    if (n === 0) return { a: Ring.zeros(shape), b: Ring.zeros(shape), c: Ring.zeros(shape) };
    const t = await this.take(this.flat('bitTriple', 64, genBitTriples, ring1, concat1), tag, n);
    return { a: t.a.reshape(shape), b: t.b.reshape(shape), c: t.c.reshape(shape) };
  }

  async daBits(tag: number, shape: Shape): Promise<DaBits> {
    const n = sizeOf(shape);
    if (n === 0) return { arith: Ring.zeros(shape), bin: Ring.zeros(shape) };
    const d = await this.take(this.flat<DaBits>('daBits', this.s.n, genDaBits,
      (v, a, b) => ({ arith: v.arith.slice(a, b), bin: v.bin.slice(a, b) }),
      (vs) => ({ arith: Ring.concat(vs.map((v) => v.arith)), bin: Ring.concat(vs.map((v) => v.bin)) })), tag, n);
    return { arith: d.arith.reshape(shape), bin: d.bin.reshape(shape) };
  }

  /**
   * edaBits composed from `bits` daBits per element (eda-from-dabits.ts; a native generator can
   * replace it). Here a daBit costs one 64-bit correlated OT per pair and a word of bit triples 128
   * one-bit OTs, so this beats a binary adder over random shares (a2b): ltz over 2000 elements, 3
   * parties, 5.3 s / 82 MiB versus 16.9 s / 197 MiB (4.7 s / 60 MiB with the old a2b comparison).
   */
  edaBits(tag: number, shape: Shape, bits = 64): Promise<EdaBits> {
    return edaBitsFromDaBits((sh) => this.daBits(tag, sh), shape, bits);
  }

  async truncPair(tag: number, shape: Shape, f: number): Promise<TruncPair> {
    if (!Number.isInteger(f) || f < 0 || f > 62) throw new ConcordError('E_RANGE', `truncPair: shift f=${f} outside 0..62`);
    const n = sizeOf(shape);
    if (n === 0) return { r: Ring.zeros(shape), rLowShifted: Ring.zeros(shape), rTop: Ring.zeros(shape) };
    const t = await this.take(this.flat<TruncPair>(`trunc/${f}`, 64 * this.s.n, (g, c) => genTruncPairs(g, c, f),
      (v, a, b) => ({ r: v.r.slice(a, b), rLowShifted: v.rLowShifted.slice(a, b), rTop: v.rTop.slice(a, b) }),
      (vs) => ({ r: Ring.concat(vs.map((v) => v.r)), rLowShifted: Ring.concat(vs.map((v) => v.rLowShifted)), rTop: Ring.concat(vs.map((v) => v.rTop)) })), tag, n);
    return { r: t.r.reshape(shape), rLowShifted: t.rLowShifted.reshape(shape), rTop: t.rTop.reshape(shape) };
  }

  async matrixTriple(tag: number, n: number, k: number, m: number): Promise<Triple> {
    for (const [name, d] of [['n', n], ['k', k], ['m', m]] as const) {
      if (!Number.isInteger(d) || d < 1) throw new ConcordError('E_SHAPE', `matrixTriple: dimension ${name}=${d} must be a positive integer`);
    }
    const ots = 64 * k * Math.min(n, m);
    const st = this.stream<Triple>(`matrix/${n}x${k}x${m}`, () => ({
      gen: (g, count) => genMatrixTriples(g, count, n, k, m),
      slice: (v, a, b) => ({ a: v.a.slice(a * n, b * n), b: v.b.slice(a * k, b * k), c: v.c.slice(a * n, b * n) }),
      concat: (vs) => ({ a: Ring.concat(vs.map((v) => v.a)), b: Ring.concat(vs.map((v) => v.b)), c: Ring.concat(vs.map((v) => v.c)) }),
      firstBatch: 1,
      maxBatch: Math.max(1, Math.min(this.matrixBatch, Math.floor(MAX_OTS_PER_BATCH / ots))),
    }));
    return this.take(st, tag, 1);
  }

  async matrixMask(tag: number, shape: Shape): Promise<MaskShare> {
    if (shape.length !== 2) throw new ConcordError('E_SHAPE', `matrixMask: needs a 2-D shape, got [${shape.join('×')}]`);
    if (this.masks.has(tag)) throw new ConcordError('E_PREP', `matrixMask: a mask was already made under tag ${tag}; each mask needs its own tag`);
    // A = Σ A_i with every A_i uniform and private: a uniform mask no coalition of n−1 parties knows.
    const a = new PrgMatrix(this.localKey, MASK_STREAM, tag, shape);
    this.masks.set(tag, a);
    return a;
  }

  async maskedTriple(maskTag: number, tag: number, use: MaskUse): Promise<MaskedTriple> {
    const a = this.masks.get(maskTag);
    if (!a) throw new ConcordError('E_PREP', `maskedTriple: no mask was made under tag ${maskTag}; call matrixMask first`);
    const [r, k] = a.shape as [number, number];
    const start = use.start ?? 0, end = use.end ?? r, tr = use.transpose ?? false;
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= r)) {
      throw new ConcordError('E_SHAPE', `maskedTriple: rows [${start}, ${end}) out of range for a mask of ${r} rows`);
    }
    if (!Number.isInteger(use.m) || use.m < 1) throw new ConcordError('E_SHAPE', `maskedTriple: m=${use.m} must be a positive integer`);
    const m = use.m;
    const [h, kk] = tr ? [k, end - start] : [end - start, k];
    const st = this.stream<MaskedTriple>(`masked/${maskTag}/${start}/${end}/${tr ? 't' : 'n'}/${m}`, () => {
      return {
        // op(A) is regenerated from the mask's seed per batch: a cached slice per stream would
        // hold the whole mask again over an epoch's batches.
        gen: (g, count) => {
          const rows = a.rows(start, end);
          return genMaskedTriples(g, tr ? rows.transpose() : rows, count, m);
        },
        slice: (v, x, y) => ({ b: v.b.slice(x * kk, y * kk), c: v.c.slice(x * h, y * h) }),
        concat: (vs) => ({ b: Ring.concat(vs.map((v) => v.b)), c: Ring.concat(vs.map((v) => v.c)) }),
        // one per batch: a key recurs once per epoch, so larger batches would mostly be waste;
        // the chain prefetch below keeps the next uses ready
        firstBatch: 1,
        maxBatch: 1,
        prefetch: false,
      };
    });
    const key = `masked/${maskTag}/${start}/${end}/${tr ? 't' : 'n'}/${m}`;
    const out = this.take(st, tag, 1);
    this.chainPrefetch(maskTag, key, tag);
    return out;
  }

  /**
   * Uses of one mask come in a fixed cycle (every batch of every epoch, forward then transposed):
   * learn which stream follows which and keep the next MASK_AHEAD uses of the cycle generated.
   * Only streams already seen are prefetched, so at the end at most MASK_AHEAD items are left
   * over (per-stream prefetch would leave one item of every stream: a whole epoch's worth).
   */
  private chainPrefetch(maskTag: number, key: string, tag: number): void {
    if (!this.prefetch) return;
    const last = this.maskLast.get(maskTag);
    if (last !== undefined) this.maskNext.set(last, key);
    this.maskLast.set(maskTag, key);
    const need = new Map<string, number>();
    let k: string | undefined = key;
    for (let i = 0; i < MASK_AHEAD; i++) {
      k = this.maskNext.get(k);
      if (k === undefined) break;
      need.set(k, (need.get(k) ?? 0) + 1);
    }
    for (const [sk, c] of need) this.streams.get(sk)!.ensureAhead(tag, c);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The dealer-free preprocessing for a session (attach with `session.prep = ...`). */
export function createOtPreprocessing(session: Session, opts: OtPrepOptions = {}): OtPreprocessing {
  return new OtPreprocessing(session, opts);
}
