import { ConcordError } from '../errors.js';
import { payloadBytes, type LinkStats, type Message, type Transport } from './transport.js';

/**
 * Simulated network: a Transport decorator that gives every incoming link a one-way latency
 * and a bandwidth cap, so LAN and WAN figures can be measured on one machine (issue 8).
 *
 * Model (per directed link peer → me, full duplex): a message that arrives from the inner
 * transport at time t starts serializing at max(t, link free) and takes bytes·8 / bandwidth;
 * it is delivered one-way latency after its last bit left. Delivery order per link is the
 * arrival order (one queue per link, one timer at its head). The delay is applied on the
 * receiving side so a sender may keep using a tensor it has sent, and link errors (a peer
 * closing after its last message) are held back until the messages before them are delivered.
 * Bytes are application payload (payloadBytes), the same figure the stats report.
 *
 * Timers: setTimeout is only millisecond-accurate, so the last stretch below TIMER_SLACK_MS is
 * waited with setImmediate polling; sub-millisecond LAN latencies are then honoured within tens
 * of microseconds at the cost of a little CPU while a message is in flight.
 */

/** Link parameters of a simulated network. */
export interface NetProfile {
  /** Profile name for reports ('lan', 'wan' or 'custom'). */
  name: string;
  /** Round-trip time in milliseconds (one-way latency is half). */
  rttMs: number;
  /** Bandwidth cap per directed link in megabits per second (10^6 bit/s); Infinity for none. */
  mbps: number;
}

/** Named profiles: LAN = 1 Gbit/s, 0.5 ms RTT; WAN = 100 Mbit/s, 40 ms RTT. */
export const NET_PROFILES: Readonly<Record<string, NetProfile>> = Object.freeze({
  lan: Object.freeze({ name: 'lan', rttMs: 0.5, mbps: 1000 }),
  wan: Object.freeze({ name: 'wan', rttMs: 40, mbps: 100 }),
});

/** Environment variable the cluster worker reads to wrap its transport (see netProfileFromEnv). */
export const NET_ENV = 'CONCORD_NET';

const TIMER_SLACK_MS = 2;

/**
 * Parse a network spec: 'none' or '' (undefined result), 'lan', 'wan', or 'rtt=<ms>,mbps=<n>'
 * (either part may be left out). Throws E_USAGE naming the spec.
 */
export function parseNetProfile(spec: string, source = 'network spec'): NetProfile | undefined {
  const s = spec.trim().toLowerCase();
  if (s === '' || s === 'none') return undefined;
  const named = NET_PROFILES[s];
  if (named) return { ...named };
  let rttMs = 0;
  let mbps = Infinity;
  for (const part of s.split(',')) {
    const m = /^(rtt|mbps)=([0-9]*\.?[0-9]+)$/.exec(part.trim());
    if (!m) throw new ConcordError('E_USAGE', `${source} "${spec}" is not understood: use none, lan, wan, or rtt=<ms>,mbps=<megabit/s> (e.g. rtt=40,mbps=100)`);
    const v = Number(m[2]);
    if (m[1] === 'rtt') rttMs = v;
    else if (v > 0) mbps = v;
    else throw new ConcordError('E_USAGE', `${source} "${spec}": mbps must be positive`);
  }
  if (rttMs > 60_000) throw new ConcordError('E_USAGE', `${source} "${spec}": rtt above 60000 ms is not a network`);
  return { name: 'custom', rttMs, mbps };
}

/** The profile named by the CONCORD_NET environment variable, if any. */
export function netProfileFromEnv(env: NodeJS.ProcessEnv = process.env): NetProfile | undefined {
  const v = env[NET_ENV];
  return v === undefined ? undefined : parseNetProfile(v, `environment variable ${NET_ENV}`);
}

/** The spec string that parseNetProfile turns back into `p` (for passing to child processes). */
export function netProfileSpec(p: NetProfile | undefined): string {
  if (!p) return 'none';
  if (NET_PROFILES[p.name] && NET_PROFILES[p.name]!.rttMs === p.rttMs && NET_PROFILES[p.name]!.mbps === p.mbps) return p.name;
  return Number.isFinite(p.mbps) ? `rtt=${p.rttMs},mbps=${p.mbps}` : `rtt=${p.rttMs}`;
}

interface Pending {
  at: number; // delivery time, ms on the performance.now() clock
  peer: number;
  msg?: Message;
  err?: ConcordError;
}

