import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import type { StagedTruncPair } from '../../src/session/preprocessing.js';
import { addPublicScalar } from '../arithmetic/linear.js';
import { truncPrep, truncStep } from '../arithmetic/trunc.js';
import { mulFxPrep, mulFxStep, type MulFxPrep } from '../arithmetic/fixed.js';
import { cat, splitLike } from '../arithmetic/open.js';
import type { Chain } from '../core/chain.js';
import type { Scope } from '../core/scope.js';

/**
 * Powers and polynomial evaluation on fixed-point shares, for the piecewise approximations of
 * nonlinear/. Powers are computed by doubling, each level one fixed-point product of
 * protocols/arithmetic (Beaver [Beaver91] + EGKRS20 truncation: 2 rounds); coefficients carry
 * COEF_BITS fractional bits so tiny high-order coefficients keep their precision, and all terms
 * of all polynomials share one truncation (1 round). Semi-honest; ranges below.
 */

/** Fractional bits of public polynomial coefficients. */
export const COEF_BITS = 30;

/**
 * [x, x², …, x^k] in fixed point. Rounds: 2·⌈log2 k⌉. Each power is within about k ulps plus the
 * propagated error of the lower powers; |x|^k must stay below 2^(62−2f) for the truncations.
 */
export async function* powersStep(s: Scope, x: Ring, k: number, f: number = FRAC_BITS, pres: MulFxPrep[] = powersPrep(s, x.size, k, f)): Chain<Ring[]> {
  const pw: Ring[] = [x];
  for (let level = 0; pw.length < k; level++) {
    const top = pw.length;
    const want = Math.min(2 * top, k);
    const ls: Ring[] = [];
    const rs: Ring[] = [];
    for (let j = top + 1; j <= want; j++) {
      ls.push(pw[top - 1]!);
      rs.push(pw[j - top - 1]!);
    }
    pw.push(...splitLike(yield* mulFxStep(s, cat(ls), cat(rs), f, pres[level]), ls));
  }
  return pw;
}

/** Request the preprocessing of powersStep over `len` elements up to x^k: every level, one batch. */
export function powersPrep(s: Scope, len: number, k: number, f: number = FRAC_BITS): MulFxPrep[] {
  if (!Number.isInteger(k) || k < 1) throw new ConcordError('E_INTERNAL', `powers: k=${k} must be a positive integer`);
  const pres: MulFxPrep[] = [];
  for (let have = 1; have < k; have = Math.min(2 * have, k)) pres.push(mulFxPrep(s, (Math.min(2 * have, k) - have) * len, f));
  return pres;
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
export async function* polyEvalStep(s: Scope, powers: Ring[], polys: number[][], f: number = FRAC_BITS, pre: Promise<StagedTruncPair> = truncPrep(s, polys.length * powers[0]!.size, COEF_BITS)): Chain<Ring[]> {
  const sums = polys.map((cs) => {
    if (cs.length - 1 > powers.length) throw new ConcordError('E_INTERNAL', `polyEval: degree ${cs.length - 1} needs more than ${powers.length} powers`);
    let acc = Ring.zeros(powers[0]!.shape);
    for (let j = 1; j < cs.length; j++) if (cs[j] !== 0) acc = acc.add(powers[j - 1]!.scale(coef(cs[j]!, COEF_BITS)));
    return acc;
  });
  const t = splitLike(yield* truncStep(s, cat(sums), COEF_BITS, pre), sums);
  return t.map((v, i) => addPublicScalar(s, v, coef(polys[i]![0]!, f)));
}
