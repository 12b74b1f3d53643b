/**
 * The pairwise OT machinery of one party, driven over the Session: base OTs with every peer in
 * both directions (once per session), then batched extensions that run the vector-OLE (gilboa.ts)
 * and bit-AND (bit-ole.ts) correlations with one or all peers.
 * Message naming: every message goes under the tag of the online request that caused it, with
 * kind `ot/<extension id>/<step>`; extension ids are assigned in the same order by every party.
 * Rounds: base OTs 3 messages; each extension 2 messages per ordered pair, all pairs in parallel.
 */
import { ConcordError, isConcordError } from '../../../src/errors.js';
import type { Prg } from '../../../src/crypto/prg.js';
import type { Session } from '../../../src/session/session.js';
import { KAPPA, baseOtReceive, baseOtSenderFinish, baseOtSenderStart } from './base-ot.js';
import { iknpReceive, iknpSend, type CotReceiverKeys, type CotSenderKeys } from './iknp.js';
import { ccrHash, ccrKey } from './hash.js';
import { messageBytes, oleReceiveFinish, oleReceiveStart, oleSend, type OleLayout } from './gilboa.js';
import { andReceiveFinish, andReceiveStart, andSend } from './bit-ole.js';

/** Extension keys with one peer: as extension sender (to the peer) and as receiver (from it). */
export interface PairKeys {
  send: CotSenderKeys;
  recv: CotReceiverKeys;
}

/** OT keys with every peer (undefined at my own index). */
export type OtKeys = (PairKeys | undefined)[];

/**
 * Base OTs with every peer [CO15], one direction per pair; the other direction's base OTs come
 * from 128 random OTs of the first direction's extension, with the new sender's Δ as choices
 * (the "OT extension for the reverse direction" trick, as in libOTe/MP-SPDZ setups): half the
 * public-key work. Of each pair the lower index is the CO15 sender (= first IKNP receiver).
 * Messages: S (32 B), R_1..R_128 (4 KiB), u of the reverse ROTs (2 KiB): 3 flights.
 * `prg(peer)` gives this party's local randomness for that pair (Δ and the base-OT scalars).
 */
export async function setupOt(s: Session, tag: number, prg: (peer: number) => Prg): Promise<OtKeys> {
  const keys: OtKeys = new Array(s.n).fill(undefined);
  await Promise.all(s.peers.map((j) => setupPair(s, tag, j, prg(j), keys).catch((e: unknown) => {
    if (!isConcordError(e, 'E_FRAME')) throw e;
    const named = new ConcordError('E_FRAME', `base OTs with party ${s.ids[j]}: ${e.message}`, { party: s.ids[j]!, cause: e });
    s.abort(named);
    throw named;
  })));
  return keys;
}

/** Base OTs with one peer (see setupOt). */
async function setupPair(s: Session, tag: number, j: number, rnd: Prg, keys: OtKeys): Promise<void> {
  const delta = new Uint32Array(rnd.bytes(16).buffer);
  if (s.me < j) {
    // CO15 sender → I hold both seeds (IKNP receiver towards j)
    const start = baseOtSenderStart(rnd);
    s.sendBytes(j, tag, start.msg, 'ot/base/S');
    const pairs = baseOtSenderFinish(start.state, await s.recvBytes(j, tag, 'ot/base/R'), KAPPA);
    const recv: CotReceiverKeys = { seeds0: pairs.map((p) => p[0]), seeds1: pairs.map((p) => p[1]) };
    // reverse direction: random OTs with my Δ as choices give me k^{Δ_b}
    const { u, t } = iknpReceive(recv, REVERSE_EXT, delta, KAPPA);
    s.sendBytes(j, tag, u, 'ot/base/u');
    const h = ccrHash(ccrKey(REVERSE_EXT), t, KAPPA);
    keys[j] = { recv, send: { delta, seeds: seedsOf(h) } };
  } else {
    // CO15 receiver with choice bits Δ → I get k^{Δ_b} (IKNP sender towards j)
    const choices = Array.from({ length: KAPPA }, (_, b) => (delta[b >>> 5]! >>> (b & 31)) & 1);
    const rec = baseOtReceive(rnd, choices, await s.recvBytes(j, tag, 'ot/base/S'));
    s.sendBytes(j, tag, rec.msg, 'ot/base/R');
    const send: CotSenderKeys = { delta, seeds: rec.keys };
    const q = iknpSend(send, REVERSE_EXT, await s.recvBytes(j, tag, 'ot/base/u'), KAPPA);
    const key = ccrKey(REVERSE_EXT);
    keys[j] = { send, recv: { seeds0: seedsOf(ccrHash(key, q, KAPPA)), seeds1: seedsOf(ccrHash(key, q, KAPPA, 1, delta)) } };
  }
}

