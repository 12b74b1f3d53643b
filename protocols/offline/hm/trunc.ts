/**
 * Truncation pairs with the mask's top bit shared separately (DESIGN.md §4, [EGKRS20]) for three
 * parties: shares of r, of r_low >> f and of the bit r_top, where r = r_low + 2^63·r_top.
 *
 * Recipe: from a replicated random word (no traffic) party 0 takes u = w_0 ⊕ w_1 and parties 1
 * and 2 take y = w_2; the mask is the arithmetic sum r = u + y mod 2^64, uniform to each party
 * (each misses one of w_0, w_1, w_2). Splitting u and y at bits f and 63 (u_m = bits f..62 of u):
 *   r_low >> f = u_m + y_m + c_f − 2^(63−f)·c_63,   r_top = u_63 ⊕ y_63 ⊕ c_63,
 * where c_f, c_63 are the carries of u + y into bits f and 63. Those are computed on bit planes
 * of the replicated pieces, which already form XOR-replicated sharings of u = (w_0, w_1, 0) and
 * y = (0, 0, w_2): g = u ∧ y (one AND layer, rep-and.ts), p = u ⊕ y = (w_0, w_1, w_2) (free), then
 * the carry schedule twoCarries of carries.ts, and r_top = p_63 ⊕ c_63 (free). The three bits c_f, c_63,
 * r_top get arithmetic shares by convert.ts, and the outputs are
 *   [r] = u (party 0) + y (party 1),   [r_low >> f] = u_m + y_m + [c_f] − 2^(63−f)·[c_63],
 *   [r_top] = [r_top],
 * each plus a fresh zero-sharing (convert.ts explains why; here also because party 2 knows y).
 * So r is uniform mod 2^64 and [r_low >> f] is exact: trunc is off by at most 1 ulp, with no
 * failure probability, for |x| < 2^62.
 * Rounds: 1 (g) + ⌈log2 max(f, 63 − f)⌉ + 1 (carries) + 1 (conversion) = 9 at f = 16, generated
 * in batches ahead of use (see preprocessing.ts).
 * Bytes per pair, all links: 3 bits per AND, (63 + ANDs of carries.ts)·3/8, plus the conversion
 * message party 0 → party 1, (63 + f + 63)/8: 68.25 + 17.75 = 86 B at f = 16 (182 ANDs),
 * 67.9 + 19.5 = 87.4 B at f = 30 (181 ANDs); was 354 and 384 with one conversion per bit of r.
 * Bit planes pad each AND message to whole words, ≤ 8 bytes per row and batch. Security:
 * semi-honest, no two parties collude; every message is masked by a zero-sharing or a stream
 * its receiver lacks.
 */
import { Ring } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';
import type { TruncPair } from '../../../src/session/preprocessing.js';
import { fromPlanes, toPlanes } from './bitpack.js';
import { maskOperands, maskShare } from './mask-sum.js';
import { runCarries, scheduleAnds, twoCarries } from './carries.js';
import { rowsToArith } from './convert.js';
import { RepAnd, rowsRep, stackRep, xorRep } from './rep-and.js';
import type { ItemPrgs, Pieces } from './replicated.js';

/** Widths of the conversion message rows (c_f with weight 1, c_63 with weight 2^(63−f), r_top). */
export function truncWidths(f: number): number[] {
  return [63, f, 63];
}

/** ANDs per truncation pair (generate layer + carries), each costing 3 bits over all links. */
export function truncAnds(f: number): number {
  return 63 + scheduleAnds(twoCarries(f, 63), 63);
}

/** Bytes per truncation pair over all links (ANDs plus the conversion message), as sent in large batches. */
export function truncPairBytes(f: number): number {
  return (3 * truncAnds(f) + truncWidths(f).reduce((a, w) => a + w, 0)) / 8;
}

/** `count` truncation pairs for shifting by f bits. Messages go under (tag, kind…). */
export async function truncPairs(s: Session, p: ItemPrgs, count: number, f: number, tag: number, kind: string): Promise<TruncPair> {
  const w = p.pieces([count]);
  const prop: Pieces = { mine: toPlanes(w.mine, 64), other: toPlanes(w.other, 64) }; // u ⊕ y, bits 0..63
  const { u, y } = maskOperands(s.me, prop, 63);
  const and = new RepAnd(s, p, tag, kind);
  const g = await and.and(u, y);
  const G = await runCarries(and, g, rowsRep(prop, 0, 63), twoCarries(f, 63));
  const into63 = rowsRep(G, 62, 63);
  const intoF = f === 0 ? xorRep(into63, into63) : rowsRep(G, f - 1, f); // no carry into bit 0
  const bitsRep = stackRep([intoF, into63, xorRep(into63, rowsRep(prop, 63, 64))]);
  const bits = await rowsToArith(s, p, { mine: fromPlanes(bitsRep.mine, count), other: fromPlanes(bitsRep.other, count) }, truncWidths(f), tag, kind);
  const share = maskShare(s.me, w); // party 2 knows party 1's y: the zero-sharing below hides it
  const lowShifted = share.shl(1).shr(1 + f).add(bits.slice(0, 1).reshape([count])).sub(bits.slice(1, 2).reshape([count]).scale(1n << BigInt(63 - f)));
  const out = p.rerandomizeAdd(Ring.concat([share, lowShifted, bits.slice(2, 3).reshape([count])]).reshape([3, count]));
  return { r: out.slice(0, 1).reshape([count]), rLowShifted: out.slice(1, 2).reshape([count]), rTop: out.slice(2, 3).reshape([count]) };
}
