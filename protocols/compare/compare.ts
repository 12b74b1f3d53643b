import type { Session } from '../../src/session/session.js';
import { Ring } from '../../src/ring/ring.js';
import { addPublic, addPublicScalar, subFromPublic } from '../arithmetic/linear.js';
import { TAGS, runChain, scoped } from '../binary/lockstep.js';
import { ltzStep } from './ltz.js';

/**
 * Comparisons of a secret tensor with a secret or a public one, as arithmetic 0/1 shares.
 * All reduce to ltz of a difference [DSZ15; CrypTen]: x < y ⇔ ltz(x − y).
 * Rounds: those of ltz, C(n) + 8 (9 at n = 3). Bytes: ltz's per element (eq: twice that).
 * Input range: exact whenever the difference does not wrap, |x − y| < 2^63 (for fixed-point
 * values, any two encodable reals whose difference is below 2^(63−f)).
 */

/** Right operand: secret shares (a Ring) or a public tensor/scalar. */
export type Operand = Ring | { public: Ring | bigint };

/** Shares of x − y. */
function diff(s: Session, x: Ring, y: Operand): Ring {
  if (y instanceof Ring) return x.sub(y);
  return typeof y.public === 'bigint' ? addPublicScalar(s, x, -y.public) : addPublic(s, x, y.public.neg());
}

/** Shares of y − x. */
function rdiff(s: Session, x: Ring, y: Operand): Ring {
  if (y instanceof Ring) return y.sub(x);
  return typeof y.public === 'bigint' ? addPublicScalar(s, x.neg(), y.public) : subFromPublic(s, y.public, x);
}

/** 1 − [b] for arithmetic bit shares. */
function not(s: Session, b: Ring): Ring {
  return addPublicScalar(s, b.neg(), 1n);
}

/** [x < y]. */
export async function lt(s: Session, x: Ring, y: Operand): Promise<Ring> {
  const t = scoped(s, TAGS.compare);
  return runChain(t, ltzStep(t, diff(s, x, y)));
}

/** [x > y]. */
export async function gt(s: Session, x: Ring, y: Operand): Promise<Ring> {
  const t = scoped(s, TAGS.compare);
  return runChain(t, ltzStep(t, rdiff(s, x, y)));
}

/** [x ≤ y] = 1 − [x > y]. */
export async function le(s: Session, x: Ring, y: Operand): Promise<Ring> {
  return not(s, await gt(s, x, y));
}

/** [x ≥ y] = 1 − [x < y]. */
export async function ge(s: Session, x: Ring, y: Operand): Promise<Ring> {
  return not(s, await lt(s, x, y));
}

/**
 * [x = y] = 1 − [x < y] − [x > y], both comparisons in one batched ltz (same rounds as ltz,
 * twice its bytes). Exact for |x − y| < 2^63.
 */
export async function eq(s: Session, x: Ring, y: Operand): Promise<Ring> {
  const d = diff(s, x, y).reshape([x.size]);
  const t = scoped(s, TAGS.compare);
  const both = await runChain(t, ltzStep(t, Ring.concat([d, d.neg()], 0)));
  const sum = new Ring([x.size], both.data.subarray(0, x.size)).add(new Ring([x.size], both.data.subarray(x.size)));
  return not(s, sum).reshape(x.shape);
}