/** A Transport whose incoming links behave like the given network profile. */
export class ShapedTransport implements Transport {
  readonly me: number;
  readonly n: number;
  readonly profile: NetProfile;
  private readonly inner: Transport;
  private readonly oneWayMs: number;
  private readonly msPerByte: number;
  /** Per incoming link: when its last queued bit has been serialized. */
  private readonly linkFree: number[];
  private readonly queues: Pending[][];
  private readonly armed: boolean[];
  private handler: ((peer: number, msg: Message) => void) | undefined;
  private errHandler: ((err: ConcordError) => void) | undefined;
  private readonly early: Array<[number, Message]> = [];
  private lastAt = 0;
  private closed = false;

  constructor(inner: Transport, profile: NetProfile) {
    if (!(profile.rttMs >= 0) || !(profile.mbps > 0)) throw new ConcordError('E_USAGE', `network profile ${profile.name}: rtt must be ≥ 0 and bandwidth > 0 (got rtt=${profile.rttMs}, mbps=${profile.mbps})`);
    this.inner = inner;
    this.me = inner.me;
    this.n = inner.n;
    this.profile = { ...profile };
    this.oneWayMs = profile.rttMs / 2;
    this.msPerByte = Number.isFinite(profile.mbps) ? 8 / (profile.mbps * 1e6) * 1e3 : 0;
    this.linkFree = new Array<number>(inner.n).fill(0);
    this.queues = Array.from({ length: inner.n }, () => []);
    this.armed = new Array<boolean>(inner.n).fill(false);
    inner.onMessage((peer, msg) => this.arrive(peer, msg));
    inner.onError((err) => this.arriveError(err));
  }

  send(peer: number, msg: Message): void {
    this.inner.send(peer, msg);
  }

  onMessage(handler: (peer: number, msg: Message) => void): void {
    this.handler = handler;
    for (const [p, m] of this.early.splice(0)) handler(p, m);
  }

  onError(handler: (err: ConcordError) => void): void {
    this.errHandler = handler;
  }

  stats(): LinkStats[] {
    return this.inner.stats();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queues) q.length = 0;
    await this.inner.close();
  }

  private arrive(peer: number, msg: Message): void {
    const now = performance.now();
    const start = Math.max(now, this.linkFree[peer]!);
    this.linkFree[peer] = start + payloadBytes(msg) * this.msPerByte;
    const at = this.linkFree[peer]! + this.oneWayMs;
    this.lastAt = Math.max(this.lastAt, at);
    this.enqueue(peer, { at, peer, msg });
  }

  private arriveError(err: ConcordError): void {
    // Held back behind everything already in flight on any link (the error names no link).
    const at = Math.max(performance.now() + this.oneWayMs, this.lastAt);
    this.enqueue(this.me, { at, peer: this.me, err });
  }

  private enqueue(link: number, p: Pending): void {
    if (this.closed) return;
    this.queues[link]!.push(p);
    if (!this.armed[link]) {
      this.armed[link] = true;
      this.wait(link);
    }
  }

  /** Wait until the head of the link's queue is due, then deliver every due message in order. */
  private wait(link: number): void {
    const q = this.queues[link]!;
    const head = q[0];
    if (!head || this.closed) {
      this.armed[link] = false;
      return;
    }
    if (head.err && this.queues.some((o, i) => i !== link && o.length > 0)) {
      setTimeout(() => this.wait(link), 1); // an error goes after every message already in flight
      return;
    }
    const left = head.at - performance.now();
    if (left > TIMER_SLACK_MS) {
      setTimeout(() => this.wait(link), left - TIMER_SLACK_MS);
      return;
    }
    if (left > 0) {
      setImmediate(() => this.wait(link));
      return;
    }
    const now = performance.now();
    while (q.length > 0 && q[0]!.at <= now && !this.closed) {
      const p = q.shift()!;
      if (p.err) this.errHandler?.(p.err);
      else if (this.handler) this.handler(p.peer, p.msg!);
      else this.early.push([p.peer, p.msg!]);
    }
    this.wait(link);
  }
}

/** Wrap a transport in the profile, or return it unchanged when there is none. */
export function shapeTransport(inner: Transport, profile: NetProfile | undefined): Transport {
  return profile ? new ShapedTransport(inner, profile) : inner;
}
