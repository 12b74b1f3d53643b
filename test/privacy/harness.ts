import { randomUUID } from 'node:crypto';
import { Ring, type Shape } from '../../src/ring/ring.js';
import type { Message, Transport } from '../../src/net/transport.js';
import type { Session } from '../../src/session/session.js';
import type { DaBits, EdaBits, LutMask, LutSpec, MaskShare, MaskedTriple, MaskUse, Preprocessing, Triple, TruncPair } from '../../src/session/preprocessing.js';
import { createOtPreprocessing } from '../../protocols/offline/ot/preprocessing.js';
import { createHmPreprocessing } from '../../protocols/offline/hm/preprocessing.js';
import type { HmLeak } from '../../protocols/offline/hm/replicated.js';
import { memoryDealer } from '../helpers/dealer.js';
import { memorySessions, testSeed } from '../helpers/parties.js';

/**
 * Privacy (view) test harness, issue 15. A party's VIEW is every message it receives plus the
 * values it reconstructs from them (each opening: its own share + the received shares, both
 * additively and by XOR). A protocol is private if the view's distribution does not depend on the
 * other parties' secrets (beyond declared outputs). We check that with statistics that have power
 * against the leaks that matter, on views collected with FRESH randomness in every run (fresh
 * pairwise keys, dealer seeds, OT seeds):
 *
 *  - per message and per bit position, the frequency of ones with the others' secrets all zero vs
 *    random: a two-proportion z-score (a mask with too few random bits, or an opening without its
 *    mask, shows up as bit positions that follow the secret);
 *  - per message and bit position, the agreement of the view's bit with the same bit of each other
 *    party's secret (word i of the message with word i mod len of the secret): a z-score against 1/2.
 *
 * The largest |z| over all messages and positions must stay below Z_LIMIT; a leaky variant of the
 * real protocol (LeakyPrep below, or a source mutation in scripts/privacy-mutants.mjs) must exceed it.
 */

export type Mode = 'dealer' | 'ot' | 'hm';
/** The preprocessing modes every view test runs in. */
export const MODES: readonly Mode[] = ['dealer', 'ot', 'hm'];

/**
 * Leaky test-only variants of the real preprocessing, still CORRECT (every item stays a valid
 * correlation): 'fewBits' shifts the random operand of every triple/mask left by 40 bits (only 24
 * random bits left, low bits zero), 'zero' makes every item zero (each opening is unmasked).
 * Tests only: never reachable from the CLI.
 */
export type Leak = 'none' | 'fewBits' | 'zero' | HmSourceLeak;
/** hm's own test-only leaky variants (protocols/offline/hm/replicated.ts), run through this harness. */
export type HmSourceLeak = 'hm:short-mask';

/** |z| beyond which a view is declared leaky: p ≈ 1e-10 per test, a false alarm essentially never. */
export const Z_LIMIT = 6.5;

const SHIFT = 40;
const LOW24 = (1n << 24n) - 1n;

