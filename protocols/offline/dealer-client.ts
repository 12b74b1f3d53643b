/**
 * The party side of the dealer offline phase (DESIGN.md §5). Every party expands its shares of
 * every item from the seed it shares with the dealer (dealer-items.ts). Parties 0..n−2 never
 * talk to the dealer. Party n−1 additionally needs one correction tensor per item: it sends the
 * item requests (batched: every request made in the same tick goes in one message) and reports
 * the items it found already pushed ("hits") so the dealer's predictor can push the next ones
 * ahead of need (dealer.ts). Rounds seen by the online phase: 0 on a hit, 1 dealer round trip on a miss.
 * Staged items (stagedTriple, stagedMatrixTriple, stagedTruncPair) overlap that round trip with
 * the product's opening: a, b and r are party n−1's own expansions, only the dependent part waits.
 * Bytes: party n−1 receives 8·|dependent components| per item; the others receive nothing.
 */
import { ConcordError } from '../../src/errors.js';
import type { Ring, Shape } from '../../src/ring/ring.js';
import { REUSE_WINDOW, type DaBits, type EdaBits, type LutMask, type LutSpec, type MaskShare, type MaskedTriple, type MaskUse, type Preprocessing, type StagedTriple, type StagedTruncPair, type Triple, type TruncPair } from '../../src/session/preprocessing.js';
import type { Message } from '../../src/net/transport.js';
import { decodeBatch, itemKey, lutRequest, partyComponents, partyShare, withCorrection, type ItemRequest, type ItemShare } from './dealer-items.js';
import type { DealerLink } from './dealer-link.js';

/** The trust assumption of the dealer mode (processes print "offline: dealer — " + this). */
export const DEALER_TRUST = 'the dealer must not collude with any party; it never sees data';

/** How often party n−1 found its correction already there vs. had to wait for the dealer. */
export interface DealerClientStats {
  items: number;
  /** Items whose correction had already been pushed by the dealer (no wait). */
  hits: number;
  /** Items the online phase had to wait for (a dealer round trip). */
  waits: number;
  /** Total milliseconds spent waiting for corrections. */
  waitMs: number;
  /** Corrections pushed by the dealer and not used yet (held ahead of use). */
  pushedAhead: number;
}

/** Hits reported in one message at most this many at a time unless a need goes anyway (see correction()). */
const HIT_REPORT_BATCH = 8;
/** Longest a hit waits to be reported. */
const LAZY_REPORT_MS = 2;

interface Waiter {
  key: string;
  resolve: (r: Ring) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  t0: number;
}

export interface DealerPrepOptions {
  /** Seed shared with the dealer (≥ 16 bytes, derived from the link's key material, never sent). */
  seed: Uint8Array;
  me: number;
  n: number;
  /** Link to the dealer: required for party n−1 (the only one that uses it); closed by close(). */
  link?: DealerLink;
  /** Wait for one correction before failing (default 30 s). */
  timeoutMs?: number;
  /** Most pushed corrections kept ahead of use (default 4096) and their total bytes (default 512 MiB). */
  maxCached?: number;
  maxCachedBytes?: number;
  /** Where party n−1 reports its hit/wait counts on close (never secrets). */
  log?: (line: string) => void;
}

/** Preprocessing served by a dealer. */
export class DealerPreprocessing implements Preprocessing {
  readonly mode = 'dealer';
  readonly trust = DEALER_TRUST;
  private readonly seed: Uint8Array;
  private readonly last: boolean;
  private readonly link: DealerLink | undefined;
  private readonly ownLink: DealerLink | undefined;
  private readonly timeoutMs: number;
  private readonly maxCached: number;
  private readonly maxCachedBytes: number;
  private readonly log: ((line: string) => void) | undefined;
  private readonly masks = new Map<number, Shape>();
  /** Pushed corrections by item key, oldest first (several guesses may exist for one tag). */
  private readonly cache = new Map<string, Ring>();
  private cachedBytes = 0;
  /** Waiting requests by item key. */
  private readonly waiters = new Map<string, Waiter>();
  /** The latest REUSE_WINDOW keys handed out: the same item twice would reuse correlated randomness. */
  private readonly used = new Set<string>();
  private needs: ItemRequest[] = [];
  private hitsToReport: ItemRequest[] = [];
  private flushScheduled = false;
  private lazyTimer: NodeJS.Timeout | undefined;
  private failure: ConcordError | undefined;
  private readonly st: Omit<DealerClientStats, 'pushedAhead'> = { items: 0, hits: 0, waits: 0, waitMs: 0 };

