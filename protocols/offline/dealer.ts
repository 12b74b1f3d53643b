/**
 * The dealer (DESIGN.md §5): a process trusted not to collude with any party, holding one seed per
 * party (derived from each Noise link's key material at both ends, never sent). It serves party
 * n−1's correction tensors (dealer-items.ts); parties 0..n−2 never hear from it.
 *
 * Prefetch: online programs are loops, so the item stream (requests plus the hits party n−1
 * reports) repeats with a tag period; dealer-predict.ts learns it and names the items one to
 * four periods ahead (two for items above 2^16 elements, sixteen for items of at most 2^12
 * correction elements), whose corrections are pushed before
 * they are asked for. A misprediction
 * only costs dealer work and bytes: the client drops a pushed correction whose key does not
 * match and asks for the right one.
 * Requests are served before predictions; predictions are computed in slices of ~5 ms.
 *
 * Traffic: party n−1 → dealer, JSON request batches (~100 bytes per item, one message per tick);
 * dealer → party n−1, 8·|dependent components| bytes per item (e.g. 8·n·m for an n×k·k×m matrix
 * triple, 16·len for a truncation pair), small corrections several to a message (`prep/batch`,
 * see encodeBatch; a lone one goes as `prep/<key>`);
 * nothing to or from parties 0..n−2. Rounds seen by the
 * online phase: 0 for a prefetched item, one dealer round trip otherwise.
 * Security: semi-honest; the dealer sees every item in full (so it must not collude with any
 * party) and the program's shapes, never data nor messages between parties. Peer input (request
 * batches) is validated and size-capped before any work (checkRequest).
 */
import { ConcordError } from '../../src/errors.js';
import type { Ring, Shape } from '../../src/ring/ring.js';
import type { MaskShare } from '../../src/session/preprocessing.js';
import type { Message } from '../../src/net/transport.js';
import { checkRequest, correctionSize, dealerCorrection, encodeBatch, itemKey, maskValue, type ItemRequest } from './dealer-items.js';
import type { DealerLink } from './dealer-link.js';
import { ItemPredictor } from './dealer-predict.js';

export { PeriodPredictor, ItemPredictor } from './dealer-predict.js';

export { DEALER_TRUST } from './dealer-client.js';

/** Counters of one dealer run. */
export interface DealerStats {
  /** Items requested by party n−1 that had not been pushed yet. */
  served: number;
  /** Items pushed ahead of need. */
  pushed: number;
  /** Requests already covered by a push (no work). */
  alreadyPushed: number;
  /** Hits reported by party n−1 (pushed items it used without waiting). */
  hitsReported: number;
  /** Elements of corrections sent. */
  elementsSent: number;
}

const MAX_BATCH = 10_000;
/**
 * Periods pushed ahead. 4 rather than 2 gives the dealer twice the lead under CPU contention:
 * logreg demo, 10 epochs, 1,521 items: 158–160 waits at depth 2, 75 at depth 4 (npx concord
 * simulate, party n−1's "waited" line); MLP: 155 → 139.
 */
const DEFAULT_DEPTH = 4;
/** Items above this many correction elements are pushed at most NEAR_DEPTH periods ahead. */
const FAR_MAX_ELEMENTS = 1 << 16;
const NEAR_DEPTH = 2;
/**
 * Small items (at most SMALL_MAX_ELEMENTS correction elements, e.g. the triple of a 64-element
 * mul: 192) are pushed SMALL_DEPTH periods ahead: party n−1 reports its hits in batches of 8
 * (dealer-client.ts), and a misprediction costs a few KiB at most.
 */
const SMALL_MAX_ELEMENTS = 1 << 12;
const SMALL_DEPTH = 16;
/**
 * Corrections go to party n−1 together while they total fewer elements than this (64 KiB) and
 * the first of them waits less than BATCH_MS: each message costs both ends ~40–80 µs of CPU, as
 * much as computing a small item, and a mul of 64 elements pushes one item per round.
 */
const BATCH_ELEMENTS = 1 << 13;
const BATCH_MS = 1;