/** A Preprocessing that hands out the inner one's items made leaky (see Leak). */
class LeakyPrep implements Preprocessing {
  readonly mode: string;
  readonly trust = 'LEAKY TEST VARIANT';
  /** Present exactly when the inner mode has it (a mode without lookup masks stays without). */
  readonly lutMask?: (tag: number, len: number, spec: LutSpec) => Promise<LutMask>;
  constructor(private readonly inner: Preprocessing, private readonly leak: 'fewBits' | 'zero') {
    this.mode = `${inner.mode}+leaky-${leak}`;
    if (inner.lutMask) this.lutMask = (tag, len, spec) => this.zeroLut(inner.lutMask!.bind(inner)(tag, len, spec));
  }
  /**
   * Lookup masks for R = 0 (both variants: the opening shows x + L in clear), still correct: each
   * one-hot becomes the one-hot of index 0, shared as this party's share of Σ_j hot[j] = 1 put at
   * index 0 (linear, so no party needs to know who it is); λ = 0, so every power is 0.
   */
  private async zeroLut(p: Promise<LutMask>): Promise<LutMask> {
    const m = await p;
    const atZero = (h: Ring): Ring => {
      const [len, w] = h.shape as [number, number];
      const sums = h.sum(1);
      const out = new Ring([len, w]);
      for (let i = 0; i < len; i++) out.data[i * w] = sums.data[i]!;
      return out;
    };
    return { r: this.z(m.r), hot: m.hot.map(atZero), pow: m.pow.map((q) => this.z(q)) };
  }
  private z(r: Ring): Ring {
    return Ring.zeros(r.shape);
  }
  async triple(tag: number, shape: Shape): Promise<Triple> {
    const t = await this.inner.triple(tag, shape);
    if (this.leak === 'zero') return { a: this.z(t.a), b: this.z(t.b), c: this.z(t.c) };
    return { a: t.a.shl(SHIFT), b: t.b, c: t.c.shl(SHIFT) }; // (2^40·a)·b = 2^40·c
  }
  async matrixTriple(tag: number, n: number, k: number, m: number): Promise<Triple> {
    const t = await this.inner.matrixTriple(tag, n, k, m);
    if (this.leak === 'zero') return { a: this.z(t.a), b: this.z(t.b), c: this.z(t.c) };
    return { a: t.a.shl(SHIFT), b: t.b, c: t.c.shl(SHIFT) };
  }
  async truncPair(tag: number, shape: Shape, f: number): Promise<TruncPair> {
    const p = await this.inner.truncPair(tag, shape, f);
    return { r: this.z(p.r), rLowShifted: this.z(p.rLowShifted), rTop: this.z(p.rTop) };
  }
  async bitTriple(tag: number, shape: Shape): Promise<Triple> {
    const t = await this.inner.bitTriple(tag, shape);
    if (this.leak === 'zero') return { a: this.z(t.a), b: this.z(t.b), c: this.z(t.c) };
    const m = Ring.fill(t.a.shape, LOW24); // (a ∧ m) ∧ b = (a ∧ b) ∧ m, XOR-linear
    return { a: t.a.and(m), b: t.b, c: t.c.and(m) };
  }
  async daBits(tag: number, shape: Shape): Promise<DaBits> {
    const d = await this.inner.daBits(tag, shape);
    return { arith: this.z(d.arith), bin: this.z(d.bin) };
  }
  async edaBits(tag: number, shape: Shape, bits?: number): Promise<EdaBits> {
    const d = await this.inner.edaBits(tag, shape, bits);
    if (this.leak === 'zero') return { arith: this.z(d.arith), bin: this.z(d.bin) };
    // r << 40 (24 random bits left), shifted the same way in both sharings: still a valid edaBit of a non-uniform r.
    return { arith: d.arith.shl(SHIFT), bin: d.bin.shl(SHIFT) };
  }
  async matrixMask(tag: number, shape: Shape): Promise<MaskShare> {
    const a = await this.inner.matrixMask(tag, shape);
    return { shape: a.shape, rows: (start, end) => (this.leak === 'zero' ? this.z(a.rows(start, end)) : a.rows(start, end).shl(SHIFT)) };
  }
  async maskedTriple(maskTag: number, tag: number, use: MaskUse): Promise<MaskedTriple> {
    const t = await this.inner.maskedTriple(maskTag, tag, use);
    if (this.leak === 'zero') return { ...t, b: this.z(t.b), c: this.z(t.c) };
    return { ...t, c: t.c.shl(SHIFT) }; // C = op(A)·B with A shifted
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** n in-memory sessions in `mode`, every key and seed fresh (random label). */
export function freshSessions(mode: Mode, n: number, leak: Leak): Session[] {
  const label = `privacy/${randomUUID()}`;
  let ss: Session[];
  if (mode === 'dealer') {
    const { preps } = memoryDealer(n, label, { predict: false });
    ss = memorySessions(n, { seed: label, prep: (me) => preps[me]! });
  } else if (mode === 'ot') {
    ss = memorySessions(n, { seed: label });
    for (const s of ss) s.prep = createOtPreprocessing(s, { seed: testSeed(`${label}/${s.me}`), prefetch: false });
  } else {
    ss = memorySessions(n, { seed: label }); // hm seeds come from the (fresh) pairwise keys
    const hmLeak = leak.startsWith('hm:') ? { leak: leak.slice(3) as HmLeak } : {};
    for (const s of ss) s.prep = createHmPreprocessing(s, { prefetch: false, ...hmLeak });
  }
  if (leak === 'fewBits' || leak === 'zero') for (const s of ss) s.prep = new LeakyPrep(s.prep, leak);
  return ss;
}

/** One view: named pieces of 64-bit words (or bytes), in a deterministic order. */
export type View = Map<string, { words: Uint32Array; bits: 64 | 8 }>;

const asWords = (r: Ring): Uint32Array => new Uint32Array(r.data.buffer.slice(r.data.byteOffset, r.data.byteOffset + r.data.byteLength));

/** A body run by every party: `secrets[p]` is party p's secret input (only p passes it). */
export type Body = (s: Session, secret: (owner: number) => Ring | undefined) => Promise<unknown>;

/**
 * Run `body` on n fresh parties in `mode` and return what `observer` sees. `secrets[p]` is party
 * p's private input (the observer's own is fixed by the caller).
 */
export async function collectView(o: { mode: Mode; n?: number; observer?: number; secrets: (Ring | undefined)[]; body: Body; leak?: Leak }): Promise<View> {
  const n = o.n ?? 3;
  const obs = o.observer ?? 0;
  const ss = freshSessions(o.mode, n, o.leak ?? 'none');
  const received = new Map<string, Message>();
  const sent = new Map<string, Ring>();
  for (const s of ss) {
    const t = (s as unknown as { transport: Transport }).transport;
    const send = t.send.bind(t);
    t.send = (peer: number, msg: Message) => {
      if (peer === obs && s.me !== obs) received.set(`${s.me}|${msg.tag}|${msg.kind}`, { tag: msg.tag, kind: msg.kind, ...(msg.ring ? { ring: new Ring(msg.ring.shape, msg.ring.data.slice()) } : {}), ...(msg.bytes ? { bytes: msg.bytes.slice() } : {}) });
      if (s.me === obs && msg.ring) sent.set(`${msg.tag}|${msg.kind}`, new Ring(msg.ring.shape, msg.ring.data.slice()));
      send(peer, msg);
    };
  }
  try {
    await Promise.all(ss.map((s) => o.body(s, (owner) => (s.me === owner ? o.secrets[owner] : undefined))));
  } finally {
    await Promise.all(ss.map((s) => s.close()));
  }
  const view: View = new Map();
  const keys = [...received.keys()].sort();
  for (const k of keys) {
    const m = received.get(k)!;
    if (m.ring) view.set(`recv ${k}`, { words: asWords(m.ring), bits: 64 });
    else if (m.bytes) view.set(`recv ${k}`, { words: Uint32Array.from(m.bytes), bits: 8 });
  }
  // Openings: my share plus every peer's share of the same (tag, kind), additively and by XOR.
  for (const [k, mine] of sent) {
    const parts = ss.filter((s) => s.me !== obs).map((s) => received.get(`${s.me}|${k}`)?.ring);
    if (parts.some((p) => !p || p.size !== mine.size)) continue;
    let add = mine;
    let xor = mine;
    for (const p of parts) {
      add = add.add(p!.reshape(mine.shape));
      xor = xor.xor(p!.reshape(mine.shape));
    }
    view.set(`open+ ${k}`, { words: asWords(add), bits: 64 });
    view.set(`open^ ${k}`, { words: asWords(xor), bits: 64 });
  }
  return view;
}

/** Pool views of several runs (same protocol, so the same pieces) into one. */
export function poolViews(vs: View[]): View {
  const out: View = new Map();
  for (const [k, first] of vs[0]!) {
    const parts = vs.map((v) => v.get(k)).filter((p): p is NonNullable<typeof p> => p !== undefined);
    if (parts.length !== vs.length) continue;
    const words = new Uint32Array(parts.reduce((a, p) => a + p.words.length, 0));
    let off = 0;
    for (const p of parts) {
      words.set(p.words, off);
      off += p.words.length;
    }
    out.set(k, { words, bits: first.bits });
  }
  return out;
}

/** Ones per bit position (64-bit words as pairs of u32, little-endian) and the number of words. */
function bitOnes(p: { words: Uint32Array; bits: 64 | 8 }): { ones: Float64Array; n: number } {
  const ones = new Float64Array(p.bits);
  const step = p.bits === 64 ? 2 : 1;
  for (let i = 0; i < p.words.length; i += step) {
    for (let half = 0; half < step; half++) {
      let w = p.words[i + half]!;
      const base = half * 32;
      for (let b = 0; w !== 0 && b < 32; b++, w >>>= 1) if (w & 1) ones[base + b]!++;
    }
  }
  return { ones, n: p.words.length / step };
}

/** Largest two-proportion |z| over every piece and bit position between two views (and where). */
export function bitFrequencyZ(a: View, b: View): { z: number; where: string } {
  let best = { z: 0, where: '' };
  for (const [k, pa] of a) {
    const pb = b.get(k);
    if (!pb || pb.bits !== pa.bits) continue;
    const A = bitOnes(pa), B = bitOnes(pb);
    if (A.n < 16 || B.n < 16) continue;
    for (let i = 0; i < pa.bits; i++) {
      const p1 = A.ones[i]! / A.n, p2 = B.ones[i]! / B.n;
      const p = (A.ones[i]! + B.ones[i]!) / (A.n + B.n);
      const se = Math.sqrt(p * (1 - p) * (1 / A.n + 1 / B.n));
      const z = se > 0 ? Math.abs(p1 - p2) / se : 0;
      if (z > best.z) best = { z, where: `${k} bit ${i}` };
    }
  }
  return best;
}

/**
 * Largest |z| of the agreement between bit i of word j of a view piece and bit i of word
 * (j mod len) of a secret, over every piece, bit and secret (64-bit pieces only).
 */
export function inputCorrelationZ(v: View, secrets: Ring[]): { z: number; where: string } {
  let best = { z: 0, where: '' };
  for (const [k, p] of v) {
    if (p.bits !== 64) continue;
    const words = p.words.length / 2;
    if (words < 16) continue;
    for (const [si, sec] of secrets.entries()) {
      const sw = asWords(sec);
      const len = sw.length / 2;
      const agree = new Float64Array(64);
      for (let j = 0; j < words; j++) {
        const s = (j % len) * 2;
        for (let half = 0; half < 2; half++) {
          let x = ~(p.words[2 * j + half]! ^ sw[s + half]!) >>> 0;
          for (let b = 0; x !== 0 && b < 32; b++, x >>>= 1) if (x & 1) agree[half * 32 + b]!++;
        }
      }
      for (let i = 0; i < 64; i++) {
        const z = Math.abs(agree[i]! - words / 2) / Math.sqrt(words / 4);
        if (z > best.z) best = { z, where: `${k} bit ${i} vs secret ${si}` };
      }
    }
  }
  return best;
}

/** Random ring tensor with entries uniform in [−2^(bits−1), 2^(bits−1)) (two's complement), from Math.random (fresh per run). */
export function randomSigned(shape: Shape, bits: number): Ring {
  const r = new Ring(shape);
  const span = 1n << BigInt(bits);
  const half = span >> 1n;
  for (let i = 0; i < r.size; i++) {
    const u = (BigInt(Math.floor(Math.random() * 2 ** 26)) << 26n) | BigInt(Math.floor(Math.random() * 2 ** 26));
    const v = (u << 12n | BigInt(Math.floor(Math.random() * 4096))) % span;
    r.data[i] = BigInt.asUintN(64, v - half);
  }
  return r;
}

/** Result of one privacy check: the two statistics, for the real protocol or a leaky variant. */
export interface ViewVerdict {
  frequency: { z: number; where: string };
  correlation: { z: number; where: string };
  max: number;
}

/**
 * The standard check: `runs` views with the other parties' secrets all zero and `runs` with fresh
 * random secrets (from `draw`), each run with fresh randomness; both statistics.
 */
export async function checkView(o: { mode: Mode; body: Body; shapes: Shape[]; draw: (shape: Shape) => Ring; observerInput?: Ring; runs?: number; leak?: Leak; n?: number }): Promise<ViewVerdict> {
  const n = o.n ?? 3;
  const runs = o.runs ?? 2;
  const zeroViews: View[] = [];
  const randViews: View[] = [];
  const drawn: Ring[][] = [];
  for (let r = 0; r < runs; r++) {
    const zero = Array.from({ length: n }, (_, p) => (p === 0 ? o.observerInput ?? o.draw(o.shapes[0]!) : Ring.zeros(o.shapes[p] ?? o.shapes[0]!)));
    const rand = Array.from({ length: n }, (_, p) => (p === 0 ? zero[0]! : o.draw(o.shapes[p] ?? o.shapes[0]!)));
    zeroViews.push(await collectView({ mode: o.mode, n, secrets: zero, body: o.body, leak: o.leak ?? 'none' }));
    randViews.push(await collectView({ mode: o.mode, n, secrets: rand, body: o.body, leak: o.leak ?? 'none' }));
    drawn.push(rand.slice(1));
  }
  const frequency = bitFrequencyZ(poolViews(zeroViews), poolViews(randViews));
  // correlation: per run (the secrets differ between runs), the worst over runs
  let correlation = { z: 0, where: '' };
  for (let r = 0; r < runs; r++) {
    const c = inputCorrelationZ(randViews[r]!, drawn[r]!);
    if (c.z > correlation.z) correlation = c;
  }
  return { frequency, correlation, max: Math.max(frequency.z, correlation.z) };
}

/**
 * Largest |z| of per-POSITION bit frequencies between two sets of runs: word w, bit i of a piece,
 * counted over the runs. For deterministic leaks (the same secret in every run, e.g. a party's
 * own sums), where pooling all positions of a piece would average the signal away.
 */
export function positionalFrequencyZ(a: View[], b: View[]): { z: number; where: string } {
  let best = { z: 0, where: '' };
  for (const [k, first] of a[0]!) {
    const bitsPerWord = first.bits === 64 ? 32 : 8; // 64-bit words are pairs of u32; bytes are one u32 each
    const pa = a.map((v) => v.get(k)), pb = b.map((v) => v.get(k));
    if (pa.some((p) => !p || p.words.length !== first.words.length) || pb.some((p) => !p || p.words.length !== first.words.length)) continue;
    for (let w = 0; w < first.words.length; w++) {
      for (let bit = 0; bit < bitsPerWord; bit++) {
        const ones = (ps: typeof pa) => ps.reduce((acc, p) => acc + ((p!.words[w]! >>> bit) & 1), 0);
        const oa = ones(pa), ob = ones(pb);
        const p = (oa + ob) / (a.length + b.length);
        const se = Math.sqrt(p * (1 - p) * (1 / a.length + 1 / b.length));
        const z = se > 0 ? Math.abs(oa / a.length - ob / b.length) / se : 0;
        if (z > best.z) best = { z, where: first.bits === 64 ? `${k} word ${w >> 1} bit ${(w & 1) * 32 + bit}` : `${k} byte ${w} bit ${bit}` };
      }
    }
  }
  return best;
}
