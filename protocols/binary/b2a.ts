import { Ring, assertSameShape } from '../../src/ring/ring.js';
import { addPublic } from '../arithmetic/linear.js';
import { beaverCombine, elementwise } from '../arithmetic/beaver.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import { runner } from '../core/run.js';
import type { Party, Scope } from '../core/scope.js';
import type { DaBits, Triple } from '../../src/session/preprocessing.js';

/**
 * Binary → arithmetic conversion of single bits with daBits. [RW19 "MArBled circuits"; EGKRS20 §3]
 * A daBit is a random bit r shared both as XOR (bit 0) and arithmetically. Open c = b ⊕ r
 * (bit 0 only), then [b] = c + [r] − 2c·[r] (c public, so this is linear).
 * Input: XOR shares of the bits in bit 0 of each word (higher bits are ignored).
 * The masked bits travel packed 64 to a word. Rounds: 1. Bytes to each peer: 8·⌈len/64⌉ (nested
 * halvings: 8·W_6 with W_0 = len, W_j = ⌈W_{j−1}/2⌉). Perfectly hiding (c is b masked by a uniform bit).
 */
export const b2a = runner((s, bits: Ring) => b2aStep(s, bits));

/** b2a as a chain. */
export async function* b2aStep(s: Scope, bits: Ring, pre?: Promise<DaBits>): Chain<Ring> {
  const r0 = await (pre ?? s.prep.daBits(s.tag(), bits.shape));
  const r = { bin: r0.bin.reshape(bits.shape), arith: r0.arith.reshape(bits.shape) };
  const { xor } = yield { xor: [packBits(maskedBit(bits, r.bin))] };
  return fromOpened(s, unpackBits(xor[0]!, bits.shape), r.arith);
}

/**
 * b2a fused with a product by a secret value: returns [b] and [b·v] (ring product, b ∈ {0,1},
 * so no truncation is needed for fixed-point v). Computes [r·v] by Beaver multiplication
 * (arithmetic/beaver.ts) in the same round as the opening of c = b ⊕ r; then
 * b·v = c·v + (1 − 2c)·[r·v] is local.
 * Rounds: 1. Bytes to each peer: 8·W_6 (packed c, as b2a) + 16·len·k (Beaver opening of r·v).
 */
export const b2aMul = runner((s, bits: Ring, v: Ring) => b2aMulStep(s, bits, v));

/** b2aMul as a chain. */
export async function* b2aMulStep(s: Scope, bits: Ring, v: Ring, pre?: B2aMulPrep): Chain<{ b: Ring; bv: Ring }> {
  const { b, bvs } = yield* b2aMulManyStep(s, bits, [v], pre);
  return { b, bv: bvs[0]! };
}

/**
 * b2aMul of one bit tensor with several value tensors of its shape: [b] and [b·v_k] for each k.
 * Rounds: 1. Bytes to each peer: 8·W_6 + 16·len·k.
 */
export async function* b2aMulManyStep(s: Scope, bits: Ring, vs: Ring[], pre?: B2aMulPrep): Chain<{ b: Ring; bvs: Ring[] }> {
  for (const v of vs) assertSameShape(bits.shape, v.shape, 'b2aMul');
  const [rr0, t] = await Promise.all(pre ?? b2aMulPrep(s, bits.size, vs.length));
  const r = { bin: rr0.bin.reshape(bits.shape), arith: rr0.arith.reshape(bits.shape) };
  const v = vs.length === 1 ? vs[0]!.reshape([bits.size]) : Ring.concat(vs.map((x) => x.reshape([x.size])), 0);
  const rr = vs.length === 1 ? r.arith.reshape([bits.size]) : Ring.concat(vs.map(() => r.arith.reshape([bits.size])), 0);
  const { add, xor } = yield { xor: [packBits(maskedBit(bits, r.bin))], add: [v.sub(t.a), rr.sub(t.b)] };
  const c = unpackBits(xor[0]!, bits.shape);
  const [e, f] = add as [Ring, Ring];
  const rv = beaverCombine(t.c, e, rr, t.a, f, elementwise); // [r·v], beaver.ts
  const cc = vs.length === 1 ? c.reshape([bits.size]) : Ring.concat(vs.map(() => c.reshape([bits.size])), 0);
  // c is public and v, r·v are shared: both terms are linear in the shares.
  const bv = rv.mul(cc.scale(-2n).addScalar(1n)).add(cc.mul(v));
  const bvs = vs.map((x, k) => new Ring(x.shape, bv.data.slice(k * bits.size, (k + 1) * bits.size)));
  return { b: fromOpened(s, c, r.arith), bvs };
}

/** Preprocessing of one b2aMul: daBits and Beaver triples. */
export type B2aMulPrep = [Promise<DaBits>, Promise<Triple>];

/** Request the preprocessing of a b2aMul over `len` bits and `k` value tensors (see prefetch). */
export function b2aMulPrep(s: Scope, len: number, k = 1): B2aMulPrep {
  return [prefetch(s.prep.daBits(s.tag(), [len])), prefetch(s.prep.triple(s.tag(), [len * k]))];
}

/**
 * 64 one-bit words into one word (element i of a block of 64 lands in bit i's place after six
 * halvings): the opening of c costs ⌈len/64⌉ words instead of len. Linear, so it works on shares.
 */
export function packBits(x: Ring): Ring {
  let w = x.reshape([x.size]);
  for (let sh = 1; sh < 64; sh *= 2) w = w.foldHalves(-1n, 0, sh);
  return w;
}

/** Inverse of packBits for a tensor of the given shape. */
export function unpackBits(w: Ring, shape: readonly number[]): Ring {
  const len = shape.reduce((p, d) => p * d, 1);
  const sizes = [len];
  for (let sh = 1; sh < 64; sh *= 2) sizes.push(Math.ceil(sizes[sizes.length - 1]! / 2));
  let x = w;
  for (let sh = 32, k = sizes.length - 2; sh >= 1; sh /= 2, k--) x = x.unfoldHalves((1n << BigInt(sh)) - 1n, sh, sizes[k]!);
  return x.reshape(shape);
}

function maskedBit(bits: Ring, rBin: Ring): Ring {
  return Ring.combine('xor', [bits, rBin]).andScalar(1n);
}

/** [b] = c + [r] − 2c·[r] with c public. */
function fromOpened(s: Party, c: Ring, rArith: Ring): Ring {
  return addPublic(s, rArith.sub(c.mul(rArith).scale(2n)), c);
}

/** Words of a packBits result for `len` bits (six nested halvings). */
export function packedWords(len: number): number {
  let w = len;
  for (let i = 0; i < 6; i++) w = Math.ceil(w / 2);
  return w;
}
