import { randomBytes } from 'node:crypto';
import { onRecv, onRecvBytes, onSend } from './spy.js';
import { MemoryTransport } from '../../src/net/memory.js';
import { Prg } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import { Session } from '../../src/session/session.js';
import type { Pieces, HmLeak } from '../../protocols/offline/hm/replicated.js';
import { createHmPreprocessing } from '../../protocols/offline/hm/preprocessing.js';
import { input } from '../../protocols/arithmetic/input.js';
import { mul } from '../../protocols/arithmetic/mul.js';
import { trunc } from '../../protocols/arithmetic/trunc.js';
import { open } from '../../protocols/arithmetic/open.js';
import { and } from '../../protocols/binary/and.js';
import { openBinary } from '../../protocols/binary/open.js';

/**
 * View of party 1 in hm preprocessing plus an online protocol (test/hm/view.test.ts; reusable by
 * privacy mutation scripts: pass a leak to hmViewDistance).
 *
 * Protocol: party 0 inputs x, party 1 inputs y, party 2 inputs v; z = mul(x, y); t = trunc(z)
 * (one batch of truncation pairs: hm's AND layers and its conversion message); mul(t, v); then
 * party 1 inputs w = 0 and u = mul(x, w) is opened; then the same with XOR shares and and(). All
 * randomness is fresh per run (pair keys from the OS). Party 1's view = every tensor it receives
 * (by peer, tag, kind; byte messages as 64-bit words), every value it can open from those and
 * its own sent shares (sum and XOR), its pieces of every item, and what a curious party 1
 * computes:
 *   x̂: party 2's product share z_2 (party 2's trunc opening minus its mask share, which is 0
 *      as the pair is built before the zero-sharing) solved for party 0's share x'_0 of the
 *      replicated product (arithmetic/replicated-product.ts: z_2 = x'_2·(y'_2 + y'_0) + x'_0·y'_2
 *      + ρz_2, with x'_2, y'_2 passed to party 1 and y_0, y_2 party 1's own input shares), plus
 *      party 1's x_1 and the passed x'_2 — x exactly, without the zero-sharings, wherever y_2 is odd.
 *   x̂': the same through a product u = x·w with party 1's w = 0, opened (a declared output
 *      that shows nothing of x): party 2's share u_2 solved with w'_0 = −w'_1 − w'_2 gives x·w'_2
 *      — exact wherever w'_2 is odd if the product's output zero-sharing ρz is left out.
 *   x̂'': the same over bits through the replicated AND of XOR shares of x and of w = 0, opened:
 *      party 2's share gives x∧w'_2 if the AND's output zero-sharing is left out.
 * With the real protocol all three are noise (x'_2, y'_0, z_2, u_2 and v_2 carry the zero-sharings' masks). (Whether the converted shares are re-randomized is not
 * visible to party 1 here; test/hm/share-knowledge.test.ts shows what party 2 gains without.)
 */

export const N = 20_000;
const F = 16;

/** Features of one run: name → values (elements of the view). */
type View = Map<string, Ring>;

/**
 * Three in-memory hm sessions with fresh random pairwise keys (no prefetch, batches of `batch`);
 * `hook` sees every pair of pieces party `observer` draws. Shared by the hm view and attack tests.
 */
export function hmSessions(batch: number, leak: HmLeak | undefined, hook: (label: string, p: Pieces) => void, observer = 1, bytesHook?: (label: string, stream: 'prev' | 'next', bytes: Uint8Array) => void): Session[] {
  const ts = MemoryTransport.mesh(3);
  const ids = ['p0', 'p1', 'p2'];
  const keys = new Map<string, Uint8Array>();
  const key = (i: number, j: number): Uint8Array => {
    const k = `${Math.min(i, j)}/${Math.max(i, j)}`;
    if (!keys.has(k)) keys.set(k, new Uint8Array(randomBytes(16)));
    return keys.get(k)!;
  };
  return ts.map((t, me) => {
    const s = new Session({ transport: t, ids, pairKeys: ids.map((_, j) => (j === me ? undefined : key(me, j))) });
    s.prep = createHmPreprocessing(s, { prefetch: false, firstBatch: batch, maxBatch: batch, ...(leak ? { leak } : {}), ...(me === observer ? { onPieces: hook, ...(bytesHook ? { onStreamBytes: bytesHook } : {}) } : {}) });
    return s;
  });
}

/** Multiplicative inverse mod 2^64 of every element (meaningful for odd ones). Newton: y ← y·(2 − d·y). */
function inverse(d: Ring): Ring {
  let y = d.clone();
  for (let i = 0; i < 6; i++) y = y.mul(Ring.fill(d.shape, 2n).sub(d.mul(y)));
  return y;
}

