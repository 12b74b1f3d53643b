import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';
import { assertSameShape } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { mulWith } from './mul.js';
import { matmulDims, matmulWith, type MatmulOptions } from './matmul.js';
import { truncWith } from './trunc.js';
import { matmulMaskedWith, useDims, type MaskedOperand, type MaskedUseOptions } from './masked.js';

/**
 * Fixed-point products: the ring product of two f-bit fixed-point values carries 2f fractional
 * bits; probabilistic truncation [EGKRS20] (trunc.ts) brings it back to f.
 * Input range: correct within 1 ulp (always, no failure probability) while every exact product
 * entry satisfies |x·y| < 2^62 in ring units, i.e. |real product| < 2^(62−2f) = 2^30 at f = 16.
 * Rounds: 2 (product, then truncation). Bytes to each peer: the product's plus 8·|output|.
 * Both tags are taken at call time and both preprocessing items requested at once, so concurrent
 * calls stay in step across parties and the dealer can serve both in one batch.
 */
export async function mulFx(s: Session, x: Ring, y: Ring, f: number = FRAC_BITS): Promise<Ring> {
  assertSameShape(x.shape, y.shape, 'mulFx');
  const [tm, tt] = [s.tag(), s.tag()];
  const triple = s.prep.triple(tm, x.shape);
  const pair = s.prep.truncPair(tt, x.shape, f);
  return truncWith(s, await mulWith(s, x, y, triple, tm), f, pair, tt);
}

/** Fixed-point matrix product op(X)·op(Y) then truncation (2 rounds). Range as mulFx per output entry. */
export async function matmulFx(s: Session, x: Ring, y: Ring, opts: MatmulOptions & { f?: number } = {}): Promise<Ring> {
  const f = opts.f ?? FRAC_BITS;
  const xx = opts.transA ? x.transpose() : x;
  const yy = opts.transB ? y.transpose() : y;
  const [n, k, m] = matmulDims(xx, yy);
  const [tm, tt] = [s.tag(), s.tag()];
  const triple = s.prep.matrixTriple(tm, n, k, m);
  const pair = s.prep.truncPair(tt, [n, m], f);
  return truncWith(s, await matmulWith(s, xx, yy, triple, tm), f, pair, tt);
}

/** Fixed-point op(X)·Y for a masked X (maskOperand), then truncation (2 rounds). */
export async function matmulMaskedFx(s: Session, mx: MaskedOperand, y: Ring, opts: MaskedUseOptions & { f?: number } = {}): Promise<Ring> {
  const f = opts.f ?? FRAC_BITS;
  const { start, end, transpose, outer, m } = useDims(mx, opts, y);
  const [tm, tt] = [s.tag(), s.tag()];
  const triple = s.prep.maskedTriple(mx.maskTag, tm, { start, end, transpose, m });
  const pair = s.prep.truncPair(tt, [outer, m], f);
  return truncWith(s, await matmulMaskedWith(s, mx, y, { start, end, transpose }, triple, tm), f, pair, tt);
}
