import { ConcordError } from '../errors.js';
import type { Ring, Shape } from '../ring/ring.js';

/** Shares of a Beaver triple: c = a·b (element-wise, or matrix product for matrix triples). */
export interface Triple {
  a: Ring;
  b: Ring;
  c: Ring;
}

/**
 * A triple whose c may still be on its way when a and b are there: e = x − a and f = y − b can
 * be opened meanwhile (the dealer's last party receives c's correction during that round).
 * A Triple is a StagedTriple whose c has arrived.
 */
export interface StagedTriple {
  a: Ring;
  b: Ring;
  c: Ring | Promise<Ring>;
}

/**
 * A party's share of a sharing of zero from a mode's two pairwise streams, drawn when used so
 * that a protocol folds it into the pass that uses it: as two tensors whose difference plus −
 * minus is the share (additive shares), or XORed straight into a tensor (XOR shares: plus ⊕
 * minus, with no tensor of its own). Draw it once, by one of the two.
 */
export interface ZeroShare {
  /** The share as the tensors plus − minus. */
  parts(): { plus: Ring; minus: Ring };
  /** t ⊕= plus ⊕ minus, in place (t has the share's size); returns t. */
  xorInto(t: Ring): Ring;
}

/**
 * A party's zero-sharings for one replicated product (honest-majority modes, three parties;
 * protocols/arithmetic/replicated-product.ts): `x` and `y` re-randomize the operands' shares
 * before each party passes them to the previous party, `z()` re-randomizes the product's shares
 * (made when called: the product asks for it once its pass has left). Each sums to 0 over the
 * parties and is uniform to any single one. They come from one item's streams, so they are drawn
 * in the order x, y, z (each once; a mode may refuse another order, which would desynchronize
 * the parties' streams).
 */
export interface ProductMasks {
  readonly replicated: true;
  x: ZeroShare;
  y: ZeroShare;
  z(): ZeroShare;
}

/** What a product of shares (mul, matmul) consumes: a Beaver triple, or a replicated product's masks. */
export type ProductPrep = StagedTriple | ProductMasks;

/**
 * Shares of a truncation pair for probabilistic truncation by f bits (DESIGN.md §4, [EGKRS20]):
 * r = rLow + 2^63·rTop with rLow < 2^63; `rLowShifted` = rLow >> f, `rTop` an arithmetic bit.
 */
export interface TruncPair {
  r: Ring;
  rLowShifted: Ring;
  rTop: Ring;
}

/** A truncation pair whose r is there before the rest (opening x + r needs only r; see StagedTriple). */
export interface StagedTruncPair {
  r: Ring;
  rLowShifted: Ring | Promise<Ring>;
  rTop: Ring | Promise<Ring>;
}

/** A random bit shared both ways: arithmetic shares over Z_2^64 and XOR shares (in bit 0). */
export interface DaBits {
  arith: Ring;
  bin: Ring;
}

/**
 * An edaBit [EGKRS20]: a random r, uniform over Z_2^64, shared arithmetically (`arith`) and
 * bit by bit as XOR shares of one 64-bit word (`bin`: bit j of the XOR of the parties' words is
 * bit j of r). Comparisons open x + r once and compare the public sum with the bit-shared r.
 */
export interface EdaBits {
  arith: Ring;
  bin: Ring;
}

/**
 * How a product uses a reusable mask [A] of shape r×k (see `matrixMask`): op(A) is the rows
 * [start, end) of A (a mini-batch of the data matrix; default all rows), or their transpose.
 * The triple then satisfies C = op(A)·B with B of shape (cols of op(A))×m.
 */
export interface MaskUse {
  /** First row of A used (default 0). */
  start?: number;
  /** One past the last row of A used (default r). */
  end?: number;
  /** Use A[start:end]ᵀ (k×h) instead of A[start:end] (h×k). Default false. */
  transpose?: boolean;
  /** Columns of B (and of C). */
  m: number;
}

