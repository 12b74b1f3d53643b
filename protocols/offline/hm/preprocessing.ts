/**
 * The honest-majority offline phase for exactly three parties (DESIGN.md §5, mode `hm`): the
 * `Preprocessing` interface served by replicated randomness from the pairwise PRG keys, with no
 * dealer. Secure against one semi-honest party, i.e. while no two parties collude.
 *
 *   item kind          file           rounds per batch  bytes per item (all links together)
 *   product masks      replicated.ts  0                 0 (three zero-sharings: the replicated
 *                                                       product of arithmetic/replicated.ts)
 *   element triple     triples.ts     0                 0
 *   bit triple (word)  triples.ts     0                 0
 *   matrix triple      matrix.ts      0                 0
 *   mask, masked trip. matrix.ts      0                 0
 *   daBit              dabits.ts      1                 7.9  (party 0 → party 1)
 *   edaBit (64 bits)   edabits.ts     11                85.9 (229 ANDs on all three links)
 *   truncation pair    trunc.ts       9 at f = 16       86 at f = 16, 87.4 at f = 30 (182 / 181
 *                                     (8 AND layers,    ANDs on all three links, then 17.75 /
 *                                     1 conversion)     19.5 B party 0 → party 1); was 354 / 384
 *   lookup mask        lut.ts         1                 lutKeyBytes(spec) on each of 0 → 1 and 0 → 2
 *                                                       (DPF keys): 298 for two 7-bit fields and
 *                                                       powers 2 (the sigmoid's spec); was 4,096 0 → 1
 *
 * Free items are computed on request (local PRG expansion and products). daBits, edaBits,
 * truncation pairs and lookup masks run in batches ahead of need, one stream per kind (and shift
 * f, or lookup spec; a lookup batch's message goes in chunks of at most 32 MiB), with the OT mode's
 * batching and prefetch (ot/stream.ts): every party requests the same items in the same order,
 * so all cut the same batches without negotiating. A batch's message goes under the tag of the
 * request that caused it with kind `hm/<batch>`, never colliding with the online protocol's kinds;
 * like every session receive it has the session's timeout.
 * Rounds seen by the online phase: 0, except when a daBit / truncation batch is not ready yet
 * (then the parties wait for its rounds: 1 for daBits and lookup masks, 11 for edaBits, 9 for
 * truncation pairs at f = 16).
 */
import { ConcordError } from '../../../src/errors.js';
import { Ring, sizeOf, type Shape } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';
import { REUSE_WINDOW, checkLutSpec, type DaBits, type EdaBits, type LutMask, type LutSpec, type MaskShare, type MaskUse, type MaskedTriple, type Preprocessing, type ProductMasks, type Triple, type TruncPair, type ZeroShare } from '../../../src/session/preprocessing.js';
import { ItemStream, type StreamStats } from '../ot/stream.js';
import { ItemPrgs, hmSeeds, labelHash, type HmLeak, type HmSeeds, type MaskPieces, type Pieces } from './replicated.js';
import { bitTriple, elementTriple } from './triples.js';
import { matrixMask, matrixTriple, maskedTriple } from './matrix.js';
import { daBits } from './dabits.js';
import { truncPairs } from './trunc.js';
import { edaBits } from './edabits.js';
import { lutMask } from './lut.js';

/** Whom the hm mode trusts (processes print `offline: hm — <this>`, i.e. HM_TRUST_LINE). */
export const HM_TRUST = 'no dealer; secure while no two parties collude (semi-honest)';
/** The full trust line of the hm mode. */
export const HM_TRUST_LINE = `offline: hm — ${HM_TRUST}`;

/** Options of the hm preprocessing. */
export interface HmPrepOptions {
  /**
   * Largest batch of daBits, edaBits and truncation pairs (default 131072). A request larger than
   * a batch waits for its batches one after another, each with its rounds (9 for truncation pairs,
   * 11 for edaBits). Measured (bench trunc / ltz --size 1000000 --offline hm, 2026-12-03): 16384 →
   * 131072 took trunc from 488 to 55 rounds and 1.79–2.13 to 1.10 s (peak party memory 280 → 300–308
   * MiB), ltz from 676 to 84 rounds and 2.55–3.76 to 1.75 s; 262144 saved no more time for +50 MiB.
   */
  maxBatch?: number;
  /** First batch of a stream (default 256). */
  firstBatch?: number;
  /** Generate the next batch of a stream in repeated use before it is requested (default true). */
  prefetch?: boolean;
  /** TESTS ONLY: a deliberately leaky variant (see HmLeak), for view tests that must fail on it. */
  leak?: HmLeak;
  /** TESTS ONLY: called with both pieces this party holds of each random operand it draws (its own knowledge). */
  onPieces?: (label: string, pieces: Pieces) => void;
  /** TESTS ONLY: called with the bytes this party draws from a pairwise stream of an item (e.g. hm's DPF roots). */
  onStreamBytes?: (label: string, stream: 'prev' | 'next', bytes: Uint8Array) => void;
}

