import { assertSameShape, type Ring, type Shape } from '../../src/ring/ring.js';
import type { ProductPrep } from '../../src/session/preprocessing.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { elementwise } from './beaver.js';
import { mapPrep, productPrep, productStep } from './product.js';

/**
 * Multiplication of additive shares over Z_2^64, element-wise: the product step of product.ts
 * with ∘ = the element-wise product.
 *  - Beaver [Beaver91] (dealer, ot): with a triple of x's shape, open e = x − a and f = y − b
 *    together, then [z] = [c] + e·[y] + [a]·f. Bytes sent to each peer: 2·len·8.
 *  - Replicated (hm, replicated-product.ts): pass x' and y' to the previous party, then
 *    [z] = x'_i·(y'_i + y'_{i+1}) + x'_{i+1}·y'_i + ρz_i. Bytes: 2·len·8 to the previous party only.
 * Rounds: 1. Semi-honest; every item is used once. Input range: any ring elements. Ring-only:
 * fixed-point callers truncate (fixed.ts).
 */
export async function* mulStep(s: Scope, x: Ring, y: Ring, pre: Promise<ProductPrep> = mulPrep(s, x, y)): Chain<Ring> {
  assertSameShape(x.shape, y.shape, 'mul');
  // An item requested for the flat length (by a caller batching several products) fits any shape.
  return yield* productStep(x, y, mapPrep(await pre, (r) => r.reshape(x.shape)), elementwise);
}

/** Request the preprocessing of a product of x and y now (E_SHAPE if their shapes differ). */
export function mulPrep(s: Scope, x: Ring, y: Ring): Promise<ProductPrep> {
  assertSameShape(x.shape, y.shape, 'mul');
  return triplePrep(s, x.shape);
}

/** Request the preprocessing of element-wise products over `shape` now: replicated masks, or triples staged where the mode can (c may follow a and b). */
export function triplePrep(s: Scope, shape: Shape): Promise<ProductPrep> {
  return productPrep(s, shape, shape, shape, (tag) => (s.prep.stagedTriple ? s.prep.stagedTriple(tag, shape) : s.prep.triple(tag, shape)));
}

/** Shares of x·y, element-wise (1 round, see mulStep). */
export const mul = runner((s, x: Ring, y: Ring) => mulStep(s, x, y));
