import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { Ring, sameShape, type Shape } from '../../src/ring/ring.js';

/**
 * Secret-share a tensor owned by one party, with zero bytes on the wire.
 * Every party j ≠ owner takes its share from the PRG it shares with the owner (stream = tag);
 * the owner's share is x minus all of those. Rounds: 0. Bytes: 0.
 * Security: each non-owner share is pseudo-random; the owner's share is x masked by them.
 * All parties must call with the same owner and shape; only the owner passes `value`.
 */
export function input(s: Session, owner: number, shape: Shape, value?: Ring): Ring {
  const tag = s.tag();
  if (s.me !== owner) return s.pairPrg(owner, tag).ring(shape);
  if (!value) throw new ConcordError('E_INTERNAL', `input: party ${s.id} owns the input but passed no value`);
  if (!sameShape(value.shape, shape)) throw new ConcordError('E_SHAPE', `input: value of shape [${value.shape.join('×')}] announced as [${shape.join('×')}]`);
  let share = value;
  for (const j of s.peers) share = share.sub(s.pairPrg(j, tag).ring(shape));
  return share;
}
