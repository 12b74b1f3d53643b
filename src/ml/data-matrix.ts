import { ConcordError } from '../errors.js';
import type { Session } from '../session/session.js';
import { Ring } from '../ring/ring.js';
import { maskOperandInPlace, maskRows, matmulMasked, matmulMaskedRows, type MaskedOperand, type MaskedRows } from '../../protocols/arithmetic/masked.js';
import type { MaskShare } from '../session/preprocessing.js';

/**
 * The secret training matrix as the loop uses it: its row count and the two batch products,
 * both one masked product on rows [start, end) (`product`, by masking scheme).
 */
export abstract class DataMatrix {
  protected constructor(protected readonly s: Session, private readonly shape: readonly number[]) {}

  /** Rows of X. */
  get rows(): number {
    return this.shape[0]!;
  }

  /** Shares of X[start:end]·W, ring product (scales add). 1 round. */
  times(start: number, end: number, w: Ring): Promise<Ring> {
    return this.product(start, end, w, false);
  }

  /** Shares of X[start:end]ᵀ·G, ring product. 1 round. */
  transposeTimes(start: number, end: number, g: Ring): Promise<Ring> {
    return this.product(start, end, g, true);
  }

  protected abstract product(start: number, end: number, y: Ring, transpose: boolean): Promise<Ring>;
}

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
export class SharedData extends DataMatrix {
  private constructor(s: Session, private readonly masked: MaskedOperand) {
    super(s, masked.shape);
  }

  /** Mask the shares `x` (consumed: do not use them afterwards). ⌈rows / ⌊2^17 / cols⌋⌉ rounds, 8·size bytes per peer. */
  static async mask(s: Session, x: Ring): Promise<SharedData> {
    return new SharedData(s, await maskOperandInPlace(s, x));
  }

  protected product(start: number, end: number, y: Ring, transpose: boolean): Promise<Ring> {
    return matmulMasked(this.s, this.masked, y, { start, end, transpose });
  }
}

/**
 * X as a DataMatrix that never holds a union-sized tensor (job field "maskData": "perBatch"):
 * my share of X is a row source in the public training order over each owner's rows (mine
 * stored, the others' regenerated from the seeds I share with their owners: inputSeeded), and
 * each batch's E_b = X_b − A_b is opened with its first product, in the same round, then reused
 * by the batch's second product. Per step 8·|X_b| more bytes to each peer than SharedData, the
 * same rounds; memory: my own rows' share (8·rows_me·cols bytes) instead of E (8·rows·cols).
 */
export class SeededData extends DataMatrix {
  /** The rows of the latest product and its E_b (a promise: the product may still be running). */
  private last?: { start: number; end: number; e: Promise<Ring> };

  private constructor(s: Session, private readonly masked: MaskedRows) {
    super(s, masked.shape);
  }

  /** Mask my share `x` of the training matrix for per-batch opening: 0 rounds (the mask is requested). */
  static async mask(s: Session, x: MaskShare): Promise<SeededData> {
    return new SeededData(s, await maskRows(s, x));
  }

  // Decided at the call, from the call order alone (never from which product finished first),
  // so every party opens E_b on the same calls even when products run concurrently.
  protected product(start: number, end: number, y: Ring, transpose: boolean): Promise<Ring> {
    const known = this.last && this.last.start === start && this.last.end === end ? this.last.e : undefined;
    const res = matmulMaskedRows(this.s, this.masked, y, { start, end, transpose, ...(known ? { known } : {}) });
    this.last = { start, end, e: known ?? res.then((r) => r.e) };
    // A failed product fails its own caller; the cached E_b must not also surface as unhandled.
    this.last.e.catch(() => undefined);
    return res.then((r) => r.z);
  }
}

/**
 * For each row of the concatenation, its position in `order` (E_SHAPE naming `who` unless `order`
 * is a permutation of 0..order.length−1).
 */
function positions(order: readonly number[], who: string): Int32Array {
  const total = order.length;
  const at = new Int32Array(total).fill(-1);
  order.forEach((r, i) => {
    if (!(Number.isInteger(r) && r >= 0 && r < total) || at[r] !== -1) throw new ConcordError('E_SHAPE', `${who}: the order is not a permutation of ${total} rows (row ${r} at position ${i})`);
    at[r] = i;
  });
  return at;
}

