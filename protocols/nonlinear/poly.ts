import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { Ring, assertSameShape } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { addPublic, addPublicScalar } from '../arithmetic/linear.js';
import { finishTrunc, maskForTrunc } from '../arithmetic/trunc.js';
import { TAGS, runChain, scoped, type Chain } from '../binary/lockstep.js';
import { prefetch } from '../binary/and.js';
import type { Triple, TruncPair } from '../../src/session/preprocessing.js';

/**
 * Fixed-point arithmetic as lockstep chains (so it can share rounds with comparisons) and
 * polynomial evaluation. Beaver mul [Beaver91] and the EGKRS20 truncation are the ones of
 * protocols/arithmetic (1 round each), re-expressed as steps. Powers are computed by doubling,
 * each level one mul + one trunc (2 rounds); coefficients carry COEF_BITS fractional bits so tiny
 * high-order coefficients keep their precision, and all terms of all polynomials share one truncation.
 */

/** Fractional bits of public polynomial coefficients. */
export const COEF_BITS = 30;

/** Beaver product as a step (1 round, 16·len bytes to each peer). */
export async function* mulStep(s: Session, x: Ring, y: Ring, pre?: Promise<Triple>): Chain<Ring> {
  assertSameShape(x.shape, y.shape, 'mul');
  const t0 = await (pre ?? s.prep.triple(s.tag(), x.shape));
  const t = { a: t0.a.reshape(x.shape), b: t0.b.reshape(x.shape), c: t0.c.reshape(x.shape) };
  const { add } = yield { add: [x.sub(t.a), y.sub(t.b)] };
  const [e, f] = add as [Ring, Ring];
  return addPublic(s, t.c.add(t.b.mul(e)).add(t.a.mul(f)), e.mul(f));
}

/** Probabilistic truncation by f bits as a step (1 round, 8·len bytes; |x| < 2^62, ±1 ulp). */
export async function* truncStep(s: Session, x: Ring, f: number, pre?: Promise<TruncPair>): Chain<Ring> {
  const p0 = await (pre ?? s.prep.truncPair(s.tag(), x.shape, f));
  const p = { r: p0.r.reshape(x.shape), rLowShifted: p0.rLowShifted.reshape(x.shape), rTop: p0.rTop.reshape(x.shape) };
  const { add } = yield { add: [maskForTrunc(s, x, p)] };
  return finishTrunc(s, add[0]!, p, f);
}

/** Fixed-point products of many pairs with one mul and one trunc (2 rounds). */
export async function* mulFxStep(s: Session, xs: Ring[], ys: Ring[], f: number = FRAC_BITS, pre?: MulFxPrep): Chain<Ring[]> {
  const z = yield* mulStep(s, cat(xs), cat(ys), pre?.[0]);
  return splitLike(yield* truncStep(s, z, f, pre?.[1]), xs);
}

/** Preprocessing of one mulFx over `len` elements. */
export type MulFxPrep = [Promise<Triple>, Promise<TruncPair>];

/** Request the preprocessing of a mulFx now (see prefetch). */
export function mulFxPrep(s: Session, len: number, f: number = FRAC_BITS): MulFxPrep {
  return [prefetch(s.prep.triple(s.tag(), [len])), prefetch(s.prep.truncPair(s.tag(), [len], f))];
}

/** Request a truncation pair now (see prefetch). */
export function truncPrep(s: Session, len: number, f: number): Promise<TruncPair> {
  return prefetch(s.prep.truncPair(s.tag(), [len], f));
}

/** Fixed-point products of many pairs (2 rounds). */
export async function mulFxMany(s: Session, xs: Ring[], ys: Ring[], f: number = FRAC_BITS): Promise<Ring[]> {
  const t = scoped(s, TAGS.nonlinear);
  return runChain(t, mulFxStep(t, xs, ys, f));
}

/**
 * [x, x², …, x^k] in fixed point. Rounds: 2·⌈log2 k⌉. Each power is within about k ulps plus the
 * propagated error of the lower powers; |x|^k must stay below 2^(62−2f) for the truncations.
 */
export async function* powersStep(s: Session, x: Ring, k: number, f: number = FRAC_BITS): Chain<Ring[]> {
  if (!Number.isInteger(k) || k < 1) throw new ConcordError('E_INTERNAL', `powers: k=${k} must be a positive integer`);
  const pw: Ring[] = [x];
  // All levels' preprocessing in one batch.
  const pres: MulFxPrep[] = [];
  for (let have = 1; have < k; have = Math.min(2 * have, k)) pres.push(mulFxPrep(s, (Math.min(2 * have, k) - have) * x.size, f));
  for (let level = 0; pw.length < k; level++) {
    const top = pw.length;
    const want = Math.min(2 * top, k);
    const ls: Ring[] = [];
    const rs: Ring[] = [];
    for (let j = top + 1; j <= want; j++) {
      ls.push(pw[top - 1]!);
      rs.push(pw[j - top - 1]!);
    }
    pw.push(...(yield* mulFxStep(s, ls, rs, f, pres[level])));
  }
  return pw;
}

/** Public real coefficient as a ring scalar with `bits` fractional bits. */
export function coef(c: number, bits: number): bigint {
  return BigInt(Math.round(c * 2 ** bits));
}

/**
 * Evaluate polynomials Σ_j c_j·x^j (c_0 first) given the powers [x, x², …], all in one truncation.
 * Rounds: 1. Bytes: 8·len per polynomial. Terms are formed at 2^(f+COEF_BITS) scale, so
 * |Σ_{j≥1} c_j x^j| must stay below 2^(62−f−COEF_BITS) (= 2^16 at f = 16).
 */
export async function* polyEvalStep(s: Session, powers: Ring[], polys: number[][], f: number = FRAC_BITS, pre?: Promise<TruncPair>): Chain<Ring[]> {
  const sums = polys.map((cs) => {
    if (cs.length - 1 > powers.length) throw new ConcordError('E_INTERNAL', `polyEval: degree ${cs.length - 1} needs more than ${powers.length} powers`);
    let acc = Ring.zeros(powers[0]!.shape);
    for (let j = 1; j < cs.length; j++) if (cs[j] !== 0) acc = acc.add(powers[j - 1]!.scale(coef(cs[j]!, COEF_BITS)));
    return acc;
  });
  const t = splitLike(yield* truncStep(s, cat(sums), COEF_BITS, pre), sums);
  return t.map((v, i) => addPublicScalar(s, v, coef(polys[i]![0]!, f)));
}

/** Concatenate tensors as one flat 1-D tensor. */
export function cat(parts: Ring[]): Ring {
  if (parts.length === 1) return parts[0]!.reshape([parts[0]!.size]);
  return Ring.concat(parts.map((p) => p.reshape([p.size])), 0);
}

/** Split a flat tensor back into tensors shaped like `like` (copies). */
export function splitLike(flat: Ring, like: Ring[]): Ring[] {
  let off = 0;
  return like.map((l) => {
    const part = new Ring(l.shape, flat.data.slice(off, off + l.size));
    off += l.size;
    return part;
  });
}
