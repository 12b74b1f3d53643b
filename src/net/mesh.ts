/**
 * The mesh: connect any set of Concord nodes (parties, and the dealer) with Noise links.
 *
 * API for party and dealer code (stable):
 *
 *   connectNodes({ me, privateKey, peers, dials, jobHash, startupTimeoutMs }) → Map<peerId, SecureLink>
 *     me, peers: NodeInfo { id, host, port, publicKey (32 bytes) }.
 *     dials(peer) → true if I dial that peer, false if it dials me. I listen on me.host:me.port
 *       iff some peer dials me; the listener closes once every expected peer has connected.
 *     Rules: between parties, the one listed first in the consortium file dials
 *       (`partyDials(ids, me)`); every party dials the dealer; the dealer dials nobody.
 *     jobHash: string (or per peer: (peerId) => string); both ends of a link must pass the same
 *       string, else E_JOB_MISMATCH. Parties pass the job hash among themselves and, with the
 *       dealer (which has no job file), `dealerLinkHash(consortium)` — see connectParties.
 *     Dialing retries with backoff until startupTimeoutMs, then E_UNREACHABLE naming every node
 *       never reached; port in use → E_CONFIG; wrong keys → E_HANDSHAKE naming the peer.
 *   SecureLink (src/net/link.ts): send(msg: Message), onMessage(cb), onError(cb), close(),
 *     stats(), prgKey (16 bytes, same at both ends, never sent), exportKey(label, len) for
 *     further link-bound keys (e.g. the dealer's per-party seed: exportKey('dealer-seed', 32)).
 *
 *   connectParties({ parties, myIndex, privateKey, jobHash, dealer?, startupTimeoutMs })
 *     → { transport: WsTransport, pairKeys, dealerLink? }: what a party process needs to build
 *     its Session (new Session({ transport, ids, pairKeys, prep })) and its dealer client.
 */
import WebSocket, { WebSocketServer } from 'ws';
import { ConcordError } from '../errors.js';
import { DH25519 } from '../crypto/noise-suites.js';
import { NOISE_MAX_MESSAGE } from '../crypto/noise.js';
import type { FrameLimits } from './frame.js';
import { acceptHandshake, dialHandshake, StrangerError, type LinkSetup } from './handshake.js';
import { CLOSE_CODES, type SecureLink } from './link.js';
import { WsWire } from './wire.js';
import { WsTransport } from './ws-transport.js';

/** A node of the consortium: id, listening address, static X25519 public key. */
export interface NodeInfo {
  id: string;
  host: string;
  port: number;
  publicKey: Uint8Array;
}

export interface ConnectOptions {
  me: NodeInfo;
  /** My 32-byte X25519 private key. */
  privateKey: Uint8Array;
  peers: NodeInfo[];
  /** True if I dial this peer (else it dials me). */
  dials: (peer: NodeInfo) => boolean;
  jobHash: string | ((peerId: string) => string);
  /** Give up on start-up after this long (default 30 s). */
  startupTimeoutMs?: number;
  limits?: FrameLimits;
  /** Progress lines (never secrets). */
  log?: (line: string) => void;
}

/** Default start-up timeout. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;
const WS_MAX_PAYLOAD = NOISE_MAX_MESSAGE + 1024; // hello = ids + Noise message 1
const BACKOFF_MIN_MS = 25;
const BACKOFF_MAX_MS = 500;

/** The party dialing rule: of each pair, the party listed first dials. */
export function partyDials(ids: readonly string[], me: string): (peer: NodeInfo) => boolean {
  const mine = ids.indexOf(me);
  return (peer) => {
    const theirs = ids.indexOf(peer.id);
    return theirs >= 0 && mine < theirs;
  };
}

