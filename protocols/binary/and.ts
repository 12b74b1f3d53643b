import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { Ring, assertSameShape } from '../../src/ring/ring.js';
import type { Triple } from '../../src/session/preprocessing.js';
import { runChain, type Chain } from './lockstep.js';

/**
 * Bitwise AND of XOR-shared 64-bit words with bitwise Beaver triples. [Beaver91; GMW87]
 * With a bit triple (a, b, c = a ∧ b) per word: open d = x ⊕ a and e = y ⊕ b together, then
 * [z] = [c] ⊕ (d ∧ [b]) ⊕ (e ∧ [a]) ⊕ (d ∧ e) (the public term XORed in by party 0).
 * Each word op computes 64 independent bit-ANDs.
 * Rounds: 1 for any number of pairs (all pairs batched into one triple and one opening).
 * Bytes to each peer: 16·Σ sizes. Semi-honest; consumes Σ sizes word triples.
 * `pre`: a bit triple of Σ sizes words requested earlier (see prefetch).
 */
export async function* andStep(s: Session, xs: Ring[], ys: Ring[], pre?: Promise<Triple>): Chain<Ring[]> {
  if (xs.length !== ys.length) throw new ConcordError('E_INTERNAL', `and: ${xs.length} left operands for ${ys.length} right operands`);
  xs.forEach((x, i) => assertSameShape(x.shape, ys[i]!.shape, 'and'));
  const total = xs.reduce((acc, x) => acc + x.size, 0);
  const { a, b, c } = await (pre ?? s.prep.bitTriple(s.tag(), [total]));
  const { xor } = yield { xor: [flatConcat(xs, total).xor(a), flatConcat(ys, total).xor(b)] };
  const [d, e] = xor as [Ring, Ring];
  let z = c.xor(d.and(b)).xor(e.and(a));
  if (s.me === 0) z = z.xor(d.and(e));
  return split(z, xs);
}

/** Bitwise AND of many pairs in one round (see andStep). */
export async function andMany(s: Session, xs: Ring[], ys: Ring[]): Promise<Ring[]> {
  return runChain(s, andStep(s, xs, ys));
}

/** Bitwise AND of two XOR-shared tensors (1 round, 16·size bytes to each peer). */
export async function and(s: Session, x: Ring, y: Ring): Promise<Ring> {
  return (await andMany(s, [x], [y]))[0]!;
}

function flatConcat(parts: Ring[], total: number): Ring {
  if (parts.length === 1) return parts[0]!.reshape([total]);
  const out = new Ring([total]);
  let off = 0;
  for (const p of parts) {
    out.data.set(p.data, off);
    off += p.size;
  }
  return out;
}

function split(z: Ring, like: Ring[]): Ring[] {
  let off = 0;
  return like.map((l) => {
    const part = new Ring(l.shape, z.data.slice(off, off + l.size));
    off += l.size;
    return part;
  });
}

/**
 * Request preprocessing now (synchronously, so every request of a protocol leaves in one batch
 * and tags are taken in call order) and await it later. Marks the promise handled so a failure
 * surfaces where it is awaited, not as an unhandled rejection.
 */
export function prefetch<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
