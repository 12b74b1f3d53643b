/**
 * Two-party distributed point functions over Z_2^64 with full-domain evaluation, for hm's lookup
 * masks (lut.ts): a dealer (party 0) who knows a point α < 2^d and payloads β_1..β_P gives two
 * holders keys whose evaluations on every x < 2^d differ by β_p at x = α and by 0 elsewhere.
 * [BGI16: Boyle, Gilboa, Ishai, "Function Secret Sharing: Improvements and Extensions", CCS 2016,
 * Fig. 1 (the tree construction); fixed-key AES as the PRG, as in their implementation notes]
 *
 * Recipe (per element, batched over elements and tree levels). Each holder b ∈ {0, 1} starts from
 * a 16-byte root seed s_b (a PRG stream it shares with the dealer, never sent) and control bit
 * t_b = b. G(s) = (H_L(s), H_R(s)) with H_k(s) = AES_k(s) ⊕ s under fixed public keys L and R;
 * each child's low bit is split off as its control bit.
 * At level i, with α_i the i-th bit of α from the top, the dealer expands both seeds and publishes
 *   sCW = s_0^lose ⊕ s_1^lose,  tCW_L = t_0^L ⊕ t_1^L ⊕ α_i ⊕ 1,  tCW_R = t_0^R ⊕ t_1^R ⊕ α_i,
 * (lose = the child off α's path); every holder's child is its expanded child, XORed with
 * (sCW, tCW) where its own control bit is 1. Off the path both holders then hold equal seeds and
 * bits; on it, different seeds and t_0 ⊕ t_1 = 1. The tree stops ν = min(2, d) levels early
 * ("early termination", BGI16 §3.2.1): a node at depth d − ν covers S = 2^ν leaves, and
 * Convert(s) = the words of H_C(s ⊕ j), j = 0, 1, … (a counter in the seed's low word), holds P·S
 * words: word p·S + q is payload p at the node's leaf q. The dealer publishes, for the node on
 * α's path and every payload p and slot q,
 *   CW_{p,q} = (−1)^{t_1} · (β_p·[q = α mod S] − Convert_{p,q}(s_0) + Convert_{p,q}(s_1)),
 * so that Y_b(x) = Convert_{p,q}(s_b) + t_b · CW_{p,q} at the node of leaf x (slot q) gives
 * Y_0(x) − Y_1(x) = β_p·[x = α] (mod 2^64).
 * Cost: the key's public part is 17·(d − ν) + 8·P·2^ν bytes per element (against 8·P·2^d for a
 * masked one-hot); a holder hashes 2·(2^(d−ν) − 1) seeds and ⌈P·2^ν / 2⌉ blocks per terminal node.
 * Security: semi-honest; one holder's seed and the public part are pseudorandom whatever α and β
 * (BGI16 Thm 3.3), so each holder learns nothing of them; the dealer knows both evaluations.
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import { deriveKey } from '../../../src/crypto/prg.js';
import { ConcordError } from '../../../src/errors.js';
import * as W from '../../../src/ring/wasm.js';

/** The fixed public AES keys, by W.DpfAes's numbers: G's left (0) and right (1), Convert's (2). */
const CIPHERS = ['L', 'R', 'C'].map((l): Cipher => {
  const c = createCipheriv('aes-128-ecb', deriveKey(new TextEncoder().encode('concord hm dpf fixed keys'), `hm-dpf/${l}`), null);
  c.setAutoPadding(false);
  return c;
}) as [Cipher, Cipher, Cipher];

/** Most payloads per point. */
export const DPF_MAX_PAYLOADS = 4;
/** Levels cut from the bottom of every tree (early termination): a terminal node holds 2^TERMINAL_BITS leaves. */
const TERMINAL_BITS = 2;

/** The tree of a key of depth d with P payloads: its levels, slots per terminal node, Convert blocks per node. */
export function dpfShape(depth: number, payloads: number): W.DpfShape {
  const nu = Math.min(TERMINAL_BITS, depth);
  return { levels: depth - nu, slots: 2 ** nu, payloads, blocks: Math.ceil((payloads * 2 ** nu) / 2) };
}

/** Public bytes of one element's key: per level a seed correction (16) and control-bit corrections (1), then P·S final words. */
export function dpfKeyBytes(depth: number, payloads: number): number {
  const g = dpfShape(depth, payloads);
  return 17 * g.levels + 8 * payloads * g.slots;
}

/**
 * AES_k of every 16-byte block (ECB is stateless, so one cipher serves every call), in 128 KiB
 * calls: one update over megabytes returns fresh pages that fault in (src/crypto/prg.ts).
 */
const ECB_CHUNK = 1 << 17;
function aesInto(k: 0 | 1 | 2, input: Uint8Array, out: Uint8Array): void {
  const c = CIPHERS[k];
  for (let off = 0; off < input.length; off += ECB_CHUNK) out.set(c.update(input.subarray(off, off + ECB_CHUNK)), off);
}

