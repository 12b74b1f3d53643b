import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { subFromPublic } from '../arithmetic/linear.js';
import { Ring as R } from '../../src/ring/ring.js';
import { TAGS, runChain, scoped, type Chain } from '../binary/lockstep.js';
import { stepsRounds } from './intervals.js';
import { msbCost } from '../binary/msb.js';
import { packedWords } from '../binary/b2a.js';
import { octaveGuessStep } from './octave.js';
import { mulFxStep } from './poly.js';

/** Octaves of the documented input range [2^Q_MIN, 2^(Q_MAX+1)). */
const Q_MIN = -8;
const Q_MAX = 13;
const ITERATIONS = 2;

/**
 * Reciprocal 1/x of positive fixed-point shares. Initial guess linear in each octave
 * (1/m ≈ 24/17 − 8/17·m on m ∈ [1, 2), relative error ≤ 1/17), then two Newton–Raphson
 * iterations y ← y·(2 − x·y) (the error squares each time: 1/17 → 3.5e-3 → 1.2e-5).
 * [Newton–Raphson division; initial guess as in classic hardware dividers; CrypTen uses Newton too]
 * Rounds: C(n) + 9 + 4·2 = C(n) + 17 (18 at n = 3).
 * Bytes to each peer: msb's over 21·len + 8·⌈21·len/64⌉ + 440·len (≈ 1,770·len at n = 3).
 * Accuracy (measured on a dense geometric grid, f = 16, against 1/x of the encoded x):
 * |error| ≤ 1e-4·(1/x) + 2^−15 over the whole input range (measured 2.5e-5 relative + 1 ulp).
 * Input range: 2^−8 ≤ x < 2^14; x ≤ 0 or outside the range gives a wrong result (no error is
 * raised: the value is secret). Requires f = 16 ± 4.
 */
export async function reciprocal(s: Session, x: Ring, f: number = FRAC_BITS): Promise<Ring> {
  const t = scoped(s, TAGS.nonlinear);
  return runChain(t, reciprocalStep(t, x, f));
}

/** reciprocal as a lockstep chain. */
export async function* reciprocalStep(s: Session, x: Ring, f: number = FRAC_BITS): Chain<Ring> {
  if (!Number.isInteger(f) || f < 12 || f > 20) throw new ConcordError('E_RANGE', `reciprocal: fractional bits f=${f} outside 12..20`);
  const flat = x.reshape([x.size]);
  let y = yield* octaveGuessStep(s, flat, Q_MIN, Q_MAX, (q) => (24 / 17) * 2 ** -q, (q) => -(8 / 17) * 2 ** (-2 * q), f);
  const two = R.fill(flat.shape, 2n << BigInt(f));
  for (let i = 0; i < ITERATIONS; i++) {
    const [xy] = (yield* mulFxStep(s, [flat], [y], f)) as [Ring];
    [y] = (yield* mulFxStep(s, [y], [subFromPublic(s, two, xy)], f)) as [Ring];
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
