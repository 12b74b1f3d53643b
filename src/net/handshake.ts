import { ConcordError } from '../errors.js';
import { HandshakeState, type HandshakeResult, type KeyPair } from '../crypto/noise.js';
import { CONCORD_SUITE } from '../crypto/noise-suites.js';
import type { FrameLimits } from './frame.js';
import { CLOSE_CODES, SecureLink } from './link.js';
import { wholeMessage, type Wire } from './wire.js';

const EMPTY = new Uint8Array(0);

/**
 * Link set-up between two Concord nodes over a wire (Noise_KK_25519_AESGCM_SHA256):
 *
 *   dialer → listener:  'C' 0x01  len(myId) myId  len(yourId) yourId  noise-msg-1(payload = job)
 *   listener → dialer:  noise-msg-2(payload = job)
 *   dialer → listener:  first transport message (payload = CONFIRM): the key confirmation
 *
 * The ids travel in clear (the listener must know whose static key to expect, as KK requires)
 * and are bound into the prologue, so changing them breaks the handshake. The payloads, encrypted
 * under the DH results, carry {v: protocol version, job: job hash}; both sides compare them and
 * refuse to continue on a mismatch (E_JOB_MISMATCH). The listener always answers message 2
 * before closing on a mismatch, so both ends can name both hashes.
 *
 * Who is authenticated when. Message 1 proves nothing fresh: anyone who recorded it in an earlier
 * run can replay it (KK message 1 depends only on the static keys and the dialer's ephemeral).
 * The listener therefore trusts nothing, not even the job hash inside it, until the dialer's
 * first transport message decrypts: that needs the ee and se secrets of THIS session, i.e. the
 * dialer's ephemeral and static private keys. The dialer trusts the listener once message 2
 * decrypts (it answers the dialer's fresh ephemeral). Every failure before that point is a
 * `StrangerError`: the mesh logs and counts it and keeps waiting until its start-up deadline,
 * never blaming the party the stranger claimed to be.
 */

/**
 * Version of the Concord wire protocol (frames, control messages, handshake payload) and of the
 * protocols' shared derivations: parties that derive items differently would compute wrong
 * results without an error, so a change to either bumps it (2: dealer item keys by labelKey;
 * 3: dealer items as labelled streams of one key per seed, corrections batched as prep/batch).
 */
export const PROTOCOL_VERSION = 'concord/3';
const MAGIC = 0x43;
const HELLO_VERSION = 1;
/** Plaintext of the dialer's key-confirmation message (the first transport message). */
const CONFIRM = new TextEncoder().encode('concord-confirm/1');
/** Largest handshake payload we read (a job description is ~100 bytes). */
const MAX_JOB_PAYLOAD = 1024;

/** What one node knows about another: its id, address and static public key. */
export interface PeerKey {
  id: string;
  publicKey: Uint8Array;
}

export interface LinkSetup {
  myId: string;
  myKey: KeyPair;
  /** Job hash exchanged on this link (both ends must pass the same string). */
  jobHash: string;
  /**
   * Listener only: accept a job hash other than `jobHash` (the dealer, which has no job file,
   * accepts any session of its consortium); the listener then answers with the peer's hash.
   */
  acceptJob?: (theirs: string) => boolean;
  /** The handshake must finish by this time (Date.now() ms). */
  deadline: number;
  limits?: FrameLimits;
}

/**
 * A failure before the other side proved it holds its keys in this session: a stranger, a
 * replay, garbage, a close or a timeout. Not fatal for the mesh (it keeps waiting); `claimed`
 * is the id the connection named, `kind` what went wrong (for counting and the final message).
 */
export class StrangerError extends ConcordError {
  constructor(message: string, readonly kind: 'hello' | 'handshake' | 'confirm' | 'closed' | 'timeout' | 'aborted', readonly claimed?: string) {
    super('E_HANDSHAKE', message);
  }
}

function prologue(initiator: string, responder: string): Uint8Array {
  return new TextEncoder().encode(`concord-noise/1\0${initiator}\0${responder}`);
}

function encodeJob(jobHash: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: PROTOCOL_VERSION, job: jobHash }));
}

/** The peer's {v, job} payload; E_HANDSHAKE if unreadable (only called once the peer is authenticated). */
function decodeJob(peer: string, payload: Uint8Array): { v?: unknown; job?: unknown } {
  try {
    if (payload.length > MAX_JOB_PAYLOAD) throw new Error('too long');
    const j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as unknown;
    if (typeof j !== 'object' || j === null) throw new Error('not an object');
    return j as { v?: unknown; job?: unknown };
  } catch {
    throw new ConcordError('E_HANDSHAKE', `party ${peer} sent an unreadable job description in its handshake`, { party: peer });
  }
}

