/**
 * Bitwise AND of one party's bits with another's, XOR-shared, from correlated OT
 * (the GMW multiplication by OT: Goldreich, Micali, Wigderson STOC 1987; IKNP for the OTs).
 * Per bit k, receiver bit c_k (choice), sender bit y_k; with h0 = lsb H(q_k), h1 = lsb H(q_k ⊕ Δ):
 *   sender sends d_k = h0 ⊕ h1 ⊕ y_k and keeps h0;  receiver outputs lsb H(t_k) ⊕ c_k·d_k = h0 ⊕ c_k·y_k.
 * So the two outputs XOR to c_k ∧ y_k. Rounds: 2 messages. Bytes: 16 per bit receiver → sender,
 * 1/8 per bit sender → receiver. Semi-honest; d_k is masked by h1, unknown to the receiver when c_k = 0.
 * The OTs, hashes and bits are computed chunk by chunk in WebAssembly by element-ot.ts.
 */
import { ConcordError } from '../../../src/errors.js';
import { elementReceiveFinish, elementReceiveStart, elementSend, type ElementReceiverState } from './element-ot.js';
import type { CotReceiverKeys, CotSenderKeys } from './iknp.js';

function checkBits(m: number): void {
  if (m % 64 !== 0) throw new ConcordError('E_INTERNAL', `bit OLE: ${m} bits is not a multiple of 64`);
}

/** Receiver, step 1: u for the choice bits (m a multiple of 64), and what it keeps for step 2. */
export function andReceiveStart(keys: CotReceiverKeys, extId: number, choice: Uint32Array, m: number): { u: Uint8Array; state: ElementReceiverState } {
  checkBits(m);
  return elementReceiveStart(keys, extId, choice, m, 'and', m);
}

/** Sender: corrections d (m bits) and its XOR share (m bits) of c ∧ y. */
export function andSend(keys: CotSenderKeys, extId: number, u: Uint8Array, y: Uint32Array, m: number): { d: Uint8Array; share: Uint32Array } {
  checkBits(m);
  return elementSend(keys, extId, u, m, 'and', m, y);
}

/** Receiver, step 2: its XOR share (m bits) of c ∧ y. */
export function andReceiveFinish(state: ElementReceiverState, choice: Uint32Array, dBytes: Uint8Array, m: number): Uint32Array {
  if (dBytes.length !== m >>> 3) throw new ConcordError('E_FRAME', `bit OLE: expected ${m >>> 3} bytes of corrections, got ${dBytes.length}`);
  return elementReceiveFinish(state, choice, dBytes);
}
