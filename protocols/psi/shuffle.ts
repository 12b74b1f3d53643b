import { randomBytes } from 'node:crypto';

/**
 * A uniform secret permutation of 0..m−1 (Fisher–Yates over node:crypto randomness, rejection
 * sampling so every index is exactly uniform). The PSI sends each set in this order, so the
 * positions other parties see say nothing about the rows.
 */
export function secretPermutation(m: number): Uint32Array {
  const p = Uint32Array.from({ length: m }, (_, i) => i);
  let pool = new Uint32Array(0);
  let at = 0;
  for (let i = m - 1; i > 0; i--) {
    const bound = i + 1;
    const lim = Math.floor(2 ** 32 / bound) * bound;
    let v: number;
    do {
      if (at >= pool.length) {
        const b = randomBytes(1 << 16);
        pool = new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
        at = 0;
      }
      v = pool[at++]!;
    } while (v >= lim);
    const j = v % bound;
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