/** Serves party n−1 from every party's seed. */
export class DealerServer {
  private readonly seeds: readonly Uint8Array[];
  private readonly link: DealerLink;
  private readonly masks = new Map<number, MaskShare>();
  /** Keys of items already sent (several items may be pushed for one tag when guesses differ). */
  private readonly sent = new Set<string>();
  private readonly predictor: ItemPredictor;
  private readonly queue: ItemRequest[] = [];
  private readonly queued = new Set<string>();
  private readonly trace: ((event: 'served' | 'pushed' | 'observed', q: ItemRequest) => void) | undefined;
  /** Largest tag party n−1 has asked for or used: predictions far below it are stale. */
  private frontier = 0;
  private pumping = false;
  private readonly predict: boolean;
  private readonly depth: number;
  private readonly smallDepth: number;
  private failure: ConcordError | undefined;
  private readonly st: DealerStats = { served: 0, pushed: 0, alreadyPushed: 0, hitsReported: 0, elementsSent: 0 };
  private readonly onFail: (e: ConcordError) => void;
  /** Corrections computed and not sent yet (see BATCH_ELEMENTS). */
  private batch: { keys: string[]; parts: Ring[]; elements: number; t0: number } = { keys: [], parts: [], elements: 0, t0: 0 };

  /** `seeds[i]` is party i's seed; `link` goes to party n−1. */
  /**
   * `depth`: how many periods ahead to push (default 4; at most 2 for items above 2^16
   * elements). `attach` (default true) registers the
   * server as the link's message and error consumer; pass false to route messages via handle().
   */
  constructor(opts: { seeds: readonly Uint8Array[]; link: DealerLink; predict?: boolean; depth?: number; attach?: boolean; onFail?: (e: ConcordError) => void; trace?: (event: 'served' | 'pushed' | 'observed', q: ItemRequest) => void }) {
    this.trace = opts.trace;
    this.depth = opts.depth ?? DEFAULT_DEPTH;
    this.smallDepth = opts.depth === undefined ? Math.max(this.depth, SMALL_DEPTH) : this.depth;
    this.predictor = new ItemPredictor(this.depth);
    if (opts.seeds.length < 2) throw new ConcordError('E_PREP', `the dealer needs the seeds of at least 2 parties, got ${opts.seeds.length}`);
    this.seeds = opts.seeds;
    this.link = opts.link;
    this.predict = opts.predict ?? true;
    this.onFail = opts.onFail ?? (() => {});
    if (opts.attach ?? true) {
      this.link.onMessage((m) => this.handle(m));
      this.link.onError((e) => this.fail(e));
    }
  }

  stats(): DealerStats {
    return { ...this.st };
  }

  /** Process one message from party n−1 (request batch; a clean-close 'bye' is ignored). */
  handle(m: Message): void {
    if (this.failure) return;
    if (m.tag === 0 && m.kind === 'bye') return; // the party closed cleanly; the caller watches links
    try {
      if (m.kind !== 'prep/req' || m.tag !== 0) throw new ConcordError('E_FRAME', `the last party sent an unexpected message to the dealer (kind "${m.kind}")`);
      const j = m.json as { need?: unknown; hit?: unknown } | undefined;
      const need = j?.need;
      const hit = j?.hit;
      if (!Array.isArray(need) || !Array.isArray(hit) || need.length + hit.length > MAX_BATCH) throw new ConcordError('E_FRAME', `malformed dealer request batch (need/hit arrays of at most ${MAX_BATCH} items expected)`);
      for (const q of [...need, ...hit]) checkRequest(q as ItemRequest);
      for (const q of need as ItemRequest[]) {
        if (this.sent.has(itemKey(q))) this.st.alreadyPushed++;
        else {
          this.st.served++;
          this.trace?.('served', q);
          this.serve(q);
        }
      }
      this.st.hitsReported += hit.length;
      if (this.predict) {
        const batch = [...need, ...hit] as ItemRequest[];
        const T0 = this.predictor.T;
        for (const [i, q] of batch.entries()) this.observe(q, i >= need.length);
        if (this.predictor.T > 0 && this.predictor.T !== T0) this.repredict(batch);
      }
      this.flush();
    } catch (e) {
      this.fail(e instanceof ConcordError ? e : new ConcordError('E_PREP', `dealer failed: ${String(e)}`));
    }
  }

  /** `hit`: party n−1 found q pushed already, so the predictions hold and small items may go further ahead. */
  private observe(q: ItemRequest, hit: boolean): void {
    this.frontier = Math.max(this.frontier, q.tag);
    this.trace?.('observed', q);
    const predicted = this.predictor.observe(q);
    const T = this.predictor.T;
    for (const p of predicted) {
      // Far pushes only for small items: a misprediction then costs little dealer time and memory.
      if (T > 0 && p.tag > q.tag + NEAR_DEPTH * T && p.tag <= q.tag + this.depth * T && correctionSize(p) > FAR_MAX_ELEMENTS) continue;
      this.enqueue(p);
    }
    // Small items further ahead still (their hits are reported in batches), once predictions hit.
    if (hit && T > 0 && q.kind !== 'mask' && q.kind !== 'masked' && correctionSize(q) <= SMALL_MAX_ELEMENTS) {
      for (let k = this.depth + 1; k <= this.smallDepth; k++) this.enqueue({ ...q, tag: q.tag + k * T });
    }
    this.startPump();
  }

