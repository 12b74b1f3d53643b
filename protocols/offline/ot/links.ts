/**
 * The pairwise OT machinery of one party, driven over the Session: base OTs with every peer in
 * both directions (once per session), then batched extensions that run the vector-OLE (gilboa.ts)
 * and bit-AND (bit-ole.ts) correlations with one or all peers.
 * Message naming: every message goes under the tag of the online request that caused it, with
 * kind `ot/<extension id>/<step>`; extension ids are assigned in the same order by every party.
 * Rounds: base OTs 2 messages; each extension 2 messages per ordered pair, all pairs in parallel.
 */
import { ConcordError } from '../../../src/errors.js';
import type { Prg } from '../../../src/crypto/prg.js';
import type { Session } from '../../../src/session/session.js';
import { KAPPA, baseOtReceive, baseOtSenderFinish, baseOtSenderStart } from './base-ot.js';
import type { CotReceiverKeys, CotSenderKeys } from './iknp.js';
import { oleReceiveFinish, oleReceiveStart, oleSend, type OleLayout } from './gilboa.js';
import { andReceiveFinish, andReceiveStart, andSend } from './bit-ole.js';

/** Extension keys with one peer: as extension sender (to the peer) and as receiver (from it). */
export interface PairKeys {
  send: CotSenderKeys;
  recv: CotReceiverKeys;
}

/** OT keys with every peer (undefined at my own index). */
export type OtKeys = (PairKeys | undefined)[];

/**
 * Base OTs with every peer, both directions at once [CO15]. `prg(peer)` gives this party's
 * local randomness for that pair (Δ and the base-OT scalars).
 */
export async function setupOt(s: Session, tag: number, prg: (peer: number) => Prg): Promise<OtKeys> {
  const keys: OtKeys = new Array(s.n).fill(undefined);
  await Promise.all(s.peers.map(async (j) => {
    const rnd = prg(j);
    // as extension receiver I am the base-OT sender
    const start = baseOtSenderStart(rnd);
    s.sendBytes(j, tag, start.msg, 'ot/base/S');
    // as extension sender I am the base-OT receiver with choice bits Δ
    const delta = new Uint32Array(rnd.bytes(16).buffer);
    const choices = Array.from({ length: KAPPA }, (_, b) => (delta[b >>> 5]! >>> (b & 31)) & 1);
    const rec = baseOtReceive(rnd, choices, await s.recvBytes(j, tag, 'ot/base/S'));
    s.sendBytes(j, tag, rec.msg, 'ot/base/R');
    const pairs = baseOtSenderFinish(start.state, await s.recvBytes(j, tag, 'ot/base/R'), KAPPA);
    keys[j] = {
      send: { delta, seeds: rec.keys },
      recv: { seeds0: pairs.map((p) => p[0]), seeds1: pairs.map((p) => p[1]) },
    };
  }));
  return keys;
}

function pair(keys: OtKeys, peer: number): PairKeys {
  const k = keys[peer];
  if (!k) throw new ConcordError('E_INTERNAL', `no OT keys with party ${peer}`);
  return k;
}

/** Vector OLE with `peer` as sender: my share of x_peer·y (layout as in gilboa.ts). */
export async function oleAsSender(s: Session, keys: OtKeys, peer: number, tag: number, ext: number, l: OleLayout, y: Uint32Array): Promise<Uint32Array> {
  const u = await s.recvBytes(peer, tag, `ot/${ext}/u`);
  const { d, share } = oleSend(pair(keys, peer).send, ext, u, l, y);
  s.sendBytes(peer, tag, d, `ot/${ext}/d`);
  return share;
}

/** Vector OLE with `peer` as receiver: my share of x·y_peer. */
export async function oleAsReceiver(s: Session, keys: OtKeys, peer: number, tag: number, ext: number, l: OleLayout, x: Uint32Array): Promise<Uint32Array> {
  const { u, t } = oleReceiveStart(pair(keys, peer).recv, ext, x, l);
  s.sendBytes(peer, tag, u, `ot/${ext}/u`);
  return oleReceiveFinish(t, ext, x, await s.recvBytes(peer, tag, `ot/${ext}/d`), l);
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
      const { u, t } = andReceiveStart(pair(keys, j).recv, ext, x, m);
      s.sendBytes(j, tag, u, `ot/${ext}/u`);
      return andReceiveFinish(t, ext, x, await s.recvBytes(j, tag, `ot/${ext}/d`), m);
    })(),
    (async () => {
      const { d, share } = andSend(pair(keys, j).send, ext, await s.recvBytes(j, tag, `ot/${ext}/u`), y, m);
      s.sendBytes(j, tag, d, `ot/${ext}/d`);
      return share;
    })(),
  ]));
  const acc = new Uint32Array(m >>> 5);
  for (const p of parts) for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! ^ p[i]!;
  return acc;
}
