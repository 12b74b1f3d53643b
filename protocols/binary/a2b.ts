import { ConcordError } from '../../src/errors.js';
import type { Scope } from '../core/scope.js';
import { Ring } from '../../src/ring/ring.js';
import { andPrep, andStep, type AndPrep } from './and.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';

/**
 * Arithmetic → binary share conversion over Z_2^64. [DSZ15 (ABY) §IV; Wallace tree CSA; Kogge–Stone 1973;
 * the n-party CSA reduction as in MP-SPDZ/CrypTen]
 *
 * x = Σ x_i. Party i's share enters as the XOR-shared number X_i (party i holds x_i, the others 0):
 * no communication. Carry-save adders reduce n numbers to two, one AND round per layer
 * (maj(a,b,c) = ((a⊕c)∧(b⊕c))⊕c, one word-AND per adder). The two numbers A, B are added with a
 * Kogge–Stone prefix over whole 64-bit words: G = A∧B, P = A⊕B, then for k = 1, 2, 4, …:
 * G ← G ⊕ (P ∧ (G≪k)), P ← P ∧ (P≪k) (the last level needs no P). After L levels G holds the carry
 * out of every prefix of ≤ 2^L bits, so for the low `bits` bits only L = ⌈log2(bits−1)⌉ levels run.
 *
 * Costs for n parties, with C(n) carry-save layers (C(2) = 0, C(3) = 1, C(4) = 2, C(5) = 3; see
 * csaLayers) and L levels (6 for 64 bits):
 *   rounds = C(n) + 1 + L
 *   bytes to each peer per element = 16·(n − 2) + 16·(1 + 2·(L − 1) + 1) = 16·(n − 2) + 32·L
 * (each word-AND opens two words). Semi-honest; the only values opened are Beaver-masked words.
 * The sign bit alone is cheaper: see msb.ts.
 * Input range: any ring element (the result is the exact two's complement bit pattern).
 */
export const a2b = runner((s, x: Ring, bits?: number) => a2bStep(s, x, bits));

/** a2b as a chain (see core/chain.ts). */
export async function* a2bStep(s: Scope, x: Ring, bits = 64): Chain<Ring> {
  if (!Number.isInteger(bits) || bits < 1 || bits > 64) throw new ConcordError('E_RANGE', `a2b: bits=${bits} outside 1..64`);
  const { p, g } = yield* carries(s, x, levelsFor(bits));
  const sum = p.xor(g.shl(1));
  return bits === 64 ? sum : sum.and(Ring.fill(sum.shape, (1n << BigInt(bits)) - 1n));
}

/** Number of carry-save layers that reduce n numbers to two (Wallace tree). */
export function csaLayers(n: number): number {
  let k = n;
  let layers = 0;
  while (k > 2) {
    k = 2 * Math.floor(k / 3) + (k % 3);
    layers++;
  }
  return layers;
}

/** Kogge–Stone levels needed for the low `bits` bits of a sum. */
export function levelsFor(bits: number): number {
  return bits <= 1 ? 0 : Math.ceil(Math.log2(bits - 1));
}

/** Documented cost of a2b/msb for n parties and `bits` result bits: rounds and bytes to each peer per element. */
export function a2bCost(n: number, bits = 64): { rounds: number; bytesPerPeerPerElement: number } {
  const L = levelsFor(bits);
  const kogge = L === 0 ? 0 : 32 * L;
  return { rounds: csaLayers(n) + (L === 0 ? 0 : 1 + L), bytesPerPeerPerElement: 16 * (n - 2) + kogge };
}

/** Request the bit triples of the carry-save layers for n numbers of `len` words (one batch). */
export function csaPrep(s: Scope, len: number): Promise<AndPrep>[] {
  const out: Promise<AndPrep>[] = [];
  for (let k = s.n; k > 2; k = 2 * Math.floor(k / 3) + (k % 3)) out.push(andPrep(s, Math.floor(k / 3) * len));
  return out;
}

