import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import type { MaskedTriple, MaskShare } from '../../src/session/preprocessing.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { beaverCombine } from './beaver.js';

/**
 * Beaver products with a reused operand: mask a secret matrix X (r×k) once, multiply many times.
 * [Beaver91; SecureML (Mohassel–Zhang, S&P 2017) §4.2 "the masked data matrix is reused"]
 *
 * maskOperand: take a mask [A] from preprocessing and open E = X − A (1 round, 8·r·k bytes per
 * peer), once. Each later product with a fresh [B], [C] = op(A)·B only opens F = Y − B and
 * combines as in beaver.ts with E already open:
 *   op(X)·Y = op(E)·Y + op(A)·(F + B) = op(E)·[Y] + [op(A)]·F + [C].
 * op(X) is a row slice X[start:end] (a mini-batch: A's rows slice the same way) or its
 * transpose (Xᵀ·G for the gradient). Rounds: 1 per product. Bytes to each peer per product:
 * 8·(inner·m) where inner = rows of Y — instead of 8·(h·k + inner·m) without reuse.
 * Security: E is opened once and X − A reveals nothing (A uniform, used for no other opening);
 * each F uses a fresh B. Semi-honest. Input range: any ring elements (ring product;
 * matmulMaskedFx in fixed.ts truncates).
 * maskOperandInPlace opens the same E in row blocks over X's own buffer (a training matrix of
 * 200,000 × 31 is 50 MB per tensor: the one-shot form holds X, X − A, two received shares and
 * their sums at once); ⌈rows / ⌊MASK_BLOCK_WORDS / k⌋⌉ rounds, same bytes.
 * A's share is never held whole: the preprocessing hands out a MaskShare whose rows are
 * regenerated from its seed for each block and each product (a mini-batch's rows cost one PRG
 * call of h·k words), so a masked r×k operand keeps r×k words (E), not 2·r×k (3·r×k with hm).
 */
export interface MaskedOperand {
  /** Shape of X. */
  readonly shape: readonly number[];
  /** Tag the mask was made under (names it to the preprocessing). */
  readonly maskTag: number;
  /** My share of the mask A (rows made on demand). */
  readonly a: MaskShare;
  /** Public E = X − A. */
  readonly e: Ring;
}

/** Row slice and transpose of a masked operand used in one product. */
export interface MaskedUseOptions {
  start?: number;
  end?: number;
  transpose?: boolean;
}

/** Mask a 2-D secret X once for reuse in many products (1 round, 8·size bytes per peer). */
export async function* maskOperandStep(s: Scope, x: Ring, pre: MaskPrep = maskPrep(s, x)): Chain<MaskedOperand> {
  const a = await pre.mask;
  const { add } = yield { add: [x.sub(a.rows(0, x.shape[0]!))] };
  return { shape: x.shape, maskTag: pre.tag, a, e: add[0]! };
}

/**
 * Words opened per round by maskOperandInPlace: 1 MiB, the link's chunk. Measured at 200,000 × 31
 * (simulate, 3 parties, dealer): peak party RSS 329–338 MB with 4 MiB blocks, 285 MB with 2 MiB,
 * 256–262 MB with 1 MiB (256.7 with 512 KiB: the CSV parse is then the peak); 48 rounds instead
 * of 12, once per run.
 */
export const MASK_BLOCK_WORDS = 1 << 17;

/**
 * maskOperand that consumes X: E is opened in row blocks of at most `blockWords` words (one
 * round each, blocks in order) and each opened block overwrites X's rows, so X's buffer becomes
 * E and no X-sized temporary exists. The caller must not use x afterwards (it holds public E).
 * Rounds: ⌈r / max(1, ⌊blockWords / k⌋)⌉. Bytes per peer: 8·r·k, as maskOperand.
 */
export async function* maskOperandInPlaceStep(s: Scope, x: Ring, blockWords = MASK_BLOCK_WORDS, pre: MaskPrep = maskPrep(s, x)): Chain<MaskedOperand> {
  if (!(Number.isInteger(blockWords) && blockWords >= 1)) throw new ConcordError('E_RANGE', `maskOperandInPlace: blockWords must be a positive integer, got ${blockWords}`);
  const a = await pre.mask;
  const [r, k] = x.shape as [number, number];
  const step = Math.max(1, Math.floor(blockWords / k));
  for (let i = 0; i < r; i += step) {
    const j = Math.min(r, i + step);
    // The block sent is a fresh tensor, not a view of x: the link may still hold it unencrypted
    // (backpressure) when the opened block is written over x below.
    const rows = (t: Ring): Ring => new Ring([j - i, k], t.data.subarray(i * k, j * k));
    const block = rows(x).sub(a.rows(i, j));
    const { add } = yield { add: [block] };
    x.data.set(add[0]!.data, i * k);
  }
  return { shape: x.shape, maskTag: pre.tag, a, e: x };
}

/** The mask of a maskOperand and the tag that names it. */
export interface MaskPrep {
  tag: number;
  mask: Promise<MaskShare>;
}

/** Request the mask of X now (E_SHAPE unless X is 2-D). */
export function maskPrep(s: Scope, x: { readonly shape: readonly number[] }): MaskPrep {
  if (x.shape.length !== 2) throw new ConcordError('E_SHAPE', `maskOperand: needs a 2-D tensor, got [${x.shape.join('×')}]`);
  const tag = s.tag();
  return { tag, mask: prefetch(s.prep.matrixMask(tag, x.shape)) };
}

