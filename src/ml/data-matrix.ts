import type { Session } from '../session/session.js';
import type { Ring } from '../ring/ring.js';
import { matmul } from '../../protocols/arithmetic/matmul.js';

/**
 * The secret-shared training matrix X (rows in the public training order) and the two products
 * the loop needs on a batch of its rows: X[s:e]·W (forward) and X[s:e]ᵀ·G (gradient).
 * Each product is one Beaver round (1 opening). Kept behind this small class so the loop does
 * not change when the mask of X is reused across batches and epochs.
 */
export class SharedData {
  constructor(private readonly s: Session, readonly x: Ring) {}

  /** Rows [start, end) of X as shares (local). */
  rows(start: number, end: number): Ring {
    return this.x.slice(start, end);
  }

  /** Shares of X[start:end]·W, ring product (scale adds). 1 round. */
  async times(start: number, end: number, w: Ring): Promise<Ring> {
    return matmul(this.s, this.x.slice(start, end), w);
  }

  /** Shares of X[start:end]ᵀ·G, ring product. 1 round. */
  async transposeTimes(start: number, end: number, g: Ring): Promise<Ring> {
    return matmul(this.s, this.x.slice(start, end).transpose(), g);
  }
}
