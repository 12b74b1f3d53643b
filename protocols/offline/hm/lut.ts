/**
 * Lookup masks (Preprocessing.lutMask, the contract in src/session/preprocessing.ts) for three
 * parties: a uniform R with chosen bit windows shared one-hot, from one message of party 0 to each
 * of parties 1 and 2. [one-time truth tables: Ishai, Kushilevitz, Meldgaard, Orlandi,
 * Paskin-Cherniavsky, TCC 2013; Dessouky et al., NDSS 2017; the one-hot vectors as distributed
 * point functions, Boyle–Gilboa–Ishai CCS 2016 (dpf.ts); the replicated split r = u + y as in trunc.ts]
 *
 * Recipe. R = r_0 + r_1 + r_2 from one replicated random word (replicated.ts); party i's share of
 * R is its piece r_i (no traffic, no re-randomization: a PRG piece like a triple's a). Party 0
 * knows u = r_0 + r_1, parties 1 and 2 know y = r_2, and R = u + y. For field k = (at, bits),
 * M = 2^bits and field_k(v) = ⌊v / 2^at⌋ mod M:
 *   ρ_k = (field_k(u) + field_k(y)) mod M,  λ_k = (u mod 2^at) + (y mod 2^at) ∈ [0, 2^(at+1)),
 * so R ≡ ρ_k·2^at + λ_k (mod 2^(at+bits)). With ũ = ⌊(u mod 2^at_0) / 2^shift⌋ and ỹ likewise,
 * λ̃ = ũ + ỹ lies in (λ_0/2^shift − 2, λ_0/2^shift]. The one-hot of ρ_k is the one-hot of
 * field_k(u) rotated by field_k(y): e_ρ[j] = e_u[(j − y_k) mod M], and by the binomial theorem
 *   hot_0 · λ̃^p = Σ_{q=0..p} C(p, q) · ỹ^(p−q) · rotate(e_u0 · ũ^q).
 * So party 0 shares per element V = [e_u for every field k] ++ [e_u0 · ũ^q for q = 1..powers]
 * between parties 1 and 2 only, as point functions: per field one DPF tree at point field_k(u)
 * with payload 1 (field 0: also ũ^1..ũ^powers), party 1's root from the stream it shares with
 * party 0, party 2's from the stream with party 0, and the keys' public part sent to both.
 * Party 1's share of V is its evaluation Y_0, party 2's is −Y_1 (Y_0 − Y_1 = V). Parties 1 and 2
 * rotate their blocks by field_k(y) per element (two typed-array copies per row) and combine the
 * powers with ỹ; party 0's share of every vector is 0. Every hot and pow output then gets a fresh zero-sharing
 * (ItemPrgs.rerandomizer): without it party 1 would know party 0's shares (0) and party 0 would
 * know party 1's up to a rotation (see test/hm/lut-knowledge.test.ts for both attacks).
 * Rounds: 1 (party 0 → parties 1 and 2; party 0 never waits).
 * Bytes: len·lutKeyBytes(spec) = len·Σ_k (17·(bits_k − ν_k) + 8·P_k·2^ν_k), ν_k = min(2, bits_k),
 * P_0 = 1 + powers, P_k = 1, on each of the links 0 → 1 and 0 → 2, nothing elsewhere (298 B per
 * element and link for the sigmoid's two 7-bit fields with powers 2; the masked one-hot this
 * replaced sent 8·(Σ_k 2^bits_k + powers·2^bits_0) = 4,096 B on the link 0 → 1). The messages go
 * in chunks of at most LUT_CHUNK_WORDS output words (kinds `<kind>/0`, `<kind>/1`, ...), all sent at once.
 * Security: semi-honest, no two parties collude. Parties 1 and 2 each see one DPF key, which is
 * pseudorandom whatever the point and payloads (dpf.ts); party 0 receives nothing; party 0 never
 * learns y and parties 1, 2 never learn u, so R, every ρ_k and λ̃ are uniform to each single
 * party; party i's output shares carry PRG(k_{i,i+1}) − PRG(k_{i−1,i}), and each other party
 * lacks one of those two keys.
 * Input: a checked spec (checkLutSpec, src/session/preprocessing.ts). Output: exactly the LutMask contract.
 */
import { ConcordError } from '../../../src/errors.js';
import { Ring } from '../../../src/ring/ring.js';
import * as W from '../../../src/ring/wasm.js';
import type { Session } from '../../../src/session/session.js';
import type { LutMask, LutSpec } from '../../../src/session/preprocessing.js';
import type { ItemPrgs } from './replicated.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { dpfEvalAll, dpfGen, dpfKeyBytes } from './dpf.js';

/** Most 64-bit words per message (32 MiB): bounds each party's temporaries, not the output. */
export const LUT_CHUNK_WORDS = 1 << 22;

/** One block of V per element: `width` entries, rotated by field `field` of y. */
interface Block {
  width: number;
  field: number;
}

