import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';
import type { MaskedTriple } from '../../src/session/preprocessing.js';
import { open, openMany } from './open.js';

/**
 * Beaver products with a reused operand: mask a secret matrix X (r×k) once, multiply many times.
 * [Beaver91; SecureML (Mohassel–Zhang, S&P 2017) §4.2 "the masked data matrix is reused"]
 *
 * maskOperand: take a mask [A] from preprocessing and open E = X − A (1 round, 8·r·k bytes per
 * peer), once. Each later product with a fresh [B], [C] = op(A)·B only opens F = Y − B:
 *   op(X)·Y = op(E)·Y + op(A)·(F + B) = op(E)·[Y] + [op(A)]·F + [C].
 * op(X) is a row slice X[start:end] (a mini-batch: A's rows slice the same way) or its
 * transpose (Xᵀ·G for the gradient). Rounds: 1 per product. Bytes to each peer per product:
 * 8·(inner·m) where inner = rows of Y — instead of 8·(h·k + inner·m) without reuse.
 * Security: E is opened once and X − A reveals nothing (A uniform, used for no other opening);
 * each F uses a fresh B. Semi-honest.
 */
export interface MaskedOperand {
  /** Shape of X. */
  readonly shape: readonly number[];
  /** Tag the mask was made under (names it to the preprocessing). */
  readonly maskTag: number;
  /** My share of X. */
  readonly x: Ring;
  /** My share of the mask A. */
  readonly a: Ring;
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
export async function maskOperand(s: Session, x: Ring, tag: number = s.tag()): Promise<MaskedOperand> {
  if (x.shape.length !== 2) throw new ConcordError('E_SHAPE', `maskOperand: needs a 2-D tensor, got [${x.shape.join('×')}]`);
  const a = await s.prep.matrixMask(tag, x.shape);
  const e = await open(s, x.sub(a), tag);
  return { shape: x.shape, maskTag: tag, x, a, e };
}

/** [op(X)·Y] for a masked X (see file comment): 1 round, opens only Y − B. */
export async function matmulMasked(s: Session, mx: MaskedOperand, y: Ring, opts: MaskedUseOptions = {}, tag: number = s.tag()): Promise<Ring> {
  const { start, end, transpose, m } = useDims(mx, opts, y);
  return matmulMaskedWith(s, mx, y, { start, end, transpose }, s.prep.maskedTriple(mx.maskTag, tag, { start, end, transpose, m }), tag);
}

/** matmulMasked with the masked triple already requested. */
export async function matmulMaskedWith(s: Session, mx: MaskedOperand, y: Ring, use: Required<MaskedUseOptions>, triple: Promise<MaskedTriple>, tag: number): Promise<Ring> {
  const { b, c } = await triple;
  const [f] = await openMany(s, [y.sub(b)], tag);
  const rows = (t: Ring): Ring => (use.start === 0 && use.end === mx.shape[0] ? t : t.slice(use.start, use.end));
  const o = { transA: use.transpose };
  return c.add(rows(mx.e).matmul(y, o)).add(rows(mx.a).matmul(f!, o));
}

/** Validated row range, the dimensions of op(X) (outer×inner) and the columns m of Y. */
export function useDims(mx: MaskedOperand, opts: MaskedUseOptions, y: Ring): { start: number; end: number; transpose: boolean; inner: number; outer: number; m: number } {
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
