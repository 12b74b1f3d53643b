import { ConcordError } from '../../src/errors.js';
import { Ring, assertSameShape } from '../../src/ring/ring.js';
import type { Triple } from '../../src/session/preprocessing.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';

/**
 * Bitwise AND of XOR-shared 64-bit words with bitwise Beaver triples. [Beaver91; GMW87]
 * With a bit triple (a, b, c = a ∧ b) per word: open d = x ⊕ a and e = y ⊕ b together, then
 * [z] = [c] ⊕ (d ∧ [b]) ⊕ (e ∧ [a]) ⊕ (d ∧ e) (the public term XORed in by party 0).
 * Each word op computes 64 independent bit-ANDs.
 * Rounds: 1 for any number of pairs (all pairs batched into one triple and one opening).
 * Bytes to each peer: 16·Σ sizes. Semi-honest; consumes Σ sizes word triples.
 * `pre`: a bit triple of Σ sizes words requested earlier (see prefetch).
 */
export async function* andStep(s: Scope, xs: (Ring | null)[], ys: (Ring | null)[], pre?: Promise<Triple>): Chain<Ring[]> {
  if (xs.length !== ys.length) throw new ConcordError('E_INTERNAL', `and: ${xs.length} left operands for ${ys.length} right operands`);
  // null operands are zero shares (see a2b.ts); every pair needs at least one tensor for its shape.
  const shapes = xs.map((x, i) => {
    const y = ys[i]!;
    if (x && y) assertSameShape(x.shape, y.shape, 'and');
    const r = x ?? y;
    if (!r) throw new ConcordError('E_INTERNAL', 'and: both operands of a pair are implicit zeros');
    return r.shape;
  });
  const sizes = shapes.map((sh) => sh.reduce((p, d) => p * d, 1));
  const total = sizes.reduce((acc, n) => acc + n, 0);
  const { a, b, c } = await (pre ?? s.prep.bitTriple(s.tag(), [total]));
  const { xor } = yield { xor: [masked(xs, sizes, total, a), masked(ys, sizes, total, b)] };
  const [d, e] = xor as [Ring, Ring];
  // z = c ⊕ (d ∧ b) ⊕ (e ∧ a) ⊕ (d ∧ e), with d ∧ (b ⊕ e) folding the public term for party 0.
  const z = Ring.beaver(c, d, s.me === 0 ? b.xor(e) : b, e, a, 'xor');
  let off = 0;
  return shapes.map((sh, i) => {
    const part = new Ring(sh, z.data.subarray(off, off + sizes[i]!));
    off += sizes[i]!;
    return part;
  });
}

/** Bitwise AND of many pairs in one round (see andStep). */
export const andMany = runner((s, xs: Ring[], ys: Ring[]) => andStep(s, xs, ys));

/** Bitwise AND of two XOR-shared tensors (1 round, 16·size bytes to each peer). */
export const and = runner(async function* (s, x: Ring, y: Ring): Chain<Ring> {
  return (yield* andStep(s, [x], [y]))[0]!;
});

/** The operands laid end to end, XORed with the triple's mask (a null operand contributes the mask alone). */
function masked(parts: (Ring | null)[], sizes: number[], total: number, mask: Ring): Ring {
  if (parts.length === 1) return parts[0] ? parts[0].reshape([total]).xor(mask) : mask;
  const out = new Ring([total]);
  let off = 0;
  parts.forEach((p, i) => {
    const n = sizes[i]!;
    const m = new Ring([n], mask.data.subarray(off, off + n));
    const o = new Ring([n], out.data.subarray(off, off + n));
    if (p) Ring.combine('xor', [p.reshape([n]), m], o);
    else o.data.set(m.data);
    off += n;
  });
  return out;
}
