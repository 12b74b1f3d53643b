import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import { FRAC_BITS } from '../../src/ring/fixed.js';
import { addPublicScalar } from '../arithmetic/linear.js';
import { msbCost, msbStep } from '../binary/msb.js';
import { b2aMulPrep, b2aMulStep, packedWords } from '../binary/b2a.js';
import { notBinary } from '../binary/linear.js';
import { lockstep, type Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { COEF_BITS, polyEvalStep, powersPrep, powersStep } from './poly.js';
import { cat, splitLike } from '../arithmetic/open.js';
import { truncPrep, truncStep } from '../arithmetic/trunc.js';
import { LUT_MAX_IN_FRAC, sigmoidLutCost, sigmoidLutStep } from './sigmoid-lut.js';
import type { Preprocessing } from '../../src/session/preprocessing.js';

/** Breakpoints: odd cubic on [−B1, B1), quartic on [B1, B2) and its mirror, constants outside. */
const B1 = 1.5;
const B2 = 7.5;
/** 0.5 + c1·x + c3·x³: minimax fit of σ on [−1.5, 1.5] (max error 6.9e-4). */
const MID = [0.5, 0.24760770556161057, 0, -0.01615544599512987];
/** Minimax quartic fit of σ on [1.5, 7.5] (max error 6.4e-4). */
const RIGHT = [0.46681066518844616, 0.3410176922619214, -0.08445735632825138, 0.009458030942566545, -0.0003998047005595029];
/** 1 − RIGHT(−x): the mirror piece on [−7.5, −1.5). */
const LEFT = RIGHT.map((c, j) => (j === 0 ? 1 - c : j % 2 === 1 ? c : -c));

/**
 * Logistic sigmoid σ(x) = 1/(1 + e^−x) on fixed-point shares (f fractional bits, default 16).
 * Piecewise polynomial with five pieces: 0 for x < −7.5, the mirrored quartic on [−7.5, −1.5),
 * an odd cubic on [−1.5, 1.5), a minimax quartic on [1.5, 7.5), 1 for x ≥ 7.5.
 * With steps s_i = (x ≥ t_i) for t = (−7.5, −1.5, 1.5, 7.5) the result telescopes:
 *   σ ≈ s1·L + s2·(M − L) + s3·(R − M) + s4·(1 − R),
 * so outside the polynomial ranges the pieces cancel exactly in the ring, whatever garbage an
 * overflowing power holds. The four comparisons run as one batched msb, the powers x², x³, x⁴ and
 * the pieces (5 rounds) run concurrently with it, and the products s_i·(…) are fused into the b2a.
 * Rounds: 8 on the critical path, any n (those of ltz: the edaBits msb's 7, then the fused b2a).
 * Bytes to each peer: msb's over 4·len + 8·⌈4·len/64⌉ + 4·16·len + 96·len (≈ 318·len, any n).
 * Accuracy (measured over a dense grid, f = 16): |error| ≤ 1.0e-3 for every input; the fit error
 * is ≤ 6.9e-4 and the rest is fixed-point rounding. Input range: |x| < 2^(46) real (|ring| < 2^62);
 * no saturation problems for large |x| (exactly 0 or 1 beyond ±7.5). Requires f ≤ 24.
 * `inFrac` (f..min(3f, 58), default f): fractional bits of the INPUT. Pass 2f to feed an
 * untruncated fixed-point product (e.g. X·w straight from matmul), 3f for a product of a 2f-bit
 * value (e.g. an untruncated relu output times weights): the comparisons need no truncation and
 * the polynomial side truncates within the comparison's rounds, saving the caller's trunc round.
 * Same rounds, 8·len more bytes; input range then |x| < 2^(62−inFrac) real (2^30 at 2f, 2^14 at
 * 3f for f = 16).
 */
export const sigmoid = runner((s, x: Ring, f?: number, inFrac?: number, method?: SigmoidMethod) => sigmoidStep(s, x, f, inFrac, method));

/**
 * How sigmoid is computed: 'lookup' (sigmoid-lut.ts, 2 rounds, needs a mode with lookup masks),
 * 'compare' (the comparison circuit below, 8 rounds, any mode), or 'auto' (default: see usesLookup).
 */
export type SigmoidMethod = 'auto' | 'lookup' | 'compare';

/** sigmoid as a chain. */
export async function* sigmoidStep(s: Scope, x: Ring, f: number = FRAC_BITS, inFrac: number = f, method: SigmoidMethod = 'auto'): Chain<Ring> {
  if (!Number.isInteger(f) || f < 1 || f > 24) throw new ConcordError('E_RANGE', `sigmoid: fractional bits f=${f} outside 1..24`);
  const maxIn = Math.min(3 * f, 58);
  if (!Number.isInteger(inFrac) || inFrac < f || inFrac > maxIn) throw new ConcordError('E_RANGE', `sigmoid: input fractional bits ${inFrac} outside f..min(3f, 58) = ${f}..${maxIn}`);
  if (takesLookup(s.prep, inFrac, x.size, method)) return yield* sigmoidLutStep(s, x, f, inFrac);
  const flat = x.reshape([x.size]);
  const ts = [-B2, -B1, B1, B2].map((t) => BigInt(Math.round(t * 2 ** inFrac)));
  const shifted = cat(ts.map((t) => addPublicScalar(s, flat, -t)));
  const pre = b2aMulPrep(s, 4 * flat.size);
  const [sg, v] = yield* lockstep<[Ring, Ring]>([msbStep(s, shifted), piecesStep(s, flat, f, inFrac)]);
  const { bv } = yield* b2aMulStep(s, notBinary(s, sg), v, pre);
  const parts = splitLike(bv, [flat, flat, flat, flat]);
  return parts.reduce((a, p) => a.add(p)).reshape(x.shape);
}

/** The four piece differences L, M − L, R − M, 1 − R (5 rounds). */
async function* piecesStep(s: Scope, x2: Ring, f: number, inFrac: number): Chain<Ring> {
  const inPre = inFrac > f ? truncPrep(s, x2.size, inFrac - f) : undefined;
  const evalPre = truncPrep(s, 3 * x2.size, COEF_BITS);
  const powersPre = powersPrep(s, x2.size, 4, f);
  // An input with more fractional bits (an untruncated product) is compared as it is; only the
  // polynomial side truncates it, in a round that the comparison's longer chain hides.
  const x = inPre ? yield* truncStep(s, x2, inFrac - f, inPre) : x2;
  const pw = yield* powersStep(s, x, 4, f, powersPre);
  const [l, m, r] = (yield* polyEvalStep(s, pw, [LEFT, MID, RIGHT], f, evalPre)) as [Ring, Ring, Ring];
  const one = Ring.fill(x.shape, 1n << BigInt(f));
  const oneMinusR = s.me === 0 ? one.sub(r) : r.neg();
  return cat([l, m.sub(l), r.sub(m), oneMinusR]);
}

/**
 * True when the 'auto' sigmoid runs as the 2-round lookup (sigmoid-lut.ts): the mode supplies
 * lookup masks and the call has at most LOOKUP_AUTO_MAX elements. A lookup mask is 4 KiB of
 * preprocessing per element (512 one-hot words) that one party receives from the dealer, or
 * 298 B of point-function key to each of two parties in hm (offline/hm/dpf.ts), against ≈ 360 B of
 * preprocessing and ≈ 318 B per peer online for the comparison circuit; so small calls (a
 * training batch), where rounds set the time, take the lookup, and large element-wise calls,
 * where bytes do, the circuit. Measured on loopback, dealer, 3 parties (`bench sigmoid.lookup`
 * vs `sigmoid.compare`, load 6–9): 256 elements 29 vs 83 ms, 1,024 and 4,096 about even (87 vs
 * 84, 185 vs 237 ms), 8,192 480 vs 262 ms; any real network adds the circuit's 6 extra rounds
 * and 6.6× the bytes, so the line is drawn at 4,096.
 */
export function usesLookup(prep: Preprocessing, inFrac: number = FRAC_BITS, len = 1): boolean {
  return prep.lutMask !== undefined && inFrac <= LUT_MAX_IN_FRAC && len <= LOOKUP_AUTO_MAX;
}

/** True when a sigmoid call with this method runs the lookup (sigmoid-lut.ts), else the comparison circuit. */
export function takesLookup(prep: Preprocessing, inFrac: number, len: number, method: SigmoidMethod): boolean {
  return method === 'lookup' || (method === 'auto' && usesLookup(prep, inFrac, len));
}

/** Largest 'auto' sigmoid call that takes the lookup (see usesLookup). */
export const LOOKUP_AUTO_MAX = 4096;

/**
 * Documented cost of sigmoid over `len` elements: critical-path rounds and bytes sent to each
 * peer, for the lookup (`lookup`, see usesLookup) or the comparison circuit.
 */
export function sigmoidCost(n: number, len: number, untruncatedInput = false, lookup = false): { rounds: number; bytesPerPeer: number } {
  if (lookup) return sigmoidLutCost(len);
  const c = msbCost(n, 4 * len);
  return { rounds: c.rounds + 1, bytesPerPeer: c.bytesPerPeer + 8 * packedWords(4 * len) + (4 * 16 + 96 + (untruncatedInput ? 8 : 0)) * len };
}
