import type { Ring, Shape } from '../ring/ring.js';

/** Shares of a Beaver triple: c = a·b (element-wise, or matrix product for matrix triples). */
export interface Triple {
  a: Ring;
  b: Ring;
  c: Ring;
}

/**
 * Shares of a truncation pair for probabilistic truncation by f bits (DESIGN.md §4, [EGKRS20]):
 * r = rLow + 2^63·rTop with rLow < 2^63; `rLowShifted` = rLow >> f, `rTop` an arithmetic bit.
 */
export interface TruncPair {
  r: Ring;
  rLowShifted: Ring;
  rTop: Ring;
}

/** A random bit shared both ways: arithmetic shares over Z_2^64 and XOR shares (in bit 0). */
export interface DaBits {
  arith: Ring;
  bin: Ring;
}

/**
 * Correlated randomness for the online phase, requested by (tag, shape). All parties request
 * the same items with the same tags in the same order. Implementations: dealer, ot, and the
 * insecure local generator used by unit tests only.
 */
export interface Preprocessing {
  /** Human-readable name of the mode, e.g. "dealer". */
  readonly mode: string;
  /** One line stating whom this mode trusts. */
  readonly trust: string;
  /** Element-wise triples of the given shape. */
  triple(tag: number, shape: Shape): Promise<Triple>;
  /** Matrix triple: a is n×k, b is k×m, c = a·b is n×m. */
  matrixTriple(tag: number, n: number, k: number, m: number): Promise<Triple>;
  /** Truncation pairs of the given shape for shifting by f bits. */
  truncPair(tag: number, shape: Shape, f: number): Promise<TruncPair>;
  /** XOR-shared bitwise triples over whole 64-bit words: c = a AND b. */
  bitTriple(tag: number, shape: Shape): Promise<Triple>;
  /** Random bits shared arithmetically and as XOR shares. */
  daBits(tag: number, shape: Shape): Promise<DaBits>;
  /** Release resources (connections to a dealer, background generation). */
  close(): Promise<void>;
}