const addr = (n: NodeInfo): string => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`;

/** ws client masking is meant for browsers behind proxies; payloads here are Noise ciphertexts, so a zero mask skips a per-byte XOR pass on both ends. */
const zeroMask = (mask: Uint8Array): void => {
  mask.fill(0);
};

/** Connect to every peer (dial or accept), run the Noise handshakes, compare job hashes. */
export async function connectNodes(opts: ConnectOptions): Promise<Map<string, SecureLink>> {
  const timeoutMs = opts.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const myKey = { privateKey: opts.privateKey, publicKey: DH25519.publicKey(opts.privateKey) };
  const jobFor = (id: string): string => (typeof opts.jobHash === 'string' ? opts.jobHash : opts.jobHash(id));
  const setupFor = (id: string): LinkSetup => ({ myId: opts.me.id, myKey, jobHash: jobFor(id), deadline, ...(opts.limits ? { limits: opts.limits } : {}) });
  const seen = new Set<string>();
  for (const p of opts.peers) {
    if (p.id === opts.me.id || seen.has(p.id)) throw new ConcordError('E_INTERNAL', `connectNodes: peer ${p.id} listed twice or equal to me`);
    seen.add(p.id);
  }
  const toDial = opts.peers.filter((p) => opts.dials(p));
  const toAccept = new Map(opts.peers.filter((p) => !opts.dials(p)).map((p) => [p.id, p]));
  const links = new Map<string, SecureLink>();
  const lastError = new Map<string, string>();
  let failed: ConcordError | undefined;
  let server: WebSocketServer | undefined;
  const sockets = new Set<WebSocket>();

  let settle!: { resolve: () => void; reject: (e: ConcordError) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const fail = (e: ConcordError): void => {
    if (failed) return;
    failed = e;
    settle.reject(e);
  };
  const added = (link: SecureLink): void => {
    if (failed || links.has(link.peerId)) {
      void link.close();
      return;
    }
    links.set(link.peerId, link);
    opts.log?.(`linked with ${link.peerId}`);
    if (links.size === opts.peers.length) settle.resolve();
  };

  if (toAccept.size > 0) {
    server = await listen(opts.me, (ws) => {
      sockets.add(ws);
      const wire = new WsWire(ws);
      acceptHandshake(wire, (id) => (links.has(id) ? undefined : toAccept.get(id)), setupFor, deadline).then(
        (link) => added(link),
        (e: unknown) => {
          if (e instanceof StrangerError) opts.log?.(`ignored a connection: ${e.message}`);
          else if (e instanceof ConcordError) fail(e);
          else fail(new ConcordError('E_HANDSHAKE', `handshake failed: ${String(e)}`));
        },
      );
    });
  }
  for (const peer of toDial) {
    void dialLoop(peer, deadline, sockets, (msg) => lastError.set(peer.id, msg), () => failed !== undefined || links.has(peer.id))
      .then((ws) => (ws ? dialHandshake(new WsWire(ws), peer, setupFor(peer.id)) : undefined))
      .then(
        (link) => link && added(link),
        (e: unknown) => fail(e instanceof ConcordError ? e : new ConcordError('E_HANDSHAKE', `handshake with party ${peer.id} failed: ${String(e)}`, { party: peer.id })),
      );
  }
  if (opts.peers.length === 0) settle.resolve();

  const timer = setTimeout(() => {
    const missing = opts.peers.filter((p) => !links.has(p.id));
    const parts = missing.map((p) => (opts.dials(p) ? `${p.id} at ${addr(p)} (${lastError.get(p.id) ?? 'no answer'})` : `${p.id} (it should have dialed us at ${addr(opts.me)})`));
    fail(new ConcordError('E_UNREACHABLE', `${opts.me.id}: could not connect within ${timeoutMs} ms to ${parts.join('; ')}; check that every node is running with this consortium file and that the addresses are reachable`, missing.length === 1 ? { party: missing[0]!.id } : undefined));
  }, timeoutMs);
  try {
    await done;
    return links;
  } catch (e) {
    await Promise.all([...links.values()].map((l) => l.close()));
    // Tell peers still in a handshake with us why we stop, so their error names the root cause.
    const reason = startupAbortReason(e);
    for (const ws of sockets) {
      try {
        ws.close(CLOSE_CODES.aborted, reason);
      } catch {
        /* already closing */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
    for (const ws of sockets) ws.terminate();
    throw e;
  } finally {
    clearTimeout(timer);
    server?.close();
  }
}

/** A WebSocket close reason (≤ 123 bytes) summarising why start-up failed: code and party. */
function startupAbortReason(e: unknown): string {
  const why = e instanceof ConcordError ? `${e.code}${e.party !== undefined ? ` with ${e.party}` : ''}` : 'internal error';
  return Buffer.from(why).subarray(0, 123).toString('utf8');
}

/** Listen on my address; port in use and similar are E_CONFIG naming the address. */
function listen(me: NodeInfo, onConnection: (ws: WebSocket) => void): Promise<WebSocketServer> {
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({ host: me.host, port: me.port, perMessageDeflate: false, maxPayload: WS_MAX_PAYLOAD, clientTracking: false });
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is already in use (another process listens there; stop it or change the address in the consortium file)' : err.message;
      reject(new ConcordError('E_CONFIG', `${me.id} cannot listen on ${addr(me)}: ${why}`, { party: me.id, cause: err }));
    });
    server.once('listening', () => {
      server.on('error', () => {});
      resolve(server);
    });
    server.on('connection', (ws) => {
      ws.on('error', () => {}); // reported through the wire's close
      onConnection(ws);
    });
  });
}

/** Dial until connected or the deadline; undefined if told to stop. */
async function dialLoop(peer: NodeInfo, deadline: number, sockets: Set<WebSocket>, note: (msg: string) => void, stop: () => boolean): Promise<WebSocket | undefined> {
  let wait = BACKOFF_MIN_MS;
  while (!stop() && Date.now() < deadline) {
    const ws = await tryConnect(`ws://${addr(peer)}/`, Math.max(1, deadline - Date.now()), sockets).catch((e: Error & { code?: string }) => {
      note(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message);
      return undefined;
    });
    if (ws) return ws;
    await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
    wait = Math.min(BACKOFF_MAX_MS, wait * 2);
  }
  return undefined;
}

