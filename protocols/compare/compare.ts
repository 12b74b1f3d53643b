import { Ring } from '../../src/ring/ring.js';
import { addPublic, addPublicScalar, subFromPublic } from '../arithmetic/linear.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Party, Scope } from '../core/scope.js';
import { ltzStep } from './ltz.js';

/**
 * Comparisons of a secret tensor with a secret or a public one, as arithmetic 0/1 shares.
 * All reduce to ltz of a difference [DSZ15; CrypTen]: x < y ⇔ ltz(x − y).
 * Rounds: those of ltz, 8 (any n). Bytes: ltz's per element (eq: twice that).
 * Input range: exact whenever the difference does not wrap, |x − y| < 2^63 (for fixed-point
 * values, any two encodable reals whose difference is below 2^(63−f)).
 */

/** Right operand: secret shares (a Ring) or a public tensor/scalar. */
export type Operand = Ring | { public: Ring | bigint };

/** Shares of x − y. */
function diff(s: Party, x: Ring, y: Operand): Ring {
  if (y instanceof Ring) return x.sub(y);
  return typeof y.public === 'bigint' ? addPublicScalar(s, x, -y.public) : addPublic(s, x, y.public.neg());
}

/** Shares of y − x. */
function rdiff(s: Party, x: Ring, y: Operand): Ring {
  if (y instanceof Ring) return y.sub(x);
  return typeof y.public === 'bigint' ? addPublicScalar(s, x.neg(), y.public) : subFromPublic(s, y.public, x);
}

/** 1 − [b] for arithmetic bit shares. */
function not(s: Party, b: Ring): Ring {
  return addPublicScalar(s, b.neg(), 1n);
}

/** [x < y] as a chain. */
export function ltStep(s: Scope, x: Ring, y: Operand): Chain<Ring> {
  return ltzStep(s, diff(s, x, y));
}

/** [x > y] as a chain. */
export function gtStep(s: Scope, x: Ring, y: Operand): Chain<Ring> {
  return ltzStep(s, rdiff(s, x, y));
}

/** [x ≤ y] = 1 − [x > y] as a chain. */
export async function* leStep(s: Scope, x: Ring, y: Operand): Chain<Ring> {
  return not(s, yield* gtStep(s, x, y));
}

/** [x ≥ y] = 1 − [x < y] as a chain. */
export async function* geStep(s: Scope, x: Ring, y: Operand): Chain<Ring> {
  return not(s, yield* ltStep(s, x, y));
}

/**
 * [x = y] = 1 − [x < y] − [x > y], both comparisons in one batched ltz (same rounds as ltz,
 * twice its bytes). Exact for |x − y| < 2^63.
 */
export async function* eqStep(s: Scope, x: Ring, y: Operand): Chain<Ring> {
  const d = diff(s, x, y).reshape([x.size]);
  const both = yield* ltzStep(s, Ring.concat([d, d.neg()], 0));
  const sum = new Ring([x.size], both.data.subarray(0, x.size)).add(new Ring([x.size], both.data.subarray(x.size)));
  return not(s, sum).reshape(x.shape);
}

/** [x < y]. */
export const lt = runner(ltStep);
/** [x > y]. */
export const gt = runner(gtStep);
/** [x ≤ y]. */
export const le = runner(leStep);
/** [x ≥ y]. */
export const ge = runner(geStep);
/** [x = y] (see eqStep). */
export const eq = runner(eqStep);