  constructor(opts: DealerPrepOptions) {
    if (opts.seed.length < 16) throw new ConcordError('E_PREP', `dealer seed must be at least 16 bytes, got ${opts.seed.length}`);
    this.seed = opts.seed;
    this.last = opts.me === opts.n - 1;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxCached = opts.maxCached ?? 4096;
    this.maxCachedBytes = opts.maxCachedBytes ?? 512 * 2 ** 20;
    this.ownLink = opts.link;
    this.log = opts.log;
    this.link = this.last ? opts.link : undefined;
    if (this.last && !this.link) throw new ConcordError('E_PREP', `party ${opts.me} (the last party) needs a link to the dealer`);
    this.link?.onMessage((m) => this.receive(m));
    this.link?.onError((e) => this.fail(e));
  }

  /** Hit/wait counters (party n−1; zeros elsewhere apart from items). */
  stats(): DealerClientStats {
    return { ...this.st, pushedAhead: this.cache.size };
  }

  triple(tag: number, shape: Shape): Promise<Triple> {
    return this.item({ kind: 'triple', tag, shape: [...shape] }) as Promise<Triple>;
  }
  matrixTriple(tag: number, n: number, k: number, m: number): Promise<Triple> {
    return this.item({ kind: 'matrix', tag, n, k, m }) as Promise<Triple>;
  }
  /** The last party's a and b at once; its c when the correction arrives (it opens e and f meanwhile). */
  async stagedTriple(tag: number, shape: Shape): Promise<StagedTriple> {
    const { random: [a, b], dependent } = this.staged({ kind: 'triple', tag, shape: [...shape] });
    return { a: a!, b: b!, c: later(dependent, 0) };
  }
  async stagedMatrixTriple(tag: number, n: number, k: number, m: number): Promise<StagedTriple> {
    const { random: [a, b], dependent } = this.staged({ kind: 'matrix', tag, n, k, m });
    return { a: a!, b: b!, c: later(dependent, 0) };
  }
  /** The last party's r at once (it opens x + r meanwhile); the rest when the correction arrives. */
  async stagedTruncPair(tag: number, shape: Shape, f: number): Promise<StagedTruncPair> {
    const { random: [r], dependent } = this.staged({ kind: 'trunc', tag, shape: [...shape], f });
    return { r: r!, rLowShifted: later(dependent, 0), rTop: later(dependent, 1) };
  }
  truncPair(tag: number, shape: Shape, f: number): Promise<TruncPair> {
    return this.item({ kind: 'trunc', tag, shape: [...shape], f }) as Promise<TruncPair>;
  }
  bitTriple(tag: number, shape: Shape): Promise<Triple> {
    return this.item({ kind: 'bit', tag, shape: [...shape] }) as Promise<Triple>;
  }
  daBits(tag: number, shape: Shape): Promise<DaBits> {
    return this.item({ kind: 'dabit', tag, shape: [...shape] }) as Promise<DaBits>;
  }
  /** Native edaBits: the dealer always supplies all 64 bits (the same item whatever `bits` asks). */
  edaBits(tag: number, shape: Shape, _bits?: number): Promise<EdaBits> {
    return this.item({ kind: 'edabit', tag, shape: [...shape] }) as Promise<EdaBits>;
  }
  /** Native lookup masks (dealer-items.ts: λ_k = R mod 2^at_k exactly). */
  lutMask(tag: number, len: number, spec: LutSpec): Promise<LutMask> {
    return this.item(lutRequest(tag, len, spec)) as Promise<LutMask>;
  }
  matrixMask(tag: number, shape: Shape): Promise<MaskShare> {
    if (shape.length !== 2) return Promise.reject(new ConcordError('E_SHAPE', `matrixMask: needs a 2-D shape, got [${shape.join('×')}]`));
    this.masks.set(tag, [...shape]);
    return this.item({ kind: 'mask', tag, shape: [...shape] }) as Promise<MaskShare>;
  }
  maskedTriple(maskTag: number, tag: number, use: MaskUse): Promise<MaskedTriple> {
    const maskShape = this.masks.get(maskTag);
    if (!maskShape) return Promise.reject(new ConcordError('E_PREP', `maskedTriple: no mask was made under tag ${maskTag}`));
    const q: ItemRequest = { kind: 'masked', tag, maskTag, maskShape, start: use.start ?? 0, end: use.end ?? maskShape[0]!, transpose: use.transpose ?? false, m: use.m };
    return this.item(q) as Promise<MaskedTriple>;
  }

