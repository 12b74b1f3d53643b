import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { Ring } from '../../src/ring/ring.js';
import { publicShare } from '../arithmetic/linear.js';
import { msbCost, msbPrep, msbStep, type MsbPrep } from '../binary/msb.js';
import { b2aMulManyStep, b2aMulPrep, type B2aMulPrep } from '../binary/b2a.js';
import type { Chain } from '../core/chain.js';
import { run } from '../core/run.js';
import type { Scope } from '../core/scope.js';

/**
 * Maximum and argmax along an axis by a tournament. [CrypTen; MP-SPDZ]
 * Each level pairs up the remaining candidates (a, b) of every row, computes the bit
 * c = [a < b] (msb of a − b) and selects max = a + c·(b − a), index = ia + c·(ib − ia); the
 * products are fused into the b2a of c, so a level costs exactly the rounds of one ltz.
 * An odd candidate passes to the next level unchanged.
 * Rounds: ⌈log2 m⌉·8 for m candidates, any n (24 for m = 8).
 * Bytes to each peer per level: msb's over the compared pairs + 8·⌈pairs/64⌉ + 32 per pair.
 * Input range: exact while the differences of compared values do not wrap (|a − b| < 2^63).
 * Ties go to the lower index.
 */
export function maxWithIndex(s: Session, x: Ring, axis?: 0 | 1): Promise<{ values: Ring; indices: Ring }> {
  return run(s, (sc) => maxStep(sc, x, axis));
}

/** Maximum along an axis (2-D: axis 1 = per row, the default; axis 0 = per column; 1-D: overall, shape [1]). */
export function max(s: Session, x: Ring, axis?: 0 | 1): Promise<Ring> {
  return run(s, async function* (sc) {
    return (yield* maxStep(sc, x, axis)).values;
  });
}

/** Index of the maximum along an axis, as arithmetic shares of the integer index (not fixed point). */
export function argmax(s: Session, x: Ring, axis?: 0 | 1): Promise<Ring> {
  return run(s, async function* (sc) {
    return (yield* maxStep(sc, x, axis)).indices;
  });
}

/** Documented rounds of max/argmax over m candidates. */
export function maxRounds(n: number, m: number): number {
  return Math.ceil(Math.log2(Math.max(m, 1))) * (msbCost(n, 1).rounds + 1);
}

/** The preprocessing of a tournament over m candidates in k columns: per level, b2aMul's then msb's. */
export type MaxPrep = { mul: B2aMulPrep; msb: MsbPrep }[];

/** Request the preprocessing of every level of a max over m × k candidates now. */
export function maxPrep(s: Scope, m: number, k: number): MaxPrep {
  const levels: MaxPrep = [];
  for (let rows = m; rows > 1; rows = Math.ceil(rows / 2)) {
    const len = Math.floor(rows / 2) * k;
    const mul = b2aMulPrep(s, len, 2);
    levels.push({ mul, msb: msbPrep(s, len) });
  }
  return levels;
}

/** Candidates m × k of a max along `axis` (1-D: one column). */
function candidates(x: Ring, axis?: 0 | 1): Ring {
  if (x.shape.length === 1) return x.reshape([x.size, 1]);
  if (x.shape.length === 2) return (axis ?? 1) === 1 ? x.transpose() : x.clone();
  throw new ConcordError('E_SHAPE', `max: expected a 1-D or 2-D tensor, got [${x.shape.join('×')}]`);
}

/** [m, k] of a max along `axis`: m candidates in each of k tournaments. */
export function maxDims(x: Ring, axis?: 0 | 1): [number, number] {
  if (x.shape.length === 1) return [x.size, 1];
  if (x.shape.length === 2) return ((axis ?? 1) === 1 ? [x.shape[1]!, x.shape[0]!] : [x.shape[0]!, x.shape[1]!]);
  throw new ConcordError('E_SHAPE', `max: expected a 1-D or 2-D tensor, got [${x.shape.join('×')}]`);
}

/** maxWithIndex as a chain; `pre` (every level's preprocessing) is requested when it is created. */
export async function* maxStep(s: Scope, x: Ring, axis?: 0 | 1, pre: MaxPrep = maxPrep(s, ...maxDims(x, axis))): Chain<{ values: Ring; indices: Ring }> {
  // Candidates as rows of `cand` (m × k): k independent tournaments side by side.
  let cand = candidates(x, axis);
  const [m, k] = cand.shape as [number, number];
  if (m === 0) throw new ConcordError('E_SHAPE', 'max: no candidates along the axis');
  const idxPublic = new Ring([m, k]);
  for (let i = 0; i < m; i++) idxPublic.data.fill(BigInt(i), i * k, (i + 1) * k);
  let idx = publicShare(s, idxPublic);
  for (let level = 0; cand.shape[0]! > 1; level++) {
    const rows = cand.shape[0]!;
    const half = Math.floor(rows / 2);
    const even = Array.from({ length: half }, (_, i) => 2 * i);
    const odd = even.map((i) => i + 1);
    const a = cand.gather(even);
    const b = cand.gather(odd);
    const ia = idx.gather(even);
    const ib = idx.gather(odd);
    const c = yield* msbStep(s, a.sub(b), pre[level]!.msb);
    const { bvs } = yield* b2aMulManyStep(s, c, [b.sub(a), ib.sub(ia)], pre[level]!.mul);
    let nextCand = a.add(bvs[0]!);
    let nextIdx = ia.add(bvs[1]!);
    if (rows % 2 === 1) {
      nextCand = Ring.concat([nextCand, cand.slice(rows - 1, rows)], 0);
      nextIdx = Ring.concat([nextIdx, idx.slice(rows - 1, rows)], 0);
    }
    cand = nextCand;
    idx = nextIdx;
  }
  const outShape = x.shape.length === 1 ? [1] : [k];
  return { values: cand.reshape(outShape), indices: idx.reshape(outShape) };
}
