/**
 * Matrix triples, reusable masks and triples bound to a mask, from replicated randomness, no traffic.
 * [ABY3 §3.2 / §5: the replicated matrix product; CrypTen-style matrix Beaver triples]
 *
 * Recipe (party i; A, B replicated, Z a zero-sharing of the output shape):
 *   C_i = A_i·(B_i + B_{i+1}) + A_{i+1}·B_i + Z_i      Σ C_i = A·B
 * — two local matrix products (WASM Ring.matmul) per party per triple.
 * A mask [A] (matrixMask) is a replicated random matrix whose two pieces the party keeps; each
 * masked triple draws a fresh replicated B and computes C_i the same way with op(A) = a row slice
 * of A, optionally transposed (C = op(A)·B), so the data matrix's opening is paid once.
 * Rounds 0. Bytes 0 (nothing grows with the matrix sizes). Local work: 2 matmuls of the item's
 * shape, PRG expansion of 2 pieces of B (and A) plus 2 of Z.
 * Security: semi-honest, no two parties collude.
 */
import { Ring } from '../../../src/ring/ring.js';
import type { MaskedTriple, Triple } from '../../../src/session/preprocessing.js';
import type { ItemPrgs, MaskPieces, Pieces } from './replicated.js';

/** Party i's shares of a fresh matrix triple: A n×k, B k×m, C = A·B n×m. */
export function matrixTriple(p: ItemPrgs, n: number, k: number, m: number): Triple {
  const a = p.pieces([n, k]), b = p.pieces([k, m]);
  const z = p.zero([n, m]);
  return { a: a.mine, b: b.mine, c: product(a, b, z, false) };
}

/** A fresh replicated r×k mask: both pieces, as seeded row sources (the party keeps them for its masked triples). */
export function matrixMask(p: ItemPrgs, r: number, k: number): MaskPieces {
  return p.matrixPieces([r, k]);
}

/** A triple bound to a mask: fresh B (cols(op(A)) × m) and C = op(A)·B, op(A) = A[start:end] or its transpose. */
export function maskedTriple(p: ItemPrgs, mask: MaskPieces, start: number, end: number, transpose: boolean, m: number): MaskedTriple {
  const a: Pieces = { mine: mask.mine.rows(start, end), other: mask.other.rows(start, end) };
  const inner = transpose ? end - start : a.mine.shape[1]!;
  const outer = transpose ? a.mine.shape[1]! : end - start;
  const b = p.pieces([inner, m]);
  const z = p.zero([outer, m]);
  return { b: b.mine, c: product(a, b, z, transpose) };
}

/** C_i = op(A_i)·(B_i + B_{i+1}) + op(A_{i+1})·B_i + Z_i. */
function product(a: Pieces, b: Pieces, z: Ring, transA: boolean): Ring {
  return a.mine.matmul(b.mine.add(b.other), { transA }).add(a.other.matmul(b.mine, { transA })).add(z);
}