/** [op(X)·Y] for a masked X (see file comment): 1 round, opens only Y − B. */
export async function* matmulMaskedStep(s: Scope, mx: MaskedOperand, y: Ring, opts: MaskedUseOptions = {}, pre: Promise<MaskedTriple> = maskedPrep(s, mx, y, opts)): Chain<Ring> {
  const { start, end, transpose } = useDims(mx, opts, y);
  const { b, c } = await pre;
  const { add } = yield { add: [y.sub(b)] };
  const e = start === 0 && end === mx.shape[0] ? mx.e : mx.e.slice(start, end);
  return beaverCombine(c, e, y, mx.a.rows(start, end), add[0]!, (l, r) => l.matmul(r, { transA: transpose }));
}

/**
 * A masked X whose E is never kept whole: each use opens its rows' E_b = X_b − A_b together
 * with Y − B (the same round). E_b is the same value at every opening (A is reused), so this
 * reveals nothing beyond maskOperand, and a party keeps X's share as a row source (its own
 * rows, the seeds of the others': inputSeeded) instead of E's r×k words.
 */
export interface MaskedRows {
  readonly shape: readonly number[];
  readonly maskTag: number;
  /** My share of the mask A (rows made on demand). */
  readonly a: MaskShare;
  /** My share of X (rows made on demand). */
  readonly x: MaskShare;
}

/** A MaskedRows over my share of X: requests its mask, 0 rounds (E_SHAPE unless 2-D). */
export async function* maskRowsStep(s: Scope, x: MaskShare): Chain<MaskedRows> {
  const pre = maskPrep(s, x);
  return { shape: x.shape, maskTag: pre.tag, a: await pre.mask, x };
}

/**
 * [op(X_b)·Y] for a MaskedRows, and the public E_b of its rows. 1 round: opens E_b and Y − B
 * together (8·(h·k + inner·m) bytes per peer), or only Y − B when the caller passes the E_b a
 * previous product on the same rows opened (`known`; then as matmulMaskedStep). `known` may be
 * the promise of a product still running: whether E_b is opened is decided at the call, the
 * same at every party whatever finishes first, so concurrent products stay in step.
 */
export async function* matmulMaskedRowsStep(s: Scope, mx: MaskedRows, y: Ring, opts: MaskedUseOptions & { known?: Ring | Promise<Ring> } = {}, pre: Promise<MaskedTriple> = maskedPrep(s, mx, y, opts)): Chain<{ z: Ring; e: Ring }> {
  const { start, end, transpose } = useDims(mx, opts, y);
  const known = opts.known ? await opts.known : undefined;
  if (known && !(known.shape[0] === end - start && known.shape[1] === mx.shape[1])) {
    throw new ConcordError('E_SHAPE', `matmulMaskedRows: the known E_b is [${known.shape.join('×')}], rows ${start}..${end} of [${mx.shape.join('×')}] need [${end - start}×${mx.shape[1]}]`);
  }
  const { b, c } = await pre;
  const a = mx.a.rows(start, end);
  const { add } = yield { add: known ? [y.sub(b)] : [y.sub(b), mx.x.rows(start, end).sub(a)] };
  const e = known ?? add[1]!;
  return { z: beaverCombine(c, e, y, a, add[0]!, (l, r) => l.matmul(r, { transA: transpose })), e };
}

/** Request the masked triple of op(X)·Y now (E_SHAPE for rows out of range or Y not fitting). */
export function maskedPrep(s: Scope, mx: { readonly shape: readonly number[]; readonly maskTag: number }, y: Ring, opts: MaskedUseOptions = {}): Promise<MaskedTriple> {
  const { start, end, transpose, m } = useDims(mx, opts, y);
  return prefetch(s.prep.maskedTriple(mx.maskTag, s.tag(), { start, end, transpose, m }));
}

/** Mask X once (see maskOperandStep). */
export const maskOperand = runner((s, x: Ring) => maskOperandStep(s, x));

/** Mask X once, consuming it (see maskOperandInPlaceStep). */
export const maskOperandInPlace = runner((s, x: Ring, blockWords?: number) => maskOperandInPlaceStep(s, x, blockWords));

/** Shares of op(X)·Y for a masked X (see matmulMaskedStep). */
export const matmulMasked = runner((s, mx: MaskedOperand, y: Ring, opts?: MaskedUseOptions) => matmulMaskedStep(s, mx, y, opts));

/** A MaskedRows over my share of X (see maskRowsStep). */
export const maskRows = runner((s, x: MaskShare) => maskRowsStep(s, x));

/** Shares of op(X_b)·Y for a MaskedRows and the opened E_b (see matmulMaskedRowsStep). */
export const matmulMaskedRows = runner((s, mx: MaskedRows, y: Ring, opts?: MaskedUseOptions & { known?: Ring | Promise<Ring> }) => matmulMaskedRowsStep(s, mx, y, opts));

/** Validated row range, the dimensions of op(X) (outer×inner) and the columns m of Y. */
export function useDims(mx: { readonly shape: readonly number[] }, opts: MaskedUseOptions, y: Ring): { start: number; end: number; transpose: boolean; inner: number; outer: number; m: number } {
  const [r, k] = mx.shape as [number, number];
  const start = opts.start ?? 0;
  const end = opts.end ?? r;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= r)) {
    throw new ConcordError('E_SHAPE', `matmulMasked: rows [${start}, ${end}) out of range for a masked operand of ${r} rows`);
  }
  const transpose = opts.transpose ?? false;
  const h = end - start;
  const [inner, outer] = transpose ? [h, k] : [k, h];
  if (y.shape.length !== 2 || y.shape[0] !== inner) {
    throw new ConcordError('E_SHAPE', `matmulMasked: op(X) is [${outer}×${inner}] (rows ${start}..${end}${transpose ? ', transposed' : ''}) but Y is [${y.shape.join('×')}]`);
  }
  return { start, end, transpose, inner, outer, m: y.shape[1]! };
}