/** Bytes as the little-endian 64-bit words they fill (zero-padded). */
function bytesAsRing(b: Uint8Array): Ring {
  const r = new Ring([Math.ceil(b.length / 8)]);
  new Uint8Array(r.data.buffer, r.data.byteOffset, r.size * 8).set(b);
  return r;
}

/** Uniform integers in [−2^bits, 2^bits) from the OS. */
function randomSigned(count: number, bits: number): Ring {
  const r = new Prg(new Uint8Array(randomBytes(16))).ring([count]);
  return r.shr(63 - bits).addScalar(-(1n << BigInt(bits)) & ((1n << 64n) - 1n));
}

/** Party 1's view of one run with party 0's secret input x. */
export async function viewOfParty1(x: Ring, leak?: HmLeak): Promise<View> {
  const pieces = new Map<string, Pieces[]>();
  const ss = hmSessions(N, leak, (label, p) => { pieces.set(label, [...(pieces.get(label) ?? []), p]); });
  const s1 = ss[1]!;
  const view: View = new Map();
  const received = new Map<string, Ring[]>();
  const sent = new Map<string, Ring>();
  onRecv(s1, (r, peer, tag, kind) => {
    view.set(`recv/${peer}/${tag}/${kind}`, r);
    received.set(`${tag}/${kind}`, [...(received.get(`${tag}/${kind}`) ?? []), r]);
  });
  // hm's packed conversion message (bitpack.ts), as the 64-bit words its bytes fill
  onRecvBytes(s1, (b, peer, tag, kind) => view.set(`recv/${peer}/${tag}/${kind}`, bytesAsRing(b)));
  onSend(s1, (ring, _peer, tag, kind) => sent.set(`${tag}/${kind}`, ring));
  const y = randomSigned(N, 10), v = randomSigned(N, 20);
  const tags: number[] = [];
  let x1 = Ring.zeros([N]);
  await Promise.all(ss.map(async (s) => {
    const xs = input(s, 0, [N], s.me === 0 ? x : undefined);
    if (s.me === 1) x1 = xs;
    const yTag = s.tag() + 1; // input takes the next tag
    const ys = input(s, 1, [N], s.me === 1 ? y : undefined);
    const vs = input(s, 2, [N], s.me === 2 ? v : undefined);
    // Each call below takes one tag when it starts (its scope's id, which also names its item).
    const base = s.tag();
    const [mulTag, truncTag] = [base + 1, base + 2];
    if (s.me === 1) tags.push(yTag, mulTag, truncTag);
    const z = await mul(s, xs, ys);
    const t = await trunc(s, z, F);
    await mul(s, t, vs);
    // u = x·w with party 1's w = 0, opened: a declared output (0) that says nothing of x
    const ws = input(s, 1, [N], s.me === 1 ? Ring.zeros([N]) : undefined);
    const next = s.tag();
    if (s.me === 1) tags.push(next + 1, next + 2);
    await open(s, await mul(s, xs, ws));
    // the same over bits: XOR shares of x (party 0) and of w = 0 (party 1), v = x ∧ w opened
    const tx = s.tag(), tw = s.tag();
    const xb = s.me === 0 ? x.xor(s.pairPrg(1, tx).ring([N])).xor(s.pairPrg(2, tx).ring([N])) : s.pairPrg(0, tx).ring([N]);
    const wb = s.me === 1 ? s.pairPrg(0, tw).ring([N]).xor(s.pairPrg(2, tw).ring([N])) : s.pairPrg(1, tw).ring([N]);
    const last = s.tag();
    if (s.me === 1) tags.push(last + 1, last + 2);
    return openBinary(s, await and(s, xb, wb));
  }));
  const [yTag, mulTag, truncTag, uTag, openTag, andTag, openBTag] = tags as [number, number, number, number, number, number, number];
  // values party 1 can open: its own share plus what it received, as sums and as XORs
  for (const [k, own] of sent) {
    const rs = received.get(k) ?? [];
    view.set(`open+/${k}`, rs.reduce((a, r) => a.add(r.reshape(own.shape)), own));
    view.set(`open^/${k}`, rs.reduce((a, r) => a.xor(r.reshape(own.shape)), own));
  }
  for (const [label, ps] of pieces) ps.forEach((p, i) => { view.set(`piece/${label}/${i}/mine`, p.mine); view.set(`piece/${label}/${i}/other`, p.other); });

  // the curious party: party 2's product share from its trunc opening, solved for x'_0
  const passed = view.get(`recv/2/${mulTag}/ls0p`)!;
  const x2 = passed.slice(0, N), y2 = passed.slice(N, 2 * N);
  const y0 = s1.pairPrg(0, yTag).ring([N]);
  const z2 = view.get(`recv/2/${truncTag}/ls0`)!;
  const x0 = z2.sub(x2.mul(y2.add(y0))).mul(inverse(y2));
  view.set('curious/x-estimate', x0.add(x1).add(x2));
  // ... and from the opened u = x·0: party 2's share u_2 = x'_2·(w'_2 + w'_0) + x'_0·w'_2 + ρz_2,
  // with w'_0 = −w'_1 − w'_2 and x'_0 = x − x'_1 − x'_2, gives x·w'_2 unless ρz_2 hides it
  const pu = view.get(`recv/2/${uTag}/ls0p`)!, mine = sent.get(`${uTag}/ls0p`)!;
  const [xu2, wu2, xu1, wu1] = [pu.slice(0, N), pu.slice(N, 2 * N), mine.slice(0, N), mine.slice(N, 2 * N)];
  const u2 = view.get(`recv/2/${openTag}/ls0`)!;
  view.set('curious/x-from-opened-product', u2.add(xu2.mul(wu1)).add(xu1.mul(wu2)).add(xu2.mul(wu2)).mul(inverse(wu2)));
  // ... and over bits: v_2 = x'_2∧(w'_2 ⊕ w'_0) ⊕ x'_0∧w'_2 with w'_0 = w'_1 ⊕ w'_2 gives x∧w'_2
  const pb = view.get(`recv/2/${andTag}/ls0p`)!, mb = sent.get(`${andTag}/ls0p`)!;
  const [xb2, wb2, xb1, wb1] = [pb.slice(0, N), pb.slice(N, 2 * N), mb.slice(0, N), mb.slice(N, 2 * N)];
  const v2 = view.get(`recv/2/${openBTag}/ls0`)!;
  view.set('curious/x-from-opened-and', v2.xor(xb2.and(wb1)).xor(xb1.xor(xb2).and(wb2)));
  await Promise.all(ss.map((s) => s.close()));
  return view;
}

