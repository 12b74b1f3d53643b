import { ConcordError } from '../errors.js';
import { Ring } from '../ring/ring.js';
import { emptyStats, payloadBytes, type LinkStats, type Message, type Transport } from './transport.js';

/**
 * In-process transport for unit tests: n endpoints wired to each other, delivering
 * asynchronously (next macrotask-free microtask) and copying payloads so no party can
 * alias another's memory.
 */
export class MemoryTransport implements Transport {
  private handler: ((peer: number, msg: Message) => void) | undefined;
  private errHandler: ((err: ConcordError) => void) | undefined;
  private readonly pending: Array<[number, Message]> = [];
  private readonly linkStats: LinkStats[];
  private closed = false;
  peers: MemoryTransport[] = [];

  constructor(readonly me: number, readonly n: number) {
    this.linkStats = Array.from({ length: n }, emptyStats);
  }

  /** n connected endpoints. */
  static mesh(n: number): MemoryTransport[] {
    const ts = Array.from({ length: n }, (_, i) => new MemoryTransport(i, n));
    for (const t of ts) t.peers = ts;
    return ts;
  }

  send(peer: number, msg: Message): void {
    if (peer === this.me || peer < 0 || peer >= this.n) throw new ConcordError('E_INTERNAL', `party ${this.me} cannot send to party ${peer}`);
    const target = this.peers[peer]!;
    if (this.closed || target.closed) {
      this.errHandler?.(new ConcordError('E_PEER_LOST', `party ${peer} has closed its connection`));
      return;
    }
    const copy: Message = { tag: msg.tag, kind: msg.kind };
    if (msg.ring) copy.ring = new Ring(msg.ring.shape, msg.ring.data.slice());
    if (msg.bytes) copy.bytes = msg.bytes.slice();
    if (msg.json !== undefined) copy.json = structuredClone(msg.json);
    const b = payloadBytes(msg);
    const s = this.linkStats[peer]!;
    s.bytesSent += b;
    s.messagesSent++;
    queueMicrotask(() => target.deliver(this.me, copy, b));
  }

  private deliver(from: number, msg: Message, bytes: number): void {
    if (this.closed) return;
    const s = this.linkStats[from]!;
    s.bytesReceived += bytes;
    s.messagesReceived++;
    if (this.handler) this.handler(from, msg);
    else this.pending.push([from, msg]);
  }

  onMessage(handler: (peer: number, msg: Message) => void): void {
    this.handler = handler;
    for (const [p, m] of this.pending.splice(0)) handler(p, m);
  }

  onError(handler: (err: ConcordError) => void): void {
    this.errHandler = handler;
  }

  stats(): LinkStats[] {
    return this.linkStats.map((s) => ({ ...s }));
  }

  /** Simulate a crash: peers see E_PEER_LOST on their next send or immediately. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.peers) {
      if (p !== this && !p.closed) queueMicrotask(() => p.errHandler?.(new ConcordError('E_PEER_LOST', `party ${this.me} closed its connection`)));
    }
  }
}