/** The blocks of V: one one-hot per field, then field 0's one-hot times ũ^q for q = 1..powers. */
function blocksOf(spec: LutSpec): Block[] {
  const hot = spec.fields.map((f, k) => ({ width: 2 ** f.bits, field: k }));
  return [...hot, ...Array.from({ length: spec.powers }, () => hot[0]!)];
}

/** Words per element in V (and in the outputs): Σ_k 2^bits_k + powers·2^bits_0. */
export function lutWords(spec: LutSpec): number {
  return blocksOf(spec).reduce((a, b) => a + b.width, 0);
}

/** Bytes on each of the links 0 → 1 and 0 → 2 for `len` lookup masks (the only traffic). */
export function lutMaskBytes(len: number, spec: LutSpec): number {
  return len * lutKeyBytes(spec);
}

/** The low 32-bit word of every element (little-endian), for values below 2^32: no BigInt per element. */
function smallValues(r: Ring): Uint32Array {
  const w = new Uint32Array(r.data.buffer, r.data.byteOffset, r.size * 2);
  const out = new Uint32Array(r.size);
  for (let i = 0; i < out.length; i++) out[i] = w[2 * i]!;
  return out;
}

/** field(v) = ⌊v / 2^at⌋ mod 2^bits of every element. */
function fieldOf(v: Ring, at: number, bits: number): Uint32Array {
  return smallValues(v.shr(at).and(Ring.fill(v.shape, (1n << BigInt(bits)) - 1n)));
}

/** The powers 0..powers of ⌊(v mod 2^at) / 2^shift⌋ (ũ^q at party 0, ỹ^q at parties 1 and 2). */
function lowPowers(v: Ring, at: number, shift: number, powers: number): Ring[] {
  const low = v.and(Ring.fill(v.shape, (1n << BigInt(at)) - 1n)).shr(shift);
  const out = [Ring.fill(v.shape, 1n), low];
  for (let q = 2; q <= powers; q++) out.push(out[q - 1]!.mul(low));
  return out;
}

/** Binomial coefficient C(p, q) for p ≤ 3. */
const binom = (p: number, q: number): bigint => BigInt([[1], [1, 1], [1, 2, 1], [1, 3, 3, 1]][p]![q]!);

/**
 * `len` lookup masks for a checked spec. The message goes under (tag, `${kind}/${chunk}`).
 * `chunkWords` (tests only) lowers the chunk size.
 */
export async function lutMask(s: Session, p: ItemPrgs, len: number, spec: LutSpec, tag: number, kind: string, chunkWords = LUT_CHUNK_WORDS): Promise<LutMask> {
  const blocks = blocksOf(spec), T = lutWords(spec), K = spec.fields.length;
  const trees = treesOf(spec);
  const f0 = spec.fields[0]!;
  const w = p.pieces([len]);
  const outs = blocks.map((b) => new Ring([len, b.width]));
  const per = Math.max(1, Math.floor(chunkWords / T));
  // party 0 knows u = r_0 + r_1; parties 1 and 2 know y = r_2 (party 1: other, party 2: mine)
  const known = s.me === 0 ? w.mine.add(w.other) : s.me === 1 ? w.other : w.mine;
  const fields = spec.fields.map((f) => fieldOf(known, f.at, f.bits));
  const pows = lowPowers(known, f0.at, spec.shift, spec.powers);
  for (let a = 0, chunk = 0; a < len; a += per, chunk++) {
    const cnt = Math.min(per, len - a);
    const name = `${kind}/${chunk}`;
    let share: Ring | undefined; // party 0's share of V is 0
    if (s.me === 0) {
      // the DPF roots: party 1's from the stream with party 1, party 2's from the stream with party 2
      const roots1 = p.next.bytes(16 * K * cnt), roots2 = p.prev.bytes(16 * K * cnt);
      const pub = concatBytes(...trees.map((tr, k) => {
        const betas = [Ring.fill([cnt], 1n).data, ...(k === 0 ? pows.slice(1, 1 + spec.powers).map((q) => q.data.subarray(a, a + cnt)) : [])];
        return dpfGen(rootsOf(roots1, k, cnt), rootsOf(roots2, k, cnt), fields[k]!.subarray(a, a + cnt), betas, tr.depth);
      }));
      s.sendBytes(1, tag, pub, name);
      s.sendBytes(2, tag, pub, name);
    } else {
      const roots = (s.me === 1 ? p.prev : p.next).bytes(16 * K * cnt);
      const pub = await s.recvBytes(0, tag, name);
      if (pub.length !== cnt * lutKeyBytes(spec)) {
        const e = new ConcordError('E_FRAME', `party ${s.ids[0]} sent ${pub.length} bytes for hm lookup masks ${name} (tag ${tag}), expected ${cnt * lutKeyBytes(spec)}; it is faulty or runs a different version`, { party: s.ids[0]! });
        s.abort(e);
        throw e;
      }
      // each tree's evaluations are V's blocks for its field ([element][entry]): the one-hot, then the powers
      const ys: BigUint64Array[][] = [];
      let off = 0;
      for (const [k, tr] of trees.entries()) {
        const n = cnt * dpfKeyBytes(tr.depth, tr.payloads);
        ys.push(dpfEvalAll(rootsOf(roots, k, cnt), s.me === 1 ? 0 : 1, pub.subarray(off, off + n), cnt, tr.depth, tr.payloads));
        off += n;
      }
      share = combinePowers(rotate([...ys.map((y) => y[0]!), ...ys[0]!.slice(1)], blocks, fields, a, cnt), blocks, pows, spec, K, a, cnt, T);
    }
    // output rows [a, a + cnt) of every block: share + a fresh zero-sharing (convert.ts: no party
    // may know another's share); party 0's share is 0 and party 2's is −(its rotated Y_1)
    const z = p.rerandomizer([cnt * T]).data;
    for (let b = 0, off = 0; b < blocks.length; off += cnt * blocks[b]!.width, b++) {
      const n = cnt * blocks[b]!.width, dst = outs[b]!.data.subarray(a * blocks[b]!.width, a * blocks[b]!.width + n), zb = z.subarray(off, off + n);
      if (!share) dst.set(zb);
      else if (s.me === 1) W.binary('add', share.data.subarray(off, off + n), zb, dst);
      else W.binary('sub', zb, share.data.subarray(off, off + n), dst);
    }
  }
  return { r: w.mine, hot: outs.slice(0, K), pow: outs.slice(K) };
}

