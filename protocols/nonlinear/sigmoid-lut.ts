import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import type { LutMask, LutSpec } from '../../src/session/preprocessing.js';
import { maskForTrunc, truncPairPrep } from '../arithmetic/trunc.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import type { Scope } from '../core/scope.js';

/**
 * Logistic sigmoid in 2 rounds by table lookup on a masked input. [one-hot lookup tables on an
 * opened x + R as in Dessouky et al., "Pushing the communication barrier in secure computation
 * using lookup tables", NDSS 2017, and Keller, Orsini, Rotaru, Scholl, Soria-Vazquez, Vivek, "Faster secure multi-party computation of AES and DES using lookup tables", ACNS 2017 (SPDZ-LUT);
 * here two bit windows of R are read, and the truncation is fused into the selection product]
 *
 * Round 1 — with a lookup mask (Preprocessing.lutMask: uniform R, two bit windows one-hot) open
 *   c = x + L + R  (L = 128 in real units, so x + L > 0 over the accepted range).
 * - Fine window (cells of h = 1/4, 128 of them: period 32): the read cell u = c_f − ρ_f (mod 128)
 *   satisfies x ≡ u·h + δ (mod 32) exactly, with δ = (c_lo − λ) / 2^inFrac ∈ (−2h, h): the
 *   borrow out of the low bits cancels. So σ(x) ≈ P_u(δ), a quadratic fitted on [−2h, h] around
 *   cell u, and with δ̃ = c̃ − λ̃ (14 fractional bits) every term of P_u(δ̃) is a public
 *   coefficient times a share the mask supplies: hot, hot·λ̃, hot·λ̃². So Y = P_u(δ̃) is local,
 *   at 40 fractional bits, and bounded whatever x is (|δ̃| < 2^13).
 * - Coarse window (cells of W = 2, 128 of them): the read cell v is the true cell plus 0..2 (the
 *   borrow, and a carry when R is summed from two parties' parts). Inner I = [v ∈ [59, 70]] means
 *   x ∈ [−14, 14), where the fine cells are unambiguous; high H = [v > 70] means x ≥ 10; below
 *   means x < −10. I and H are sums of one-hot shares: local.
 * Round 2 — σ ≈ H + I·trunc(Y). Open Y + r (a truncation pair) and I − a₁, I − a₂ (two triples
 * whose b-sides masked the pair's rLow>>s and rTop in round 1, a data-independent opening). Then
 * trunc(Y) is public terms plus a linear form in rLow>>s and rTop, and I times each of those is a
 * Beaver product whose two openings are already done: I·trunc(Y) is local. I ∈ {0, 1} makes it
 * exact, so Y's value when I = 0 never matters.
 *
 * Rounds: 2 at any n. Bytes to each peer: 48·len (24 per round). Preprocessing per element: R
 * with 4 × 128 one-hot words, a truncation pair, two triples.
 * Accuracy (f = 16, dense grid in test/nonlinear.test.ts): |error| ≤ 5e-4 for every accepted
 * input; the fit ≤ 2.7e-4, saturation beyond ±10 ≤ 4.6e-5, fixed point and truncation the rest.
 * Accepted input range: −128 < x < 124 in real units (beyond it the coarse window wraps and the
 * result is wrong). `inFrac` (f..55): fractional bits of the input, as in sigmoid.ts.
 * Security: c, Y + r and the Beaver openings are each masked by fresh uniform preprocessing.
 */
