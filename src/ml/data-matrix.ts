import { ConcordError } from '../errors.js';
import type { Session } from '../session/session.js';
import { Ring } from '../ring/ring.js';
import { maskOperandInPlace, matmulMasked, type MaskedOperand } from '../../protocols/arithmetic/masked.js';

/**
 * The secret-shared training matrix X (rows in the public training order) and the two products
 * the loop needs on a batch of its rows: X[s:e]·W (forward) and X[s:e]ᵀ·G (gradient).
 * X is masked ONCE (E = X − A opened in row blocks, protocols/arithmetic/masked.ts); every later
 * product, for every batch and epoch, opens only the small other operand (W − B or G − B):
 * 1 round and 8·|W| or 8·|G| bytes per peer instead of 8·(|X_b| + |W|).
 * Memory: only E (public) is kept, rows × cols × 8 bytes. The share of A is a seeded row source
 * (MaskShare: a batch's rows are regenerated per product), and X's share is consumed by the
 * masking (its buffer becomes E), since no product needs it again.
 */
export class SharedData {
  private constructor(private readonly s: Session, private readonly masked: MaskedOperand) {}

  /** Mask the shares `x` (consumed: do not use them afterwards). ⌈rows / ⌊2^17 / cols⌋⌉ rounds, 8·size bytes per peer. */
  static async mask(s: Session, x: Ring): Promise<SharedData> {
    return new SharedData(s, await maskOperandInPlace(s, x));
  }

  /** Rows of X. */
  get rows(): number {
    return this.masked.shape[0]!;
  }

  /** Shares of X[start:end]·W, ring product (scales add). 1 round. */
  times(start: number, end: number, w: Ring): Promise<Ring> {
    return matmulMasked(this.s, this.masked, w, { start, end });
  }

  /** Shares of X[start:end]ᵀ·G, ring product. 1 round. */
  transposeTimes(start: number, end: number, g: Ring): Promise<Ring> {
    return matmulMasked(this.s, this.masked, g, { start, end, transpose: true });
  }
}

/**
 * The rows of `parts` (tensors laid end to end, made one at a time) put in the public `order`:
 * row i of the result is row order[i] of the concatenation, as Ring.concat(parts).gather(order),
 * but each part is placed as it comes and is garbage afterwards, so at most one part exists
 * beside the result. `order` must be a permutation of the rows (E_SHAPE otherwise).
 */
export function orderedRows(order: readonly number[], width: number, parts: Iterable<Ring>): Ring {
  const total = order.length;
  const at = new Int32Array(total).fill(-1);
  order.forEach((r, i) => {
    if (!(Number.isInteger(r) && r >= 0 && r < total) || at[r] !== -1) throw new ConcordError('E_SHAPE', `orderedRows: the order is not a permutation of ${total} rows (row ${r} at position ${i})`);
    at[r] = i;
  });
  const out = new Ring([total, width]);
  let off = 0;
  for (const p of parts) {
    const rows = p.shape[0]!;
    if (p.shape.length !== 2 || p.shape[1] !== width || off + rows > total) throw new ConcordError('E_SHAPE', `orderedRows: part [${p.shape.join('×')}] does not fit ${total} rows of width ${width} after ${off} rows`);
    for (let k = 0; k < rows; k++) out.data.set(p.data.subarray(k * width, (k + 1) * width), at[off + k]! * width);
    off += rows;
  }
  if (off !== total) throw new ConcordError('E_SHAPE', `orderedRows: the parts hold ${off} rows, the order ${total}`);
  return out;
}