/** Largest batch of lookup masks (elements): 4,096 × 4 KiB = 16 MiB of output shares for the sigmoid's spec. */
const LUT_MAX_BATCH = 4096;

const zeros3 = (shape: Shape): Triple => ({ a: Ring.zeros(shape), b: Ring.zeros(shape), c: Ring.zeros(shape) });
/** Slice and join of a batch of items shared two ways (daBits, edaBits). */
const sliceTwo = <T extends { arith: Ring; bin: Ring }>(v: T, a: number, b: number): T => ({ ...v, arith: v.arith.slice(a, b), bin: v.bin.slice(a, b) });
const concatTwo = <T extends { arith: Ring; bin: Ring }>(vs: T[]): T => ({ ...vs[0]!, arith: Ring.concat(vs.map((v) => v.arith)), bin: Ring.concat(vs.map((v) => v.bin)) });

/** Preprocessing from replicated randomness among three parties. */
export class HmPreprocessing implements Preprocessing {
  readonly mode = 'hm';
  readonly trust = HM_TRUST;
  private readonly seeds: HmSeeds;
  /** Stream name (tag/sub) → the label that took it. */
  private readonly used = new Map<string, string>();
  private readonly masks = new Map<number, MaskPieces>();
  private readonly streams = new Map<string, ItemStream<unknown>>();
  private batchIndex = 0;
  private closed = false;
  private readonly maxBatch: number;
  private readonly firstBatch: number;
  private readonly prefetch: boolean;

  constructor(private readonly s: Session, private readonly opts: HmPrepOptions = {}) {
    this.seeds = hmSeeds(s);
    this.maxBatch = opts.maxBatch ?? 131072;
    this.firstBatch = opts.firstBatch ?? 256;
    this.prefetch = opts.prefetch ?? true;
  }

  /** Counters per batched stream (requests, items, batches, waits). */
  stats(): Record<string, StreamStats> {
    return Object.fromEntries([...this.streams].map(([k, v]) => [k, { ...v.stats }]));
  }

  /**
   * The PRG pair of a fresh item named (tag, label); a stream is never handed out twice (that
   * would reuse randomness): the same label twice, or two labels whose hashes collide, is E_INTERNAL.
   */
  private prgs(tag: number, label: string): ItemPrgs {
    if (this.closed) throw new ConcordError('E_INTERNAL', 'hm preprocessing used after close');
    const sub = labelHash(label);
    const name = `${tag}/${sub}`;
    const prior = this.used.get(name);
    if (prior !== undefined) {
      throw new ConcordError('E_INTERNAL', prior === label
        ? `preprocessing item ${label} requested twice; reusing correlated randomness would leak data (each protocol call must take a fresh tag)`
        : `preprocessing items ${prior} and ${label} would share a PRG stream (hash collision); refusing rather than reusing randomness`);
    }
    this.used.set(name, label);
    if (this.used.size > REUSE_WINDOW) this.used.delete(this.used.keys().next().value!);
    const p = new ItemPrgs(this.seeds, tag, sub, this.opts.leak);
    const hook = this.opts.onPieces;
    if (hook) {
      const pieces = p.pieces.bind(p);
      p.pieces = (shape) => {
        const r = pieces(shape);
        hook(label, r);
        return r;
      };
    }
    const bytesHook = this.opts.onStreamBytes;
    if (bytesHook) {
      for (const which of ['prev', 'next'] as const) {
        const prg = p[which], draw = prg.bytes.bind(prg);
        prg.bytes = (n) => {
          const b = draw(n);
          bytesHook(label, which, b);
          return b;
        };
      }
    }
    return p;
  }

  async triple(tag: number, shape: Shape): Promise<Triple> {
    if (sizeOf(shape) === 0) return zeros3(shape);
    return elementTriple(this.prgs(tag, `triple/${tag}/${shape.join('x')}`), shape);
  }

