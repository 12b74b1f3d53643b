import { randomBytes } from 'node:crypto';
import { ConcordError } from '../../src/errors.js';
import { Ring, sizeOf, type Shape } from '../../src/ring/ring.js';
import type { DaBits, EdaBits } from '../../src/session/preprocessing.js';

/**
 * edaBits from daBits: a generic construction for offline modes without a native one (ot for
 * now, where daBits are cheap; a mode replaces it by its own generator later). [EGKRS20 §3: an edaBit is
 * equivalent to `bits` daBits composed linearly]
 *
 * With daBits b_0..b_{bits−1} per element: r = Σ_j 2^j·b_j + 2^bits·R. The arithmetic share is
 * Σ_j 2^j·[b_j] + 2^bits·[R] and the binary word's bit j is the XOR share of b_j — both linear,
 * so no communication beyond the daBits'. [R] is each party's own uniform local share (uniform
 * sum as soon as one party is honest); R's bits are never needed, because the caller reads only
 * the low `bits` bits of `bin` (Preprocessing.edaBits). r is uniform over Z_2^64: each b_j is a
 * uniform bit and R uniform, all independent.
 * Cost: `bits` daBits per element, requested as one item of shape [bits·len] (bit-major).
 */
export function edaBitsFromDaBits(daBits: (shape: Shape) => Promise<DaBits>, shape: Shape, bits = 64): Promise<EdaBits> {
  if (!Number.isInteger(bits) || bits < 1 || bits > 64) return Promise.reject(new ConcordError('E_RANGE', `edaBits: bits=${bits} outside 1..64`));
  const len = sizeOf(shape);
  if (len === 0) return Promise.resolve({ arith: Ring.zeros(shape), bin: Ring.zeros(shape) });
  // Requested now (synchronously), so the daBits stream is cut in request order on every party.
  const pending = daBits([bits * len]);
  return pending.then((d) => compose(d, len, bits, shape));
}

function compose(d: DaBits, len: number, bits: number, shape: Shape): EdaBits {
  let arith = bits < 64 ? highPart(len, bits) : Ring.zeros([len]);
  let bin = Ring.zeros([len]);
  for (let j = 0; j < bits; j++) {
    const a = new Ring([len], d.arith.data.subarray(j * len, (j + 1) * len));
    const b = new Ring([len], d.bin.data.subarray(j * len, (j + 1) * len)).and(Ring.fill([len], 1n));
    arith = arith.add(a.shl(j));
    bin = bin.xor(b.shl(j));
  }
  return { arith: arith.reshape(shape), bin: bin.reshape(shape) };
}

/** 2^bits·[R] from this party's fresh OS randomness (only its sum's uniformity matters). */
function highPart(len: number, bits: number): Ring {
  const r = new Ring([len]);
  const bytes = randomBytes(8 * len);
  new Uint8Array(r.data.buffer, r.data.byteOffset, 8 * len).set(bytes);
  return r.shl(bits);
}
