/**
 * XOR-replicated random bits to arithmetic shares, in one message from party 0 to party 1.
 * [the "input by a party, product with a pair-known value" step of honest-majority bit
 * conversion, cf. ABY3 §5.3 bit injection; MP-SPDZ rep3 daBits]
 *
 * Let v = w_0 ⊕ w_1 ⊕ w_2 be bits replicated as in replicated.ts. Party 0 knows u = w_0 ⊕ w_1,
 * parties 1 and 2 know y = w_2, and v = u + y − 2·u·y over the integers. Party 0 shares u
 * additively with the pair streams: ρ_1 (with party 1), ρ_2 (with party 2), u_0 = u − ρ_1 − ρ_2,
 * and sends m = u_0 to party 1. Then the shares of v are
 *   party 0:  m
 *   party 1:  ρ_1 + y − 2·y·(m + ρ_1)
 *   party 2:  ρ_2 − 2·y·ρ_2
 * which sum to u + y − 2·y·u = v. Every party then adds its share of a fresh zero-sharing
 * (replicated.ts): without it party 1 would know party 0's share m, and since every Beaver
 * opening on hm triples already shows party i−1 the share of party i, party 1 would then hold
 * all three shares of anything computed linearly from these bits (trunc's output, b2a's) as soon
 * as it is multiplied (test/hm/share-knowledge.test.ts runs that attack). After it, no party
 * knows any other party's share of the result.
 * Rounds: 1 (party 0 → party 1 only; parties 0 and 2 never wait). Bytes: 8 per bit, on that link.
 * Security: semi-honest, no two parties collude. Party 1 sees m = u − ρ_1 − ρ_2, uniform to it
 * because it lacks ρ_2; parties 0 and 2 receive nothing; each party misses one piece w_j of
 * every bit, so v is uniform to it, and the zero-sharing makes every output share uniform to
 * the other two parties. Input: pieces whose bits 0..nbits−1 are the random bits.
 */
import { ConcordError } from '../../../src/errors.js';
import { Ring } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';
import type { ItemPrgs, Pieces } from './replicated.js';

/** Bits 0..nbits−1 of every word of a [count] tensor, bit-major: [nbits, count] of 0/1. */
export function bitRows(w: Ring, nbits: number): Ring {
  const count = w.size;
  const out = new Ring([nbits, count]);
  for (let k = 0; k < nbits; k++) out.data.set(w.bit(k).data, k * count);
  return out;
}

/**
 * Arithmetic shares, bit-major [nbits, count], of bits 0..nbits−1 of the XOR-replicated words
 * `w` (both held pieces, shape [count]). Reads one ρ tensor from each stream the recipe needs,
 * after the pieces. The message goes under (tag, kind) from party 0 to party 1.
 */
export async function bitsToArith(s: Session, p: ItemPrgs, w: Pieces, nbits: number, tag: number, kind: string): Promise<Ring> {
  const shape = [nbits, w.mine.size];
  if (s.me === 0) {
    // pieces 0 (mine) and 1 (other); ρ_1 from the stream with party 1 (next), ρ_2 with party 2 (prev)
    const u = bitRows(w.mine.xor(w.other), nbits);
    const rho1 = p.next.ring(shape), rho2 = p.prev.ring(shape);
    const m = u.sub(rho1).sub(rho2);
    s.send(1, tag, m, kind);
    return rerandomize(p, m);
  }
  if (s.me === 1) {
    // pieces 1 (mine) and 2 (other = y); ρ_1 from the stream with party 0 (prev)
    const y = bitRows(w.other, nbits);
    const rho1 = p.prev.ring(shape);
    const m = await s.recv(0, tag, kind);
    if (m.size !== rho1.size) {
      const e = new ConcordError('E_FRAME', `party ${s.ids[0]} sent ${m.size} elements for hm bit conversion ${kind} (tag ${tag}), expected ${rho1.size}; it is faulty or runs a different version`, { party: s.ids[0]! });
      s.abort(e);
      throw e;
    }
    return rerandomize(p, rho1.add(y).sub(y.mul(m.reshape(shape).add(rho1)).scale(2n)));
  }
  // party 2: pieces 2 (mine = y) and 0; ρ_2 from the stream with party 0 (next)
  const y = bitRows(w.mine, nbits);
  const rho2 = p.next.ring(shape);
  return rerandomize(p, rho2.sub(y.mul(rho2).scale(2n)));
}

/** Adds this party's share of a fresh zero-sharing (read from both streams after the recipe's ρ). */
function rerandomize(p: ItemPrgs, share: Ring): Ring {
  const z = p.zero(share.shape);
  return p.leak === 'no-rerandomize' ? share : share.add(z);
}
