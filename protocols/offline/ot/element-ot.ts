/**
 * OT extension for the element layouts, one chunk of OTs at a time in WebAssembly memory: IKNP
 * (iknp.ts), the correlation-robust hash (hash.ts) and the Gilboa combination of gilboa.ts (64-
 * and 1-bit choices, one ring element per choice) or the AND of bit-ole.ts. The messages are
 * those modules' byte for byte; their general code stays the reference (test/ot/primitives.test.ts
 * checks that both agree on several chunks).
 *
 * Why a second implementation: the general code runs IKNP's XORs, the hash's σ and feed-forward
 * and the combination over whole batches in JS, with the transposes copied in and out of the
 * kernel; a CPU profile of `bench offline.triples --offline ot` spent more in those loops and in
 * garbage collection than in AES, and a batch of 65,536 triples held ~190 MB of columns and rows.
 * Here a chunk goes PRG → XOR → transpose → σ → AES → combine inside the kernel's memory (node's
 * AES reads a view of it; its output is copied in once). The receiver hashes before the sender's
 * corrections arrive and keeps 8 bytes per element (a_p = Σ_l 2^l·H(t_{p,l})), not 1 KiB of rows:
 *   Gilboa receiver  r_p = Σ_l 2^l·(H(t_{p,l}) − x_{p,l}·d_{p,l}) = a_p − Σ_l 2^l·x_{p,l}·d_{p,l}
 */
import { createCipheriv } from 'node:crypto';
import { Prg } from '../../../src/crypto/prg.js';
import { ConcordError } from '../../../src/errors.js';
import { KAPPA } from './base-ot.js';
import { ccrKey } from './hash.js';
import { deltaBit, type CotReceiverKeys, type CotSenderKeys } from './iknp.js';
import { chunkKernel, gilboaCorrectionBytes } from './kernel.js';

/** OTs per chunk: 16 KiB per IKNP column (AES calls of that size run near node's best rate), ~10 MiB of kernel memory. */
const CHUNK = 1 << 17;
/** Elements per call of the receiver's final combination (bounds the corrections copied in at once). */
const FINISH_ELEMENTS = 4096;

/** What one OT contributes: a Gilboa term with 64-bit choices (64 OTs per element), 1-bit choices (one), or an AND bit. */
export type ElementKind = 'ole64' | 'ole1' | 'and';

/** The receiver's state between its message u and the sender's corrections. */
export interface ElementReceiverState {
  kind: ElementKind;
  count: number;
  /** ole64/ole1: a_p as 2 words per element; and: bit 0 of H(t_k), packed. */
  pre: Uint32Array;
}

const view32 = (mem: WebAssembly.Memory, at: number, words: number): Uint32Array => new Uint32Array(mem.buffer, at, words);
const bytesOf = (w: Uint32Array, from: number, words: number): Uint8Array => new Uint8Array(w.buffer, w.byteOffset + 4 * from, 4 * words);
const round8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * Blocks per AES call of the hash: node's AES-ECB on this host does ~3 GB/s on 64 KiB and ~1.2
 * GB/s on 2 MiB (a fresh output buffer beyond the caches), so the σ-images go in 64 KiB pieces.
 */
const PERMUTE_BYTES = 64 << 10;

/** π(σ-images) (AES-128-ECB: the permutation of the hash) from `from` into `to` of the kernel memory; the feed-forward is the kernels'. */
function permute(key: Uint8Array, mem: Uint8Array, from: number, bytes: number, to: number): void {
  const aes = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  for (let o = 0; o < bytes; o += PERMUTE_BYTES) {
    const n = Math.min(PERMUTE_BYTES, bytes - o);
    mem.set(aes.update(mem.subarray(from + o, from + o + n)), to + o);
  }
}

/** Elements of a chunk of cc OTs starting at OT k0, and the first one's index. */
function elementsOf(kind: ElementKind, k0: number, cc: number, count: number): { e0: number; ne: number } {
  if (kind === 'ole64') return { e0: k0 / 64, ne: cc / 64 };
  if (kind === 'ole1') return { e0: k0, ne: Math.max(0, Math.min(cc, count - k0)) };
  return { e0: k0 / 32, ne: cc / 32 }; // and: output words
}

function checkCount(kind: ElementKind, m: number, count: number): void {
  const want = kind === 'ole64' ? count * 64 : count;
  if (m % 64 !== 0 || m < want || m - want >= 64 || (kind === 'and' && m !== count)) {
    throw new ConcordError('E_INTERNAL', `element OT: ${m} OTs for ${count} ${kind} elements (a multiple of 64 covering them)`);
  }
}