/**
 * A party's share of a reusable mask [A] (r×k), made row block by row block on demand: every
 * offline mode derives it from a seed, so no r×k buffer need live for the session
 * (src/crypto/prg.ts PrgMatrix; the dealer and hm masks are sums of such streams).
 */
export interface MaskShare {
  readonly shape: readonly [number, number];
  /** Rows [start, end) of this share, as a fresh tensor (E_SHAPE out of range). */
  rows(start: number, end: number): Ring;
  /** Rows idx[0], idx[1], … as one fresh tensor (as rows(i, i + 1) for each; E_SHAPE out of range). */
  gather?(idx: ArrayLike<number>): Ring;
}

/**
 * How many of its latest item names a preprocessing source remembers to refuse an item asked for
 * twice (a protocol bug that would reuse correlated randomness). Tags only grow and one protocol
 * call asks for its items together, so a window catches the bug; remembering every item would
 * grow without bound (≈ 280 B a name, ≈ 5 names a training step: ≈ 40 MB over 10 epochs of 200,000 rows).
 */
export const REUSE_WINDOW = 1 << 16;

/** The fresh half of a triple bound to an existing mask: B random, C = op(A)·B. */
export interface MaskedTriple {
  b: Ring;
  c: Ring;
}

/** A bit window [at, at + bits) of a lookup mask's R, handed out one-hot (see `LutMask`). */
export interface LutField {
  at: number;
  bits: number;
}

/** What a lookup mask carries (see `Preprocessing.lutMask`). */
export interface LutSpec {
  /** Windows of R given one-hot: 1 ≤ bits ≤ 10, at ≥ 0, at + bits ≤ 64. */
  fields: readonly LutField[];
  /** Powers λ̃^1..λ̃^powers of field 0's low part multiplied into its one-hot (0..3). */
  powers: number;
  /** λ̃ ≈ λ_0 / 2^shift (0 ≤ shift ≤ fields[0].at). */
  shift: number;
}

const rangeError = (what: string, got: string, todo: string): ConcordError => new ConcordError('E_RANGE', `lutMask: ${what} expected, got ${got}; ${todo}`);

/** E_SHAPE / E_RANGE unless `len` and `spec` are what the LutSpec contract allows (every mode checks with it). */
export function checkLutSpec(len: number, spec: LutSpec): void {
  if (!Number.isInteger(len) || len < 0) throw new ConcordError('E_SHAPE', `lutMask: len expected a non-negative integer, got ${len}`);
  if (!Array.isArray(spec.fields) || spec.fields.length === 0) throw rangeError('at least one field', 'none', 'name the bit windows of R the protocol reads');
  spec.fields.forEach((f, k) => {
    if (!Number.isInteger(f.bits) || f.bits < 1 || f.bits > 10) throw rangeError(`fields[${k}].bits in 1..10`, `${f.bits}`, 'a one-hot costs 2^bits words per element: split a wider window into several fields');
    if (!Number.isInteger(f.at) || f.at < 0 || f.at + f.bits > 64) throw rangeError(`fields[${k}] inside bits 0..63 (at ≥ 0, at + bits ≤ 64)`, `at=${f.at}, bits=${f.bits}`, 'move the window into the 64-bit ring');
  });
  if (!Number.isInteger(spec.powers) || spec.powers < 0 || spec.powers > 3) throw rangeError('powers in 0..3', `${spec.powers}`, 'evaluate higher degrees from λ̃^1..λ̃^3 online');
  const at0 = spec.fields[0]!.at;
  if (!Number.isInteger(spec.shift) || spec.shift < 0 || spec.shift > at0) throw rangeError(`shift in 0..fields[0].at = ${at0}`, `${spec.shift}`, 'λ̃ ≈ λ_0 / 2^shift has only at_0 bits to shift');
}