function tryConnect(url: string, timeoutMs: number, sockets: Set<WebSocket>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: WS_MAX_PAYLOAD, handshakeTimeout: timeoutMs, generateMask: zeroMask });
    sockets.add(ws);
    const onError = (err: Error): void => {
      sockets.delete(ws);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(err);
    };
    ws.once('error', onError);
    ws.once('open', () => {
      ws.off('error', onError);
      ws.on('error', () => {}); // reported through the wire's close
      resolve(ws);
    });
  });
}

export interface PartyMeshOptions {
  /** All parties in consortium order. */
  parties: NodeInfo[];
  myIndex: number;
  privateKey: Uint8Array;
  jobHash: string;
  /** The dealer node, when the dealer offline phase is used: every party dials it. */
  dealer?: NodeInfo;
  /** Job hash used on the dealer link (the dealer has no job file); default 'dealer'. */
  dealerHash?: string;
  startupTimeoutMs?: number;
  limits?: FrameLimits;
  log?: (line: string) => void;
}

/** A party's view of the connected mesh. */
export interface PartyMesh {
  transport: WsTransport;
  pairKeys: (Uint8Array | undefined)[];
  ids: string[];
  dealerLink?: SecureLink;
}

/** Connect this party to every other party (and the dealer, if any) and build its WsTransport. */
export async function connectParties(o: PartyMeshOptions): Promise<PartyMesh> {
  const ids = o.parties.map((p) => p.id);
  const me = o.parties[o.myIndex];
  if (!me) throw new ConcordError('E_INTERNAL', `party index ${o.myIndex} out of range`);
  const partyRule = partyDials(ids, me.id);
  const peers = o.parties.filter((_, i) => i !== o.myIndex);
  if (o.dealer) peers.push(o.dealer);
  const dealerId = o.dealer?.id;
  const links = await connectNodes({
    me,
    privateKey: o.privateKey,
    peers,
    dials: (p) => (p.id === dealerId ? true : partyRule(p)),
    jobHash: (id) => (id === dealerId ? (o.dealerHash ?? 'dealer') : o.jobHash),
    ...(o.startupTimeoutMs !== undefined ? { startupTimeoutMs: o.startupTimeoutMs } : {}),
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  const transport = new WsTransport(o.myIndex, ids, links);
  const out: PartyMesh = { transport, pairKeys: transport.pairKeys, ids };
  if (dealerId) out.dealerLink = links.get(dealerId)!;
  return out;
}
