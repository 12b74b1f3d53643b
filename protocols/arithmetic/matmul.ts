import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';
import { openMany } from './open.js';
import { addPublic } from './linear.js';

/**
 * Beaver matrix multiplication with a matrix triple (C = A·B). [Beaver91, SecureML §4]
 * Open E = X − A (n×k) and F = Y − B (k×m) together, then [Z] = [C] + E·[B] + [A]·F + E·F.
 * Rounds: 1. Bytes sent to each peer: 8·(n·k + k·m). Semi-honest.
 */
export async function matmul(s: Session, x: Ring, y: Ring): Promise<Ring> {
  if (x.shape.length !== 2 || y.shape.length !== 2 || x.shape[1] !== y.shape[0]) {
    throw new ConcordError('E_SHAPE', `matmul: cannot multiply [${x.shape.join('×')}] by [${y.shape.join('×')}]`);
  }
  const [n, k] = x.shape as [number, number];
  const m = y.shape[1]!;
  const { a, b, c } = await s.prep.matrixTriple(s.tag(), n, k, m);
  const [e, f] = await openMany(s, [x.sub(a), y.sub(b)]);
  return addPublic(s, c.add(e!.matmul(b)).add(a.matmul(f!)), e!.matmul(f!));
}
