/**
 * Bitwise AND of one party's bits with another's, XOR-shared, from correlated OT
 * (the GMW multiplication by OT: Goldreich, Micali, Wigderson STOC 1987; IKNP for the OTs).
 * Per bit k, receiver bit c_k (choice), sender bit y_k; with h0 = lsb H(q_k), h1 = lsb H(q_k ⊕ Δ):
 *   sender sends d_k = h0 ⊕ h1 ⊕ y_k and keeps h0;  receiver outputs lsb H(t_k) ⊕ c_k·d_k = h0 ⊕ c_k·y_k.
 * So the two outputs XOR to c_k ∧ y_k. Rounds: 2 messages. Bytes: 16 per bit receiver → sender,
 * 1/8 per bit sender → receiver. Semi-honest; d_k is masked by h1, unknown to the receiver when c_k = 0.
 */
import { ConcordError } from '../../../src/errors.js';
import { ccrHash, ccrHashPair, ccrKey } from './hash.js';
import { iknpReceive, iknpSend, type CotReceiverKeys, type CotSenderKeys } from './iknp.js';

const CHUNK = 1 << 19;

/** Receiver, step 1: u for the choice bits (m a multiple of 32). */
export function andReceiveStart(keys: CotReceiverKeys, extId: number, choice: Uint32Array, m: number): { u: Uint8Array; t: Uint32Array } {
  return iknpReceive(keys, extId, choice, m);
}

/** Sender: corrections d (m bits) and its XOR share (m bits) of c ∧ y. */
export function andSend(keys: CotSenderKeys, extId: number, u: Uint8Array, y: Uint32Array, m: number): { d: Uint8Array; share: Uint32Array } {
  const q = iknpSend(keys, extId, u, m);
  const key = ccrKey(extId);
  const d = new Uint32Array(m >>> 5);
  const share = new Uint32Array(m >>> 5);
  for (let k0 = 0; k0 < m; k0 += CHUNK) {
    const k1 = Math.min(m, k0 + CHUNK);
    const [h0, h1] = ccrHashPair(key, q.subarray(4 * k0, 4 * k1), k1 - k0, 1, keys.delta);
    for (let w = k0 >>> 5; w < k1 >>> 5; w++) {
      let s = 0, x = 0;
      const base = 4 * (32 * w - k0);
      for (let i = 0; i < 32; i++) {
        const a = h0[base + 4 * i]! & 1;
        s |= a << i;
        x |= (a ^ (h1[base + 4 * i]! & 1)) << i;
      }
      share[w] = s;
      d[w] = x ^ y[w]!;
    }
  }
  return { d: new Uint8Array(d.buffer), share };
}

/** Receiver, step 2: its XOR share (m bits) of c ∧ y. */
export function andReceiveFinish(t: Uint32Array, extId: number, choice: Uint32Array, dBytes: Uint8Array, m: number): Uint32Array {
  if (dBytes.length !== m >>> 3) throw new ConcordError('E_FRAME', `bit OLE: expected ${m >>> 3} bytes of corrections, got ${dBytes.length}`);
  const d = new Uint32Array(dBytes.buffer.slice(dBytes.byteOffset, dBytes.byteOffset + dBytes.length));
  const key = ccrKey(extId);
  const out = new Uint32Array(m >>> 5);
  for (let k0 = 0; k0 < m; k0 += CHUNK) {
    const k1 = Math.min(m, k0 + CHUNK);
    const h = ccrHash(key, t.subarray(4 * k0, 4 * k1), k1 - k0);
    for (let w = k0 >>> 5; w < k1 >>> 5; w++) {
      let s = 0;
      const base = 4 * (32 * w - k0);
      for (let i = 0; i < 32; i++) s |= (h[base + 4 * i]! & 1) << i;
      out[w] = (s ^ (d[w]! & choice[w]!)) >>> 0;
    }
  }
  return out;
}