function check(depth: number, payloads: number, count: number, roots: number): void {
  if (!(Number.isInteger(depth) && depth >= 1 && depth <= 16)) throw new ConcordError('E_INTERNAL', `dpf: depth ${depth} outside 1..16`);
  if (!(Number.isInteger(payloads) && payloads >= 1 && payloads <= DPF_MAX_PAYLOADS)) throw new ConcordError('E_INTERNAL', `dpf: ${payloads} payloads outside 1..${DPF_MAX_PAYLOADS}`);
  if (roots !== count * 16) throw new ConcordError('E_INTERNAL', `dpf: ${roots} root bytes for ${count} points, expected ${count * 16}`);
}

/**
 * The dealer's side: the public key part for `alpha.length` points of depth d, from both holders'
 * roots (16 bytes per point each) and `betas[p][e]` the payloads. Layout: 8·P·S bytes of final
 * words per point, then 16 bytes of seed correction per point and level, then one byte of
 * control-bit corrections per point and level (bit 0: left, bit 1: right), each part point-major.
 */
export function dpfGen(roots0: Uint8Array, roots1: Uint8Array, alpha: Uint32Array, betas: BigUint64Array[], depth: number): Uint8Array {
  const E = alpha.length, P = betas.length;
  check(depth, P, E, roots0.length);
  check(depth, P, E, roots1.length);
  for (let e = 0; e < E; e++) if (alpha[e]! >= 2 ** depth) throw new ConcordError('E_INTERNAL', `dpf: point ${e} outside the domain of 2^${depth}`);
  const g = dpfShape(depth, P), L = g.levels, S = g.slots, Wd = P * S;
  const out = new Uint8Array(E * dpfKeyBytes(depth, P));
  // Both holders' seeds along α's path, every level's corrections, and at the terminal node
  // both holders' Convert words (in kernels; P·S = 2·blocks words per point, S being even).
  const walk = W.dpfGenTree(roots0, roots1, alpha, depth, L, g.blocks, aesInto);
  out.set(walk.seedCW, E * Wd * 8);
  out.set(walk.bitCW, E * (Wd * 8 + L * 16));
  // CW = β in α's slot − Convert(s_0) + Convert(s_1), negated where t_1 is set (vector ops, no BigInt per word).
  const beta = new BigUint64Array(E * Wd), b32 = new Uint32Array(beta.buffer);
  for (let p = 0; p < P; p++) {
    const src = new Uint32Array(betas[p]!.buffer, betas[p]!.byteOffset, 2 * E);
    for (let e = 0; e < E; e++) {
      const to = 2 * (e * Wd + p * S + (alpha[e]! & (S - 1)));
      b32[to] = src[2 * e]!;
      b32[to + 1] = src[2 * e + 1]!;
    }
  }
  const finals = new BigUint64Array(E * Wd), neg = new BigUint64Array(E * Wd);
  W.binary('sub', beta, walk.conv0, finals);
  W.binary('add', finals, walk.conv1, finals);
  W.unary('neg', finals, neg);
  for (let e = 0; e < E; e++) if (walk.t1[e]) finals.set(neg.subarray(e * Wd, (e + 1) * Wd), e * Wd);
  out.set(new Uint8Array(finals.buffer), 0);
  return out;
}

/** Keys evaluated per kernel call: about 2^16 leaves, so the kernel arena stays a few MiB. */
const LEAVES_PER_CALL = 1 << 16;

/**
 * Holder b's evaluation of `count` keys on the whole domain: per payload p, [count, 2^d] words
 * Y_b(x) (Y_0 − Y_1 is β_p at α and 0 elsewhere). `pub` is dpfGen's output for these points.
 */
export function dpfEvalAll(roots: Uint8Array, b: 0 | 1, pub: Uint8Array, count: number, depth: number, payloads: number): BigUint64Array[] {
  const E = count, P = payloads, M = 2 ** depth;
  check(depth, P, E, roots.length);
  if (pub.length !== E * dpfKeyBytes(depth, P)) throw new ConcordError('E_INTERNAL', `dpf: ${pub.length} public bytes for ${E} keys, expected ${E * dpfKeyBytes(depth, P)}`);
  const g = dpfShape(depth, P), L = g.levels, Wd = P * g.slots;
  const finals = pub.subarray(0, E * Wd * 8);
  const seedCW = pub.subarray(E * Wd * 8, E * (Wd * 8 + L * 16));
  const bitCW = pub.subarray(E * (Wd * 8 + L * 16));
  const out = Array.from({ length: P }, () => new BigUint64Array(E * M));
  const per = Math.max(1, Math.floor(LEAVES_PER_CALL / M));
  for (let a = 0; a < E; a += per) {
    const n = Math.min(per, E - a);
    W.dpfFullDomain(roots.subarray(16 * a, 16 * (a + n)), b, seedCW.subarray(16 * L * a, 16 * L * (a + n)), bitCW.subarray(L * a, L * (a + n)), finals.subarray(8 * Wd * a, 8 * Wd * (a + n)), n, g, aesInto, out, a * M);
  }
  return out;
}
