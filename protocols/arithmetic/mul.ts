import { assertSameShape, type Ring, type Shape } from '../../src/ring/ring.js';
import type { StagedTriple } from '../../src/session/preprocessing.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { beaverStep, elementwise, mapTriple } from './beaver.js';

/**
 * Beaver multiplication of additive shares over Z_2^64, element-wise. [Beaver91]
 * The recipe of beaver.ts with ∘ = the element-wise product and a triple of x's shape:
 * open e = x − a and f = y − b together, then [z] = [c] + e·[y] + [a]·f.
 * Rounds: 1. Bytes sent to each peer: 2·len·8. Semi-honest; consumes len triples, never reused.
 * Input range: any ring elements. Ring-only: fixed-point callers truncate (fixed.ts).
 */
export async function* mulStep(s: Scope, x: Ring, y: Ring, pre: Promise<StagedTriple> = mulPrep(s, x, y)): Chain<Ring> {
  assertSameShape(x.shape, y.shape, 'mul');
  // A triple requested for the flat length (by a caller batching several products) fits any shape.
  return yield* beaverStep(x, y, mapTriple(await pre, (r) => r.reshape(x.shape)), elementwise);
}

/** Request the triple of a product of x and y now (E_SHAPE if their shapes differ). */
export function mulPrep(s: Scope, x: Ring, y: Ring): Promise<StagedTriple> {
  assertSameShape(x.shape, y.shape, 'mul');
  return triplePrep(s, x.shape);
}

/** Request element-wise triples of `shape` now, staged where the mode can (c may follow a and b). */
export function triplePrep(s: Scope, shape: Shape): Promise<StagedTriple> {
  const tag = s.tag();
  return prefetch(s.prep.stagedTriple ? s.prep.stagedTriple(tag, shape) : s.prep.triple(tag, shape));
}

/** Shares of x·y, element-wise (1 round, see mulStep). */
export const mul = runner((s, x: Ring, y: Ring) => mulStep(s, x, y));