/** Throws E_JOB_MISMATCH unless the peer's payload names my version and job hash. */
function checkJob(peer: string, mine: string, theirs: { v?: unknown; job?: unknown }): void {
  if (theirs.v !== PROTOCOL_VERSION || theirs.job !== mine) {
    throw new ConcordError(
      'E_JOB_MISMATCH',
      `party ${peer} runs job ${String(theirs.job).slice(0, 200)} (${String(theirs.v).slice(0, 40)}) but this party runs job ${mine} (${PROTOCOL_VERSION}); every party must use the same job file and Concord version`,
      { party: peer },
    );
  }
}

/** Resolve with the next wire message, or reject on close / deadline with the given errors. */
function nextMessage(wire: Wire, deadline: number, onTimeout: () => Error, onClose: (code: number, reason: string) => Error): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      wire.terminate();
      reject(onTimeout());
    }, Math.max(0, deadline - Date.now()));
    wire.onClose((code, reason) => {
      clearTimeout(timer);
      reject(onClose(code, reason));
    });
    wire.onData((d, tail) => {
      clearTimeout(timer);
      wire.onData(undefined); // queue whatever follows until the link takes over
      resolve(wholeMessage(d, tail));
    });
  });
}

/** The hedged diagnosis of a failed handshake: keys differ, or the other side is not who it claims. */
export const keyMismatch = (peer: string, me: string): string =>
  `the Noise handshake with party ${peer} failed: its static key is not the one listed for ${peer}, or it does not hold our key for ${me} (or the connection was not from ${peer} at all); check both publicKey entries in the consortium file and the --key files`;

/** Dial side: run the handshake as initiator over a fresh wire; returns the live link. */
export async function dialHandshake(wire: Wire, peer: PeerKey, setup: LinkSetup): Promise<SecureLink> {
  const hs = new HandshakeState(CONCORD_SUITE, { pattern: 'KK', initiator: true, prologue: prologue(setup.myId, peer.id), s: setup.myKey, rs: peer.publicKey });
  const me = new TextEncoder().encode(setup.myId);
  const you = new TextEncoder().encode(peer.id);
  const m1 = hs.writeMessage(encodeJob(setup.jobHash));
  const hello = new Uint8Array(4 + me.length + you.length + m1.length);
  hello.set([MAGIC, HELLO_VERSION, me.length], 0);
  hello.set(me, 3);
  hello[3 + me.length] = you.length;
  hello.set(you, 4 + me.length);
  hello.set(m1, 4 + me.length + you.length);
  wire.send(hello);
  // Until message 2 decrypts, whoever answers at the peer's address is unauthenticated: its closes are only notes.
  const timeout = (): Error => new StrangerError(`the handshake with party ${peer.id} did not finish in time; is a Concord node of this consortium listening there?`, 'timeout', peer.id);
  const m2 = await nextMessage(wire, setup.deadline, timeout, (code, reason) => {
    const why = reason.slice(0, 123);
    if (code === CLOSE_CODES.handshake) return new StrangerError(keyMismatch(peer.id, setup.myId) + ' (rejected by the node at its address)', 'handshake', peer.id);
    if (code === CLOSE_CODES.unknownPeer) return new StrangerError(`the node at the address of party ${peer.id} does not know us as ${setup.myId}: ${why}`, 'hello', peer.id);
    // The peer gave up its own start-up; its reason names the root cause (e.g. a job mismatch with a third party).
    if (code === CLOSE_CODES.aborted) return new StrangerError(`party ${peer.id} stopped during start-up: ${why || 'no reason given'}`, 'aborted', peer.id);
    return new StrangerError(`party ${peer.id} closed the connection during the handshake (code ${code}${why ? `: ${why}` : ''})`, 'closed', peer.id);
  });
  let payload: Uint8Array;
  try {
    payload = hs.readMessage(m2);
  } catch {
    wire.close(CLOSE_CODES.handshake, 'handshake failed');
    throw new StrangerError(keyMismatch(peer.id, setup.myId), 'handshake', peer.id);
  }
  // Authenticated: message 2 answered our fresh ephemeral under the listed key. Confirm, then check the job.
  const result = hs.result;
  wire.send(result.send.encryptWithAd(EMPTY, CONFIRM));
  const theirs = decodeJob(peer.id, payload);
  return finishLink(wire, result, peer.id, () => checkJob(peer.id, setup.jobHash, theirs), setup, setup.jobHash);
}

/** Run the job check (E_JOB_MISMATCH closes the wire) and open the transport link. */
function finishLink(wire: Wire, result: HandshakeResult, peerId: string, check: () => void, setup: LinkSetup, session: string): SecureLink {
  try {
    check();
  } catch (e) {
    wire.close(CLOSE_CODES.jobMismatch, 'job mismatch');
    throw e;
  }
  const link = new SecureLink(peerId, wire, result, setup.limits);
  link.session = session;
  return link;
}