/** Extension id of the setup's reverse-direction random OTs (batches use ids ≥ 256). */
const REVERSE_EXT = 1;

/** 16-byte seeds from hash outputs (one 128-bit block each). */
function seedsOf(h: Uint32Array): Uint8Array[] {
  return Array.from({ length: KAPPA }, (_, b) => new Uint8Array(h.buffer.slice(h.byteOffset + 16 * b, h.byteOffset + 16 * (b + 1))));
}

function pair(keys: OtKeys, peer: number): PairKeys {
  const k = keys[peer];
  if (!k) throw new ConcordError('E_INTERNAL', `no OT keys with party ${peer}`);
  return k;
}

/** Receive an OT message of a known length; anything else aborts the session naming the peer. */
async function recvExact(s: Session, peer: number, tag: number, kind: string, bytes: number): Promise<Uint8Array> {
  const b = await s.recvBytes(peer, tag, kind);
  if (b.length !== bytes) {
    const e = new ConcordError('E_FRAME', `party ${s.ids[peer]} sent ${b.length} bytes for OT message ${kind} (tag ${tag}), expected ${bytes}; it is faulty or runs a different version`, { party: s.ids[peer]! });
    s.abort(e);
    throw e;
  }
  return b;
}

/** Vector OLE with `peer` as sender: my share of x_peer·y (layout as in gilboa.ts). */
export async function oleAsSender(s: Session, keys: OtKeys, peer: number, tag: number, ext: number, l: OleLayout, y: Uint32Array): Promise<Uint32Array> {
  const u = await recvExact(s, peer, tag, `ot/${ext}/u`, messageBytes(l).u);
  const { d, share } = oleSend(pair(keys, peer).send, ext, u, l, y);
  s.sendBytes(peer, tag, d, `ot/${ext}/d`);
  return share;
}

/** Vector OLE with `peer` as receiver: my share of x·y_peer. */
export async function oleAsReceiver(s: Session, keys: OtKeys, peer: number, tag: number, ext: number, l: OleLayout, x: Uint32Array): Promise<Uint32Array> {
  const { u, state } = oleReceiveStart(pair(keys, peer).recv, ext, x, l);
  s.sendBytes(peer, tag, u, `ot/${ext}/u`);
  return oleReceiveFinish(state, ext, x, await recvExact(s, peer, tag, `ot/${ext}/d`, messageBytes(l).d), l);
}

/** Add 64-bit little-endian word pairs: acc += v. */
export function addWords(acc: Uint32Array, v: Uint32Array): void {
  for (let i = 0; i < acc.length; i += 2) {
    const lo = acc[i]! + v[i]!;
    acc[i] = lo >>> 0;
    acc[i + 1] = (acc[i + 1]! + v[i + 1]! + (lo > 0xffffffff ? 1 : 0)) >>> 0;
  }
}

/**
 * Cross terms with every peer in both directions: my share of Σ_{j≠me} (x_me·y_j + x_j·y_me).
 * All 2(n−1) extensions run concurrently: 2 message rounds in total.
 */
export async function oleCross(s: Session, keys: OtKeys, tag: number, ext: number, l: OleLayout, x: Uint32Array, y: Uint32Array): Promise<Uint32Array> {
  const parts = await Promise.all(s.peers.flatMap((j) => [oleAsReceiver(s, keys, j, tag, ext, l, x), oleAsSender(s, keys, j, tag, ext, l, y)]));
  const acc = new Uint32Array(l.outRows * l.len * 2);
  for (const p of parts) addWords(acc, p);
  return acc;
}

/** XOR cross terms with every peer: my XOR share of ⊕_{j≠me} (x_me ∧ y_j ⊕ x_j ∧ y_me), m bits. */
export async function andCross(s: Session, keys: OtKeys, tag: number, ext: number, x: Uint32Array, y: Uint32Array, m: number): Promise<Uint32Array> {
  const parts = await Promise.all(s.peers.flatMap((j) => [
    (async () => {
      const { u, state } = andReceiveStart(pair(keys, j).recv, ext, x, m);
      s.sendBytes(j, tag, u, `ot/${ext}/u`);
      return andReceiveFinish(state, x, await recvExact(s, j, tag, `ot/${ext}/d`, m / 8), m);
    })(),
    (async () => {
      const { d, share } = andSend(pair(keys, j).send, ext, await recvExact(s, j, tag, `ot/${ext}/u`, 16 * m), y, m);
      s.sendBytes(j, tag, d, `ot/${ext}/d`);
      return share;
    })(),
  ]));
  const acc = new Uint32Array(m >>> 5);
  for (const p of parts) for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! ^ p[i]!;
  return acc;
}
