import { ConcordError, isConcordError } from '../errors.js';
import { loadConsortium, partyIndex, type Consortium } from '../config/consortium.js';
import { readKeyFile } from '../config/keys.js';
import type { KeyPair } from '../crypto/noise.js';
import { connectParties } from '../net/mesh.js';
import { netProfileFromEnv, shapeTransport } from '../net/shaper.js';
import type { Preprocessing } from '../session/preprocessing.js';
import { Session } from '../session/session.js';
import { createPreprocessing, defaultOffline, resolveOffline, type OfflineMode } from './prep.js';

/**
 * The one start-up of a party process (DESIGN §6), shared by `concord party`, the cluster worker
 * and library users (`connectParty`): consortium, key, index, mesh, network shaping, Session,
 * preprocessing.
 */

/** Who this process is: its consortium, its key and its index there. */
export interface PartyIdentity {
  consortium: Consortium;
  id: string;
  index: number;
  key: KeyPair;
}

/** Load the consortium file and the key file, and find this party's index (errors name the file and field). */
export function loadIdentity(consortium: string | Consortium, id: string, keyFile: string): PartyIdentity {
  const c = typeof consortium === 'string' ? loadConsortium(consortium) : consortium;
  const key = readKeyFile(keyFile);
  return { consortium: c, id, index: partyIndex(c, id, key, keyFile), key };
}

/** How to connect once the identity is known. */
export interface StartOptions {
  /** Offline phase: 'hm' (3 parties, no two collude), 'ot' (no trusted party), 'dealer' (the consortium's dealer), or 'none'. */
  offline: OfflineMode;
  /** The same string at every party (e.g. a job's hash): the handshake refuses a peer that runs anything else. */
  jobHash: string;
  /** Wait for one message from a peer before the session aborts (ms; default 30 s). */
  timeoutMs?: number;
  /** Wait for the whole mesh to form (ms; default timeoutMs). */
  startupTimeoutMs?: number;
  /** Progress and trust lines (never secrets); default: stderr, prefixed with the party id. */
  log?: (line: string) => void;
}

/** A connected party: its Session (preprocessing attached) and the preprocessing source. */
export interface StartedParty {
  session: Session;
  prep: Preprocessing | undefined;
}

/** Connect the mesh (and the dealer link), shape it if CONCORD_NET asks, and build the Session and its preprocessing. */
export async function startSession(who: PartyIdentity, o: StartOptions): Promise<StartedParty> {
  const log = o.log ?? ((line: string) => void process.stderr.write(`[${who.id}] ${line}\n`));
  const { consortium } = who;
  if (o.offline === 'hm') resolveOffline('hm', consortium.parties.length, consortium.file); // E_CONFIG before connecting
  if (o.offline === 'dealer' && !consortium.dealer) throw new ConcordError('E_CONFIG', `${consortium.file}: dealer: missing, but offline mode "dealer" needs a "dealer" entry in the consortium file; add it or use "ot"`);
  const timeoutMs = o.timeoutMs ?? 30_000;
  const mesh = await connectParties({
    parties: consortium.parties,
    myIndex: who.index,
    privateKey: who.key.privateKey,
    jobHash: o.jobHash,
    ...(o.offline === 'dealer' ? { dealer: consortium.dealer! } : {}),
    startupTimeoutMs: o.startupTimeoutMs ?? timeoutMs,
  });
  // Benchmarks simulate LAN/WAN links by setting CONCORD_NET (src/net/shaper.ts); unset = no shaping.
  const net = netProfileFromEnv();
  if (net) log(`simulated network ${net.name}: ${net.rttMs} ms RTT, ${net.mbps} Mbit/s per link`);
  const session = new Session({ transport: shapeTransport(mesh.transport, net), ids: mesh.ids, pairKeys: mesh.pairKeys, timeoutMs });
  let prep: Preprocessing | undefined;
  try {
    prep = await createPreprocessing(o.offline, { session, consortium, ...(mesh.dealerLink ? { dealerLink: mesh.dealerLink } : {}), ...(net ? { net } : {}), log });
    if (!prep && o.offline !== 'none') throw new ConcordError('E_INTERNAL', `offline mode ${o.offline} gave no preprocessing source`);
  } catch (e) {
    // Tell the others why (best effort), so they stop with this cause instead of a lost peer.
    session.abort(isConcordError(e) ? e : new ConcordError('E_PREP', `offline phase ${o.offline} did not start: ${e instanceof Error ? e.message : String(e)}`));
    await session.close().catch(() => {});
    throw e;
  }
  if (prep) {
    session.prep = prep;
    log(prep.trust.startsWith('offline:') ? prep.trust : `offline: ${prep.mode} — ${prep.trust}`);
  }
  return { session, prep };
}

/** Everything `connectParty` needs: the files one organization has, and what the parties agreed to run. */
export interface ConnectPartyOptions extends Partial<StartOptions> {
  /** Path of the consortium file (DESIGN §7), or a parsed one. */
  consortium: string | Consortium;
  /** This party's id in the consortium file. */
  id: string;
  /** Path of this party's key file (written by `concord keygen`, mode 0600). */
  key: string;
}

/**
 * Connect this organization's party to the others of a consortium and return its Session, with
 * the offline phase attached (default: hm for three parties, ot otherwise). Every party calls it with the same `jobHash`
 * (default 'library'); it resolves once all Noise links are up. Close the session when done.
 */
export async function connectParty(o: ConnectPartyOptions): Promise<Session> {
  const who = loadIdentity(o.consortium, o.id, o.key);
  const start: StartOptions = { offline: o.offline ?? defaultOffline(who.consortium.parties.length), jobHash: o.jobHash ?? 'library' };
  if (o.timeoutMs !== undefined) start.timeoutMs = o.timeoutMs;
  if (o.startupTimeoutMs !== undefined) start.startupTimeoutMs = o.startupTimeoutMs;
  if (o.log) start.log = o.log;
  return (await startSession(who, start)).session;
}
