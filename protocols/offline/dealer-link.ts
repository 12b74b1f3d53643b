import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import { emptyStats, payloadBytes, type LinkStats, type Message, type Transport } from '../../src/net/transport.js';
import { ShapedTransport, type NetProfile } from '../../src/net/shaper.js';

/**
 * The one connection the dealer protocol uses: between the dealer and party n−1 (parties 0..n−2
 * only need their seed). Any secure link fits (src/net mesh links are adapted to it); the
 * in-memory pair below is for tests and in-process benchmarks.
 */
export interface DealerLink {
  send(msg: Message): void;
  onMessage(handler: (msg: Message) => void): void;
  onError(handler: (err: ConcordError) => void): void;
  stats(): LinkStats;
  /** Clean close (optional: in-memory links have nothing to release). */
  close?(): Promise<void>;
}

/** Two connected in-memory DealerLinks (payloads copied, delivery asynchronous). */
export function memoryLinkPair(): [DealerLink, DealerLink] {
  const mk = () => {
    const st = emptyStats();
    let handler: ((m: Message) => void) | undefined;
    const queue: Message[] = [];
    return {
      st,
      deliver(m: Message) {
        if (handler) handler(m);
        else queue.push(m);
      },
      link: undefined as unknown as DealerLink,
      setHandler(h: (m: Message) => void) {
        handler = h;
        for (const m of queue.splice(0)) h(m);
      },
    };
  };
  const ends = [mk(), mk()];
  for (const [i, end] of ends.entries()) {
    const other = ends[1 - i]!;
    end.link = {
      send(msg) {
        const copy: Message = { tag: msg.tag, kind: msg.kind };
        if (msg.ring) copy.ring = new Ring(msg.ring.shape, msg.ring.data.slice());
        if (msg.bytes) copy.bytes = msg.bytes.slice();
        if (msg.json !== undefined) copy.json = structuredClone(msg.json);
        const b = payloadBytes(msg);
        end.st.bytesSent += b;
        end.st.messagesSent++;
        other.st.bytesReceived += b;
        other.st.messagesReceived++;
        setImmediate(() => other.deliver(copy));
      },
      onMessage: (h) => end.setHandler(h),
      onError: () => {},
      stats: () => ({ ...end.st }),
    };
  }
  return [ends[0]!.link, ends[1]!.link];
}

/**
 * Party n−1's dealer link under a simulated network (src/net/shaper.ts), as if the dealer were one
 * more host: corrections arrive after the one-way latency and at the link's bandwidth, and each
 * request leaves after the one-way latency, so a dealer wait costs a round trip as it would across
 * machines. Without a profile the link is returned unchanged.
 */
export function shapeDealerLink(link: DealerLink, profile: NetProfile | undefined): DealerLink {
  if (!profile) return link;
  // The link as a two-node transport (the dealer is node 1), so the mesh's shaper delays what arrives.
  const asTransport: Transport = {
    me: 0,
    n: 2,
    send: (_peer, msg) => link.send(msg),
    onMessage: (h) => link.onMessage((m) => h(1, m)),
    onError: (h) => link.onError(h),
    stats: () => [emptyStats(), link.stats()],
    close: async () => link.close?.(),
  };
  const shaped = new ShapedTransport(asTransport, profile);
  const oneWayMs = profile.rttMs / 2;
  let closed = false;
  let onError: ((err: ConcordError) => void) | undefined;
  const late = (msg: Message): void => {
    if (closed) return;
    try {
      link.send(msg);
    } catch (e) {
      onError?.(e instanceof ConcordError ? e : new ConcordError('E_PEER_LOST', `cannot reach the dealer: ${String(e)}`));
    }
  };
  return {
    send(msg) {
      if (oneWayMs === 0) link.send(msg);
      else setTimeout(late, oneWayMs, msg);
    },
    onMessage: (h) => shaped.onMessage((_peer, m) => h(m)),
    onError: (h) => {
      onError = h;
      shaped.onError(h);
    },
    stats: () => link.stats(),
    async close() {
      closed = true;
      await shaped.close();
    },
  };
}
