/**
 * Base oblivious transfers over ristretto255: Chou and Orlandi, "The Simplest Protocol for
 * Oblivious Transfer", LATINCRYPT 2015 (batched: one sender point for all transfers).
 *
 *   sender:   y ← Z_q, S = y·G                            → S        (32 bytes)
 *   receiver: x_j ← Z_q, R_j = c_j·S + x_j·G; k_j = H(j, S, R_j, x_j·S)   → R_1..R_κ (32·κ bytes)
 *   sender:   k_j^0 = H(j, S, R_j, y·R_j),  k_j^1 = H(j, S, R_j, y·R_j − y·S)
 *
 * Rounds: 2 messages (S, then the R_j). Security: semi-honest (the setting of Concord), CDH in
 * the random-oracle model; R_j is uniform whatever c_j, so the sender learns nothing, and the
 * receiver cannot compute the other key without y. (The UC claim of the original paper was
 * found flawed by Genç, Iovino, Rial, ePrint 2017/370; that does not affect passive security.)
 * Written as round functions over bytes: the caller moves the messages.
 */
import { ristretto255 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConcordError } from '../../../src/errors.js';
import type { Prg } from '../../../src/crypto/prg.js';

// Annotated so the declaration emit (package "types") can name the point type.
const Point: typeof ristretto255.Point = ristretto255.Point;
type RPoint = InstanceType<typeof Point>;
const ORDER = Point.Fn.ORDER;
const POINT_BYTES = 32;
const DOMAIN = new TextEncoder().encode('concord/ot/base-co15');

/** Number of base OTs per ordered pair (the IKNP security parameter κ). */
export const KAPPA = 128;

function scalar(prg: Prg): bigint {
  const b = prg.bytes(64);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  const s = v % ORDER;
  return s === 0n ? 1n : s;
}

function decodePoint(bytes: Uint8Array, what: string): RPoint {
  let p: RPoint;
  try {
    p = Point.fromBytes(bytes);
  } catch (e) {
    throw new ConcordError('E_FRAME', `base OT: ${what} is not a valid ristretto255 point encoding; the peer is faulty or runs a different version`, { cause: e });
  }
  if (p.is0()) throw new ConcordError('E_FRAME', `base OT: ${what} is the identity point; refusing it`);
  return p;
}

function kdf(j: number, s: Uint8Array, r: Uint8Array, p: RPoint): Uint8Array {
  const buf = new Uint8Array(DOMAIN.length + 4 + 3 * POINT_BYTES);
  buf.set(DOMAIN, 0);
  new DataView(buf.buffer).setUint32(DOMAIN.length, j);
  buf.set(s, DOMAIN.length + 4);
  buf.set(r, DOMAIN.length + 4 + POINT_BYTES);
  buf.set(p.toBytes(), DOMAIN.length + 4 + 2 * POINT_BYTES);
  return sha256(buf).subarray(0, 16);
}

/** Sender state between its two steps. */
export interface BaseOtSender {
  y: bigint;
  sBytes: Uint8Array;
  t: RPoint;
}

/** Sender, step 1: the message S (32 bytes) and the state to keep. */
export function baseOtSenderStart(prg: Prg): { state: BaseOtSender; msg: Uint8Array } {
  const y = scalar(prg);
  const s = Point.BASE.multiply(y);
  const sBytes = s.toBytes();
  return { state: { y, sBytes, t: s.multiply(y) }, msg: sBytes };
}

/** Receiver: given S and its choice bits, the message R_1..R_κ and its κ chosen keys (16 bytes each). */
export function baseOtReceive(prg: Prg, choices: readonly number[], sMsg: Uint8Array): { keys: Uint8Array[]; msg: Uint8Array } {
  if (sMsg.length !== POINT_BYTES) throw new ConcordError('E_FRAME', `base OT: sender message must be ${POINT_BYTES} bytes, got ${sMsg.length}`);
  const s = decodePoint(sMsg, 'sender point S');
  const msg = new Uint8Array(choices.length * POINT_BYTES);
  const keys: Uint8Array[] = [];
  choices.forEach((c, j) => {
    const x = scalar(prg);
    const xg = Point.BASE.multiply(x);
    const r = c ? xg.add(s) : xg;
    const rBytes = r.toBytes();
    msg.set(rBytes, j * POINT_BYTES);
    keys.push(kdf(j, sMsg, rBytes, s.multiply(x)));
  });
  return { keys, msg };
}

/** Sender, step 2: from the receiver's message, both keys of every transfer. */
export function baseOtSenderFinish(state: BaseOtSender, rMsg: Uint8Array, count: number): [Uint8Array, Uint8Array][] {
  if (rMsg.length !== count * POINT_BYTES) throw new ConcordError('E_FRAME', `base OT: receiver message must be ${count * POINT_BYTES} bytes, got ${rMsg.length}`);
  const out: [Uint8Array, Uint8Array][] = [];
  for (let j = 0; j < count; j++) {
    const rBytes = rMsg.subarray(j * POINT_BYTES, (j + 1) * POINT_BYTES);
    const yr = decodePoint(rBytes, `receiver point R_${j}`).multiply(state.y);
    out.push([kdf(j, state.sBytes, rBytes, yr), kdf(j, state.sBytes, rBytes, yr.subtract(state.t))]);
  }
  return out;
}
