/**
 * daBits (a random bit shared both as XOR and as arithmetic shares) for three parties.
 * [Rotaru, Wood, "MArBled circuits", INDOCRYPT 2019 (daBits); conversion as in convert.ts]
 *
 * Recipe: b = b_0 ⊕ b_1 ⊕ b_2 with b_j a bit of a replicated random bit plane (no traffic);
 * party i's XOR share is b_i. Its arithmetic share comes from convert.ts, re-randomized by a
 * zero-sharing (party 0 → party 1: one masked value per bit, 63 bits: the share is used with
 * weight 1).
 * Rounds: 1, generated in batches ahead of use (see preprocessing.ts). Bytes: 63/8 per daBit,
 * party 0 to party 1 only. Security: semi-honest, no two parties collude; b is uniform to each party.
 */
import type { Session } from '../../../src/session/session.js';
import type { DaBits } from '../../../src/session/preprocessing.js';
import { fromPlanes } from './bitpack.js';
import { rowsToArith } from './convert.js';
import type { ItemPrgs, Pieces } from './replicated.js';

/** `count` daBits. The conversion message goes under (tag, kind). */
export async function daBits(s: Session, p: ItemPrgs, count: number, tag: number, kind: string): Promise<DaBits> {
  // One replicated random bit plane (64 bits a word), spread to one 0/1 word per daBit
  // (fromPlanes): 1/64 of the PRG words and memory that a word per bit would take.
  const planes = p.pieces([1, Math.ceil(count / 64)]);
  const v: Pieces = { mine: fromPlanes(planes.mine, count), other: fromPlanes(planes.other, count) };
  const arith = await rowsToArith(s, p, v, [63], tag, kind);
  return { arith: p.rerandomizeAdd(arith.reshape([count])), bin: v.mine.reshape([count]) }; // see convert.ts
}