/** Ones per bit position (64 counts) over the elements of a tensor. */
function bitCounts(r: Ring): Float64Array {
  const out = new Float64Array(64);
  const w = new Uint32Array(r.data.buffer, r.data.byteOffset, r.size * 2);
  for (let i = 0; i < w.length; i += 2) {
    let lo = w[i]!, hi = w[i + 1]!;
    for (let k = 0; lo !== 0; k++, lo >>>= 1) out[k]! += lo & 1;
    for (let k = 32; hi !== 0; k++, hi >>>= 1) out[k]! += hi & 1;
  }
  return out;
}

/** Largest two-proportion z statistic over every feature and bit position between two views, and where. */
export function viewDistance(va: View, vb: View): { z: number; at: string; tests: number } {
  let best = { z: 0, at: '' };
  let tests = 0;
  for (const [name, ra] of va) {
    const rb = vb.get(name);
    if (!rb || rb.size !== ra.size) throw new Error(`view feature ${name} missing or of another size in the second run`);
    const ca = bitCounts(ra), cb = bitCounts(rb), n = ra.size;
    for (let k = 0; k < 64; k++) {
      tests++;
      const p = (ca[k]! + cb[k]!) / (2 * n);
      if (p === 0 || p === 1) continue;
      const z = Math.abs(ca[k]! - cb[k]!) / n / Math.sqrt((p * (1 - p) * 2) / n);
      if (z > best.z) best = { z, at: `${name} bit ${k}` };
    }
  }
  return { ...best, tests };
}

/**
 * Distance between party 1's views with party 0's input all zero and uniform in [−2^50, 2^50)
 * (fresh randomness in each run); a second pair of runs with the same input distribution gives
 * the noise level. `leak` selects a deliberately broken variant (HmLeak).
 */
export async function hmViewDistance(leak?: HmLeak): Promise<{ differentInputs: ReturnType<typeof viewDistance>; sameInputs: ReturnType<typeof viewDistance> }> {
  const zero = Ring.zeros([N]);
  const v0 = await viewOfParty1(zero, leak);
  const v1 = await viewOfParty1(randomSigned(N, 50), leak);
  const v2 = await viewOfParty1(zero, leak);
  return { differentInputs: viewDistance(v0, v1), sameInputs: viewDistance(v0, v2) };
}
