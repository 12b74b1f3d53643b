import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import type { ProductPrep, StagedTruncPair } from '../../src/session/preprocessing.js';
import { subFromPublic } from '../arithmetic/linear.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { stepsRounds } from './intervals.js';
import { msbCost } from '../binary/msb.js';
import { packedWords } from '../binary/b2a.js';
import { octaveGuessStep, octavePrep, type OctavePrep } from './octave.js';
import { mulFxPrep, mulFxStep, type MulFxPrep } from '../arithmetic/fixed.js';
import { mulStep, triplePrep } from '../arithmetic/mul.js';
import { truncPrep, truncStep } from '../arithmetic/trunc.js';

const Q_MIN = -8;
const Q_MAX = 13;
const ITERATIONS = 2;
/** Minimax line of 1/√m on [1, 2) (relative error 2.2e-2). */
const ALPHA = 1.26411641;
const BETA = -0.28637599;

/**
 * Inverse square root 1/√x of positive fixed-point shares (for normalization layers).
 * Initial guess linear in each octave x ∈ [2^q, 2^(q+1)): 2^(−q/2)·(α + β·x/2^q), relative error
 * ≤ 2.2e-2, then two Newton iterations y ← y·(3 − x·y²)/2 (error ≈ 1.5·e²: 2.2e-2 → 7e-4 → 8e-7), each
 * 6 rounds. Rounds: 9 + 6·2 = 21, any n.
 * Bytes to each peer: msb's over 21·len + 8·⌈21·len/64⌉ + 488·len (≈ 1,315·len, any n).
 * Accuracy (measured on a dense geometric grid, f = 16, against 1/√x of the encoded x):
 * |error| ≤ 3e-4·(1/√x) + 2^−15 over the whole input range (measured 1.2e-4 relative + 1 ulp).
 * Input range: 2^−8 ≤ x < 2^14; outside it (or x ≤ 0) the result is wrong. Requires f = 16 ± 4.
 */
export const rsqrt = runner((s, x: Ring, f?: number) => rsqrtStep(s, x, f));

/** Preprocessing of one Newton iteration of rsqrt: x·y, (x·y)·y, y·(3 − x·y²) and its truncation. */
type RsqrtIteration = [MulFxPrep, MulFxPrep, Promise<ProductPrep>, Promise<StagedTruncPair>];
/** Preprocessing of one rsqrt: the initial guess, then the Newton iterations. */
export interface RsqrtPrep {
  guess: OctavePrep;
  newton: RsqrtIteration[];
}

/** Request the preprocessing of an rsqrt over `len` elements (E_RANGE for f outside 12..20). */
export function rsqrtPrep(s: Scope, len: number, f: number = FRAC_BITS): RsqrtPrep {
  if (!Number.isInteger(f) || f < 12 || f > 20) throw new ConcordError('E_RANGE', `rsqrt: fractional bits f=${f} outside 12..20`);
  const guess = octavePrep(s, len, Q_MAX - Q_MIN);
  const newton = Array.from({ length: ITERATIONS }, (): RsqrtIteration => [mulFxPrep(s, len, f), mulFxPrep(s, len, f), triplePrep(s, [len]), truncPrep(s, len, f + 1)]);
  return { guess, newton };
}

/** rsqrt as a chain; its preprocessing is requested when it is created. */
export async function* rsqrtStep(s: Scope, x: Ring, f: number = FRAC_BITS, pre: RsqrtPrep = rsqrtPrep(s, x.size, f)): Chain<Ring> {
  const flat = x.reshape([x.size]);
  let y = yield* octaveGuessStep(s, flat, Q_MIN, Q_MAX, (q) => ALPHA * 2 ** (-q / 2), (q) => BETA * 2 ** (-1.5 * q), f, pre.guess);
  for (const [p1, p2, p3, p4] of pre.newton) {
    // y' = y·(3 − x·y²)/2. x·y² is formed as (x·y)·y, never through y² (which has few
    // significant bits when y is small); the /2 rides on the last truncation (by f + 1).
    const xy = yield* mulFxStep(s, flat, y, f, p1);
    const xyy = yield* mulFxStep(s, xy, y, f, p2);
    const p = yield* mulStep(s, y, subFromPublic(s, Ring.fill(flat.shape, 3n << BigInt(f)), xyy), p3);
    y = yield* truncStep(s, p, f + 1, p4);
  }
  return y.reshape(x.shape);
}

/** Documented bytes rsqrt sends to each peer for `len` elements. */
export function rsqrtBytes(n: number, len: number): number {
  return msbCost(n, (Q_MAX - Q_MIN) * len).bytesPerPeer + 8 * packedWords((Q_MAX - Q_MIN) * len) + 488 * len;
}

/** Documented rounds of rsqrt. */
export function rsqrtRounds(n: number): number {
  return stepsRounds(n) + 1 + 6 * ITERATIONS;
}