/**
 * Receiver, step 1: from m choice bits (LSB-first words; m a multiple of 64) the IKNP message u
 * (16·m bytes, column-major as iknpReceive's) and what it keeps for step 2. `count` is the number
 * of elements (ole64: m/64; ole1: at most m; and: m).
 */
export function elementReceiveStart(keys: CotReceiverKeys, extId: number, choice: Uint32Array, m: number, kind: ElementKind, count: number): { u: Uint8Array; state: ElementReceiverState } {
  checkCount(kind, m, count);
  if (choice.length < m >>> 5) throw new ConcordError('E_INTERNAL', `element OT: ${choice.length} choice words for ${m} OTs`);
  const c = Math.min(CHUNK, m);
  // T: the t columns, then the σ-images; G: G(k^1) columns, then u's, then the AES output
  const T = 0, G = T + 16 * c, R = G + 16 * c, ROWS = R + round8(c / 8), OUT = ROWS + 16 * c, ZERO = OUT + 8 * c;
  const k = chunkKernel(ZERO + 16);
  const mem = new Uint8Array(k.memory.buffer);
  mem.fill(0, ZERO, ZERO + 16);
  const key = ccrKey(extId);
  const u = new Uint8Array(16 * m);
  const colBytes = m >>> 3;
  const choiceBytes = bytesOf(choice, 0, m >>> 5);
  const pre = new Uint32Array(kind === 'and' ? m >>> 5 : 2 * count);
  for (let k0 = 0; k0 < m; k0 += c) {
    const cc = Math.min(c, m - k0), cb = cc >>> 3;
    // t^j = G(k_j^0) and G(k_j^1): the extension's stream of each seed (iknp.ts), this chunk's bytes
    Prg.sameRange(keys.seeds0, extId, 0, k0 >>> 3, cb, (j, ks) => mem.set(ks, T + j * cb));
    Prg.sameRange(keys.seeds1, extId, 0, k0 >>> 3, cb, (j, ks) => mem.set(ks, G + j * cb));
    mem.set(choiceBytes.subarray(k0 >>> 3, (k0 >>> 3) + cb), R);
    k.xor3(T, G, R, KAPPA, cb);
    for (let j = 0; j < KAPPA; j++) u.set(mem.subarray(G + j * cb, G + (j + 1) * cb), j * colBytes + (k0 >>> 3));
    k.transpose(T, ROWS, KAPPA, cc);
    k.sigma(ROWS, T, cc, ZERO);
    permute(key, mem, T, 16 * cc, G);
    const { e0, ne } = elementsOf(kind, k0, cc, count);
    if (ne === 0) continue;
    if (kind === 'and') {
      k.andPre(G, ROWS, OUT, cc);
      pre.set(view32(k.memory, OUT, ne), e0);
    } else {
      (kind === 'ole64' ? k.recvPre64 : k.recvPre1)(G, ROWS, OUT, ne);
      pre.set(view32(k.memory, OUT, 2 * ne), 2 * e0);
    }
  }
  return { u, state: { kind, count, pre } };
}

/**
 * Sender: from the receiver's u (16·m bytes) and y (ole: 2 words per element; and: m bits), the
 * corrections d for the receiver and the sender's shares (ole: 2 words per element; and: m bits).
 */
