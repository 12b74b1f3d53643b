import { Prg } from '../../src/crypto/prg.js';
import { Ring, type Shape } from '../../src/ring/ring.js';

/** Edge values of Z_2^64 that kernels get wrong first: 0, 1, 2^63, 2^64−1 and the 32-bit seams. */
export const EDGES: readonly bigint[] = [0n, 1n, 1n << 63n, (1n << 64n) - 1n, 2n, (1n << 63n) - 1n, (1n << 32n) - 1n, 1n << 32n, (1n << 32n) + 1n];

/** A seeded PRG for a test, by label. */
export function testPrg(label: string): Prg {
  return Prg.fromSeed(new TextEncoder().encode('concord ring tests, fixed seed'), label);
}

/** Uniform random tensor with edge values planted at PRG-chosen positions. */
export function randRing(p: Prg, shape: Shape): Ring {
  const r = p.ring(shape);
  const n = r.size;
  if (n === 0) return r;
  const idx = new Uint32Array(p.bytes(4 * Math.min(n, 2 * EDGES.length)).buffer);
  idx.forEach((v, i) => { r.data[v % n] = EDGES[i % EDGES.length]!; });
  return r;
}

/** Every pair of edge values: a runs over EDGES fastest, b slowest (EDGES.length² elements). */
export function edgePairs(): [Ring, Ring] {
  const e = EDGES.length;
  const a = Ring.from(Array.from({ length: e * e }, (_, i) => EDGES[i % e]!));
  const b = Ring.from(Array.from({ length: e * e }, (_, i) => EDGES[Math.floor(i / e)]!));
  return [a, b];
}

/** mulberry32: a small seeded generator of doubles in [0, 1), for picking test inputs and mutations. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