  async productMasks(tag: number, x: Shape, y: Shape, z: Shape): Promise<ProductMasks> {
    const p = this.prgs(tag, `product/${tag}/${x.join('x')}/${y.join('x')}/${z.join('x')}`);
    // Drawn when used, in the order x, y, z: z's words follow x's and y's on the item's streams.
    const [zx, zy, zz] = p.zeroShares([x, y, z]) as [ZeroShare, ZeroShare, ZeroShare];
    return { replicated: true, x: zx, y: zy, z: () => zz };
  }

  async bitTriple(tag: number, shape: Shape): Promise<Triple> {
    if (sizeOf(shape) === 0) return zeros3(shape);
    return bitTriple(this.prgs(tag, `bit/${tag}/${shape.join('x')}`), shape);
  }

  async matrixTriple(tag: number, n: number, k: number, m: number): Promise<Triple> {
    for (const [name, d] of [['n', n], ['k', k], ['m', m]] as const) {
      if (!Number.isInteger(d) || d < 1) throw new ConcordError('E_SHAPE', `matrixTriple: dimension ${name}=${d} must be a positive integer`);
    }
    return matrixTriple(this.prgs(tag, `matrix/${tag}/${n}x${k}x${m}`), n, k, m);
  }

  async matrixMask(tag: number, shape: Shape): Promise<MaskShare> {
    if (shape.length !== 2) throw new ConcordError('E_SHAPE', `matrixMask: needs a 2-D shape, got [${shape.join('×')}]`);
    if (this.masks.has(tag)) throw new ConcordError('E_PREP', `matrixMask: a mask was already made under tag ${tag}; each mask needs its own tag`);
    const mask = matrixMask(this.prgs(tag, `mask/${tag}/${shape.join('x')}`), shape[0]!, shape[1]!);
    this.masks.set(tag, mask);
    return mask.mine;
  }

