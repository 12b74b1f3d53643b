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
 *       dealer (which has no job file), `dealerSessionHash(parties, dealer, jobHash)`; the dealer
 *       passes `acceptJob: acceptsDealerSession(parties, dealer)` (src/net/dealer-session.ts).
 *     Dialing retries with backoff until startupTimeoutMs, then E_UNREACHABLE naming every node
 *       never reached; port in use → E_CONFIG; wrong keys → E_HANDSHAKE naming the peer at the
 *       deadline (until a peer proves its keys in this session, its failures may be a stranger's).
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
import type { FrameLimits } from './frame.js';
import { acceptHandshake, dialHandshake, StrangerError, type LinkSetup } from './handshake.js';
import { CLOSE_CODES, MAX_TRANSPORT_MESSAGE, type SecureLink } from './link.js';
import { dealerSessionHash } from './dealer-session.js';
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
  /** Listener only: also accept these job hashes from dialers (the dealer accepts any session of its consortium). */
  acceptJob?: (theirs: string) => boolean;
  /** Give up on start-up after this long (default 30 s). */
  startupTimeoutMs?: number;
  limits?: FrameLimits;
  /** Progress lines (never secrets). */
  log?: (line: string) => void;
}

/** Default start-up timeout. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;
/** Largest WebSocket message: a large-frame transport message (link.ts); handshake messages are capped at 65535 by the Noise layer itself. */
const WS_MAX_PAYLOAD = MAX_TRANSPORT_MESSAGE;
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

/** How telling a pre-authentication failure is, for the message at the deadline (higher wins). */
const NOTE_RANK: Record<StrangerError['kind'] | 'dial', number> = { dial: 0, timeout: 1, closed: 2, hello: 3, confirm: 4, aborted: 5, handshake: 6 };
/** Most handshakes a listener keeps open at once before it turns new connections away (a flood of strangers). */
const MAX_PENDING_ACCEPTS = 64;
/** Stranger log lines printed per start-up (the rest are only counted). */
const MAX_STRANGER_LOGS = 5;

interface Note {
  kind: StrangerError['kind'] | 'dial';
  message: string;
  count: number;
}

/**
 * Connect to every peer (dial or accept), run the Noise handshakes, compare job hashes.
 * Until a peer has proved its keys in this session (handshake.ts), every failure is a
 * stranger's: logged (a few lines), counted, and waited out until the start-up deadline; only
 * then does start-up fail, naming what was seen for each missing peer.
 */
export async function connectNodes(opts: ConnectOptions): Promise<Map<string, SecureLink>> {
  const timeoutMs = opts.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const myKey = { privateKey: opts.privateKey, publicKey: DH25519.publicKey(opts.privateKey) };
  const jobFor = (id: string): string => (typeof opts.jobHash === 'string' ? opts.jobHash : opts.jobHash(id));
  const setupFor = (id: string): LinkSetup => ({ myId: opts.me.id, myKey, jobHash: jobFor(id), deadline, ...(opts.acceptJob ? { acceptJob: opts.acceptJob } : {}), ...(opts.limits ? { limits: opts.limits } : {}) });
  const seen = new Set<string>();
  for (const p of opts.peers) {
    if (p.id === opts.me.id || seen.has(p.id)) throw new ConcordError('E_INTERNAL', `connectNodes: peer ${p.id} listed twice or equal to me`);
    seen.add(p.id);
  }
  const toDial = opts.peers.filter((p) => opts.dials(p));
  const toAccept = new Map(opts.peers.filter((p) => !opts.dials(p)).map((p) => [p.id, p]));
  const links = new Map<string, SecureLink>();
  const notes = new Map<string, Note>();
  let strangers = 0;
  let failed: ConcordError | undefined;
  let server: WebSocketServer | undefined;
  const sockets = new Set<WebSocket>();
  let pendingAccepts = 0;

  let settle!: { resolve: () => void; reject: (e: ConcordError) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const fail = (e: ConcordError): void => {
    if (failed) return;
    failed = e;
    settle.reject(e);
  };
  /** Keep the most telling note per peer (and how many failures it summarises). */
  const note = (peer: string, kind: Note['kind'], message: string, counts = kind !== 'dial'): void => {
    const prev = notes.get(peer);
    const count = (prev?.count ?? 0) + (counts ? 1 : 0);
    if (!prev || NOTE_RANK[kind] >= NOTE_RANK[prev.kind]) notes.set(peer, { kind, message, count });
    else prev.count = count;
  };
  const stranger = (e: StrangerError): void => {
    strangers++;
    if (strangers <= MAX_STRANGER_LOGS) opts.log?.(`ignored a connection that did not authenticate: ${e.message}`);
    else if (strangers === MAX_STRANGER_LOGS + 1) opts.log?.('ignoring further unauthenticated connections (counted, not logged)');
    // A 'confirm' failure was already counted when its message 2 went out (awaitingConfirm).
    if (e.claimed !== undefined && toAccept.has(e.claimed)) note(e.claimed, e.kind, e.message, e.kind !== 'confirm');
  };
  const awaitingConfirm = (peer: string): void =>
    note(peer, 'confirm', `a connection claiming to be party ${peer} answered message 1 but never confirmed its keys (a replayed handshake message?)`);
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
      if (failed || pendingAccepts >= MAX_PENDING_ACCEPTS) {
        ws.terminate();
        return;
      }
      sockets.add(ws);
      pendingAccepts++;
      const wire = new WsWire(ws);
      acceptHandshake(wire, (id) => (links.has(id) ? undefined : toAccept.get(id)), setupFor, deadline, awaitingConfirm)
        .then(
          (link) => {
            sockets.delete(ws); // a link now: closed through the link, not as a pending handshake
            added(link);
          },
          (e: unknown) => {
            sockets.delete(ws);
            if (e instanceof StrangerError) stranger(e);
            else if (e instanceof ConcordError) fail(e);
            else fail(new ConcordError('E_HANDSHAKE', `handshake failed: ${String(e)}`));
          },
        )
        .finally(() => pendingAccepts--);
    });
  }
  const stopDialing = (peer: NodeInfo) => (): boolean => failed !== undefined || links.has(peer.id) || Date.now() >= deadline;
  for (const peer of toDial) void dialPeer(peer, setupFor(peer.id), sockets, note, stopDialing(peer)).then(
    (link) => link && added(link),
    (e: unknown) => fail(e instanceof ConcordError ? e : new ConcordError('E_HANDSHAKE', `handshake with party ${peer.id} failed: ${String(e)}`, { party: peer.id })),
  );
  if (opts.peers.length === 0) settle.resolve();

  const timer = setTimeout(() => fail(startupTimeout(opts, links, notes, strangers, timeoutMs)), timeoutMs);
  try {
    await done;
    if (strangers > 0) opts.log?.(`start-up ignored ${strangers} unauthenticated connection${strangers === 1 ? '' : 's'}`);
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
    // Handshakes still pending (strangers, replays) end with start-up.
    for (const ws of sockets) ws.terminate();
  }
}

