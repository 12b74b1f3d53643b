/**
 * edaBits (a random r uniform over Z_2^64, shared arithmetically and bit by bit as XOR shares)
 * for three parties. [EGKRS20: Escudero, Ghosh, Keller, Rachuri, Scholl, CRYPTO 2020, §5; here
 * with the honest-majority binary adder of ABY3 §5.3 on replicated pieces]
 *
 * Recipe: as for truncation pairs (trunc.ts), r = u + y mod 2^64 with u = w_0 ⊕ w_1 known to
 * party 0 and y = w_2 to parties 1 and 2, so [r] = u (party 0) + y (party 1) needs no traffic.
 * Its low `bits` bits are the sum bits s_k = p_k ⊕ c_k of u + y: p = u ⊕ y is the replicated word
 * itself, g = u ∧ y one AND layer (rep-and.ts), and every carry c_k (k < bits) comes from the
 * Brent–Kung schedule allCarries(bits − 1) of carries.ts. Party i's XOR share is its own
 * component of s. Both outputs get a fresh zero-sharing (arithmetic and XOR), so no party knows
 * another's share (convert.ts explains why that matters in hm).
 * Rounds: 1 + that schedule's, 11 for bits = 64, generated in batches ahead of use.
 * Bytes per edaBit, all links: 3 bits per AND, (bits − 1 + ANDs of the schedule)·3/8 =
 * (63 + 166)·3/8 = 85.9 B for bits = 64 (no conversion message: the arithmetic side is free).
 * Security: semi-honest, no two parties collude; every message is masked by a zero-sharing its
 * receiver lacks a key of.
 */
import { ConcordError } from '../../../src/errors.js';
import { Ring } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';
import { planesToWords, toPlanes } from './bitpack.js';
import { maskOperands, maskShare } from './mask-sum.js';
import { allCarries, runCarries, scheduleAnds } from './carries.js';
import { RepAnd, rowsRep } from './rep-and.js';
import type { ItemPrgs, Pieces } from './replicated.js';

/** An edaBit batch: arithmetic shares of r and XOR shares of its low bits (one word per element). */
export interface HmEdaBits {
  arith: Ring;
  bin: Ring;
}

/** Bytes per edaBit over all links, for the low `bits` bits (1..64). */
export function edaBitBytes(bits: number): number {
  return (3 * (bits - 1 + scheduleAnds(allCarries(bits - 1), bits - 1))) / 8;
}

/** `count` edaBits whose low `bits` bits (1..64) are XOR-shared (bits above: 0). Messages under (tag, kind…). */
export async function edaBits(s: Session, p: ItemPrgs, count: number, bits: number, tag: number, kind: string): Promise<HmEdaBits> {
  if (!Number.isInteger(bits) || bits < 1 || bits > 64) throw new ConcordError('E_RANGE', `edaBits: bits=${bits} outside 1..64`);
  const w = p.pieces([count]);
  const prop: Pieces = { mine: toPlanes(w.mine, bits), other: toPlanes(w.other, bits) }; // u ⊕ y
  if (bits > 1) {
    const n = bits - 1;
    const { u, y } = maskOperands(s.me, prop, n);
    const and = new RepAnd(s, p, tag, kind);
    const g = await and.and(u, y);
    const G = await runCarries(and, g, rowsRep(prop, 0, n), allCarries(n));
    // s_k = p_k ⊕ c_k with c_0 = 0 and c_k = G_{k−1}: G's rows XORed into rows 1..n of this
    // party's component of p, in place (p's planes are this call's own, and u, y are read).
    const words = prop.mine.shape[1]!;
    const tail = new Ring([n, words], prop.mine.data.subarray(words, (n + 1) * words));
    Ring.combine('xor', [tail, G.mine], tail);
  }
  return { arith: p.rerandomizeAdd(maskShare(s.me, w)), bin: p.rerandomizeXor(planesToWords(prop.mine, count)) };
}
