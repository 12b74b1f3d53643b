import { ConcordError, peerMessage } from '../errors.js';
import { Prg, PrgMatrix } from '../crypto/prg.js';
import type { Ring } from '../ring/ring.js';
import { payloadBytes, type Message, type Transport } from '../net/transport.js';
import type { Preprocessing } from './preprocessing.js';

/** Default wait for one message from a peer before the session aborts. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Default bound on what one peer may have delivered that no receive has taken yet (messages that
 * arrived early, before this party reached the step that awaits them). Legitimate early traffic
 * is at most a few rounds' worth — one opening of the largest tensor a job moves, e.g. 48 MB for
 * a 200,000 × 30 data matrix — so 1 GiB or 65,536 messages only trip on a peer running another
 * program (or flooding): the session then aborts with E_FRAME instead of growing until the OS
 * kills the process.
 */
export const DEFAULT_MAX_INBOX_BYTES = 1 << 30;
export const DEFAULT_MAX_INBOX_MESSAGES = 1 << 16;

interface Waiter {
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
  /** performance.now() by which the message must arrive. */
  deadline: number;
  peer: number;
  tag: number;
  kind: string;
}

/** Traffic and round counts of one session (application payload bytes). */
export interface SessionStats {
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  /** Communication rounds: sends that had to wait for something received since the previous round. */
  rounds: number;
  perPeer: { bytesSent: number; bytesReceived: number }[];
}

export interface SessionOptions {
  transport: Transport;
  /** Party ids in consortium order (index = party index). */
  ids: string[];
  /** 16-byte PRG key shared with each peer (undefined at my own index). */
  pairKeys: (Uint8Array | undefined)[];
  prep?: Preprocessing;
  timeoutMs?: number;
  /** Per peer: most payload bytes of received messages no receive has taken yet (default DEFAULT_MAX_INBOX_BYTES). */
  maxInboxBytes?: number;
  /** Per peer: most received messages no receive has taken yet (default DEFAULT_MAX_INBOX_MESSAGES). */
  maxInboxMessages?: number;
}

const key = (peer: number, tag: number, kind: string): string => `${peer}/${tag}/${kind}`;

/**
 * What every protocol gets: who I am, tagged send/receive with an inbox keyed by
 * (peer, tag, kind), pairwise PRGs, the preprocessing source and traffic stats.
 * Any link failure, timeout or peer abort fails every pending and future receive. Kinds that
 * start with `hm/` or `ot/` are reserved for the offline modes' batches made ahead of need: a
 * peer that closes cleanly with such a batch unfinished fails only the waits for it.
 */
export class Session {
  readonly me: number;
  readonly n: number;
  readonly ids: readonly string[];
  readonly timeoutMs: number;
  private prepSource: Preprocessing | undefined;
  private readonly transport: Transport;
  private readonly pairKeys: (Uint8Array | undefined)[];
  private readonly inbox = new Map<string, Message[]>();
  /** Per peer: payload bytes and count of messages waiting in the inbox (bounded, see DEFAULT_MAX_INBOX_BYTES). */
  private readonly inboxBytes: number[];
  private readonly inboxCount: number[];
  private readonly maxInboxBytes: number;
  private readonly maxInboxMessages: number;
  /** Pending receives, oldest first: all wait timeoutMs, so insertion order is deadline order. */
  private readonly waiters = new Map<string, Waiter>();
  /**
   * One timer for every pending receive (see watch): a timer per receive cost ~3–4 µs of
   * insert and unlink in node's timer lists, on every message of every round. It is unref'd
   * while nothing waits, so an idle process may still exit.
   */
  private watchdog: NodeJS.Timeout | undefined;
  private nextTag = 1;
  private failure: ConcordError | undefined;
  private closed = false;
  private roundCount = 0;
  private recvSinceRound = true;
  private readonly failureListeners: ((e: ConcordError) => void)[] = [];
  /** Peers that closed the session cleanly: nothing more will come from them. */
  private readonly gone = new Set<number>();

