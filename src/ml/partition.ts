import { ConcordError } from '../errors.js';
import { Prg, deriveKey } from '../crypto/prg.js';

/**
 * Public, seeded index bookkeeping: train/test split, horizontal shards and batch order.
 * Everything here is a function of row COUNTS and a public seed, never of data values, so
 * parties can compute it identically without revealing anything (party row counts are public
 * in horizontal partitioning: every party must know the size of the union to batch it).
 */

/** A seeded stream of uniform integers (AES-CTR under a key derived from the seed and a label). */
export class SeededRandom {
  private readonly prg: Prg;
  private buf: Uint32Array = new Uint32Array(0);
  private pos = 0;

  constructor(seed: number, label: string) {
    const s = new TextEncoder().encode(`concord-ml-seed/${seed}`.padEnd(16, '.'));
    this.prg = new Prg(deriveKey(s, label));
  }

  /** Uniform integer in [0, bound) by rejection sampling (bound ≤ 2^32). */
  below(bound: number): number {
    const lim = Math.floor(2 ** 32 / bound) * bound;
    for (;;) {
      if (this.pos >= this.buf.length) {
        this.buf = new Uint32Array(this.prg.bytes(4096).buffer);
        this.pos = 0;
      }
      const v = this.buf[this.pos++]!;
      if (v < lim) return v % bound;
    }
  }

  /** Uniform double in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.below(2 ** 32) / 2 ** 32;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
}

/**
 * Stratified split like scikit-learn's train_test_split(stratify=y): the test set has
 * ceil(testFraction·rows) rows, divided among the classes in proportion (largest remainders);
 * both sides are shuffled. Returns row indices.
 */
export function stratifiedSplit(y: ArrayLike<number>, testFraction: number, seed: number): { train: number[]; test: number[] } {
  if (!(testFraction > 0 && testFraction < 1)) throw new ConcordError('E_USAGE', `test fraction must be in (0, 1), got ${testFraction}`);
  const rng = new SeededRandom(seed, 'split');
  const classes = [0, 1].map((c) => Array.from({ length: y.length }, (_, i) => i).filter((i) => y[i] === c));
  const nTest = Math.ceil(testFraction * y.length);
  const exact = classes.map((c) => (nTest * c.length) / y.length);
  const take = exact.map(Math.floor);
  let left = nTest - take.reduce((a, b) => a + b, 0);
  const order = [0, 1].sort((a, b) => exact[b]! - take[b]! - (exact[a]! - take[a]!));
  for (const c of order) if (left > 0) { take[c]!++; left--; }
  let train: number[] = [];
  let test: number[] = [];
  classes.forEach((idx, c) => {
    rng.shuffle(idx);
    test = test.concat(idx.slice(0, take[c])); // not push(...): spreading 10^5+ arguments overflows the stack
    train = train.concat(idx.slice(take[c]));
  });
  if (train.length === 0 || test.length === 0) throw new ConcordError('E_DATA', `cannot split ${y.length} rows into non-empty train and test sets`);
  return { train: rng.shuffle(train), test: rng.shuffle(test) };
}

/** Split `rows` indices into `parts` contiguous shards of near-equal size (first shards one larger). */
export function shardSizes(rows: number, parts: number): number[] {
  const base = Math.floor(rows / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < rows % parts ? 1 : 0));
}

/**
 * The public order of the union's rows for training: one seeded permutation of 0..rows−1, used
 * for every epoch (no reshuffle between epochs, like the README's LR-SGD baseline). One fixed
 * order lets the secure loop mask the permuted data matrix once and take each batch as a
 * contiguous row slice of it. Depends only on the row count and the seed.
 */
export function trainingOrder(rows: number, seed: number): number[] {
  return new SeededRandom(seed, 'order').shuffle(Array.from({ length: rows }, (_, i) => i));
}

/** Batches as [start, end) ranges over the permuted rows: full batches, then the partial last one. */
export function batchRanges(rows: number, batch: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < rows; i += batch) out.push([i, Math.min(rows, i + batch)]);
  return out;
}