/** Rows idx of a row source as one tensor (its gather, else row by row). */
function gatherRows(src: MaskShare, idx: readonly number[]): Ring {
  return src.gather ? src.gather(idx) : Ring.concat(idx.map((t) => src.rows(t, t + 1)));
}

/**
 * The rows of `parts` (row sources laid end to end: each owner's rows) in the public `order`, as
 * a row source: row i is row order[i] of the concatenation, made on demand (E_SHAPE unless
 * `order` is a permutation of the parts' rows).
 */
export function orderedSource(order: readonly number[], width: number, parts: readonly MaskShare[]): MaskShare {
  const total = order.length;
  const starts: number[] = [];
  let rows = 0;
  for (const p of parts) {
    if (p.shape[1] !== width) throw new ConcordError('E_SHAPE', `orderedSource: part [${p.shape.join('×')}] does not have width ${width}`);
    starts.push(rows);
    rows += p.shape[0];
  }
  if (rows !== total) throw new ConcordError('E_SHAPE', `orderedSource: the parts hold ${rows} rows, the order ${total}`);
  positions(order, 'orderedSource');
  const part = new Int32Array(total);
  const local = new Int32Array(total);
  order.forEach((r, i) => {
    let p = parts.length - 1;
    while (starts[p]! > r) p--;
    part[i] = p;
    local[i] = r - starts[p]!;
  });
  return {
    shape: [total, width],
    rows(start: number, end: number): Ring {
      if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= total)) {
        throw new ConcordError('E_SHAPE', `orderedSource: rows [${start}, ${end}) out of range for ${total} rows`);
      }
      const out = new Ring([end - start, width]);
      // Per part, its rows of the range in one call (a seeded part: one cipher set-up per batch).
      parts.forEach((src, p) => {
        const at: number[] = [];
        const idx: number[] = [];
        for (let i = start; i < end; i++) if (part[i] === p) { at.push(i - start); idx.push(local[i]!); }
        if (idx.length === 0) return;
        const got = gatherRows(src, idx);
        at.forEach((o, m) => out.data.set(got.data.subarray(m * width, (m + 1) * width), o * width));
      });
      return out;
    },
  };
}

/** Rows per chunk of orderedColumns (a chunk's gathered rows are its only transients). */
const COLUMN_CHUNK_ROWS = 4096;

/**
 * Row sources side by side (each the same rows, some columns: a vertical job's parties) in the
 * public `order`: row i is the concatenation of every part's row order[i], as
 * Ring.concat(parts, 1).gather(order), but made 4,096 rows at a time into the result, so no
 * union-sized temporary exists beside it (E_SHAPE unless `order` is a permutation of the parts' rows).
 */
export function orderedColumns(order: readonly number[], parts: readonly MaskShare[]): Ring {
  const rows = order.length;
  for (const p of parts) if (p.shape[0] !== rows) throw new ConcordError('E_SHAPE', `orderedColumns: a part of ${p.shape[0]} rows for an order of ${rows}`);
  positions(order, 'orderedColumns');
  const width = parts.reduce((a, p) => a + p.shape[1], 0);
  const out = new Ring([rows, width]);
  for (let c = 0; c < rows; c += COLUMN_CHUNK_ROWS) {
    const idx = order.slice(c, c + COLUMN_CHUNK_ROWS);
    let col = 0;
    for (const p of parts) {
      const w = p.shape[1];
      const got = gatherRows(p, idx);
      for (let i = 0; i < idx.length; i++) out.data.set(got.data.subarray(i * w, (i + 1) * w), (c + i) * width + col);
      col += w;
    }
  }
  return out;
}

/**
 * The rows of `parts` (tensors laid end to end, made one at a time) put in the public `order`:
 * row i of the result is row order[i] of the concatenation, as Ring.concat(parts).gather(order),
 * but each part is placed as it comes and is garbage afterwards, so at most one part exists
 * beside the result. `order` must be a permutation of the rows (E_SHAPE otherwise).
 */
export function orderedRows(order: readonly number[], width: number, parts: Iterable<Ring>): Ring {
  const total = order.length;
  const at = positions(order, 'orderedRows');
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
