import type { Session } from '../../src/session/session.js';
import { assertSameShape, type Ring } from '../../src/ring/ring.js';
import type { Triple } from '../../src/session/preprocessing.js';
import { openMany } from './open.js';

/**
 * Beaver multiplication of additive shares over Z_2^64, element-wise. [Beaver91]
 * With a triple ([a],[b],[c]), c = a·b:
 *   1. open e = x − a and f = y − b together (one message per peer);
 *   2. [z] = [c] + e·[y] + [a]·f, since x·y = (e + a)·y = e·y + a·(f + b) = e·y + a·f + c.
 * (No public term, so no party is special.) Rounds: 1. Bytes sent to each peer: 2·len·8.
 * Semi-honest; consumes len triples, never reused. Ring-only: fixed-point callers truncate (mulFx).
 */
export async function mul(s: Session, x: Ring, y: Ring, tag: number = s.tag()): Promise<Ring> {
  assertSameShape(x.shape, y.shape, 'mul');
  return mulWith(s, x, y, s.prep.triple(tag, x.shape), tag);
}

/** mul with a triple already requested (lets callers prefetch preprocessing at call time). */
export async function mulWith(s: Session, x: Ring, y: Ring, triple: Promise<Triple>, tag: number): Promise<Ring> {
  const { a, b, c } = await triple;
  const [e, f] = await openMany(s, [x.sub(a), y.sub(b)], tag);
  return c.add(y.mul(e!)).add(a.mul(f!));
}