/** One DPF tree per field: its depth, and its payloads (1, then ũ^1..ũ^powers for field 0). */
function treesOf(spec: LutSpec): Array<{ depth: number; payloads: number }> {
  return spec.fields.map((f, k) => ({ depth: f.bits, payloads: k === 0 ? 1 + spec.powers : 1 }));
}

/** Public DPF bytes per element (what party 0 sends each of parties 1 and 2). */
export function lutKeyBytes(spec: LutSpec): number {
  return treesOf(spec).reduce((acc, t) => acc + dpfKeyBytes(t.depth, t.payloads), 0);
}

/** Tree k's roots of a chunk of cnt elements (16 bytes each, tree-major). */
function rootsOf(roots: Uint8Array, k: number, cnt: number): Uint8Array {
  return roots.subarray(16 * k * cnt, 16 * (k + 1) * cnt);
}

/** Parties 1, 2: every row of every block rotated right by field_k(y) of its element (two copies per row), into one block-major array. */
function rotate(src: BigUint64Array[], blocks: Block[], fields: Uint32Array[], a: number, cnt: number): BigUint64Array {
  const dst = new BigUint64Array(src.reduce((n, b) => n + b.length, 0));
  let off = 0;
  for (const [b, block] of blocks.entries()) {
    const M = block.width, by = fields[block.field]!, from = src[b]!;
    for (let i = 0, row = 0; i < cnt; i++, row += M) {
      const sh = by[a + i]!;
      dst.set(from.subarray(row, row + M - sh), off + row + sh);
      if (sh > 0) dst.set(from.subarray(row + M - sh, row + M), off + row);
    }
    off += cnt * M;
  }
  return dst;
}

/**
 * Parties 1, 2: replace the rotated power blocks rot(e_u0·ũ^q) by hot_0·λ̃^p =
 * Σ_{q ≤ p} C(p, q)·ỹ^(p−q)·rot(e_u0·ũ^q) (rot(e_u0) = hot_0), from p = powers down so every
 * term still reads unreplaced blocks. ỹ^j is broadcast along the row by a k = 1 matmul.
 */
function combinePowers(rot: BigUint64Array, blocks: Block[], pows: Ring[], spec: LutSpec, K: number, a: number, cnt: number, T: number): Ring {
  const all = new Ring([cnt * T], rot);
  if (spec.powers === 0) return all;
  const M = blocks[0]!.width;
  const start = (b: number): number => blocks.slice(0, b).reduce((x, bl) => x + cnt * bl.width, 0);
  const blockOf = (q: number): number => (q === 0 ? 0 : K + q - 1); // rot(e_u0·ũ^q)
  const blockAt = (q: number): Ring => new Ring([cnt, M], rot.subarray(start(blockOf(q)), start(blockOf(q)) + cnt * M));
  const ones = Ring.fill([1, M], 1n);
  const wide = pows.map((y, j) => (j === 0 ? ones : y.slice(a, a + cnt).reshape([cnt, 1]).matmul(ones))); // ỹ^j along each row (j ≥ 1)
  for (let pw = spec.powers; pw >= 1; pw--) {
    let acc = blockAt(pw);
    for (let q = 0; q < pw; q++) acc = acc.add(wide[pw - q]!.scale(binom(pw, q)).mul(blockAt(q)));
    rot.set(acc.data, start(blockOf(pw)));
  }
  return all;
}
