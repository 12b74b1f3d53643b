import type { Session } from '../session/session.js';
import type { Ring } from '../ring/ring.js';
import { maskOperand, matmulMasked, type MaskedOperand } from '../../protocols/arithmetic/masked.js';

/**
 * The secret-shared training matrix X (rows in the public training order) and the two products
 * the loop needs on a batch of its rows: X[s:e]·W (forward) and X[s:e]ᵀ·G (gradient).
 * X is masked ONCE (E = X − A opened in one round, protocols/arithmetic/masked.ts); every later
 * product, for every batch and epoch, opens only the small other operand (W − B or G − B):
 * 1 round and 8·|W| or 8·|G| bytes per peer instead of 8·(|X_b| + |W|).
 */
export class SharedData {
  private masked: MaskedOperand | undefined;

  constructor(private readonly s: Session, readonly x: Ring) {}

  /** Open X − A once (1 round, 8·size bytes per peer). */
  async mask(): Promise<void> {
    this.masked ??= await maskOperand(this.s, this.x);
  }

  /** Rows [start, end) of X as shares (local). */
  rows(start: number, end: number): Ring {
    return this.x.slice(start, end);
  }

  /** Shares of X[start:end]·W, ring product (scales add). 1 round. */
  async times(start: number, end: number, w: Ring): Promise<Ring> {
    await this.mask();
    return matmulMasked(this.s, this.masked!, w, { start, end });
  }

  /** Shares of X[start:end]ᵀ·G, ring product. 1 round. */
  async transposeTimes(start: number, end: number, g: Ring): Promise<Ring> {
    await this.mask();
    return matmulMasked(this.s, this.masked!, g, { start, end, transpose: true });
  }
}
