import { assertSameShape, type Ring } from '../../src/ring/ring.js';
import type { Triple } from '../../src/session/preprocessing.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { beaverStep, elementwise } from './beaver.js';

/**
 * Beaver multiplication of additive shares over Z_2^64, element-wise. [Beaver91]
 * The recipe of beaver.ts with ∘ = the element-wise product and a triple of x's shape:
 * open e = x − a and f = y − b together, then [z] = [c] + e·[y] + [a]·f.
 * Rounds: 1. Bytes sent to each peer: 2·len·8. Semi-honest; consumes len triples, never reused.
 * Input range: any ring elements. Ring-only: fixed-point callers truncate (fixed.ts).
 */
export async function* mulStep(s: Scope, x: Ring, y: Ring, pre: Promise<Triple> = mulPrep(s, x, y)): Chain<Ring> {
  assertSameShape(x.shape, y.shape, 'mul');
  const t = await pre;
  // A triple requested for the flat length (by a caller batching several products) fits any shape.
  const triple = { a: t.a.reshape(x.shape), b: t.b.reshape(x.shape), c: t.c.reshape(x.shape) };
  return yield* beaverStep(x, y, triple, elementwise);
}

/** Request the triple of a product of x and y now (E_SHAPE if their shapes differ). */
export function mulPrep(s: Scope, x: Ring, y: Ring): Promise<Triple> {
  assertSameShape(x.shape, y.shape, 'mul');
  return prefetch(s.prep.triple(s.tag(), x.shape));
}

/** Shares of x·y, element-wise (1 round, see mulStep). */
export const mul = runner((s, x: Ring, y: Ring) => mulStep(s, x, y));