  async close(): Promise<void> {
    if (this.last && !this.failure) {
      const st = this.st;
      this.log?.(`dealer preprocessing: ${st.items} items, ${st.hits} prefetched, ${st.waits} waited for the dealer (${st.waitMs.toFixed(0)} ms in total)`);
    }
    this.fail(new ConcordError('E_ABORTED', 'preprocessing closed'));
    if (this.lazyTimer) clearTimeout(this.lazyTimer);
    await this.ownLink?.close?.();
  }

  private async item(q: ItemRequest): Promise<ItemShare> {
    this.take(q);
    // Masks have no dependent part: every party, the last included, derives its share alone.
    if (!this.last || q.kind === 'mask') return partyShare(this.seed, q);
    return partyShare(this.seed, q, await this.correction(q));
  }

  /**
   * An item's random components now and its dependent ones when they exist: the last party's
   * random components are its own PRG expansions, so only the dependent ones wait for the dealer
   * (none do when the correction was pushed ahead). Throws E_INTERNAL for a repeated item.
   */
  private staged(q: ItemRequest): { random: Ring[]; dependent: Ring[] | Promise<Ring[]> } {
    this.take(q);
    if (!this.last) return partyComponents(this.seed, q);
    const corr = this.correction(q);
    const { random } = partyComponents(this.seed, q, false);
    if (!(corr instanceof Promise)) return { random, dependent: withCorrection(q, corr) };
    const dependent = corr.then((r) => withCorrection(q, r));
    dependent.catch(() => undefined); // a failed opening may leave it unawaited; its own await reports it
    return { random, dependent };
  }

  /** Refuse an item handed out before (within REUSE_WINDOW) and count it. */
  private take(q: ItemRequest): void {
    const key = itemKey(q);
    if (this.used.has(key)) throw new ConcordError('E_INTERNAL', `preprocessing item ${key} requested twice; reusing correlated randomness would leak data (each protocol call must take a fresh tag)`);
    this.used.add(key);
    if (this.used.size > REUSE_WINDOW) this.used.delete(this.used.values().next().value!);
    this.st.items++;
  }

