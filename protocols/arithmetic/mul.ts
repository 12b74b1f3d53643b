import type { Session } from '../../src/session/session.js';
import { assertSameShape, type Ring } from '../../src/ring/ring.js';
import { openMany } from './open.js';
import { addPublic } from './linear.js';

/**
 * Beaver multiplication of additive shares over Z_2^64, element-wise. [Beaver91]
 * With a triple ([a],[b],[c]), c = a·b: open e = x − a and f = y − b together, then
 * [z] = [c] + e·[b] + f·[a] + e·f (the public term added by party 0).
 * Rounds: 1. Bytes sent to each peer: 2·len·8. Semi-honest; consumes len triples.
 * Ring-only: fixed-point callers truncate after (see mulFx).
 */
export async function mul(s: Session, x: Ring, y: Ring): Promise<Ring> {
  assertSameShape(x.shape, y.shape, 'mul');
  const { a, b, c } = await s.prep.triple(s.tag(), x.shape);
  const [e, f] = await openMany(s, [x.sub(a), y.sub(b)]);
  return addPublic(s, c.add(b.mul(e!)).add(a.mul(f!)), e!.mul(f!));
}
