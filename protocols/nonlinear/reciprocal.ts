import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { subFromPublic } from '../arithmetic/linear.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { stepsRounds } from './intervals.js';
import { msbCost } from '../binary/msb.js';
import { packedWords } from '../binary/b2a.js';
import { octaveGuessStep, octavePrep, type OctavePrep } from './octave.js';
import { mulFxPrep, mulFxStep, type MulFxPrep } from '../arithmetic/fixed.js';

/** Octaves of the documented input range [2^Q_MIN, 2^(Q_MAX+1)). */
const Q_MIN = -8;
const Q_MAX = 13;
const ITERATIONS = 2;

/**
 * Reciprocal 1/x of positive fixed-point shares. Initial guess linear in each octave
 * (1/m ≈ 24/17 − 8/17·m on m ∈ [1, 2), relative error ≤ 1/17), then two Newton–Raphson
 * iterations y ← y·(2 − x·y) (the error squares each time: 1/17 → 3.5e-3 → 1.2e-5).
 * [Newton–Raphson division; initial guess as in classic hardware dividers; CrypTen uses Newton too]
 * Rounds: 9 + 4·2 = 17, any n.
 * Bytes to each peer: msb's over 21·len + 8·⌈21·len/64⌉ + 440·len (≈ 1,267·len, any n).
 * Accuracy (measured on a dense geometric grid, f = 16, against 1/x of the encoded x):
 * |error| ≤ 1e-4·(1/x) + 2^−15 over the whole input range (measured 2.5e-5 relative + 1 ulp).
 * Input range: 2^−8 ≤ x < 2^14; x ≤ 0 or outside the range gives a wrong result (no error is
 * raised: the value is secret). Requires f = 16 ± 4.
 */
export const reciprocal = runner((s, x: Ring, f?: number) => reciprocalStep(s, x, f));

/** Preprocessing of one reciprocal: the initial guess, then two products per Newton iteration. */
export interface ReciprocalPrep {
  guess: OctavePrep;
  newton: [MulFxPrep, MulFxPrep][];
}

/** Request the preprocessing of a reciprocal over `len` elements (E_RANGE for f outside 12..20). */
export function reciprocalPrep(s: Scope, len: number, f: number = FRAC_BITS): ReciprocalPrep {
  if (!Number.isInteger(f) || f < 12 || f > 20) throw new ConcordError('E_RANGE', `reciprocal: fractional bits f=${f} outside 12..20`);
  const guess = octavePrep(s, len, Q_MAX - Q_MIN);
  const newton = Array.from({ length: ITERATIONS }, (): [MulFxPrep, MulFxPrep] => [mulFxPrep(s, len, f), mulFxPrep(s, len, f)]);
  return { guess, newton };
}

/** reciprocal as a chain; its preprocessing is requested when it is created. */
export async function* reciprocalStep(s: Scope, x: Ring, f: number = FRAC_BITS, pre: ReciprocalPrep = reciprocalPrep(s, x.size, f)): Chain<Ring> {
  const flat = x.reshape([x.size]);
  let y = yield* octaveGuessStep(s, flat, Q_MIN, Q_MAX, (q) => (24 / 17) * 2 ** -q, (q) => -(8 / 17) * 2 ** (-2 * q), f, pre.guess);
  const two = Ring.fill(flat.shape, 2n << BigInt(f));
  for (const [p1, p2] of pre.newton) {
    const xy = yield* mulFxStep(s, flat, y, f, p1);
    y = yield* mulFxStep(s, y, subFromPublic(s, two, xy), f, p2);
  }
  return y.reshape(x.shape);
}

/** Documented bytes reciprocal sends to each peer for `len` elements. */
export function reciprocalBytes(n: number, len: number): number {
  return msbCost(n, (Q_MAX - Q_MIN) * len).bytesPerPeer + 8 * packedWords((Q_MAX - Q_MIN) * len) + 440 * len;
}

/** Documented rounds of reciprocal. */
export function reciprocalRounds(n: number): number {
  return stepsRounds(n) + 1 + 4 * ITERATIONS;
}
