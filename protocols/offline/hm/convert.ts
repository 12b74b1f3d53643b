/**
 * XOR-replicated random bits to arithmetic shares, in one message from party 0 to party 1.
 * [the "input by a party, product with a pair-known value" step of honest-majority bit
 * conversion, cf. ABY3 §5.3 bit injection; MP-SPDZ rep3 daBits]
 *
 * Let v = w_0 ⊕ w_1 ⊕ w_2 be bits replicated as in replicated.ts. Party 0 knows u = w_0 ⊕ w_1,
 * parties 1 and 2 know y = w_2, and v = u + y − 2·u·y over the integers. Party 0 shares u with
 * ρ from the stream it shares with party 2: u = m + ρ, and sends m = u − ρ to party 1. Then
 *   party 0:  m
 *   party 1:  y − 2·y·m
 *   party 2:  ρ − 2·y·ρ
 * sum to u + y − 2·y·(m + ρ) = v. These shares are not yet fit to hand out: party 1 knows party
 * 0's (m), and party 0 knows party 1's up to the bits y. So callers add a fresh
 * zero-sharing (ItemPrgs.rerandomizer) to every output they derive: then each party's share is
 * masked by the key of the other two, as every hm share must be, since a party also learns its
 * successor's share of any value opened through a Beaver mask (it holds that mask piece).
 * Party 1 uses m only in −2·y·m, and the callers weight bit k by at least 2^e_k, so row k of m
 * travels cut to widths[k] = 63 − e_k bits (bitpack.ts): the dropped high bits change party 1's
 * share only by a multiple of 2^(widths[k]+1), which the weight sends to 0 mod 2^64.
 * Rounds: 1 (party 0 → party 1 only; parties 0 and 2 never wait). Bytes: Σ widths / 8 per item
 * (at most 63 bits per bit), on that link.
 * Security: semi-honest, no two parties collude. Party 1 sees m = u − ρ, uniform to it because
 * it lacks ρ; parties 0 and 2 receive nothing; each party misses one piece w_j of
 * every bit, so v is uniform to it. Input: XOR-replicated 0/1 rows (rowsToArith).
 * Output: shares that are exact mod 2^(widths[k]+1) per row k (exact mod 2^64 once weighted).
 */
import { ConcordError } from '../../../src/errors.js';
import { Ring } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';
import type { ItemPrgs, Pieces } from './replicated.js';
import { packRows, packedBytes, unpackRows } from './bitpack.js';

/**
 * Arithmetic shares [rows, count] of XOR-replicated 0/1 rows (both held components, each
 * [widths.length, count]). Parties 0 and 2 read ρ from their common stream. The message goes
 * under (tag, kind) from party 0 to party 1.
 */
export async function rowsToArith(s: Session, p: ItemPrgs, v: Pieces, widths: readonly number[], tag: number, kind: string): Promise<Ring> {
  const shape = v.mine.shape, count = shape[1]!;
  if (s.me === 0) {
    // components 0 (mine) and 1 (other); ρ from the stream with party 2 (prev)
    const m = v.mine.xor(v.other).sub(p.prev.ring(shape));
    s.sendBytes(1, tag, packRows(m, widths), kind);
    return m;
  }
  if (s.me === 1) {
    // components 1 (mine) and 2 (other = y)
    const y = v.other;
    const bytes = await s.recvBytes(0, tag, kind);
    if (bytes.length !== packedBytes(widths, count)) {
      const e = new ConcordError('E_FRAME', `party ${s.ids[0]} sent ${bytes.length} bytes for hm bit conversion ${kind} (tag ${tag}), expected ${packedBytes(widths, count)}; it is faulty or runs a different version`, { party: s.ids[0]! });
      s.abort(e);
      throw e;
    }
    const m = unpackRows(bytes, widths, count);
    return y.sub(y.mul(m).scale(2n));
  }
  // party 2: components 2 (mine = y) and 0; ρ from the stream with party 0 (next)
  const y = v.mine;
  const rho = p.next.ring(shape);
  return rho.sub(y.mul(rho).scale(2n));
}