  constructor(opts: SessionOptions) {
    this.transport = opts.transport;
    this.me = opts.transport.me;
    this.n = opts.transport.n;
    this.ids = Object.freeze([...opts.ids]);
    if (this.ids.length !== this.n) throw new ConcordError('E_INTERNAL', `session: ${this.ids.length} ids for ${this.n} parties`);
    this.pairKeys = opts.pairKeys;
    this.prepSource = opts.prep;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxInboxBytes = opts.maxInboxBytes ?? DEFAULT_MAX_INBOX_BYTES;
    this.maxInboxMessages = opts.maxInboxMessages ?? DEFAULT_MAX_INBOX_MESSAGES;
    this.inboxBytes = new Array<number>(this.n).fill(0);
    this.inboxCount = new Array<number>(this.n).fill(0);
    this.transport.onMessage((peer, msg) => this.deliver(peer, msg));
    // A link failure aborts: fail here and tell the other parties (best effort) so nobody hangs.
    this.transport.onError((err) => this.abort(err));
  }

  /** My party id. */
  get id(): string {
    return this.ids[this.me]!;
  }

  /** Indices of every other party. */
  get peers(): number[] {
    return Array.from({ length: this.n }, (_, i) => i).filter((i) => i !== this.me);
  }

  /** The preprocessing source; throws if none was attached. */
  get prep(): Preprocessing {
    if (!this.prepSource) throw new ConcordError('E_INTERNAL', 'session has no preprocessing source attached');
    return this.prepSource;
  }
  set prep(p: Preprocessing) {
    this.prepSource = p;
  }

  /** A fresh protocol tag. Taken synchronously, so concurrent protocols agree on tags across parties. */
  tag(): number {
    return this.nextTag++;
  }

  /** Send a ring tensor to a peer under (tag, kind). */
  send(peer: number, tag: number, ring: Ring, kind = ''): void {
    this.post(peer, { tag, kind, ring });
  }
  /** Send raw bytes to a peer under (tag, kind). */
  sendBytes(peer: number, tag: number, bytes: Uint8Array, kind = ''): void {
    this.post(peer, { tag, kind, bytes });
  }
  /** Send a small JSON control value to a peer under (tag, kind). Never secrets. */
  sendJson(peer: number, tag: number, json: unknown, kind = ''): void {
    this.post(peer, { tag, kind, json });
  }

  /** Receive the ring tensor a peer sent under (tag, kind). */
  async recv(peer: number, tag: number, kind = ''): Promise<Ring> {
    const m = await this.take(peer, tag, kind);
    if (!m.ring) throw this.protocolError(peer, tag, kind, 'a tensor');
    return m.ring;
  }
  /** Receive raw bytes a peer sent under (tag, kind). */
  async recvBytes(peer: number, tag: number, kind = ''): Promise<Uint8Array> {
    const m = await this.take(peer, tag, kind);
    if (!m.bytes) throw this.protocolError(peer, tag, kind, 'bytes');
    return m.bytes;
  }
  /** Receive a JSON control value a peer sent under (tag, kind). */
  async recvJson(peer: number, tag: number, kind = ''): Promise<unknown> {
    const m = await this.take(peer, tag, kind);
    if (m.json === undefined) throw this.protocolError(peer, tag, kind, 'JSON');
    return m.json;
  }

  /** PRG stream shared with `peer` for (tag, sub): both parties derive identical output, nothing is sent. */
  pairPrg(peer: number, tag: number, sub = 0): Prg {
    return new Prg(this.pairKey(peer), tag, sub);
  }

  /** The stream pairPrg(peer, tag) read as an r×k matrix from its first word, any rows on demand (the same words). */
  pairRows(peer: number, tag: number, shape: readonly [number, number]): PrgMatrix {
    return new PrgMatrix(this.pairKey(peer), tag, 0, shape);
  }

  private pairKey(peer: number): Uint8Array {
    const k = this.pairKeys[peer];
    if (!k) throw new ConcordError('E_INTERNAL', `no pairwise key with party ${peer}`);
    return k;
  }

