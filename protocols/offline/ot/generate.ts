/**
 * Generation of each kind of correlated randomness from pairwise OT (links.ts), one batch at a
 * time. Every party samples its shares of the random operands locally; only cross terms
 * between parties go through OT, so no party ever learns another's share.
 *   element triples  a = Σa_i, b = Σb_i: c_i = a_i·b_i + share of Σ_{j≠i}(a_i·b_j + a_j·b_i) [Gilboa]
 *   matrix triples   the same with A_i's entries as choices and rows of B_j as OLE messages
 *   masked triples   a mask [A] is local randomness (A = ΣA_i, no traffic); each use gets fresh B
 *                    and C = op(A)·B by the matrix-triple cross terms with op(A) fixed
 *   bit triples      XOR shares, c_i = a_i∧b_i ⊕ share of ⊕_{j≠i}(a_i∧b_j ⊕ a_j∧b_i)        [GMW]
 *   daBits           each party a local bit β_i, b = ⊕β_i; arithmetic shares by the chain
 *                    x ← x + β_i − 2·β_i·x (party i's bit times the shared x: 1 OT per peer)
 *   truncation pairs 64 arithmetic random bits per element (daBit chain, arithmetic part only):
 *                    r = Σ 2^j·b_j, r_low>>f = Σ_{f≤j<63} 2^(j−f)·b_j, r_top = b_63
 * Rounds: triples, matrix and bit triples 2 messages; daBits and truncation pairs 2(n−1).
 * Bytes per ordered pair: element triple 64·16 + 288; bit triple (64-bit word) 64·16 + 8;
 * matrix triple (n×k)(k×m) with k·min(n,m) choices: 64·16·k·min(n,m) + 288·n·k·m;
 * daBit / truncation bit: at most 16 + 8 per earlier party in the chain.
 */
import { Ring } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';
import type { DaBits, Triple, TruncPair } from '../../../src/session/preprocessing.js';
import { elementLayout, matrixLayout } from './gilboa.js';
import { andCross, oleAsReceiver, oleAsSender, oleCross, addWords, type OtKeys } from './links.js';
import { paddedCount } from './iknp.js';

/** What one batch generation needs: the session, the OT keys, where to name its messages. */
export interface GenContext {
  s: Session;
  keys: OtKeys;
  /** Tag of the online request that caused this batch. */
  tag: number;
  /** First extension id reserved for this batch (a batch uses ids ext .. ext + 255). */
  ext: number;
  /** This party's private randomness for the batch. */
  prg: RandomSource;
}

/** Where a party's private random operands come from (a Prg; tests inject fixed values). */
export interface RandomSource {
  bytes(n: number): Uint8Array;
  ring(shape: readonly number[]): Ring;
}

function words(r: Ring): Uint32Array {
  return new Uint32Array(r.data.buffer, r.data.byteOffset, r.size * 2);
}

function ring(shape: readonly number[], w: Uint32Array): Ring {
  return new Ring(shape, new BigUint64Array(w.buffer, w.byteOffset, w.length >>> 1));
}

/** `count` element-wise triples (1-D). */
export async function genTriples(g: GenContext, count: number): Promise<Triple> {
  const a = g.prg.ring([count]);
  const b = g.prg.ring([count]);
  const cross = await oleCross(g.s, g.keys, g.tag, g.ext, elementLayout(count), words(a), words(b));
  return { a, b, c: a.mul(b).add(ring([count], cross)) };
}

/** Transpose `batch` stacked r×c matrices (given as words) into stacked c×r matrices. */
function transposeStacked(w: Uint32Array, batch: number, r: number, c: number): Uint32Array {
  const out = new Uint32Array(w.length);
  for (let b = 0; b < batch; b++) {
    const o = b * r * c * 2;
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < c; j++) {
        out[o + 2 * (j * r + i)] = w[o + 2 * (i * c + j)]!;
        out[o + 2 * (j * r + i) + 1] = w[o + 2 * (i * c + j) + 1]!;
      }
    }
  }
  return out;
}

/**
 * `batch` matrix triples of one shape, stacked: a is (batch·n)×k, b is (batch·k)×m, c (batch·n)×m.
 * OT runs on the entries of the operand with fewer of them (A, or B via Cᵀ = Bᵀ·Aᵀ).
 */
export async function genMatrixTriples(g: GenContext, batch: number, n: number, k: number, m: number): Promise<Triple> {
  const a = g.prg.ring([batch * n, k]);
  const b = g.prg.ring([batch * k, m]);
  let cross: Uint32Array;
  if (m < n) {
    const at = transposeStacked(words(a), batch, n, k);
    const bt = transposeStacked(words(b), batch, k, m);
    const ct = await oleCross(g.s, g.keys, g.tag, g.ext, matrixLayout(batch, m, k, n), bt, at);
    cross = transposeStacked(ct, batch, m, n);
  } else {
    cross = await oleCross(g.s, g.keys, g.tag, g.ext, matrixLayout(batch, n, k, m), words(a), words(b));
  }
  const local: Ring[] = [];
  for (let i = 0; i < batch; i++) local.push(a.slice(i * n, (i + 1) * n).matmul(b.slice(i * k, (i + 1) * k)));
  return { a, b, c: Ring.concat(local).add(ring([batch * n, m], cross)) };
}