  /** The correction of q: at once if the dealer pushed it ahead, else when it arrives. */
  private correction(q: ItemRequest): Ring | Promise<Ring> {
    if (this.failure) return Promise.reject(this.failure);
    const key = itemKey(q);
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cachedBytes -= cached.size * 8;
      this.st.hits++;
      this.hitsToReport.push(q);
      // Hits travel with the next need, or in batches: one report message per hit cost party n−1
      // and the dealer a message each per round (mul of 64 at 3 parties: 1.9 vs 1.2 ms with hm).
      // The dealer pushes small items SMALL_DEPTH periods ahead, so a batch of reports keeps it ahead.
      if (this.hitsToReport.length >= HIT_REPORT_BATCH) this.scheduleFlush();
      else this.scheduleLazyFlush();
      return cached;
    }
    this.st.waits++;
    this.needs.push(q);
    this.scheduleFlush();
    return new Promise<Ring>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new ConcordError('E_TIMEOUT', `the dealer sent no correction for ${key} within ${this.timeoutMs} ms; check that the dealer process is running and reachable`));
      }, this.timeoutMs);
      this.waiters.set(key, { key, resolve, reject, timer, t0: performance.now() });
    });
  }

  /** Report pending hits within LAZY_REPORT_MS even if no batch fills (the dealer's predictor learns from them). */
  private scheduleLazyFlush(): void {
    if (this.lazyTimer) return;
    this.lazyTimer = setTimeout(() => {
      this.lazyTimer = undefined;
      this.scheduleFlush();
    }, LAZY_REPORT_MS);
    this.lazyTimer.unref();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      if (this.lazyTimer) {
        clearTimeout(this.lazyTimer);
        this.lazyTimer = undefined;
      }
      if (this.failure || (this.needs.length === 0 && this.hitsToReport.length === 0)) return;
      const json = { need: this.needs, hit: this.hitsToReport };
      this.needs = [];
      this.hitsToReport = [];
      try {
        this.link!.send({ tag: 0, kind: 'prep/req', json });
      } catch (e) {
        this.fail(e instanceof ConcordError ? e : new ConcordError('E_PEER_LOST', `cannot reach the dealer: ${String(e)}`));
      }
    });
  }

  private receive(m: Message): void {
    if (m.tag === 0 && m.kind === 'bye') {
      this.fail(new ConcordError('E_PEER_LOST', 'the dealer closed its connection'));
      return;
    }
    if (m.kind === 'prep/batch') {
      let batch: ReturnType<typeof decodeBatch>;
      try {
        batch = decodeBatch(m.bytes ?? new Uint8Array(0)); // no bytes body: malformed (E_FRAME)
      } catch (e) {
        this.fail(e instanceof ConcordError ? e : new ConcordError('E_FRAME', 'the dealer sent a malformed correction batch'));
        return;
      }
      for (const { key, correction } of batch) this.deliver(key, correction);
      return;
    }
    if (!m.kind.startsWith('prep/') || !m.ring) {
      this.fail(new ConcordError('E_FRAME', `the dealer sent an unexpected message (kind "${m.kind}")`));
      return;
    }
    this.deliver(m.kind.slice(5), m.ring);
  }

  /** A correction arrived: to its waiter, else into the cache of pushed ones. */
  private deliver(key: string, ring: Ring): void {
    const w = this.waiters.get(key);
    if (w) {
      this.waiters.delete(key);
      clearTimeout(w.timer);
      this.st.waitMs += performance.now() - w.t0;
      w.resolve(ring);
      return;
    }
    if (this.cache.has(key)) return;
    this.cache.set(key, ring);
    this.cachedBytes += ring.size * 8;
    // Mispredicted pushes are never asked for: drop the oldest beyond the count and byte caps.
    while (this.cache.size > this.maxCached || this.cachedBytes > this.maxCachedBytes) {
      const [k, r] = this.cache.entries().next().value!;
      this.cache.delete(k);
      this.cachedBytes -= r.size * 8;
    }
  }

  private fail(e: ConcordError): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(e);
    }
    this.waiters.clear();
    this.cache.clear();
    this.cachedBytes = 0;
  }
}

/** Component i of dependent components that may still be on their way. */
function later(dep: Ring[] | Promise<Ring[]>, i: number): Ring | Promise<Ring> {
  if (!(dep instanceof Promise)) return dep[i]!;
  const p = dep.then((d) => d[i]!);
  p.catch(() => undefined);
  return p;
}
