import { ConcordError } from '../../src/errors.js';
import type { Ring, Shape } from '../../src/ring/ring.js';
import type { ProductPrep } from '../../src/session/preprocessing.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';
import { matrixProduct } from './beaver.js';
import { productPrep, productStep } from './product.js';

/** Transpose flags: use Xᵀ and/or Yᵀ (transposing a share is local). */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * Matrix multiplication of shares: the product step of product.ts with ∘ = the matrix product,
 * for X (n×k) and Y (k×m); two local matmuls either way.
 *  - Beaver with a matrix triple C = A·B [Beaver91; SecureML §4, MZ17] (dealer, ot): open
 *    E = X − A and F = Y − B together, then [Z] = [C] + E·[Y] + [A]·F. Bytes sent to each peer:
 *    8·(n·k + k·m) — not O(n·k·m).
 *  - Replicated (hm, replicated-product.ts): 8·(n·k + k·m) to the previous party only, and no
 *    matrix triple (which costs this mode two more local matmuls).
 * Rounds: 1. Semi-honest.
 * Input range: any ring elements (ring product; fixed.ts truncates).
 * Transposed operands (Xᵀ·G for gradients) are transposed locally before masking.
 * When X is multiplied many times (the data matrix), use maskOperand/matmulMasked instead.
 */
export async function* matmulStep(s: Scope, x: Ring, y: Ring, opts: MatmulOptions = {}, pre: Promise<ProductPrep> = matmulPrep(s, x, y, opts)): Chain<Ring> {
  const xx = opts.transA ? x.transpose() : x;
  const yy = opts.transB ? y.transpose() : y;
  return yield* productStep(xx, yy, await pre, matrixProduct);
}

/** Request the preprocessing of op(X)·op(Y) now: replicated masks, or the matrix triple staged where the mode can (E_SHAPE if the shapes do not chain). */
export function matmulPrep(s: Scope, x: Ring, y: Ring, opts: MatmulOptions = {}): Promise<ProductPrep> {
  const [n, k, m] = matmulDims(x.shape, y.shape, opts);
  return productPrep(s, [n, k], [k, m], [n, m], (tag) => (s.prep.stagedMatrixTriple ? s.prep.stagedMatrixTriple(tag, n, k, m) : s.prep.matrixTriple(tag, n, k, m)));
}

/** [n, k, m] of op(X)·op(Y) for 2-D shapes, or E_SHAPE. */
export function matmulDims(x: Shape, y: Shape, opts: MatmulOptions = {}): [number, number, number] {
  const op = (sh: Shape, t: boolean | undefined): readonly number[] => (sh.length === 2 && t ? [sh[1]!, sh[0]!] : sh);
  const [a, b] = [op(x, opts.transA), op(y, opts.transB)];
  if (a.length !== 2 || b.length !== 2 || a[1] !== b[0]) {
    throw new ConcordError('E_SHAPE', `matmul: cannot multiply [${a.join('×')}] by [${b.join('×')}]`);
  }
  return [a[0]!, a[1]!, b[1]!];
}

/** Shares of op(X)·op(Y) (1 round, see matmulStep). */
export const matmul = runner((s, x: Ring, y: Ring, opts?: MatmulOptions) => matmulStep(s, x, y, opts));
