/**
 * Vector oblivious linear evaluation over Z_2^64 from correlated OT: Gilboa, "Two Party RSA Key
 * Generation", CRYPTO 1999 (as used for triples by SecureML, Mohassel–Zhang S&P 2017, §4 and
 * MASCOT, Keller–Orsini–Scholl CCS 2016, without the malicious checks).
 *
 * The receiver holds choice elements x_p (w bits each: w = 64 for ring elements, 1 for bits);
 * the sender holds vectors y_{yRow(p)} of L ring elements. For every bit l of x_p one correlated
 * OT k = p·w + l; with h0 = H(q_k), h1 = H(q_k ⊕ Δ), H(t_k) = h_{c_k} (hash.ts):
 *   sender sends  d = h1 − h0 − y  (only the low ⌈(64 − l)/8⌉ bytes: the rest vanishes after ·2^l)
 *   receiver:     o = H(t_k) − c_k·d = h0 + c_k·y
 * so Σ_l 2^l·o (receiver) and −Σ_l 2^l·h0 (sender) are additive shares of x_p·y. Outputs are
 * summed into rows oRow(p), which turns vector OLE into matrix products (C = A·B row by row).
 * Rounds: 2 messages (u from the receiver, d from the sender).
 * Bytes: receiver → sender 16 per OT; sender → receiver per OT and element ⌈(64 − l)/8⌉
 * (288 per 64-bit choice element and message element, 8 per 1-bit choice).
 * Security: semi-honest; d is masked by h1, pseudo-random to a receiver with c_k = 0, and the
 * receiver's choice bits are hidden by IKNP.
 */
import { ConcordError } from '../../../src/errors.js';
import { elementReceiveFinish, elementReceiveStart, elementSend, type ElementReceiverState } from './element-ot.js';
import { ccrHash, ccrHashPair, ccrKey } from './hash.js';
import { iknpReceive, iknpSend, paddedCount, type CotReceiverKeys, type CotSenderKeys } from './iknp.js';
import { gilboaCorrectionBytes } from './kernel.js';

const TWO32 = 4294967296;
/** Largest number of hash blocks handled at once (bounds memory: 16 bytes each, twice). */
const CHUNK_BLOCKS = 1 << 19;

/** Shape of one vector-OLE batch. */
export interface OleLayout {
  /** Number of choice elements. */
  count: number;
  /** Bits per choice element (1..64). */
  width: number;
  /** Message length in ring elements. */
  len: number;
  /** Sender row used for choice element p. */
  yRow: Int32Array;
  /** Output row that element p is summed into. */
  oRow: Int32Array;
  outRows: number;
  /** yRow and oRow are the identity (element-wise layout): element-ot.ts applies. */
  identity?: boolean;
}

/** Element-wise layout: output p = x_p·y_p. */
export function elementLayout(count: number, width = 64): OleLayout {
  const id = new Int32Array(count);
  for (let i = 0; i < count; i++) id[i] = i;
  return { count, width, len: 1, yRow: id, oRow: id, outRows: count, identity: true };
}

/**
 * Layout for `batch` products A·B with A (rows×inner) the choice side and B (inner×len) the
 * message side, stacked: A_b at rows b·rows, B_b at rows b·inner.
 */
export function matrixLayout(batch: number, rows: number, inner: number, len: number): OleLayout {
  const count = batch * rows * inner;
  const yRow = new Int32Array(count);
  const oRow = new Int32Array(count);
  for (let p = 0; p < count; p++) {
    const b = Math.floor(p / (rows * inner));
    yRow[p] = b * inner + (p % inner);
    oRow[p] = Math.floor(p / inner);
  }
  return { count, width: 64, len, yRow, oRow, outRows: batch * rows };
}

/** OTs of a layout (before padding). */
export function otCount(l: OleLayout): number {
  return l.count * l.width;
}

/** Bytes of the receiver's u (IKNP) and of the sender's corrections d for a layout. */
export function messageBytes(l: OleLayout): { u: number; d: number } {
  return { u: (paddedCount(otCount(l)) / 8) * 128, d: l.count * correctionBytes(l) };
}

/** Correction bytes per choice element: ⌈(64 − l)/8⌉ per bit l and message element. */
function correctionBytes(l: OleLayout): number {
  return l.len * gilboaCorrectionBytes(l.width);
}