/**
 * The parties' shares as n XOR-shared numbers, reduced to two by carry-save layers (flat [len]).
 * A null entry is a share known to be zero (party i holds nothing of party j's number), which
 * saves the XORs with it; callers treat null as zeros.
 */
export async function* reduceToTwoStep(s: Scope, x: Ring, pre: Promise<AndPrep>[]): Chain<[Ring | null, Ring | null]> {
  const flat = x.reshape([x.size]);
  let nums: (Ring | null)[] = Array.from({ length: s.n }, (_, i) => (i === s.me ? flat : null));
  for (let layer = 0; nums.length > 2; layer++) nums = yield* csaLayer(s, nums, pre[layer]!, flat.size);
  return nums as [Ring | null, Ring | null];
}

/** XOR where null stands for a zero share (Ring ops never mutate, so sharing a tensor is safe). */
export function xz(a: Ring | null, b: Ring | null): Ring | null {
  return a === null ? b : b === null ? a : a.xor(b);
}

/** P = A ⊕ B and the prefix generate word G after `levels` Kogge–Stone levels (A, B from the CSA tree). */
async function* carries(s: Scope, x: Ring, levels: number): Chain<{ p: Ring; g: Ring }> {
  const len = x.size;
  // Every bit triple of the whole circuit is requested up front, in one batch.
  const csa = csaPrep(s, len);
  const kogge: Promise<AndPrep>[] = [];
  if (levels > 0) kogge.push(andPrep(s, len));
  for (let l = 0; l < levels; l++) kogge.push(andPrep(s, (l === levels - 1 ? 1 : 2) * len));
  const [az, bz] = yield* reduceToTwoStep(s, x, csa);
  const a = az ?? Ring.zeros([len]);
  const b = bz ?? Ring.zeros([len]);
  const p0 = a.xor(b);
  if (levels === 0) return { p: p0.reshape(x.shape), g: Ring.zeros(x.shape) };
  let [g] = (yield* andStep(s, [a], [b], kogge[0])) as [Ring];
  let p = p0;
  for (let l = 0; l < levels; l++) {
    const k = 1 << l;
    if (l === levels - 1) {
      const [t] = (yield* andStep(s, [p], [g.shl(k)], kogge[l + 1])) as [Ring];
      g = g.xor(t);
    } else {
      const [t, pp] = (yield* andStep(s, [p, p], [g.shl(k), p.shl(k)], kogge[l + 1])) as [Ring, Ring];
      g = g.xor(t);
      p = pp;
    }
  }
  return { p: p0.reshape(x.shape), g: g.reshape(x.shape) };
}

/** One Wallace layer: every group of three numbers becomes sum and shifted carry; one AND round. */
async function* csaLayer(s: Scope, nums: (Ring | null)[], pre: Promise<AndPrep>, len: number): Chain<(Ring | null)[]> {
  const groups = Math.floor(nums.length / 3);
  const ls: (Ring | null)[] = [];
  const rs: (Ring | null)[] = [];
  for (let i = 0; i < groups; i++) {
    const [a, b, c] = [nums[3 * i]!, nums[3 * i + 1]!, nums[3 * i + 2]!];
    const l = xz(a, c);
    const r = xz(b, c);
    ls.push(l === null && r === null ? Ring.zeros([len]) : l);
    rs.push(r);
  }
  // maj(a, b, c) = ((a ⊕ c) ∧ (b ⊕ c)) ⊕ c
  const ands = yield* andStep(s, ls, rs, pre);
  const out: (Ring | null)[] = [];
  for (let i = 0; i < groups; i++) {
    const [a, b, c] = [nums[3 * i]!, nums[3 * i + 1]!, nums[3 * i + 2]!];
    out.push(xz(xz(a, b), c), xz(ands[i]!, c)!.shl(1));
  }
  return out.concat(nums.slice(3 * groups));
}
