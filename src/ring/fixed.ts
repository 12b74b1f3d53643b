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

/**
 * Fixed-point encoding: round(x·2^f) in two's complement. Rounds to nearest (ties away from zero);
 * exact for representable values. Throws E_RANGE naming the first NaN, ±Infinity or out-of-range value.
 */
export function encodeFixed(values: ArrayLike<number>, shape?: Shape, f: number = FRAC_BITS): Ring {
  if (!Number.isInteger(f) || f < 0 || f > 62) throw new ConcordError('E_RANGE', `fractional bits f=${f} outside 0..62`);
  const sh = shape ?? [values.length];
  const out = new Ring(sh);
  if (out.size !== values.length) throw new ConcordError('E_SHAPE', `encodeFixed: ${values.length} values do not fill shape [${sh.join('×')}]`);
  const scale = 2 ** f;
  const limit = 2 ** 63;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const s = x * scale;
    if (!Number.isFinite(s) || Math.abs(s) >= limit) {
      throw new ConcordError('E_RANGE', `cannot encode ${x} at ${position(i, sh)} as fixed point with f=${f}: ${Number.isNaN(x) ? 'NaN is not a number' : `magnitude must be below 2^${63 - f} = ${fixedLimit(f)}`}; clean or rescale the input`);
    }
    const r = s < 0 ? -Math.round(-s) : Math.round(s);
    out.data[i] = BigInt.asUintN(64, BigInt(r));
  }
  return out;
}

/** Fixed-point decoding: signed value / 2^f as doubles (exact up to 53 significant bits). */
export function decodeFixed(r: Ring, f: number = FRAC_BITS): Float64Array {
  const out = new Float64Array(r.size);
  const scale = 2 ** -f;
  for (let i = 0; i < out.length; i++) out[i] = Number(BigInt.asIntN(64, r.data[i]!)) * scale;
  return out;
}
