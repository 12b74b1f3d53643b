import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';
import type { Triple } from '../../src/session/preprocessing.js';
import { openMany } from './open.js';

/** Transpose flags: use Xᵀ and/or Yᵀ (transposing a share is local). */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * Beaver matrix multiplication with a matrix triple (C = A·B). [Beaver91; SecureML §4, MZ17]
 * For X (n×k) and Y (k×m): open E = X − A and F = Y − B together, then
 *   [Z] = [C] + E·[Y] + [A]·F   (X·Y = (E + A)·Y = E·Y + A·(F + B)); two local matmuls.
 * Rounds: 1. Bytes sent to each peer: 8·(n·k + k·m) — not O(n·k·m). Semi-honest.
 * Transposed operands (Xᵀ·G for gradients) are transposed locally before masking.
 * When X is multiplied many times (the data matrix), use maskOperand/matmulMasked instead.
 */
export async function matmul(s: Session, x: Ring, y: Ring, opts: MatmulOptions = {}, tag: number = s.tag()): Promise<Ring> {
  const xx = opts.transA ? x.transpose() : x;
  const yy = opts.transB ? y.transpose() : y;
  const [n, k, m] = matmulDims(xx, yy);
  return matmulWith(s, xx, yy, s.prep.matrixTriple(tag, n, k, m), tag);
}

/** [n, k, m] of a product of 2-D tensors, or E_SHAPE. */
export function matmulDims(x: Ring, y: Ring): [number, number, number] {
  if (x.shape.length !== 2 || y.shape.length !== 2 || x.shape[1] !== y.shape[0]) {
    throw new ConcordError('E_SHAPE', `matmul: cannot multiply [${x.shape.join('×')}] by [${y.shape.join('×')}]`);
  }
  return [x.shape[0]!, x.shape[1]!, y.shape[1]!];
}

/** matmul (no transposes) with a matrix triple already requested. */
export async function matmulWith(s: Session, x: Ring, y: Ring, triple: Promise<Triple>, tag: number): Promise<Ring> {
  const { a, b, c } = await triple;
  const [e, f] = await openMany(s, [x.sub(a), y.sub(b)], tag);
  return c.add(e!.matmul(y)).add(a.matmul(f!));
}
