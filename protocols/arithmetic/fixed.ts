import type { Ring, Shape } from '../../src/ring/ring.js';
import { assertSameShape } from '../../src/ring/ring.js';
import type { MaskedTriple, ProductPrep, StagedTruncPair } from '../../src/session/preprocessing.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { mulStep, triplePrep } from './mul.js';
import { matmulDims, matmulPrep, matmulStep, type MatmulOptions } from './matmul.js';
import { truncPrep, truncStep } from './trunc.js';
import { maskedPrep, matmulMaskedStep, useDims, type MaskedOperand, type MaskedUseOptions } from './masked.js';

/**
 * Fixed-point products: the ring product of two f-bit fixed-point values carries 2f fractional
 * bits; probabilistic truncation [EGKRS20] (trunc.ts) brings it back to f. The product is the
 * Beaver step of beaver.ts (mul.ts, matmul.ts, masked.ts), then one truncation.
 * Input range: correct within 1 ulp (always, no failure probability) while every exact product
 * entry satisfies |x·y| < 2^62 in ring units, i.e. |real product| < 2^(62−2f) = 2^30 at f = 16.
 * Rounds: 2 (product, then truncation). Bytes to each peer: the product's plus 8·|output|.
 * Both preprocessing items are requested when the call starts, so the source serves them in
 * one batch. Security: that of the product and of trunc (semi-honest).
 */

/** Preprocessing of one fixed-point product: the product's item (triple or replicated masks), then the truncation pair. */
export type MulFxPrep = [Promise<ProductPrep>, Promise<StagedTruncPair>];

/** Request the preprocessing of an element-wise fixed-point product over `shape` (or a flat length) now. */
export function mulFxPrep(s: Scope, shape: Shape | number, f: number = FRAC_BITS): MulFxPrep {
  const sh = typeof shape === 'number' ? [shape] : shape;
  return [triplePrep(s, sh), truncPrep(s, sh, f)];
}

/** Fixed-point x·y element-wise (2 rounds). */
export async function* mulFxStep(s: Scope, x: Ring, y: Ring, f: number = FRAC_BITS, pre?: MulFxPrep): Chain<Ring> {
  assertSameShape(x.shape, y.shape, 'mulFx');
  const [triple, pair] = pre ?? mulFxPrep(s, x.shape, f);
  return yield* truncStep(s, yield* mulStep(s, x, y, triple), f, pair);
}

/** Fixed-point matrix product op(X)·op(Y) then truncation (2 rounds). Range as mulFx per output entry. */
export async function* matmulFxStep(s: Scope, x: Ring, y: Ring, opts: MatmulOptions & { f?: number } = {}): Chain<Ring> {
  const f = opts.f ?? FRAC_BITS;
  const [n, , m] = matmulDims(x.shape, y.shape, opts);
  const triple = matmulPrep(s, x, y, opts);
  const pair = truncPrep(s, [n, m], f);
  return yield* truncStep(s, yield* matmulStep(s, x, y, opts, triple), f, pair);
}

/** Fixed-point op(X)·Y for a masked X (maskOperand), then truncation (2 rounds). */
export async function* matmulMaskedFxStep(s: Scope, mx: MaskedOperand, y: Ring, opts: MaskedUseOptions & { f?: number } = {}): Chain<Ring> {
  const f = opts.f ?? FRAC_BITS;
  const { outer, m } = useDims(mx, opts, y);
  const triple: Promise<MaskedTriple> = maskedPrep(s, mx, y, opts);
  const pair = truncPrep(s, [outer, m], f);
  return yield* truncStep(s, yield* matmulMaskedStep(s, mx, y, opts, triple), f, pair);
}

/** Fixed-point x·y element-wise (see mulFxStep). */
export const mulFx = runner((s, x: Ring, y: Ring, f?: number) => mulFxStep(s, x, y, f));
/** Fixed-point op(X)·op(Y) (see matmulFxStep). */
export const matmulFx = runner((s, x: Ring, y: Ring, opts?: MatmulOptions & { f?: number }) => matmulFxStep(s, x, y, opts));
/** Fixed-point op(X)·Y for a masked X (see matmulMaskedFxStep). */
export const matmulMaskedFx = runner((s, mx: MaskedOperand, y: Ring, opts?: MaskedUseOptions & { f?: number }) => matmulMaskedFxStep(s, mx, y, opts));