export async function* sigmoidLutStep(s: Scope, x: Ring, f: number, inFrac: number): Chain<Ring> {
  if (!s.prep.lutMask) throw new ConcordError('E_PREP', `sigmoid: method 'lookup' needs lookup masks, and offline mode ${s.prep.mode} has none; use method 'auto' or 'compare', or the dealer or hm mode`);
  if (!Number.isInteger(inFrac) || inFrac < f || inFrac > LUT_MAX_IN_FRAC) throw new ConcordError('E_RANGE', `sigmoid: input fractional bits ${inFrac} outside f..${LUT_MAX_IN_FRAC} for the lookup sigmoid`);
  const flat = x.reshape([x.size]);
  const len = flat.size;
  const g = geometry(inFrac);
  const sh = FQ(g) - f;
  const maskPre = prefetch(s.prep.lutMask(s.tag(), len, g.spec));
  const truncPre = truncPairPrep(s, len, sh); // its b-sides open in round 1, before x + r
  const triplePre = prefetch(s.prep.triple(s.tag(), [2 * len]));
  const [m, tp, t] = [await maskPre, await truncPre, await triplePre];
  const [a1, a2, b1, b2, c1, c2] = [t.a.slice(0, len), t.a.slice(len, 2 * len), t.b.slice(0, len), t.b.slice(len, 2 * len), t.c.slice(0, len), t.c.slice(len, 2 * len)];
  let masked = flat.add(m.r);
  if (s.me === 0) masked = masked.addScalar(BigInt(L) << BigInt(inFrac));
  // Round 1: c, and the truncation pair's parts under the triples' b (data-independent).
  const r1 = (yield { add: [masked, tp.rLowShifted.sub(b1), tp.rTop.sub(b2)] }).add;
  const { inner, high, y } = lookup(r1[0]!, m, g);
  // Round 2: I under both triples' a, and Y masked for truncation.
  const r2 = (yield { add: [inner.sub(a1), inner.sub(a2), maskForTrunc(s, y, tp)] }).add;
  // [I·rLow>>sh] and [I·rTop] by Beaver with the b-sides opened in round 1.
  const iLow = r1[1]!.mul(inner).add(r2[0]!.mul(b1)).add(c1);
  const iTop = r1[2]!.mul(inner).add(r2[1]!.mul(b2)).add(c2);
  return (selectTrunc(r2[2]!, inner, iLow, iTop, sh).add(high.shl(f))).reshape(x.shape);
}

/**
 * [I·trunc(Y)] from the opened cY = Y + 2^62 + r: trunc.ts's finishTrunc with every share
 * multiplied by the bit I, i.e. (1 − 2·cTop)·2^(63−sh)·[I·rTop] − [I·rLow>>sh] + pub·[I], where
 * pub = cTop·2^(63−sh) + (cY mod 2^63) >> sh − 2^(62−sh) is public (so every party weights its [I]).
 */
function selectTrunc(cY: Ring, inner: Ring, iLow: Ring, iTop: Ring, sh: number): Ring {
  const cTop = cY.shr(63);
  const k = BigInt(63 - sh);
  const sign = Ring.fill(cY.shape, 1n).sub(cTop.shl(1));
  const pub = cTop.shl(Number(k)).add(cY.shl(1).shr(sh + 1)).addScalar(-(1n << BigInt(62 - sh)));
  return sign.mul(iTop).shl(Number(k)).sub(iLow).add(pub.mul(inner));
}

/** Largest input fractional bits of the lookup sigmoid (the coarse window ends below bit 64). */
export const LUT_MAX_IN_FRAC = 55;

/** Documented cost of the lookup sigmoid over `len` elements. */
export function sigmoidLutCost(len: number): { rounds: number; bytesPerPeer: number } {
  return { rounds: 2, bytesPerPeer: 48 * len };
}

/** Offset of the input, in real units (a multiple of the fine period). */
const L = 128;
/** Fine cells of 2^−2, 2^7 of them; coarse cells of 2^1, 2^7 of them. */
const FINE_LOG_H = -2, FINE_BITS = 7, COARSE_LOG_W = 1, COARSE_BITS = 7;
const FINE = 1 << FINE_BITS, COARSE = 1 << COARSE_BITS;
/** Read coarse cells meaning "inner" (x ∈ [−14, 14)); above them x ≥ 10, below x < −10. */
const INNER_LO = (L - 10) / 2, INNER_HI = (L + 10) / 2 + 1;
/** Fractional bits of δ̃ and extra bits of the quadratic coefficient. */
const DELTA_BITS = 14, QUAD_BITS = 12;

/** The windows the mask carries for an input with `inFrac` fractional bits, and δ̃'s bits fd. */
interface Geometry {
  fd: number;
  spec: LutSpec;
}

/** The geometry for an input with `inFrac` fractional bits. */
function geometry(inFrac: number): Geometry {
  const fd = Math.min(DELTA_BITS, inFrac);
  const spec: LutSpec = { fields: [{ at: inFrac + FINE_LOG_H, bits: FINE_BITS }, { at: inFrac + COARSE_LOG_W, bits: COARSE_BITS }], powers: 2, shift: inFrac - fd };
  return { fd, spec };
}

/** Fractional bits of Y: δ̃² carries 2·fd, its coefficient QUAD_BITS more. */
const FQ = (g: Geometry): number => 2 * g.fd + QUAD_BITS;

/** Per fine cell u (signed ũ = u − 128 for u ≥ 64): the quadratic P_u(δ) ≈ σ(ũ/4 + δ) on [−1/2, 1/4]. */
const PIECES: [number, number, number][] = Array.from({ length: FINE }, (_, u) => fitQuadratic((u < FINE / 2 ? u : u - FINE) * 2 ** FINE_LOG_H, -2 * 2 ** FINE_LOG_H, 2 ** FINE_LOG_H));

