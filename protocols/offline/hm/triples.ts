/**
 * Element-wise Beaver triples and bitwise (AND) triples from replicated randomness, no traffic.
 * [AFLNO16 §2.2; ABY3 §3.2: the replicated product as a source of Beaver triples]
 *
 * Recipe (party i; a, b replicated as in replicated.ts, z a zero-sharing):
 *   c_i = a_i·b_i + a_i·b_{i+1} + a_{i+1}·b_i + z_i            (= a_i·(b_i + b_{i+1}) + a_{i+1}·b_i + z_i)
 * The three parties' terms cover all nine products a_j·b_k once, so Σ c_i = a·b; z_i hides the
 * cross terms that party i's neighbours could otherwise strip from c_i. Bit triples are the same
 * over XOR shares of 64-bit words with AND for ·: c_i = a_i∧(b_i ⊕ b_{i+1}) ⊕ a_{i+1}∧b_i ⊕ z_i.
 * Rounds 0. Bytes 0. Local work per element: 4 PRG words + 2 (+ 2 zero) words, 2 multiplies.
 * Security: semi-honest, no two parties collude. Party i's output is (a_i, b_i, c_i).
 */
import type { Shape } from '../../../src/ring/ring.js';
import type { Triple } from '../../../src/session/preprocessing.js';
import type { ItemPrgs } from './replicated.js';

/** Party i's additive shares of a fresh triple c = a·b (element-wise). */
export function elementTriple(p: ItemPrgs, shape: Shape): Triple {
  const a = p.pieces(shape), b = p.pieces(shape);
  const z = p.zero(shape);
  const c = a.mine.mul(b.mine.add(b.other)).add(a.other.mul(b.mine)).add(z);
  return { a: a.mine, b: b.mine, c };
}

/** Party i's XOR shares of a fresh bitwise triple c = a ∧ b over 64-bit words. */
export function bitTriple(p: ItemPrgs, shape: Shape): Triple {
  const a = p.pieces(shape), b = p.pieces(shape);
  const z = p.zero(shape, true);
  const c = a.mine.and(b.mine.xor(b.other)).xor(a.other.and(b.mine)).xor(z);
  return { a: a.mine, b: b.mine, c };
}
