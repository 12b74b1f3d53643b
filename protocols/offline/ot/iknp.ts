/**
 * Correlated OT extension: Ishai, Kilian, Nissim, Petrank, "Extending Oblivious Transfers
 * Efficiently", CRYPTO 2003 (semi-honest variant), with κ = 128 base OTs in the reverse direction.
 *
 * Setup: the extension sender picks Δ ∈ {0,1}^128 and receives k_j^{Δ_j} from κ base OTs in
 * which the extension receiver holds (k_j^0, k_j^1).
 * Extension of m OTs with choice bits r (one message, receiver → sender, 16·m bytes):
 *   receiver: t^j = G(k_j^0), u^j = t^j ⊕ G(k_j^1) ⊕ r   for j < 128; sends u
 *   sender:   q^j = G(k_j^{Δ_j}) ⊕ Δ_j·u^j = t^j ⊕ Δ_j·r
 * Transposing gives, per OT k, 128-bit rows with t_k = q_k ⊕ r_k·Δ (a correlated OT; hashing
 * with a correlation-robust hash turns it into OT). G is AES-128-CTR keyed by the seed, on a
 * stream named by the extension id, so extensions can run in any order and concurrently.
 * Security: semi-honest; u is one-time-padded by G(k_j^1), unknown to the sender.
 */
import { Prg } from '../../../src/crypto/prg.js';
import { ConcordError } from '../../../src/errors.js';
import { transposeBits } from './bitmatrix.js';
import { KAPPA } from './base-ot.js';

/** What the extension sender keeps from the base OTs. */
export interface CotSenderKeys {
  /** Δ as 4 little-endian words. */
  delta: Uint32Array;
  /** k_j^{Δ_j}. */
  seeds: Uint8Array[];
}

/** What the extension receiver keeps from the base OTs. */
export interface CotReceiverKeys {
  seeds0: Uint8Array[];
  seeds1: Uint8Array[];
}

/** Round m up to the block size of the transpose kernel (64). */
export function paddedCount(m: number): number {
  return Math.ceil(m / 64) * 64;
}

/** Bit j of Δ. */
export function deltaBit(delta: Uint32Array, j: number): number {
  return (delta[j >>> 5]! >>> (j & 31)) & 1;
}

function expand(seed: Uint8Array, extId: number, row: Uint32Array): void {
  new Prg(seed, extId, 0).fill(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
}

/**
 * Receiver: from choice bits (m bits, LSB-first words; m a multiple of 32) the message u
 * (128·m/8 bytes) for the sender and the rows t_k (4 words per OT).
 */
export function iknpReceive(keys: CotReceiverKeys, extId: number, choice: Uint32Array, m: number): { u: Uint8Array; t: Uint32Array } {
  if (m % 32 !== 0) throw new ConcordError('E_INTERNAL', `iknpReceive: ${m} OTs is not a multiple of 32`);
  const w = m >>> 5;
  if (choice.length < w) throw new ConcordError('E_INTERNAL', `iknpReceive: ${choice.length} choice words for ${m} OTs`);
  const tCols = new Uint32Array(KAPPA * w);
  const u = new Uint32Array(KAPPA * w);
  // int32 views for the XOR loops: uint32 reads above 2^31 would leave the JIT's integer path
  const ti = new Int32Array(tCols.buffer), ui = new Int32Array(u.buffer), ci = new Int32Array(choice.buffer, choice.byteOffset, w);
  for (let j = 0; j < KAPPA; j++) {
    const o = j * w;
    expand(keys.seeds0[j]!, extId, tCols.subarray(o, o + w));
    expand(keys.seeds1[j]!, extId, u.subarray(o, o + w));
    for (let i = 0; i < w; i++) ui[o + i] = ui[o + i]! ^ ti[o + i]! ^ ci[i]!;
  }
  return { u: new Uint8Array(u.buffer), t: transposeBits(tCols, KAPPA, m) };
}

/** Sender: from the receiver's u, the rows q_k (4 words per OT) with t_k = q_k ⊕ r_k·Δ. */
export function iknpSend(keys: CotSenderKeys, extId: number, uBytes: Uint8Array, m: number): Uint32Array {
  const w = m >>> 5;
  if (m % 32 !== 0 || uBytes.length !== KAPPA * w * 4) {
    throw new ConcordError('E_FRAME', `OT extension: expected ${KAPPA * w * 4} bytes of u for ${m} OTs, got ${uBytes.length}`);
  }
  const u = uBytes.byteOffset % 4 === 0 ? new Int32Array(uBytes.buffer, uBytes.byteOffset, uBytes.length >>> 2) : new Int32Array(uBytes.slice().buffer);
  const qCols = new Uint32Array(KAPPA * w);
  const qi = new Int32Array(qCols.buffer);
  for (let j = 0; j < KAPPA; j++) {
    const o = j * w;
    expand(keys.seeds[j]!, extId, qCols.subarray(o, o + w));
    if (deltaBit(keys.delta, j)) for (let i = 0; i < w; i++) qi[o + i] = qi[o + i]! ^ u[o + i]!;
  }
  return transposeBits(qCols, KAPPA, m);
}
