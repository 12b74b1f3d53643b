import { ConcordError } from '../errors.js';
import { Ring, type Shape } from './ring.js';

/** Default number of fractional bits. */
export const FRAC_BITS = 16;

/** Largest magnitude encodable with f fractional bits: values must satisfy |x|·2^f < 2^63. */
export function fixedLimit(f: number = FRAC_BITS): number {
  return 2 ** (63 - f);
}

function position(i: number, shape: Shape): string {
  if (shape.length === 2) return `index ${i} (row ${Math.floor(i / shape[1]!)}, column ${i % shape[1]!})`;
  return `index ${i}`;
}

/** True on little-endian hosts, where the low 32-bit half of an element comes first. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const TWO32 = 2 ** 32;
/** Magnitudes below this round to at most 2^31 − 1. */
const SMALL = 2 ** 31 - 0.5;

function rangeError(x: number, i: number, sh: Shape, f: number): ConcordError {
  const why = Number.isNaN(x) ? 'NaN is not a number' : `magnitude must be below 2^${63 - f} = ${fixedLimit(f)}`;
  return new ConcordError('E_RANGE', `cannot encode ${x} at ${position(i, sh)} as fixed point with f=${f}: ${why}; clean or rescale the input`);
}

/**
 * Fixed-point encoding: round(x·2^f) in two's complement. Rounds to nearest (ties away from zero);
 * exact for representable values. Throws E_RANGE naming the first NaN, ±Infinity or out-of-range value.
 * Writes each element as two 32-bit halves: no BigInt per element.
 */
export function encodeFixed(values: ArrayLike<number>, shape?: Shape, f: number = FRAC_BITS): Ring {
  if (!Number.isInteger(f) || f < 0 || f > 62) throw new ConcordError('E_RANGE', `fractional bits f=${f} outside 0..62`);
  const sh = shape ?? [values.length];
  const out = new Ring(sh);
  if (out.size !== values.length) throw new ConcordError('E_SHAPE', `encodeFixed: ${values.length} values do not fill shape [${sh.join('×')}]`);
  const scale = 2 ** f;
  const limit = 2 ** 63;
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      const s = x * scale;
      if (!(Math.abs(s) < limit)) throw rangeError(x, i, sh, f);
      out.data[i] = BigInt.asUintN(64, BigInt(s < 0 ? -Math.round(-s) : Math.round(s)));
    }
    return out;
  }
  const w = new Uint32Array(out.data.buffer, out.data.byteOffset, 2 * out.size);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const s = x * scale;
    const abs = Math.abs(s);
    if (abs < SMALL) {
      // Common case: the rounded value fits an int32, whose sign fills the high half.
      const r = s < 0 ? -Math.round(abs) : Math.round(abs);
      w[2 * i] = r;
      w[2 * i + 1] = r < 0 ? 0xffffffff : 0;
      continue;
    }
    if (!(abs < limit)) throw rangeError(x, i, sh, f);
    // |r| < 2^63 is an integer-valued double, so its split into 32-bit halves is exact.
    const mag = Math.round(abs);
    const hi = Math.floor(mag / TWO32);
    const lo = mag - hi * TWO32;
    if (s >= 0 || mag === 0) {
      w[2 * i] = lo;
      w[2 * i + 1] = hi;
    } else if (lo === 0) {
      // two's complement: ~mag + 1, the carry out of the low half lands in the high half
      w[2 * i] = 0;
      w[2 * i + 1] = -hi;
    } else {
      w[2 * i] = TWO32 - lo;
      w[2 * i + 1] = ~hi;
    }
  }
  return out;
}

/** Fixed-point decoding: signed value / 2^f as doubles (rounded to nearest once, like Number(bigint)). */
export function decodeFixed(r: Ring, f: number = FRAC_BITS): Float64Array {
  if (!Number.isInteger(f) || f < 0 || f > 63) throw new ConcordError('E_RANGE', `fractional bits f=${f} outside 0..63`);
  const out = new Float64Array(r.size);
  const scale = 2 ** -f;
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < out.length; i++) out[i] = Number(BigInt.asIntN(64, r.data[i]!)) * scale;
    return out;
  }
  const w = new Uint32Array(r.data.buffer, r.data.byteOffset, 2 * r.size);
  // (hi as signed)·2^32 is exact and one IEEE addition rounds the 64-bit value correctly.
  for (let i = 0; i < out.length; i++) out[i] = ((w[2 * i + 1]! | 0) * TWO32 + w[2 * i]!) * scale;
  return out;
}
