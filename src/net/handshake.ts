import { ConcordError } from '../errors.js';
import { HandshakeState, type KeyPair } from '../crypto/noise.js';
import { CONCORD_SUITE } from '../crypto/noise-suites.js';
import type { FrameLimits } from './frame.js';
import { CLOSE_CODES, SecureLink } from './link.js';
import type { Wire } from './wire.js';

/**
 * Link set-up between two Concord nodes over a wire (Noise_KK_25519_AESGCM_SHA256):
 *
 *   dialer → listener:  'C' 0x01  len(myId) myId  len(yourId) yourId  noise-msg-1(payload = job)
 *   listener → dialer:  noise-msg-2(payload = job)
 *
 * The ids travel in clear (the listener must know whose static key to expect, as KK requires)
 * and are bound into the prologue, so changing them breaks the handshake. The payloads, encrypted
 * under the DH results, carry {v: protocol version, job: job hash}; both sides compare them and
 * refuse to continue on a mismatch (E_JOB_MISMATCH). The listener always answers message 2
 * before closing on a mismatch, so both ends can name both hashes.
 */

/** Version of the Concord wire protocol (frames, control messages, handshake payload). */
export const PROTOCOL_VERSION = 'concord/1';
const MAGIC = 0x43;
const HELLO_VERSION = 1;

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
  /** The handshake must finish by this time (Date.now() ms). */
  deadline: number;
  limits?: FrameLimits;
}

function prologue(initiator: string, responder: string): Uint8Array {
  return new TextEncoder().encode(`concord-noise/1\0${initiator}\0${responder}`);
}

function encodeJob(jobHash: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: PROTOCOL_VERSION, job: jobHash }));
}

/** Throws E_JOB_MISMATCH unless the peer's payload names my version and job hash. */
function checkJob(peer: string, mine: string, payload: Uint8Array): void {
  let theirs: { v?: unknown; job?: unknown };
  try {
    theirs = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as { v?: unknown; job?: unknown };
  } catch {
    throw new ConcordError('E_HANDSHAKE', `party ${peer} sent an unreadable job description in its handshake`, { party: peer });
  }
  if (theirs.v !== PROTOCOL_VERSION || theirs.job !== mine) {
    throw new ConcordError(
      'E_JOB_MISMATCH',
      `party ${peer} runs job ${String(theirs.job)} (${String(theirs.v)}) but this party runs job ${mine} (${PROTOCOL_VERSION}); every party must use the same job file and Concord version`,
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
    wire.onData((d) => {
      clearTimeout(timer);
      wire.onData(undefined); // queue whatever follows until the link takes over
      resolve(d);
    });
  });
}

const keyMismatch = (peer: string, me: string): string =>
  `the Noise handshake with party ${peer} failed: its static key is not the one listed for ${peer}, or it does not hold our key for ${me}; check both publicKey entries in the consortium file and the --key files`;

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
  const timeout = (): Error => new ConcordError('E_HANDSHAKE', `the handshake with party ${peer.id} did not finish in time; is a Concord node of this consortium listening there?`, { party: peer.id });
  const m2 = await nextMessage(wire, setup.deadline, timeout, (code, reason) => {
    if (code === CLOSE_CODES.handshake) return new ConcordError('E_HANDSHAKE', keyMismatch(peer.id, setup.myId) + ' (rejected by the peer)', { party: peer.id });
    if (code === CLOSE_CODES.unknownPeer) return new ConcordError('E_HANDSHAKE', `party ${peer.id} does not know us as ${setup.myId}: ${reason}`, { party: peer.id });
    // The peer gave up its own start-up; its reason names the root cause (e.g. a job mismatch with a third party).
    if (code === CLOSE_CODES.aborted) return new ConcordError('E_ABORTED', `party ${peer.id} stopped during start-up: ${reason || 'no reason given'}`, { party: peer.id });
    return new ConcordError('E_HANDSHAKE', `party ${peer.id} closed the connection during the handshake (code ${code}${reason ? `: ${reason}` : ''})`, { party: peer.id });
  });
  const payload = readPeerMessage(hs, wire, m2, peer.id, setup);
  return finishLink(hs, wire, payload, peer.id, setup);
}

/** Read the peer's handshake message; a failure means the keys do not match (E_HANDSHAKE). */
function readPeerMessage(hs: HandshakeState, wire: Wire, message: Uint8Array, peerId: string, setup: LinkSetup): Uint8Array {
  try {
    return hs.readMessage(message);
  } catch (e) {
    wire.close(CLOSE_CODES.handshake, 'handshake failed');
    throw new ConcordError('E_HANDSHAKE', keyMismatch(peerId, setup.myId), { party: peerId, cause: e });
  }
}

/** Check the peer's job hash (E_JOB_MISMATCH closes the wire) and open the transport link. */
function finishLink(hs: HandshakeState, wire: Wire, payload: Uint8Array, peerId: string, setup: LinkSetup): SecureLink {
  try {
    checkJob(peerId, setup.jobHash, payload);
  } catch (e) {
    wire.close(CLOSE_CODES.jobMismatch, 'job mismatch');
    throw e;
  }
  return new SecureLink(peerId, wire, hs.result, setup.limits);
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

/** Thrown by acceptHandshake for connections that are not from a node we expect (ignored by the mesh). */
export class StrangerError extends Error {}

/** Listen side: read the hello, run the handshake as responder. `lookup` says whom we expect. */
export async function acceptHandshake(wire: Wire, lookup: (id: string) => PeerKey | undefined, setupFor: (peerId: string) => LinkSetup, deadline: number): Promise<SecureLink> {
  const first = await nextMessage(
    wire,
    deadline,
    () => new StrangerError('no hello before the deadline'),
    (code) => new StrangerError(`closed before hello (code ${code})`),
  );
  const hello = parseHello(first);
  if (!hello) {
    wire.close(CLOSE_CODES.unknownPeer, 'not a Concord hello');
    throw new StrangerError('not a Concord hello');
  }
  const peer = lookup(hello.from);
  const setup = setupFor(hello.from);
  if (!peer || hello.to !== setup.myId) {
    wire.close(CLOSE_CODES.unknownPeer, `unexpected connection from "${hello.from.slice(0, 64)}" to "${hello.to.slice(0, 64)}"`);
    throw new StrangerError(`unexpected hello from ${hello.from} to ${hello.to}`);
  }
  const hs = new HandshakeState(CONCORD_SUITE, { pattern: 'KK', initiator: false, prologue: prologue(peer.id, setup.myId), s: setup.myKey, rs: peer.publicKey });
  const payload = readPeerMessage(hs, wire, hello.m1, peer.id, setup);
  wire.send(hs.writeMessage(encodeJob(setup.jobHash)));
  return finishLink(hs, wire, payload, peer.id, setup);
}