  async maskedTriple(maskTag: number, tag: number, use: MaskUse): Promise<MaskedTriple> {
    const mask = this.masks.get(maskTag);
    if (!mask) throw new ConcordError('E_PREP', `maskedTriple: no mask was made under tag ${maskTag}; call matrixMask first`);
    const r = mask.mine.shape[0]!;
    const start = use.start ?? 0, end = use.end ?? r, tr = use.transpose ?? false;
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= r)) {
      throw new ConcordError('E_SHAPE', `maskedTriple: rows [${start}, ${end}) out of range for a mask of ${r} rows`);
    }
    if (!Number.isInteger(use.m) || use.m < 1) throw new ConcordError('E_SHAPE', `maskedTriple: m=${use.m} must be a positive integer`);
    return maskedTriple(this.prgs(tag, `masked/${tag}/${maskTag}/${start}-${end}/${tr ? 'T' : 'N'}/${use.m}`), mask, start, end, tr, use.m);
  }

  async daBits(tag: number, shape: Shape): Promise<DaBits> {
    const n = sizeOf(shape);
    if (n === 0) return { arith: Ring.zeros(shape), bin: Ring.zeros(shape) };
    const st = this.stream<DaBits>('daBits', (count, t, index) => daBits(this.s, this.prgs(index, `dabit/b${index}`), count, t, `hm/${index}`),
      sliceTwo, concatTwo);
    const d = await this.take(st, tag, n);
    return { arith: d.arith.reshape(shape), bin: d.bin.reshape(shape) };
  }

  /**
   * edaBits natively (edabits.ts): the replicated mask r = u + y, its low `bits` bits by a binary
   * adder on bit planes, in batches ahead of use (one stream per `bits`). 85.9 B per 64-bit
   * edaBit over all links, 11 rounds per batch; the generic a2b composition over random shares
   * that it replaced cost 1,248 B (ltz over 10^5 elements: 2.06 s vs 4.36 s, README).
   */
  async edaBits(tag: number, shape: Shape, bits = 64): Promise<EdaBits> {
    if (!Number.isInteger(bits) || bits < 1 || bits > 64) throw new ConcordError('E_RANGE', `edaBits: bits=${bits} outside 1..64`);
    const n = sizeOf(shape);
    if (n === 0) return { arith: Ring.zeros(shape), bin: Ring.zeros(shape) };
    const st = this.stream<EdaBits>(`eda/${bits}`, (count, t, index) => edaBits(this.s, this.prgs(index, `eda/${bits}/b${index}`), count, bits, t, `hm/${index}`), sliceTwo, concatTwo);
    const e = await this.take(st, tag, n);
    return { arith: e.arith.reshape(shape), bin: e.bin.reshape(shape) };
  }

  async truncPair(tag: number, shape: Shape, f: number): Promise<TruncPair> {
    if (!Number.isInteger(f) || f < 0 || f > 62) throw new ConcordError('E_RANGE', `truncPair: shift f=${f} outside 0..62`);
    const n = sizeOf(shape);
    if (n === 0) return { r: Ring.zeros(shape), rLowShifted: Ring.zeros(shape), rTop: Ring.zeros(shape) };
    const st = this.stream<TruncPair>(`trunc/${f}`, (count, t, index) => truncPairs(this.s, this.prgs(index, `trunc/f${f}/b${index}`), count, f, t, `hm/${index}`),
      (v, a, b) => ({ r: v.r.slice(a, b), rLowShifted: v.rLowShifted.slice(a, b), rTop: v.rTop.slice(a, b) }),
      (vs) => ({ r: Ring.concat(vs.map((v) => v.r)), rLowShifted: Ring.concat(vs.map((v) => v.rLowShifted)), rTop: Ring.concat(vs.map((v) => v.rTop)) }));
    const t = await this.take(st, tag, n);
    return { r: t.r.reshape(shape), rLowShifted: t.rLowShifted.reshape(shape), rTop: t.rTop.reshape(shape) };
  }

  /**
   * Lookup masks natively (lut.ts), in batches ahead of use like the other message-bearing items
   * (one stream per spec, batches of at most LUT_MAX_BATCH elements, i.e. 16 MiB for the
   * sigmoid's 4 KiB masks), so a training step does not wait for party 0's message.
   */
  async lutMask(tag: number, len: number, spec: LutSpec): Promise<LutMask> {
    checkLutSpec(len, spec);
    const f = spec.fields;
    if (len === 0) return { r: Ring.zeros([0]), hot: f.map((x) => Ring.zeros([0, 2 ** x.bits])), pow: Array.from({ length: spec.powers }, () => Ring.zeros([0, 2 ** f[0]!.bits])) };
    const name = `${f.map((x) => `${x.at}+${x.bits}`).join(',')}/p${spec.powers}/s${spec.shift}`;
    const st = this.stream<LutMask>(`lut/${name}`, (count, t, index) => lutMask(this.s, this.prgs(index, `lut/${name}/b${index}`), count, spec, t, `hm/${index}`),
      (v, a, b) => ({ r: v.r.slice(a, b), hot: v.hot.map((h) => h.slice(a, b)), pow: v.pow.map((q) => q.slice(a, b)) }),
      (vs) => ({ r: Ring.concat(vs.map((v) => v.r)), hot: vs[0]!.hot.map((_, k) => Ring.concat(vs.map((v) => v.hot[k]!))), pow: vs[0]!.pow.map((_, k) => Ring.concat(vs.map((v) => v.pow[k]!))) }),
      LUT_MAX_BATCH);
    return this.take(st, tag, len);
  }

  private stream<T>(key: string, generate: (count: number, tag: number, index: number) => Promise<T>, slice: (v: T, a: number, b: number) => T, concat: (vs: T[]) => T, maxBatch = this.maxBatch): ItemStream<T> {
    let st = this.streams.get(key) as ItemStream<T> | undefined;
    if (!st) {
      const cap = Math.min(maxBatch, this.maxBatch);
      st = new ItemStream<T>({ generate, slice, concat, firstBatch: Math.min(this.firstBatch, cap), maxBatch: cap, prefetch: this.prefetch }, () => ++this.batchIndex);
      this.streams.set(key, st as ItemStream<unknown>);
    }
    return st;
  }

  private take<T>(st: ItemStream<T>, tag: number, count: number): Promise<T> {
    if (this.closed) return Promise.reject(new ConcordError('E_INTERNAL', 'hm preprocessing used after close'));
    return st.take(tag, count);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The hm preprocessing for a three-party session (attach with `session.prep = ...`); E_CONFIG for n ≠ 3. */
export function createHmPreprocessing(session: Session, opts: HmPrepOptions = {}): HmPreprocessing {
  return new HmPreprocessing(session, opts);
}