/** The start-up deadline's error: per missing peer, the most telling thing seen (E_HANDSHAKE when keys failed). */
function startupTimeout(opts: ConnectOptions, links: Map<string, SecureLink>, notes: Map<string, Note>, strangers: number, timeoutMs: number): ConcordError {
  const missing = opts.peers.filter((p) => !links.has(p.id));
  const parts = missing.map((p) => {
    const n = notes.get(p.id);
    const times = n && n.count > 1 ? ` (${n.count} attempts)` : '';
    if (opts.dials(p)) return `${p.id} at ${addr(p)} (${n ? n.message + times : 'no answer'})`;
    return n ? `${p.id}: ${n.message}${times}` : `${p.id} (it should have dialed us at ${addr(opts.me)})`;
  });
  const kinds = missing.map((p) => notes.get(p.id)?.kind);
  const code = kinds.includes('handshake') ? 'E_HANDSHAKE' : kinds.includes('aborted') ? 'E_ABORTED' : 'E_UNREACHABLE';
  const extra = strangers > 0 ? ` (${strangers} unauthenticated connection${strangers === 1 ? ' was' : 's were'} ignored)` : '';
  return new ConcordError(code, `${opts.me.id}: could not connect within ${timeoutMs} ms to ${parts.join('; ')}${extra}; check that every node is running with this consortium file and that the addresses are reachable`, missing.length === 1 ? { party: missing[0]!.id } : undefined);
}

/**
 * Dial a peer and run the handshake, again and again until it authenticates or `stop()`:
 * whoever answers before message 2 decrypts is unauthenticated, so its failures are only noted.
 * Resolves undefined when stopped; rejects only on an authenticated failure (job mismatch).
 */
async function dialPeer(peer: NodeInfo, setup: LinkSetup, sockets: Set<WebSocket>, note: (peer: string, kind: Note['kind'], msg: string) => void, stop: () => boolean): Promise<SecureLink | undefined> {
  let wait = BACKOFF_MIN_MS;
  while (!stop()) {
    const ws = await dialLoop(peer, setup.deadline, sockets, (msg) => note(peer.id, 'dial', msg), stop);
    if (!ws) return undefined;
    try {
      const link = await dialHandshake(new WsWire(ws), peer, setup);
      sockets.delete(ws);
      return link;
    } catch (e) {
      sockets.delete(ws);
      ws.terminate();
      if (!(e instanceof StrangerError)) throw e;
      note(peer.id, e.kind, e.message);
    }
    await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, setup.deadline - Date.now()))));
    wait = Math.min(BACKOFF_MAX_MS, wait * 2);
  }
  return undefined;
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
    jobHash: (id) => (id === dealerId ? dealerSessionHash(o.parties, o.dealer!, o.jobHash) : o.jobHash),
    ...(o.startupTimeoutMs !== undefined ? { startupTimeoutMs: o.startupTimeoutMs } : {}),
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  const transport = new WsTransport(o.myIndex, ids, links);
  const out: PartyMesh = { transport, pairKeys: transport.pairKeys, ids };
  if (dealerId) out.dealerLink = links.get(dealerId)!;
  return out;
}