  /**
   * Send backpressure: resolves once everything sent so far has been encrypted and handed to the
   * sockets. Sends never block, and a busy socket keeps the rest as plaintext views of the sent
   * tensors (no copy); a loop that sends without awaiting any reply (streaming) awaits this so it
   * cannot run arbitrarily far ahead of a slow peer.
   */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    let timer: NodeJS.Timeout | undefined;
    let onFail: ((e: ConcordError) => void) | undefined;
    // The wait ends when the data is out, when the session fails (a peer's abort, a lost link:
    // a peer that stopped reading never drains), or after the session's timeout.
    const stopped = new Promise<never>((_, reject) => {
      onFail = reject;
      this.failureListeners.push(onFail);
      timer = setTimeout(() => {
        const e = new ConcordError('E_TIMEOUT', `the peers took none of the data queued for them within ${this.timeoutMs} ms; a party may be overloaded, stuck or no longer reading`);
        this.abort(e);
        reject(e);
      }, this.timeoutMs);
    });
    try {
      await Promise.race([this.transport.drain?.(), stopped]);
    } finally {
      clearTimeout(timer);
      const i = this.failureListeners.indexOf(onFail!);
      if (i >= 0) this.failureListeners.splice(i, 1);
    }
    if (this.failure) throw this.failure;
  }

  /** Traffic and rounds so far. */
  stats(): SessionStats {
    const per = this.transport.stats();
    const sum = (f: (s: (typeof per)[number]) => number) => per.reduce((a, s) => a + f(s), 0);
    return {
      bytesSent: sum((s) => s.bytesSent),
      bytesReceived: sum((s) => s.bytesReceived),
      messagesSent: sum((s) => s.messagesSent),
      messagesReceived: sum((s) => s.messagesReceived),
      rounds: this.roundCount,
      perPeer: per.map((s) => ({ bytesSent: s.bytesSent, bytesReceived: s.bytesReceived })),
    };
  }

  /** Register a callback for when the session fails (peer lost, timeout, abort). */
  onFailure(listener: (e: ConcordError) => void): void {
    if (this.failure) listener(this.failure);
    else this.failureListeners.push(listener);
  }

  /** The error that ended this session, if any. */
  get error(): ConcordError | undefined {
    return this.failure;
  }

  /**
   * Abort: fail locally and tell every peer (best effort) so nobody hangs. Peers get the code
   * and only the peer-safe form of the message (errors.ts peerMessage: never a cell or a path).
   */
  abort(err: ConcordError): void {
    if (this.failure || this.closed) return;
    // Fail first: a send error raised while notifying (a peer already gone) must not replace the cause.
    this.fail(err);
    for (const p of this.peers) {
      try {
        this.transport.send(p, { tag: 0, kind: 'abort', json: { code: err.code, message: peerMessage(err), ...(err.party !== undefined ? { party: err.party } : {}) } });
      } catch {
        /* best effort */
      }
    }
  }

  /** Close the session: releases preprocessing and links. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [, w] of this.waiters) w.reject(new ConcordError('E_ABORTED', 'session closed while waiting for a message'));
    this.waiters.clear();
    this.stopWatch();
    await this.prepSource?.close();
    await this.transport.close();
  }

  private post(peer: number, msg: Message): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new ConcordError('E_INTERNAL', 'send on a closed session');
    // A peer that said bye reads nothing more (a prefetched batch's message to it, say); a step
    // that needs its answer fails on the receive, naming it.
    if (this.gone.has(peer)) return;
    if (this.recvSinceRound) {
      this.roundCount++;
      this.recvSinceRound = false;
    }
    this.transport.send(peer, msg);
  }

  private take(peer: number, tag: number, kind: string): Promise<Message> {
    if (this.failure) return Promise.reject(this.failure);
    const k = key(peer, tag, kind);
    const q = this.inbox.get(k);
    if (q && q.length > 0) {
      const m = q.shift()!;
      if (q.length === 0) this.inbox.delete(k);
      this.inboxBytes[peer]! -= payloadBytes(m);
      this.inboxCount[peer]!--;
      this.recvSinceRound = true;
      return Promise.resolve(m);
    }
    if (this.waiters.has(k)) return Promise.reject(new ConcordError('E_INTERNAL', `two receives wait for the same message ${k}`));
    if (this.gone.has(peer)) return Promise.reject(this.goneError(peer, tag, kind));
    return new Promise<Message>((resolve, reject) => {
      this.waiters.set(k, {
        resolve: (m) => {
          this.recvSinceRound = true;
          resolve(m);
        },
        reject,
        deadline: performance.now() + this.timeoutMs,
        peer,
        tag,
        kind,
      });
      this.watch();
    });
  }

  /** A receive waits: make sure the watchdog runs (and holds the process open). */
  private watch(): void {
    if (!this.watchdog) this.watchdog = setTimeout(() => this.expire(), this.timeoutMs);
    else if (!this.watchdog.hasRef()) this.watchdog.ref();
  }

  /** A receive ended: with none left, the watchdog must not keep the process alive. */
  private unwatch(): void {
    if (this.waiters.size === 0) this.watchdog?.unref();
  }

  private stopWatch(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  /** Watchdog: the oldest receive past its deadline times the session out; else wait for the oldest's deadline. */
  private expire(): void {
    this.watchdog = undefined;
    const first = this.waiters.entries().next();
    if (first.done) return;
    const [k, w] = first.value;
    const left = w.deadline - performance.now();
    if (left > 0) {
      this.watchdog = setTimeout(() => this.expire(), Math.ceil(left));
      return;
    }
    this.waiters.delete(k);
    const e = new ConcordError('E_TIMEOUT', `no message from ${this.ids[w.peer]} within ${this.timeoutMs} ms (tag ${w.tag}${w.kind ? `, ${w.kind}` : ''}); the party may be overloaded, stuck or running a different job`, { party: this.ids[w.peer] });
    this.abort(e);
    w.reject(e);
  }

  private deliver(peer: number, msg: Message): void {
    if (this.failure) return; // a failed session takes nothing more (and keeps nothing)
    if (msg.kind === 'abort' && msg.tag === 0) {
      const j = (msg.json ?? {}) as { code?: string; message?: string; party?: unknown };
      // A peer that lost another party relays it as such, so every survivor names the lost party.
      const lost = j.code === 'E_PEER_LOST' && typeof j.party === 'string' && this.ids.includes(j.party) && j.party !== this.id;
      if (lost) this.fail(new ConcordError('E_PEER_LOST', `party ${this.ids[peer]} reports: ${String(j.message ?? '')}`, { party: j.party as string }));
      // A checkpoint verdict is one every party reaches from the same announcements: keep its code.
      else if (j.code === 'E_CHECKPOINT') this.fail(new ConcordError('E_CHECKPOINT', String(j.message ?? 'checkpoint agreement failed').slice(0, 2000), typeof j.party === 'string' && this.ids.includes(j.party) ? { party: j.party } : undefined));
      else this.fail(new ConcordError('E_ABORTED', `party ${this.ids[peer]} aborted the session: ${j.message ?? 'no reason given'}`, { party: this.ids[peer] }));
      return;
    }
    if (msg.kind === 'bye' && msg.tag === 0) {
      this.gone.add(peer);
      for (const [k, w] of this.waiters) {
        if (w.peer !== peer) continue;
        this.waiters.delete(k);
        const e = this.goneError(peer, w.tag, w.kind);
        w.reject(e);
        // A batch of preprocessing made ahead of need (hm/…, ot/…) may be left unfinished by a
        // peer that is done: only a step that awaits it fails. Anything else is a real mismatch.
        if (!isAheadKind(w.kind)) this.abort(e);
      }
      this.unwatch();
      return;
    }
    const k = key(peer, msg.tag, msg.kind);
    const w = this.waiters.get(k);
    if (w) {
      this.waiters.delete(k);
      this.unwatch();
      w.resolve(msg);
      return;
    }
    const bytes = (this.inboxBytes[peer]! += payloadBytes(msg));
    const count = ++this.inboxCount[peer]!;
    if (bytes > this.maxInboxBytes || count > this.maxInboxMessages) {
      this.abort(new ConcordError('E_FRAME', `party ${this.ids[peer]} sent ${count} messages (${bytes} bytes) that no protocol step has asked for yet, more than the limit of ${this.maxInboxMessages} messages / ${this.maxInboxBytes} bytes; the parties run different programs (or it floods this party)`, { party: this.ids[peer] }));
      return;
    }
    const q = this.inbox.get(k);
    if (q) q.push(msg);
    else this.inbox.set(k, [msg]);
  }

  private fail(err: ConcordError): void {
    if (this.failure || this.closed) return;
    this.failure = err;
    for (const [, w] of this.waiters) w.reject(err);
    this.waiters.clear();
    this.stopWatch();
    for (const l of this.failureListeners.splice(0)) l(err);
  }

  private goneError(peer: number, tag: number, kind: string): ConcordError {
    return new ConcordError('E_PEER_LOST', `party ${this.ids[peer]} closed the session while this party still waits for its message (tag ${tag}${kind ? `, ${kind}` : ''}); the parties ran different programs or it stopped early`, { party: this.ids[peer] });
  }

  private protocolError(peer: number, tag: number, kind: string, expected: string): ConcordError {
    const e = new ConcordError('E_FRAME', `party ${this.ids[peer]} sent an unexpected message for tag ${tag}${kind ? ` (${kind})` : ''}: expected ${expected}`, { party: this.ids[peer] });
    this.abort(e);
    return e;
  }
}

/** Kinds of the offline modes' batches, generated ahead of need (hm/<batch>…, ot/…). */
function isAheadKind(kind: string): boolean {
  return kind.startsWith('hm/') || kind.startsWith('ot/');
}