/** What the receiver keeps between u and the corrections: the IKNP rows t_k, or element-ot.ts's state. */
export type OleReceiverState = { rows: Uint32Array } | ElementReceiverState;

/** Element layout with 64-bit or 1-bit choices: handled chunk by chunk in WebAssembly (element-ot.ts). */
function fast(l: OleLayout): boolean {
  return l.identity === true && l.len === 1 && (l.width === 64 || l.width === 1);
}

function chunkElements(l: OleLayout): number {
  const per = Math.ceil(l.len / 2);
  return Math.max(1, Math.floor(CHUNK_BLOCKS / (l.width * per)));
}

/** Fold Float64 (lo, hi) sums into 32-bit words, negating if asked. */
function finish(acc: Float64Array, negate: boolean): Uint32Array {
  const out = new Uint32Array(acc.length);
  for (let i = 0; i < acc.length; i += 2) {
    let lo = acc[i]! % TWO32;
    let hi = (acc[i + 1]! + Math.floor(acc[i]! / TWO32)) % TWO32;
    if (negate) {
      lo = (TWO32 - lo) % TWO32;
      hi = (TWO32 - hi - (lo !== 0 ? 1 : 0)) % TWO32;
    }
    out[i] = lo;
    out[i + 1] = hi;
  }
  return out;
}

/** Receiver, step 1: the IKNP message u for its choice bits (bit p·w + l = bit l of x_p). */
export function oleReceiveStart(keys: CotReceiverKeys, extId: number, choice: Uint32Array, l: OleLayout): { u: Uint8Array; state: OleReceiverState } {
  const m = paddedCount(otCount(l));
  let c = choice;
  if (c.length < m >>> 5) {
    c = new Uint32Array(m >>> 5);
    c.set(choice);
  }
  if (fast(l)) return elementReceiveStart(keys, extId, c, m, l.width === 64 ? 'ole64' : 'ole1', l.count);
  const { u, t } = iknpReceive(keys, extId, c, m);
  return { u, state: { rows: t } };
}

/**
 * Sender: from u and its vectors y (rows of len elements, 2 words per element), the corrections
 * d for the receiver and its own output shares (outRows × len elements as words).
 */
export function oleSend(keys: CotSenderKeys, extId: number, u: Uint8Array, l: OleLayout, y: Uint32Array): { d: Uint8Array; share: Uint32Array } {
  const m = paddedCount(otCount(l));
  if (fast(l)) return elementSend(keys, extId, u, m, l.width === 64 ? 'ole64' : 'ole1', l.count, y);
  const q = iknpSend(keys, extId, u, m);
  const key = ccrKey(extId);
  const L = l.len, W = l.width, per = Math.ceil(L / 2), bw = 4 * per;
  const dpb = correctionBytes(l);
  // 8 bytes of slack: every correction is written as 8 bytes and the next overwrites its unused top
  const dBuf = new Uint8Array(l.count * dpb + 8);
  const dv = new DataView(dBuf.buffer);
  const acc = new Float64Array(l.outRows * L * 2);
  const step = chunkElements(l);
  for (let p0 = 0; p0 < l.count; p0 += step) {
    const p1 = Math.min(l.count, p0 + step);
    const qs = q.subarray(p0 * W * 4, p1 * W * 4);
    const [h0, h1] = ccrHashPair(key, qs, (p1 - p0) * W, per, keys.delta);
    for (let p = p0; p < p1; p++) {
      const yo = l.yRow[p]! * L * 2, ao = l.oRow[p]! * L * 2;
      let dOff = p * dpb;
      for (let bit = 0; bit < W; bit++) {
        const hb = ((p - p0) * W + bit) * bw, nb = (71 - bit) >>> 3;
        for (let e = 0; e < L; e++) {
          const a0 = h0[hb + 2 * e]!, a1 = h0[hb + 2 * e + 1]!;
          const lo1 = h1[hb + 2 * e]! - a0 - y[yo + 2 * e]!;
          if (bit < 32) {
            dv.setUint32(dOff, lo1 >>> 0, true);
            dv.setUint32(dOff + 4, (h1[hb + 2 * e + 1]! - a1 - y[yo + 2 * e + 1]! + Math.floor(lo1 / TWO32)) >>> 0, true);
            dOff += nb;
            if (bit === 0) {
              acc[ao + 2 * e] = acc[ao + 2 * e]! + a0;
              acc[ao + 2 * e + 1] = acc[ao + 2 * e + 1]! + a1;
            } else {
              acc[ao + 2 * e] = acc[ao + 2 * e]! + ((a0 << bit) >>> 0);
              acc[ao + 2 * e + 1] = acc[ao + 2 * e + 1]! + (((a1 << bit) | (a0 >>> (32 - bit))) >>> 0);
            }
          } else {
            dv.setUint32(dOff, lo1 >>> 0, true);
            dOff += nb;
            acc[ao + 2 * e + 1] = acc[ao + 2 * e + 1]! + ((a0 << (bit - 32)) >>> 0);
          }
        }
      }
      // keep the float sums exact (below 2^53) however many elements share an output row
      for (let e = 0; e < 2 * L; e += 2) {
        const c = Math.floor(acc[ao + e]! / TWO32);
        acc[ao + e] = acc[ao + e]! - (c * TWO32);
        acc[ao + e + 1] = (acc[ao + e + 1]! + c) % TWO32;
      }
    }
  }
  return { d: dBuf.subarray(0, l.count * dpb), share: finish(acc, true) };
}

