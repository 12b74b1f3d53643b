/**
 * Dense packing of ring elements cut to a per-row bit width, for the hm conversion message
 * (convert.ts): row k of a [rows, count] tensor keeps only its low widths[k] bits (0..64), so a
 * value used only with weight 2^e travels in 64 − e bits. Little-endian bit order, rows one after
 * another; the receiver gets each element mod 2^width (higher bits 0). Also bit planes (one
 * row per bit position, 64 elements per word) for the carry circuits of trunc.ts and edabits.ts.
 * The work is done by the WebAssembly kernels of src/ring/wasm.ts: no BigInt per element.
 */
import { ConcordError } from '../../../src/errors.js';
import { Ring, outputRing } from '../../../src/ring/ring.js';
import * as W from '../../../src/ring/wasm.js';

/** Bytes of a packed [widths.length, count] tensor. */
export function packedBytes(widths: readonly number[], count: number): number {
  return Math.ceil((widths.reduce((a, w) => a + w, 0) * count) / 8);
}

/** Pack row k of `r` ([widths.length, count]) to widths[k] bits per element (in WebAssembly: src/ring/wasm.ts packBits). */
export function packRows(r: Ring, widths: readonly number[]): Uint8Array {
  return W.packBits(r.data, widths, r.size / widths.length);
}

/** Inverse of packRows: a [widths.length, count] tensor, each element mod 2^widths[k]. */
export function unpackRows(bytes: Uint8Array, widths: readonly number[], count: number): Ring {
  if (bytes.length !== packedBytes(widths, count)) throw new ConcordError('E_FRAME', `packed rows: ${bytes.length} bytes, expected ${packedBytes(widths, count)}`);
  const out = new Ring([widths.length, count]);
  W.unpackBits(bytes, widths, count, out.data);
  return out;
}

/**
 * Bit planes of a [count] tensor: a [nbits, ⌈count/64⌉] tensor whose row k holds bit k of every
 * element, 64 elements per word (element i at bit i mod 64 of word ⌊i/64⌋; padding bits 0). The
 * hm carry circuits (rep-and.ts) run on planes, so one AND on a word serves 64 items. By 64×64
 * bit transposes in WebAssembly, two blocks per SIMD step (wasm.ts bitPlanes): as 32×32 block
 * swaps in JS they were 6–7% of a party's CPU in hm's ltz, and as a per-bit loop the largest
 * cost of a truncation batch.
 */
export function toPlanes(w: Ring, nbits: number): Ring {
  if (!Number.isInteger(nbits) || nbits < 0 || nbits > 64) throw new ConcordError('E_RANGE', `bit planes: nbits=${nbits} outside 0..64`);
  const out = new Ring([nbits, Math.ceil(w.size / 64)]);
  W.bitPlanes(w.data, nbits, out.data);
  return out;
}

/** Inverse of toPlanes as 0/1 rows: [rows, count] with element (k, i) = bit i of plane k (in WebAssembly: wasm.ts bitSpread). */
export function fromPlanes(planes: Ring, count: number): Ring {
  const [rows, words] = planes.shape as [number, number];
  if (words !== Math.ceil(count / 64)) throw new ConcordError('E_SHAPE', `bit planes of ${words} words cannot hold ${count} elements`);
  const out = outputRing([rows, count]);
  W.bitSpread(planes.data, rows, count, out.data);
  return out;
}

/** Inverse of toPlanes: a [count] tensor whose element i has bit k = bit i of plane k (k < rows). */
export function planesToWords(planes: Ring, count: number): Ring {
  const [rows, words] = planes.shape as [number, number];
  if (words !== Math.ceil(count / 64) || rows > 64) throw new ConcordError('E_SHAPE', `${rows} bit planes of ${words} words cannot make ${count} 64-bit elements`);
  const out = new Ring([count]);
  W.bitWords(planes.data, rows, out.data);
  return out;
}
