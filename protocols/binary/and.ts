import { ConcordError } from '../../src/errors.js';
import { Ring, assertSameShape } from '../../src/ring/ring.js';
import type { ProductMasks, Triple } from '../../src/session/preprocessing.js';
import type { Chain } from '../core/chain.js';
import { isMasks, productPrep } from '../arithmetic/product.js';
import { replicatedStep } from '../arithmetic/replicated-product.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';

/**
 * Bitwise AND of XOR-shared 64-bit words. Each word op computes 64 independent bit-ANDs.
 *  - Beaver with bit triples [Beaver91; GMW87] (dealer, ot): with (a, b, c = a ∧ b) per word,
 *    open d = x ⊕ a and e = y ⊕ b together, then [z] = [c] ⊕ (d ∧ [b]) ⊕ (e ∧ [a]) ⊕ (d ∧ e)
 *    (the public term XORed in by party 0). Bytes to each peer: 16·Σ sizes.
 *  - Replicated (hm) [AFLNO16 §2.2; ABY3 §5.3]: x' = x ⊕ ρx and y' = y ⊕ ρy (XOR zero-sharings)
 *    passed to the previous party, then z_i = x'_i∧(y'_i ⊕ y'_{i+1}) ⊕ x'_{i+1}∧y'_i ⊕ ρz_i —
 *    the arithmetic replicated product (arithmetic/replicated-product.ts) over GF(2)^64. Bytes:
 *    16·Σ sizes to the previous party only, and no bit triple.
 * Rounds: 1 for any number of pairs (all pairs batched into one item and one round).
 * Semi-honest; consumes Σ sizes words of the item. `pre`: the item of Σ sizes words requested
 * earlier (andPrep).
 */
export async function* andStep(s: Scope, xs: (Ring | null)[], ys: (Ring | null)[], pre?: Promise<AndPrep>): Chain<Ring[]> {
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
  const item = await (pre ?? andPrep(s, total));
  let z: Ring;
  if (isMasks(item)) z = yield* replicatedStep(masked(xs, sizes, total), masked(ys, sizes, total), item, 'and');
  else {
    const { a, b, c } = item;
    const { xor } = yield { xor: [masked(xs, sizes, total, a), masked(ys, sizes, total, b)] };
    const [d, e] = xor as [Ring, Ring];
    // z = c ⊕ (d ∧ b) ⊕ (e ∧ a) ⊕ (d ∧ e), with d ∧ (b ⊕ e) folding the public term for party 0.
    z = Ring.beaver(c, d, s.me === 0 ? b.xor(e) : b, e, a, 'xor');
  }
  let off = 0;
  return shapes.map((sh, i) => {
    const part = new Ring(sh, z.data.subarray(off, off + sizes[i]!));
    off += sizes[i]!;
    return part;
  });
}

/** What an AND of `words` words consumes: a bit triple, or (hm) the replicated AND's XOR zero-sharings. */
export type AndPrep = Triple | ProductMasks;

/**
 * Request the item of an AND over `words` words now: the replicated AND's masks where the mode
 * has them (Preprocessing.productMasks, drawn as XOR zero-sharings: ZeroShare.xorInto), else a bit triple.
 */
export function andPrep(s: Scope, words: number): Promise<AndPrep> {
  return productPrep(s, [words], [words], [words], (tag) => s.prep.bitTriple(tag, [words]));
}

/** Bitwise AND of many pairs in one round (see andStep). */
export const andMany = runner((s, xs: Ring[], ys: Ring[]) => andStep(s, xs, ys));

/** Bitwise AND of two XOR-shared tensors (1 round, 16·size bytes to each peer). */
export const and = runner(async function* (s, x: Ring, y: Ring): Chain<Ring> {
  return (yield* andStep(s, [x], [y]))[0]!;
});

/**
 * The operands laid end to end, XORed with the triple's mask when given (a null operand
 * contributes the mask alone, or zeros). Without a mask a single operand is a view, not a copy.
 */
function masked(parts: (Ring | null)[], sizes: number[], total: number, mask?: Ring): Ring {
  if (parts.length === 1) {
    const p = parts[0];
    if (!mask) return p ? p.reshape([total]) : new Ring([total]);
    return p ? p.reshape([total]).xor(mask) : mask;
  }
  const out = new Ring([total]);
  let off = 0;
  parts.forEach((p, i) => {
    const n = sizes[i]!;
    const o = new Ring([n], out.data.subarray(off, off + n));
    const m = mask ? new Ring([n], mask.data.subarray(off, off + n)) : undefined;
    if (p && m) Ring.combine('xor', [p.reshape([n]), m], o);
    else if (p) o.data.set(p.reshape([n]).data);
    else if (m) o.data.set(m.data);
    off += n;
  });
  return out;
}