export function elementSend(keys: CotSenderKeys, extId: number, u: Uint8Array, m: number, kind: ElementKind, count: number, y: Uint32Array): { d: Uint8Array; share: Uint32Array } {
  checkCount(kind, m, count);
  if (u.length !== 16 * m) throw new ConcordError('E_FRAME', `OT extension: expected ${16 * m} bytes of u for ${m} OTs, got ${u.length}`);
  const c = Math.min(CHUNK, m);
  const dpe = kind === 'ole64' ? gilboaCorrectionBytes(64) : 8;
  const perChunk = kind === 'ole64' ? c / 64 : c; // elements (and: bits) of a full chunk
  // y and the shares: 8 bytes per element (and: a bit per OT); d: dpe per element and 8 of slack
  const ySize = kind === 'and' ? c / 8 : 8 * perChunk, dSize = kind === 'and' ? c / 8 : dpe * perChunk + 8;
  // SQ: the q columns, then the σ-images of q and q ⊕ Δ; H: their AES output
  const DX = 0, ZERO = 16, ROWS = 32, SQ = ROWS + 16 * c, H = SQ + 32 * c, Y = H + 32 * c, D = Y + round8(ySize), S = D + round8(dSize);
  const k = chunkKernel(S + ySize);
  const mem = new Uint8Array(k.memory.buffer);
  mem.set(bytesOf(keys.delta, 0, 4), DX);
  mem.fill(0, ZERO, ZERO + 16);
  const key = ccrKey(extId);
  const colBytes = m >>> 3;
  const d = new Uint8Array(kind === 'and' ? m >>> 3 : dpe * count);
  const share = new Uint32Array(kind === 'and' ? m >>> 5 : 2 * count);
  for (let k0 = 0; k0 < m; k0 += c) {
    const cc = Math.min(c, m - k0), cb = cc >>> 3;
    // q^j = G(k_j^{Δ_j}) ⊕ Δ_j·u^j (u^j's chunk copied into H, free until the hash)
    Prg.sameRange(keys.seeds, extId, 0, k0 >>> 3, cb, (j, ks) => mem.set(ks, SQ + j * cb));
    for (let j = 0; j < KAPPA; j++) {
      if (deltaBit(keys.delta, j)) mem.set(u.subarray(j * colBytes + (k0 >>> 3), j * colBytes + (k0 >>> 3) + cb), H + j * cb);
    }
    k.xorSel(SQ, H, DX, KAPPA, cb);
    k.transpose(SQ, ROWS, KAPPA, cc);
    k.sigma(ROWS, SQ, cc, ZERO);
    k.sigma(ROWS, SQ + 16 * cc, cc, DX);
    permute(key, mem, SQ, 32 * cc, H);
    const { e0, ne } = elementsOf(kind, k0, cc, count);
    if (ne === 0) continue;
    if (kind === 'and') {
      mem.set(bytesOf(y, e0, ne), Y);
      k.andSend(H, H + 16 * cc, ROWS, DX, Y, D, S, cc);
      d.set(mem.subarray(D, D + 4 * ne), 4 * e0);
      share.set(view32(k.memory, S, ne), e0);
    } else {
      mem.set(bytesOf(y, 2 * e0, 2 * ne), Y);
      (kind === 'ole64' ? k.send64 : k.send1)(H, H + 16 * cc, ROWS, DX, Y, D, S, ne);
      d.set(mem.subarray(D, D + dpe * ne), dpe * e0);
      share.set(view32(k.memory, S, 2 * ne), 2 * e0);
    }
  }
  return { d, share };
}

/** Receiver, step 2: its shares from the state of step 1, its choices and the sender's corrections (ole: 2 words per element; and: m bits). */
export function elementReceiveFinish(state: ElementReceiverState, choice: Uint32Array, dBytes: Uint8Array): Uint32Array {
  const { kind, count, pre } = state;
  if (kind === 'and') {
    const d = new Uint32Array(dBytes.buffer.slice(dBytes.byteOffset, dBytes.byteOffset + dBytes.length));
    const out = new Uint32Array(pre.length);
    for (let w = 0; w < out.length; w++) out[w] = (pre[w]! ^ (d[w]! & choice[w]!)) >>> 0;
    return out;
  }
  const E = FINISH_ELEMENTS, dpe = kind === 'ole64' ? gilboaCorrectionBytes(64) : 8;
  const A = 0, X = A + 8 * E, D = X + 8 * E, R = D + dpe * E + 8;
  const k = chunkKernel(R + 8 * E);
  const mem = new Uint8Array(k.memory.buffer);
  const out = new Uint32Array(2 * count);
  for (let e0 = 0; e0 < count; e0 += E) {
    const ne = Math.min(E, count - e0);
    mem.set(bytesOf(pre, 2 * e0, 2 * ne), A);
    if (kind === 'ole64') {
      mem.set(bytesOf(choice, 2 * e0, 2 * ne), X);
    } else {
      const from = choice.byteOffset + (e0 >>> 3);
      mem.set(new Uint8Array(choice.buffer, from, Math.min(Math.ceil(ne / 8), choice.byteOffset + choice.byteLength - from)), X);
    }
    mem.set(dBytes.subarray(dpe * e0, dpe * (e0 + ne)), D);
    (kind === 'ole64' ? k.recvFin64 : k.recvFin1)(A, X, D, R, ne);
    out.set(view32(k.memory, R, 2 * ne), 2 * e0);
  }
  return out;
}
