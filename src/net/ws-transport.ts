import { ConcordError } from '../errors.js';
import { BYE_KIND, type SecureLink } from './link.js';
import type { LinkStats, Message, Transport } from './transport.js';
import { emptyStats } from './transport.js';

/**
 * The real Transport: one SecureLink (Noise over WebSocket) per peer party, indexed by the
 * consortium order. A peer's clean close reaches the consumer as the control message
 * {tag 0, kind 'bye'} (Session treats it as "nothing more will come from that peer");
 * any other loss is an E_PEER_LOST error naming the peer.
 */
export class WsTransport implements Transport {
  readonly n: number;
  private readonly links: (SecureLink | undefined)[];
  private handler: ((peer: number, msg: Message) => void) | undefined;
  private errHandler: ((err: ConcordError) => void) | undefined;
  private readonly pending: Array<[number, Message]> = [];
  private readonly pendingErrors: ConcordError[] = [];

  /** `ids` in consortium order; `links` must hold a link for every id but mine. */
  constructor(readonly me: number, readonly ids: readonly string[], links: Map<string, SecureLink>) {
    this.n = ids.length;
    this.links = ids.map((id, i) => {
      if (i === me) return undefined;
      const l = links.get(id);
      if (!l) throw new ConcordError('E_INTERNAL', `WsTransport: no link to party ${id}`);
      return l;
    });
    this.links.forEach((l, peer) => {
      if (!l) return;
      l.onMessage((m) => {
        if (this.handler) this.handler(peer, m);
        else this.pending.push([peer, m]);
      });
      l.onError((e) => {
        if (this.errHandler) this.errHandler(e);
        else this.pendingErrors.push(e);
      });
    });
  }

  /** The 16-byte pairwise PRG key of each link (undefined at my index), for Session. */
  get pairKeys(): (Uint8Array | undefined)[] {
    return this.links.map((l) => l?.prgKey);
  }

  /** The link to a peer party (for stats or key export). */
  link(peer: number): SecureLink {
    const l = this.links[peer];
    if (!l) throw new ConcordError('E_INTERNAL', `no link to party index ${peer}`);
    return l;
  }

  send(peer: number, msg: Message): void {
    if (msg.tag === 0 && msg.kind === BYE_KIND) throw new ConcordError('E_INTERNAL', 'kind "bye" at tag 0 is reserved for the transport');
    this.link(peer).send(msg);
  }

  onMessage(handler: (peer: number, msg: Message) => void): void {
    this.handler = handler;
    for (const [p, m] of this.pending.splice(0)) handler(p, m);
  }

  onError(handler: (err: ConcordError) => void): void {
    this.errHandler = handler;
    for (const e of this.pendingErrors.splice(0)) handler(e);
  }

  stats(): LinkStats[] {
    return this.links.map((l) => (l ? l.stats() : emptyStats()));
  }

  /** Resolves once every link has handed everything sent so far to its socket (send backpressure). */
  async drain(): Promise<void> {
    await Promise.all(this.links.map((l) => l?.drain()));
  }

  /** Close every link cleanly (bye, flush, close). */
  async close(): Promise<void> {
    await Promise.all(this.links.map((l) => l?.close()));
  }
}