/** Parse the dialer's hello; undefined if it is not one. */
function parseHello(d: Uint8Array): { from: string; to: string; m1: Uint8Array } | undefined {
  if (d.length < 4 || d[0] !== MAGIC || d[1] !== HELLO_VERSION) return undefined;
  const fl = d[2]!;
  if (d.length < 4 + fl) return undefined;
  const tl = d[3 + fl]!;
  if (d.length < 4 + fl + tl) return undefined;
  const dec = new TextDecoder('utf-8', { fatal: true });
  try {
    return { from: dec.decode(d.subarray(3, 3 + fl)), to: dec.decode(d.subarray(4 + fl, 4 + fl + tl)), m1: d.subarray(4 + fl + tl) };
  } catch {
    return undefined;
  }
}

/** Printable, bounded form of an id a stranger sent. */
const shown = (s: string): string => JSON.stringify(s.slice(0, 64));

/**
 * Listen side: read the hello, run the handshake as responder, wait for the dialer's key
 * confirmation. `lookup` says whom we expect; `onAwaitingConfirm` hears when message 2 is out
 * (so a deadline that strikes first can say what was seen). Everything before the confirmation
 * decrypts is a StrangerError (the mesh keeps listening); the job check after it is fatal.
 */
export async function acceptHandshake(wire: Wire, lookup: (id: string) => PeerKey | undefined, setupFor: (peerId: string) => LinkSetup, deadline: number, onAwaitingConfirm?: (peerId: string) => void): Promise<SecureLink> {
  const first = await nextMessage(
    wire,
    deadline,
    () => new StrangerError('no hello before the deadline', 'timeout'),
    (code) => new StrangerError(`closed before hello (code ${code})`, 'closed'),
  );
  const hello = parseHello(first);
  if (!hello) {
    wire.close(CLOSE_CODES.unknownPeer, 'not a Concord hello');
    throw new StrangerError('not a Concord hello', 'hello');
  }
  const peer = lookup(hello.from);
  const setup = setupFor(hello.from);
  if (!peer || hello.to !== setup.myId) {
    wire.close(CLOSE_CODES.unknownPeer, `unexpected connection from ${shown(hello.from)} to ${shown(hello.to)}`.slice(0, 123));
    throw new StrangerError(`unexpected hello from ${shown(hello.from)} to ${shown(hello.to)}`, 'hello');
  }
  const hs = new HandshakeState(CONCORD_SUITE, { pattern: 'KK', initiator: false, prologue: prologue(peer.id, setup.myId), s: setup.myKey, rs: peer.publicKey });
  let payload: Uint8Array;
  try {
    payload = hs.readMessage(hello.m1);
  } catch {
    wire.close(CLOSE_CODES.handshake, 'handshake failed');
    throw new StrangerError(`a connection claiming to be party ${peer.id} failed the Noise handshake (message 1)`, 'handshake', peer.id);
  }
  // Not yet trusted (message 1 may be a replay): read the job only to answer with the right hash.
  let theirs: { v?: unknown; job?: unknown } | undefined;
  try {
    theirs = decodeJob(peer.id, payload);
  } catch {
    theirs = undefined;
  }
  const accepted = theirs !== undefined && typeof theirs.job === 'string' && theirs.v === PROTOCOL_VERSION && setup.acceptJob?.(theirs.job) === true;
  const myJob = accepted ? (theirs!.job as string) : setup.jobHash;
  wire.send(hs.writeMessage(encodeJob(myJob)));
  onAwaitingConfirm?.(peer.id);
  const result = hs.result;
  const confirm = await nextMessage(
    wire,
    deadline,
    () => new StrangerError(`a connection claiming to be party ${peer.id} never confirmed its keys (a replayed handshake message?)`, 'confirm', peer.id),
    (code) => new StrangerError(`a connection claiming to be party ${peer.id} closed before confirming its keys (code ${code})`, 'confirm', peer.id),
  );
  let plain: Uint8Array | undefined;
  try {
    plain = result.recv.decryptWithAd(EMPTY, confirm);
  } catch {
    plain = undefined;
  }
  if (!plain || !equalBytes(plain, CONFIRM)) {
    wire.close(CLOSE_CODES.handshake, 'handshake failed');
    throw new StrangerError(`a connection claiming to be party ${peer.id} failed its key confirmation (a replayed handshake message?)`, 'confirm', peer.id);
  }
  // Authenticated in this session: from here on, failures are the peer's.
  return finishLink(wire, result, peer.id, () => checkJob(peer.id, myJob, theirs ?? decodeJob(peer.id, payload)), setup, myJob);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