/** `count` bit triples over 64-bit words, XOR-shared. */
export async function genBitTriples(g: GenContext, count: number): Promise<Triple> {
  const a = g.prg.ring([count]);
  const b = g.prg.ring([count]);
  const cross = await andCross(g.s, g.keys, g.tag, g.ext, words(a), words(b), count * 64);
  return { a, b, c: a.and(b).xor(ring([count], cross)) };
}

/** Packed bits (bit p of word p>>5) as a 0/1 ring tensor of `count` elements. */
function bitsToRing(bits: Uint32Array, count: number): Ring {
  const w = new Uint32Array(2 * count);
  for (let p = 0; p < count; p++) w[2 * p] = (bits[p >>> 5]! >>> (p & 31)) & 1;
  return ring([count], w);
}

/**
 * Arithmetic shares of `count` random bits b = ⊕_i β_i, with β_i this party's local bits
 * (returned packed, bit p of word p>>5). Party i enters at step i of the chain.
 */
async function xorToArith(g: GenContext, count: number): Promise<{ arith: Ring; beta: Uint32Array }> {
  const s = g.s;
  const padded = paddedCount(count);
  const beta = new Uint32Array(g.prg.bytes(padded / 8).buffer);
  const betaRing = bitsToRing(beta, count);
  let x = s.me === 0 ? betaRing.clone() : Ring.zeros([count]);
  const layout = elementLayout(count, 1);
  for (let i = 1; i < s.n; i++) {
    const ext = g.ext + i;
    if (s.me === i) {
      const parts = await Promise.all(Array.from({ length: i }, (_, j) => oleAsReceiver(s, g.keys, j, g.tag, ext, layout, beta)));
      const prod = words(x.mul(betaRing)).slice();
      for (const p of parts) addWords(prod, p);
      x = x.add(betaRing).sub(ring([count], prod).scale(2n));
    } else if (s.me < i) {
      const share = await oleAsSender(s, g.keys, i, g.tag, ext, layout, words(x));
      x = x.sub(ring([count], share).scale(2n));
    }
  }
  return { arith: x, beta };
}

/** `count` daBits: one random bit, shared arithmetically and by XOR (bit 0). */
export async function genDaBits(g: GenContext, count: number): Promise<DaBits> {
  const { arith, beta } = await xorToArith(g, count);
  return { arith, bin: bitsToRing(beta, count) };
}

/** `count` truncation pairs for shifting by f bits, built from 64 shared random bits each. */
export async function genTruncPairs(g: GenContext, count: number, f: number): Promise<TruncPair> {
  const { arith } = await xorToArith(g, count * 64);
  const bits = arith.reshape([count, 64]);
  const weights = new Ring([64, 3]);
  for (let j = 0; j < 64; j++) {
    weights.data[3 * j] = 1n << BigInt(j);
    if (j >= f && j < 63) weights.data[3 * j + 1] = 1n << BigInt(j - f);
  }
  weights.data[3 * 63 + 2] = 1n;
  const out = bits.matmul(weights).transpose();
  return { r: out.slice(0, 1).reshape([count]), rLowShifted: out.slice(1, 2).reshape([count]), rTop: out.slice(2, 3).reshape([count]) };
}

/** Stacked matrices (batch of rows×cols) laid side by side as one rows×(batch·cols) matrix. */
export function stackToSide(w: Uint32Array, batch: number, rows: number, cols: number): Uint32Array {
  const out = new Uint32Array(w.length);
  const wide = batch * cols * 2;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < rows; i++) out.set(w.subarray(2 * (b * rows + i) * cols, 2 * (b * rows + i + 1) * cols), i * wide + 2 * b * cols);
  }
  return out;
}

/** Inverse of stackToSide. */
export function sideToStack(w: Uint32Array, batch: number, rows: number, cols: number): Uint32Array {
  const out = new Uint32Array(w.length);
  const wide = batch * cols * 2;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < rows; i++) out.set(w.subarray(i * wide + 2 * b * cols, i * wide + 2 * (b + 1) * cols), 2 * (b * rows + i) * cols);
  }
  return out;
}

/** My share of the cross terms of A·B (A h×k, B k×M, both additively shared), OT on the smaller side. */
async function crossProduct(g: GenContext, a: Uint32Array, b: Uint32Array, h: number, k: number, M: number): Promise<Uint32Array> {
  if (M < h) {
    const ct = await oleCross(g.s, g.keys, g.tag, g.ext, matrixLayout(1, M, k, h), transposeStacked(b, 1, k, M), transposeStacked(a, 1, h, k));
    return transposeStacked(ct, 1, M, h);
  }
  return oleCross(g.s, g.keys, g.tag, g.ext, matrixLayout(1, h, k, M), a, b);
}

/**
 * `batch` triples bound to a fixed shared mask op(A) (h×k): fresh B_t (k×m) and C_t = op(A)·B_t,
 * returned stacked (b is (batch·k)×m, c is (batch·h)×m). All B_t side by side make one product
 * op(A)·[B_1 … B_t], so the OT choices on A's side are paid once per batch.
 */
export async function genMaskedTriples(g: GenContext, opA: Ring, batch: number, m: number): Promise<{ b: Ring; c: Ring }> {
  const [h, k] = opA.shape as [number, number];
  const b = g.prg.ring([batch * k, m]);
  const bSide = stackToSide(words(b), batch, k, m);
  const cross = await crossProduct(g, words(opA), bSide, h, k, batch * m);
  const local = opA.matmul(ring([k, batch * m], bSide));
  addWords(cross, words(local));
  return { b, c: ring([batch * h, m], sideToStack(cross, batch, h, m)) };
}