/** Receiver, step 2: from the rows t and the sender's corrections, its output shares. */
export function oleReceiveFinish(state: OleReceiverState, extId: number, choice: Uint32Array, dBytes: Uint8Array, l: OleLayout): Uint32Array {
  const L = l.len, W = l.width, per = Math.ceil(L / 2), bw = 4 * per;
  const dpb = correctionBytes(l);
  if (dBytes.length !== l.count * dpb) {
    throw new ConcordError('E_FRAME', `OLE: expected ${l.count * dpb} bytes of corrections, got ${dBytes.length}`);
  }
  if (!('rows' in state)) return elementReceiveFinish(state, choice, dBytes);
  const t = state.rows;
  const key = ccrKey(extId);
  const step = chunkElements(l);
  // 8 bytes of slack so the last 8-byte read stays inside; bytes read above bit 64 − l are discarded by ·2^l
  const dPad = new Uint8Array(dBytes.length + 8);
  dPad.set(dBytes);
  const dv = new DataView(dPad.buffer);
  const acc = new Float64Array(l.outRows * L * 2);
  for (let p0 = 0; p0 < l.count; p0 += step) {
    const p1 = Math.min(l.count, p0 + step);
    const h = ccrHash(key, t.subarray(p0 * W * 4, p1 * W * 4), (p1 - p0) * W, per);
    for (let p = p0; p < p1; p++) {
      const ao = l.oRow[p]! * L * 2;
      let dOff = p * dpb;
      for (let bit = 0; bit < W; bit++) {
        const k = p * W + bit, nb = (71 - bit) >>> 3;
        const c = (choice[k >>> 5]! >>> (k & 31)) & 1;
        const hb = ((p - p0) * W + bit) * bw;
        for (let e = 0; e < L; e++) {
          if (bit < 32) {
            const lo1 = h[hb + 2 * e]! - c * dv.getUint32(dOff, true);
            const olo = lo1 >>> 0;
            const ohi = (h[hb + 2 * e + 1]! - c * dv.getUint32(dOff + 4, true) + Math.floor(lo1 / TWO32)) >>> 0;
            dOff += nb;
            if (bit === 0) {
              acc[ao + 2 * e] = acc[ao + 2 * e]! + olo;
              acc[ao + 2 * e + 1] = acc[ao + 2 * e + 1]! + ohi;
            } else {
              acc[ao + 2 * e] = acc[ao + 2 * e]! + ((olo << bit) >>> 0);
              acc[ao + 2 * e + 1] = acc[ao + 2 * e + 1]! + (((ohi << bit) | (olo >>> (32 - bit))) >>> 0);
            }
          } else {
            const olo = (h[hb + 2 * e]! - c * dv.getUint32(dOff, true)) >>> 0;
            dOff += nb;
            acc[ao + 2 * e + 1] = acc[ao + 2 * e + 1]! + ((olo << (bit - 32)) >>> 0);
          }
        }
      }
      for (let e = 0; e < 2 * L; e += 2) {
        const cy = Math.floor(acc[ao + e]! / TWO32);
        acc[ao + e] = acc[ao + e]! - (cy * TWO32);
        acc[ao + e + 1] = (acc[ao + e + 1]! + cy) % TWO32;
      }
    }
  }
  return finish(acc, false);
}