  /**
   * The period changed within this batch (e.g. the first repeat of a loop body that holds several
   * same-shape items at consecutive tags, which first looks like period 1): the batch's earlier
   * items were predicted with the old period, so predict them again with the new one. Without
   * this, ltz 10^6 waited on 3 of 9 items in its third run, predicted only from the fourth, and
   * the dealer link first carried ~60 MB of period-1 guesses.
   */
  private repredict(batch: ItemRequest[]): void {
    const T = this.predictor.T;
    // Queued guesses at tags the party has already passed were made with the old period: drop them.
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i]!.tag <= this.frontier) this.queued.delete(itemKey(this.queue.splice(i, 1)[0]!));
    }
    for (const q of batch) {
      if (q.kind === 'mask' || q.kind === 'masked') continue; // row-sliding items: the predictor's rules
      const depth = correctionSize(q) > FAR_MAX_ELEMENTS ? Math.min(NEAR_DEPTH, this.depth) : this.depth;
      for (let k = 1; k <= depth; k++) this.enqueue({ ...q, tag: q.tag + k * T });
    }
    this.startPump();
  }

  private enqueue(p: ItemRequest): void {
    const key = itemKey(p);
    if (!this.sent.has(key) && !this.queued.has(key)) {
      this.queue.push(p);
      this.queued.add(key);
    }
  }

  private startPump(): void {
    if (!this.pumping && this.queue.length > 0) {
      this.pumping = true;
      setImmediate(() => this.pump());
    }
  }

  /** The queued prediction with the smallest tag: the nearest future first. */
  private nextQueued(): ItemRequest | undefined {
    let best = -1;
    for (let i = 0; i < this.queue.length; i++) if (best < 0 || this.queue[i]!.tag < this.queue[best]!.tag) best = i;
    if (best < 0) return undefined;
    const [q] = this.queue.splice(best, 1);
    return q;
  }

  /** Compute predicted items for up to ~5 ms per event-loop turn, so incoming requests are served first. */
  private pump(): void {
    const t0 = performance.now();
    while (performance.now() - t0 < 5) {
      const q = this.nextQueued();
      if (!q || this.failure) {
        this.pumping = false;
        this.flush();
        return;
      }
      this.queued.delete(itemKey(q));
      const stale = q.tag < this.frontier - Math.max(64, 2 * this.predictor.T);
      if (!stale && !this.sent.has(itemKey(q))) {
        this.st.pushed++;
        this.trace?.('pushed', q);
        this.serve(q);
      }
    }
    this.flush();
    setImmediate(() => this.pump());
  }

  /** Compute q's correction and queue it for party n−1 (sent by flush, or now if the batch is full). */
  private serve(q: ItemRequest): void {
    const corr = dealerCorrection(this.seeds, q, (t, s) => this.mask(t, s));
    const key = itemKey(q);
    this.sent.add(key);
    if (this.sent.size > 100_000) this.sent.delete(this.sent.values().next().value!);
    this.st.elementsSent += corr.size;
    if (this.batch.keys.length > 0 && this.batch.elements + corr.size > BATCH_ELEMENTS) this.flush();
    const b = this.batch; // after a flush: the fresh batch
    if (b.keys.length === 0) b.t0 = performance.now();
    b.keys.push(key);
    b.parts.push(corr);
    b.elements += corr.size;
    if (b.elements >= BATCH_ELEMENTS || performance.now() - b.t0 >= BATCH_MS) this.flush();
  }

  /** Send the queued corrections: one alone as prep/<key>, several as one prep/batch message. */
  private flush(): void {
    const { keys, parts, elements } = this.batch;
    if (keys.length === 0 || this.failure) return;
    this.batch = { keys: [], parts: [], elements: 0, t0: 0 };
    if (keys.length === 1) {
      this.link.send({ tag: 0, kind: `prep/${keys[0]}`, ring: parts[0]! });
      return;
    }
    this.link.send({ tag: 0, kind: 'prep/batch', bytes: encodeBatch(keys, parts, elements) });
  }

  private mask(tag: number, shape: Shape): MaskShare {
    let a = this.masks.get(tag);
    if (!a || a.shape[0] !== shape[0] || a.shape[1] !== shape[1]) {
      a = maskValue(this.seeds, tag, shape);
      this.masks.set(tag, a);
    }
    return a;
  }

  private fail(e: ConcordError): void {
    if (this.failure) return;
    this.failure = e;
    this.queue.length = 0;
    this.onFail(e);
  }
}