/** Chebyshev interpolation (3 nodes, near-minimax) of δ ↦ σ(x0 + δ) on [lo, hi]: [a, b, c] of a + b·δ + c·δ². */
function fitQuadratic(x0: number, lo: number, hi: number): [number, number, number] {
  const mid = (lo + hi) / 2, half = (hi - lo) / 2;
  const ds = [0, 1, 2].map((k) => mid + half * Math.cos(((2 * k + 1) * Math.PI) / 6));
  const ys = ds.map((d) => 1 / (1 + Math.exp(-(x0 + d))));
  const [d0, d1, d2] = ds as [number, number, number];
  const [y0, y1, y2] = ys as [number, number, number];
  // Newton's divided differences, expanded to monomials.
  const f01 = (y1 - y0) / (d1 - d0), f12 = (y2 - y1) / (d2 - d1);
  const c = (f12 - f01) / (d2 - d0);
  const b = f01 - c * (d0 + d1);
  const a = y0 - b * d0 - c * d0 * d0;
  return [a, b, c];
}

/** Public tables for one geometry, each doubled and index-reversed so a rotation is a subarray. */
interface Tables {
  a: BigUint64Array;
  b: BigUint64Array;
  c: BigUint64Array;
  inner: BigUint64Array;
  high: BigUint64Array;
}

/** By fd (which fixes Y's fractional bits, FQ). */
const tableCache = new Map<number, Tables>();

/** D[k] = T[(−k) mod M] for k < 2M, so T[(c − j) mod M] for j = 0..M−1 is D[M − c + j]. */
function doubledReversed(t: (i: number) => bigint, m: number): BigUint64Array {
  const d = new BigUint64Array(2 * m);
  for (let k = 0; k < 2 * m; k++) d[k] = BigInt.asUintN(64, t((((-k) % m) + m) % m));
  return d;
}

/** The public tables of a geometry (cached). */
function tables(g: Geometry): Tables {
  const fq = FQ(g);
  let t = tableCache.get(g.fd);
  if (!t) {
    const fx = (v: number, bits: number): bigint => BigInt(Math.round(v * 2 ** bits));
    t = {
      a: doubledReversed((u) => fx(PIECES[u]![0], fq), FINE),
      b: doubledReversed((u) => fx(PIECES[u]![1], fq - g.fd), FINE),
      c: doubledReversed((u) => fx(PIECES[u]![2], fq - 2 * g.fd), FINE),
      inner: doubledReversed((v) => (v >= INNER_LO && v <= INNER_HI ? 1n : 0n), COARSE),
      high: doubledReversed((v) => (v > INNER_HI ? 1n : 0n), COARSE),
    };
    tableCache.set(g.fd, t);
  }
  return t;
}

/** The local part: shares of I, H and Y from the opened c (see the file comment). */
function lookup(c: Ring, m: LutMask, g: Geometry): { inner: Ring; high: Ring; y: Ring } {
  const len = c.size;
  const T = tables(g);
  const fine = g.spec.fields[0]!, coarse = g.spec.fields[1]!;
  const fineShift = BigInt(fine.at), coarseShift = BigInt(coarse.at);
  const loMask = (1n << fineShift) - 1n, shift = BigInt(g.spec.shift);
  const cf = new Int32Array(len), cc = new Int32Array(len);
  const ct = new Ring([len]);
  for (let i = 0; i < len; i++) {
    const v = c.data[i]!;
    cf[i] = Number((v >> fineShift) & BigInt(FINE - 1));
    cc[i] = Number((v >> coarseShift) & BigInt(COARSE - 1));
    ct.data[i] = (v & loMask) >> shift;
  }
  const [hot, p1, p2] = [m.hot[0]!, m.pow[0]!, m.pow[1]!];
  // Y = Σ hot·(a + b·c̃ + c·c̃²) − Σ hot·λ̃·(b + 2c·c̃) + Σ hot·λ̃²·c, i.e. P_u(c̃ − λ̃).
  const pb = p1.rotDot(T.b, cf), pc = p1.rotDot(T.c, cf);
  const y = hot.rotDot(T.a, cf)
    .add(ct.mul(hot.rotDot(T.b, cf).sub(pc.shl(1))))
    .add(ct.mul(ct).mul(hot.rotDot(T.c, cf)))
    .sub(pb).add(p2.rotDot(T.c, cf));
  const hc = m.hot[1]!;
  return { inner: hc.rotDot(T.inner, cc), high: hc.rotDot(T.high, cc), y };
}
