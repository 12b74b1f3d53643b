import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { Ring } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { mul } from '../arithmetic/mul.js';
import { trunc } from '../arithmetic/trunc.js';
import { addPublicScalar } from '../arithmetic/linear.js';

/**
 * Shared helpers for fixed-point polynomial evaluation on secret tensors.
 * Powers are computed by repeated squaring-style doubling, each level batched into one
 * mul + one trunc (2 rounds); coefficients carry COEF_BITS fractional bits so tiny high-order
 * coefficients keep their precision, and all terms of all polynomials share one truncation.
 */

/** Fractional bits of public polynomial coefficients. */
export const COEF_BITS = 30;

/** Fixed-point products of many pairs with one mul and one trunc (2 rounds). */
export async function mulFxMany(s: Session, xs: Ring[], ys: Ring[], f: number = FRAC_BITS): Promise<Ring[]> {
  const x = cat(xs);
  const y = cat(ys);
  return splitLike(await trunc(s, await mul(s, x, y), f), xs);
}

/**
 * [x, x², …, x^k] in fixed point. Rounds: 2·⌈log2 k⌉. Each power is within about k ulps plus the
 * propagated error of the lower powers; |x|^k must stay below 2^(62−2f) for the truncations.
 */
export async function powersFx(s: Session, x: Ring, k: number, f: number = FRAC_BITS): Promise<Ring[]> {
  if (!Number.isInteger(k) || k < 1) throw new ConcordError('E_INTERNAL', `powersFx: k=${k} must be a positive integer`);
  const pw: Ring[] = [x];
  while (pw.length < k) {
    const top = pw.length;
    const want = Math.min(2 * top, k);
    const ls: Ring[] = [];
    const rs: Ring[] = [];
    for (let j = top + 1; j <= want; j++) {
      ls.push(pw[top - 1]!);
      rs.push(pw[j - top - 1]!);
    }
    pw.push(...(await mulFxMany(s, ls, rs, f)));
  }
  return pw;
}

/** Public real coefficient as a ring scalar with `bits` fractional bits. */
export function coef(c: number, bits: number): bigint {
  return BigInt(Math.round(c * 2 ** bits));
}

/**
 * Evaluate polynomials Σ_j c_j·x^j (c_0 first) given the powers [x, x², …], all in one truncation.
 * Rounds: 1. Terms are formed at 2^(f+COEF_BITS) scale, so |Σ_{j≥1} c_j x^j| must stay below
 * 2^(62−f−COEF_BITS) (= 2^16 at f = 16).
 */
export async function polyEval(s: Session, powers: Ring[], polys: number[][], f: number = FRAC_BITS): Promise<Ring[]> {
  const sums = polys.map((cs) => {
    if (cs.length - 1 > powers.length) throw new ConcordError('E_INTERNAL', `polyEval: degree ${cs.length - 1} needs more than ${powers.length} powers`);
    let acc = Ring.zeros(powers[0]!.shape);
    for (let j = 1; j < cs.length; j++) acc = acc.add(powers[j - 1]!.scale(coef(cs[j]!, COEF_BITS)));
    return acc;
  });
  const t = splitLike(await trunc(s, cat(sums), COEF_BITS), sums);
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