/**
 * A lookup mask: a uniform R ∈ Z_2^64 with chosen bit windows of it shared one-hot, so that
 * after opening c = x + R any function of those bits of x is a public linear combination of
 * the one-hot shares (protocols/nonlinear/sigmoid-lut.ts). For every element and field k:
 *   R ≡ ρ_k·2^at_k + λ_k  (mod 2^(at_k + bits_k)),  0 ≤ ρ_k < 2^bits_k,  0 ≤ λ_k < 2^(at_k + 1),
 * and λ̃ is an integer with λ_0/2^shift − 2 < λ̃ ≤ λ_0/2^shift. (A dealer has λ_k = R mod 2^at_k;
 * a mode that sums R from two parties' parts may carry the low parts' sum.)
 */
export interface LutMask {
  /** Arithmetic shares of R, shape [len]. */
  r: Ring;
  /** Per field k: shares [len, 2^bits_k] of the one-hot vector of ρ_k (1 at index ρ_k, else 0). */
  hot: Ring[];
  /** Per power p = 1..powers: shares [len, 2^bits_0] of hot_0 · λ̃^p. */
  pow: Ring[];
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
  /**
   * Optional: the item of triple(tag, shape), resolved as soon as a and b exist; c may follow.
   * A mode that makes whole triples at once need not have it (callers fall back to triple()).
   */
  stagedTriple?(tag: number, shape: Shape): Promise<StagedTriple>;
  /** Optional: the item of matrixTriple(tag, n, k, m), staged as stagedTriple. */
  stagedMatrixTriple?(tag: number, n: number, k: number, m: number): Promise<StagedTriple>;
  /**
   * Optional, honest-majority modes only (no two parties collude, three parties): the masks of a
   * replicated product of operands shaped `x` and `y` into `z` (element-wise: all three alike; a
   * matrix product: n×k, k×m, n×m). Products then need no triple (mul.ts, matmul.ts use it when present).
   */
  productMasks?(tag: number, x: Shape, y: Shape, z: Shape): Promise<ProductMasks>;
  /** Truncation pairs of the given shape for shifting by f bits. */
  truncPair(tag: number, shape: Shape, f: number): Promise<TruncPair>;
  /** Optional: the item of truncPair(tag, shape, f), resolved as soon as r exists; the rest may follow. */
  stagedTruncPair?(tag: number, shape: Shape, f: number): Promise<StagedTruncPair>;
  /** XOR-shared bitwise triples over whole 64-bit words: c = a AND b. */
  bitTriple(tag: number, shape: Shape): Promise<Triple>;
  /** Random bits shared arithmetically and as XOR shares. */
  daBits(tag: number, shape: Shape): Promise<DaBits>;
  /**
   * edaBits: per element a uniform r ∈ Z_2^64 shared arithmetically and its bits as XOR shares.
   * `bits` (1..64, default 64): the caller reads only the low `bits` bits of `bin`; above them
   * `bin` may hold anything (a mode may then build fewer binary bits). `arith` is always the
   * whole uniform r, so x + r hides x completely.
   */
  edaBits(tag: number, shape: Shape, bits?: number): Promise<EdaBits>;
  /**
   * Shares of a fresh uniformly random mask [A] of a 2-D shape r×k, for a secret operand used in
   * many products (the data matrix across batches and epochs): the online phase opens X − A once
   * and later products only open the other operand. The mask stays valid for the session; its
   * rows are made when asked for (MaskShare), so the share costs no memory of its size.
   */
  matrixMask(tag: number, shape: Shape): Promise<MaskShare>;
  /**
   * A triple bound to the mask made by `matrixMask(maskTag, ...)`: fresh [B] and [C] = op(A)·B
   * with op(A) as `use` says (row slice, optional transpose). Never hands out the same B twice.
   */
  maskedTriple(maskTag: number, tag: number, use: MaskUse): Promise<MaskedTriple>;
  /**
   * Lookup masks for `len` elements (see LutMask). Optional: a mode without it makes the
   * protocols that would use it fall back to comparison circuits (more rounds).
   */
  lutMask?(tag: number, len: number, spec: LutSpec): Promise<LutMask>;
  /** Release resources (connections to a dealer, background generation). */
  close(): Promise<void>;
}
