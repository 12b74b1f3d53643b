/**
 * AND of XOR-replicated bits among three parties, with resharing. [AFLNO16: Araki, Furukawa,
 * Lindell, Nof, Ohara, "High-throughput semi-honest secure three-party computation with an
 * honest majority", CCS 2016, §2.2; ABY3 §5.3]
 *
 * Recipe (party i holds components (x_i, x_{i+1}) of x = x_0 ⊕ x_1 ⊕ x_2, likewise y; α a fresh
 * XOR zero-sharing from the item's streams):
 *   z_i = x_i∧(y_i ⊕ y_{i+1}) ⊕ x_{i+1}∧y_i ⊕ α_i     (the three terms cover all nine x_j∧y_k)
 * then party i sends z_i to party i−1, so every party again holds two components (z_i, z_{i+1}).
 * Operands are bit planes (bitpack.ts: 64 items per word), rows stacked so that every AND of a
 * circuit layer goes in one message.
 * Rounds: 1 per call. Bytes: each party sends one bit per AND (rows · ⌈count/64⌉ · 8 bytes per
 * message), 3 bits per AND over all links. Security: semi-honest, no two parties collude: party
 * i−1 receives z_i masked by α_i, whose key k_{i,i+1} it lacks, so the message is uniform to it.
 */
import { ConcordError } from '../../../src/errors.js';
import { Ring } from '../../../src/ring/ring.js';
import type { Session } from '../../../src/session/session.js';
import { nextOf, prevOf, type ItemPrgs, type Pieces } from './replicated.js';

/** Component-wise XOR of two replicated sharings (local). */
export function xorRep(x: Pieces, y: Pieces): Pieces {
  return { mine: x.mine.xor(y.mine), other: x.other.xor(y.other) };
}

/** Rows [a, b) of a replicated sharing of bit planes. */
export function rowsRep(x: Pieces, a: number, b: number): Pieces {
  return { mine: x.mine.slice(a, b), other: x.other.slice(a, b) };
}

/** Rows of a replicated sharing picked by index. */
export function gatherRep(x: Pieces, rows: readonly number[]): Pieces {
  return { mine: x.mine.gather(rows), other: x.other.gather(rows) };
}

/** Replicated sharings stacked by rows. */
export function stackRep(xs: readonly Pieces[]): Pieces {
  return { mine: Ring.concat(xs.map((x) => x.mine)), other: Ring.concat(xs.map((x) => x.other)) };
}

/** The AND layers of one item batch: each call is one round under (tag, `${kind}/and<layer>`). */
export class RepAnd {
  private layer = 0;

  constructor(private readonly s: Session, private readonly p: ItemPrgs, private readonly tag: number, private readonly kind: string) {}

  /** x ∧ y row-wise (same shapes), replicated again after one round. */
  async and(x: Pieces, y: Pieces): Promise<Pieces> {
    const { s } = this;
    const shape = x.mine.shape;
    // x_i∧(y_i ⊕ y_{i+1}) ⊕ x_{i+1}∧y_i ⊕ α_i in one pass, written over α_i (drawn straight from the streams)
    const z = this.p.zero(shape, true);
    Ring.replicatedXor(z, x.mine, y.mine, x.other, y.other, z);
    const kind = `${this.kind}/and${this.layer++}`;
    s.send(prevOf(s.me), this.tag, z, kind);
    const other = await s.recv(nextOf(s.me), this.tag, kind);
    if (other.shape.length !== shape.length || other.shape.some((d, i) => d !== shape[i])) {
      const peer = nextOf(s.me);
      const e = new ConcordError('E_FRAME', `party ${s.ids[peer]} sent a [${other.shape.join('×')}] tensor for hm AND layer ${kind} (tag ${this.tag}), expected [${shape.join('×')}]; it is faulty or runs a different version`, { party: s.ids[peer]! });
      s.abort(e);
      throw e;
    }
    return { mine: z, other };
  }
}
