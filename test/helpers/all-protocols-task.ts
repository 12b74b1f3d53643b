import { Prg, deriveKey } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import { decodeFixed, encodeFixed } from '../../src/ring/fixed.js';
import type { Session } from '../../src/session/session.js';
import { input, inputSeeded } from '../../protocols/arithmetic/input.js';
import { open, openMany, revealTo } from '../../protocols/arithmetic/open.js';
import { matmul } from '../../protocols/arithmetic/matmul.js';
import { openWithTrunc, truncMany } from '../../protocols/arithmetic/trunc.js';
import { maskOperand, maskOperandInPlace, maskRows, matmulMasked, matmulMaskedRows } from '../../protocols/arithmetic/masked.js';
import { matmulFx, matmulMaskedFx, mulFx } from '../../protocols/arithmetic/fixed.js';
import { and, andMany } from '../../protocols/binary/and.js';
import { a2b, a2bCost } from '../../protocols/binary/a2b.js';
import { msb, msbCost } from '../../protocols/binary/msb.js';
import { b2a, b2aMul, packedWords } from '../../protocols/binary/b2a.js';
import { openBinary, openBinaryMany } from '../../protocols/binary/open.js';
import { binaryOfPrivate, notBinary, xorPublic } from '../../protocols/binary/linear.js';
import { ltz, ltzCost } from '../../protocols/compare/ltz.js';
import { relu, reluCost } from '../../protocols/compare/relu.js';
import { eq, ge, gt, le, lt, type Operand } from '../../protocols/compare/compare.js';
import { argmax, max, maxRounds, maxWithIndex } from '../../protocols/compare/max.js';
import { sigmoid, sigmoidCost, usesLookup } from '../../protocols/nonlinear/sigmoid.js';
import { exp, expBytes, expRounds } from '../../protocols/nonlinear/exp.js';
import { reciprocal, reciprocalBytes, reciprocalRounds } from '../../protocols/nonlinear/reciprocal.js';
import { rsqrt, rsqrtBytes, rsqrtRounds } from '../../protocols/nonlinear/rsqrt.js';
import { softmax, softmaxRounds } from '../../protocols/nonlinear/softmax.js';

/**
 * Cluster task for test/all-protocols-mesh.test.ts (real party processes via runCluster): every
 * protocol that the other mesh tasks (arith-task, compare-task) leave out in at least one offline
 * mode, run once on seeded random inputs plus edge values, its result revealed explicitly and
 * compared with a plaintext reference computed here (the seed is public to the test). Each
 * protocol's rounds and bytes to each peer are measured around the call and returned with the
 * documented figures (cost functions where the protocol exports one, else the README's table);
 * the test decides how strictly to compare them (the ot mode's own traffic shares the session).
 * Nonlinear error bounds are those of protocols/compare/README.md.
 */
export interface AllProtocolsTaskArgs {
  seed: string;
}

/** One protocol call's measured cost and the documented one (bytes: to each peer, undefined = not documented). */
export interface CostRecord {
  name: string;
  rounds: number;
  wantRounds: number;
  bytes: number[];
  wantBytes?: number;
}

export interface AllProtocolsResult {
  failures: string[];
  costs: CostRecord[];
  mode: string;
  /** Protocol calls checked against plaintext. */
  checked: number;
  /** The session's rounds over the whole task. */
  totalRounds: number;
}

/** Shapes of the max/softmax inputs (m = entries per group along the reduced axis). */
export const MAX_SHAPE = [5, 7] as const;
export const SOFTMAX_SHAPE = [4, 6] as const;

const F = 16;
const ULP = 2 ** -F;
const TOP = 1n << 63n;
const MIN = -TOP;
const TRUNC_LIM = 1n << 62n;

/** Uniform doubles in [lo, hi) from the seeded PRG. */
function uniform(prg: Prg, count: number, lo: number, hi: number): number[] {
  return Array.from(prg.ring([count]).data, (v) => lo + ((hi - lo) * Number(v >> 11n)) / 2 ** 53);
}

/** Largest violation of |y − ref(x)| ≤ rel·|ref(x)| + abs (> 0: the documented bound fails), x the decoded input. */
function worst(x: Float64Array, y: Float64Array, ref: (v: number) => number, rel: number, abs: number): { excess: number; at: number } {
  let excess = -Infinity;
  let at = NaN;
  x.forEach((v, i) => {
    const want = ref(v);
    const e = Math.abs(y[i]! - want) - (rel * Math.abs(want) + abs);
    if (e > excess) [excess, at] = [e, v];
  });
  return { excess, at };
}

const sgn = (r: Ring): bigint[] => r.toSigned();
const bits = (b: boolean[]): Ring => Ring.from(b.map((v) => (v ? 1n : 0n)));

export async function task(s: Session, raw: unknown): Promise<AllProtocolsResult> {
  const { seed } = raw as AllProtocolsTaskArgs;
  const prg = new Prg(deriveKey(new TextEncoder().encode(seed.padEnd(16, '.')), 'all-protocols-task'));
  const last = s.n - 1;
  const own = (owner: number, v: Ring): Ring => input(s, owner, v.shape, s.me === owner ? v : undefined);
  const failures: string[] = [];
  const costs: CostRecord[] = [];
  let checked = 0;
  const check = (ok: boolean, what: string): void => {
    checked++;
    if (!ok) failures.push(what);
  };
  /** Run one protocol call and record its rounds and bytes sent to each peer. */
  const measure = async <T>(name: string, wantRounds: number, wantBytes: number | undefined, run: () => Promise<T>): Promise<T> => {
    const before = s.stats();
    const out = await run();
    const after = s.stats();
    const rec: CostRecord = { name, rounds: after.rounds - before.rounds, wantRounds, bytes: s.peers.map((p) => after.perPeer[p]!.bytesSent - before.perPeer[p]!.bytesSent) };
    if (wantBytes !== undefined) rec.wantBytes = wantBytes;
    costs.push(rec);
    return out;
  };
  const fxCheck = (name: string, x: Float64Array, y: Float64Array, ref: (v: number) => number, rel: number, abs: number): void => {
    const w = worst(x, y, ref, rel, abs);
    check(w.excess <= 0, `${name}: error exceeds ${rel}·|f(x)| + ${abs} by ${w.excess} at x = ${w.at}`);
  };

  // ---- arithmetic: open, revealTo (at the end), truncMany, openWithTrunc, matmul (transB), matmulFx (transA), matmulMaskedFx, mulFx at the limits
  {
    const x = Ring.concat([prg.ring([60]), Ring.from([0n, 1n, -1n, MIN, TOP - 1n])]);
    const xs = own(last, x);
    const o = await measure('open', 1, 8 * x.size, () => open(s, xs));
    check(o.equals(x), 'open');

    const t1 = Ring.concat([prg.ring([40]).sar(2), Ring.from([0n, 1n, -1n, TRUNC_LIM - 1n, -TRUNC_LIM, 65535n, 65536n, -65536n, -65537n])]);
    const t2 = prg.ring([3, 4]).sar(30);
    const [a1, a2] = await measure('truncMany', 1, 8 * (t1.size + t2.size), () => truncMany(s, [own(0, t1), own(1, t2)], F));
    const [o1, o2] = await openMany(s, [a1!, a2!]);
    const ulpOk = (got: Ring, x0: Ring) => got.sub(x0.sar(F)).toSigned().every((d) => d === 0n || d === 1n);
    check(ulpOk(o1!, t1) && ulpOk(o2!, t2) && o2!.shape.join() === '3,4', 'truncMany within 1 ulp of floor(x / 2^f)');

    const e = prg.ring([10]);
    const r = await measure('openWithTrunc', 1, 8 * (e.size + t1.size), () => openWithTrunc(s, [own(1, e)], [own(0, t1)], F));
    const [ot] = await openMany(s, r.truncated);
    check(r.opened[0]!.equals(e) && ulpOk(ot!, t1), 'openWithTrunc');

    const A = prg.ring([6, 4]);
    const Bt = prg.ring([5, 4]);
    const p = await measure('matmul transB', 1, 8 * (6 * 4 + 4 * 5), () => matmul(s, own(0, A), own(last, Bt), { transB: true }));
    check((await open(s, p)).equals(A.matmul(Bt, { transB: true })), 'matmul transB');

    // Fixed point: entries in (−100, 100), and one product at the documented limit |x·y| < 2^30.
    const u = uniform(prg, 24, -100, 100);
    const P = encodeFixed(u.slice(0, 12), [4, 3]);
    const Q = encodeFixed(u.slice(12), [4, 3]);
    const fm = await measure('matmulFx transA', 2, undefined, () => matmulFx(s, own(0, P), own(1, Q), { transA: true }));
    const om = decodeFixed(await open(s, fm));
    const [dp, dq] = [decodeFixed(P), decodeFixed(Q)];
    let fxOk = true;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let want = 0;
      for (let k = 0; k < 4; k++) want += dp[k * 3 + i]! * dq[k * 3 + j]!;
      fxOk &&= Math.abs(om[i * 3 + j]! - want) <= ULP;
    }
    check(fxOk, 'matmulFx transA within 1 ulp');

    const lim = [2 ** 15 - ULP, -(2 ** 15) + ULP, 0, 1, -1, ULP, -ULP, 32767.5];
    const lv = encodeFixed(lim);
    const lw = encodeFixed([2 ** 15 - ULP, 2 ** 15 - ULP, 123.25, -1, -1, ULP, ULP, -32767.5]);
    const pe = decodeFixed(await open(s, await measure('mulFx at the limits', 2, 8 * 2 * lv.size + 8 * lv.size, () => mulFx(s, own(0, lv), own(last, lw)))));
    const [dl, dw] = [decodeFixed(lv), decodeFixed(lw)];
    check(Array.from(pe).every((v, i) => Math.abs(v - dl[i]! * dw[i]!) <= ULP), `mulFx near |x·y| = 2^30: ${Array.from(pe)}`);

    const X = encodeFixed(uniform(prg, 8 * 3, -50, 50), [8, 3]);
    const W = encodeFixed(uniform(prg, 3 * 2, -50, 50), [3, 2]);
    const mx = await maskOperand(s, own(0, X));
    const mm = await measure('matmulMaskedFx', 2, undefined, () => matmulMaskedFx(s, mx, own(1, W), { start: 2, end: 7 }));
    const omm = decodeFixed(await open(s, mm));
    const [dx, dw2] = [decodeFixed(X), decodeFixed(W)];
    let mmOk = true;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 2; j++) {
      let want = 0;
      for (let k = 0; k < 3; k++) want += dx[(i + 2) * 3 + k]! * dw2[k * 2 + j]!;
      mmOk &&= Math.abs(omm[i * 2 + j]! - want) <= ULP;
    }
    check(mmOk, 'matmulMaskedFx rows 2..7 within 1 ulp');
    // In place, 7-word blocks: 2 rows of 3 per round, 4 rounds for 8 rows; 8 bytes per word and peer.
    const xi = own(0, X);
    const mi = await measure('maskOperandInPlace', 4, 8 * X.size, () => maskOperandInPlace(s, xi, 7));
    const [pi, pj] = await openMany(s, [await matmulMasked(s, mi, own(1, W)), mi.a.rows(0, mi.shape[0]!)]);
    check(pi!.equals(X.matmul(W)) && mi.e.data === xi.data && mi.e.add(pj!).equals(X), 'maskOperandInPlace: E over X, products as maskOperand');
    // Masked rows (training with maskData "perBatch"): X a seeded row source, E_b opened with W − B.
    const mr = await measure('maskRows', 0, 0, () => maskRows(s, inputSeeded(s, last, [8, 3], s.me === last ? (a, b) => X.slice(a, b) : undefined)));
    const G = encodeFixed(uniform(prg, 5 * 2, -50, 50), [5, 2]);
    const fwd = await measure('matmulMaskedRows', 1, 8 * (5 * 3 + 3 * 2), () => matmulMaskedRows(s, mr, own(1, W), { start: 2, end: 7 }));
    const bwd = await measure('matmulMaskedRows known E_b', 1, 8 * (5 * 2), () => matmulMaskedRows(s, mr, own(0, G), { start: 2, end: 7, transpose: true, known: fwd.e }));
    const [rf, rb] = await openMany(s, [fwd.z, bwd.z]);
    check(rf!.equals(X.slice(2, 7).matmul(W)) && rb!.equals(X.slice(2, 7).matmul(G, { transA: true })), 'matmulMaskedRows: forward and transposed on rows 2..7');
  }

  // ---- binary: and, andMany, a2b (64 and 16 bits), msb, b2a, b2aMul, openBinary(Many), xorPublic/notBinary
  const wordEdges = Ring.from([0n, 1n, -1n, MIN, TOP - 1n, TRUNC_LIM, -TRUNC_LIM, 2n, -2n]);
  {
    const x = Ring.concat([prg.ring([55]), wordEdges]);
    const y = Ring.concat([prg.ring([55]), wordEdges.not()]);
    const bx = binaryOfPrivate(s, 0, s.me === 0 ? x : Ring.zeros(x.shape));
    const by = binaryOfPrivate(s, last, s.me === last ? y : Ring.zeros(y.shape));
    const z = await measure('and', 1, 16 * x.size, () => and(s, bx, by));
    const oz = await measure('openBinary', 1, 8 * x.size, () => openBinary(s, z));
    check(oz.equals(x.and(y)), 'and');
    const [z1, z2] = await measure('andMany', 1, 16 * (x.size + 7), () => andMany(s, [bx, by.slice(0, 7)], [notBinary(s, by), bx.slice(0, 7)]));
    const pub = prg.ring([x.size]);
    const [oz1, oz2] = await measure('openBinaryMany', 1, 8 * (x.size + 7), () => openBinaryMany(s, [xorPublic(s, z1!, pub), z2!]));
    check(oz1!.equals(x.and(y.not()).xor(pub)) && oz2!.equals(y.slice(0, 7).and(x.slice(0, 7))), 'andMany / notBinary / xorPublic');

    const ax = own(1, x);
    const b64 = await measure('a2b 64 bits', a2bCost(s.n, 64).rounds, a2bCost(s.n, 64).bytesPerPeerPerElement * x.size, () => a2b(s, ax));
    const b16 = await measure('a2b 16 bits', a2bCost(s.n, 16).rounds, a2bCost(s.n, 16).bytesPerPeerPerElement * x.size, () => a2b(s, ax, 16));
    const m = await measure('msb', msbCost(s.n, x.size).rounds, msbCost(s.n, x.size).bytesPerPeer, () => msb(s, ax));
    const [ob64, ob16, om] = await openBinaryMany(s, [b64, b16, m]);
    check(ob64!.equals(x), 'a2b 64 bits');
    check(ob16!.equals(x.and(Ring.fill(x.shape, 0xffffn))), 'a2b 16 bits');
    check(om!.equals(x.shr(63)), 'msb');

    // b2a reads bit 0 of the XOR shares; the owner's garbage in the higher bits must be ignored.
    const words = prg.ring([100]);
    const bw = binaryOfPrivate(s, 1, s.me === 1 ? words : Ring.zeros(words.shape));
    const ba = await measure('b2a', 1, 8 * packedWords(words.size), () => b2a(s, bw));
    const v = prg.ring([100]);
    const { b, bv } = await measure('b2aMul', 1, 8 * packedWords(words.size) + 16 * words.size, () => b2aMul(s, bw, own(last, v)));
    const [oba, ob, obv] = await openMany(s, [ba, b, bv]);
    const want = words.and(Ring.fill(words.shape, 1n));
    check(oba!.equals(want), 'b2a');
    check(ob!.equals(want) && obv!.equals(want.mul(v)), 'b2aMul');
  }

  // ---- comparisons: ltz, relu, lt/le/gt/ge/eq (secret, public Ring, public bigint), max/argmax/maxWithIndex
  {
    const x = Ring.concat([prg.ring([60]), prg.ring([40]).sar(40), wordEdges, Ring.from([-(TOP - 1n), TOP - 2n])]);
    const xs = own(0, x);
    const lz = await measure('ltz', ltzCost(s.n, x.size).rounds, ltzCost(s.n, x.size).bytesPerPeer, () => ltz(s, xs));
    const nz = x.toSigned().filter((v) => v !== MIN); // relu's documented exception
    const rx = Ring.from(nz);
    const { y, d } = await measure('relu', reluCost(s.n, rx.size).rounds, reluCost(s.n, rx.size).bytesPerPeer, () => relu(s, own(1, rx)));
    // The bounded-range ltz: values inside −2^20 ≤ v < 2^20, both ends included.
    const xb = Ring.concat([prg.ring([60]).sar(44), Ring.from([-(1n << 20n), (1n << 20n) - 1n, 0n, -1n])]);
    const lb = await measure('ltz bound 2^20', ltzCost(s.n, xb.size, 20).rounds, ltzCost(s.n, xb.size, 20).bytesPerPeer, () => ltz(s, own(2 % s.n, xb), 20));
    const [olz, oy, od, olb] = await openMany(s, [lz, y, d, lb]);
    check(olz!.equals(x.shr(63)), 'ltz');
    check(olb!.equals(xb.shr(63)), 'ltz bound 2^20');
    check(sgn(oy!).every((v, i) => v === (nz[i]! > 0n ? nz[i]! : 0n)), 'relu y');
    check(sgn(od!).every((v, i) => v === (nz[i]! > 0n ? 1n : 0n)), 'relu d');

    // Pairs with |x − y| < 2^63 (the documented range): random, close, equal and extreme pairs.
    const near = prg.ring([20]).sar(50);
    const off = Ring.from(Array.from({ length: 20 }, (_, i) => BigInt((i % 3) - 1)));
    const ex = [0n, 1n, 0n, -1n, 0n, -1n, TRUNC_LIM, -TRUNC_LIM, TOP - 6n, 0n, -(TOP - 1n), 0n, TRUNC_LIM, 5n];
    const ey = [0n, 0n, 1n, 0n, -1n, -1n, -TRUNC_LIM + 1n, TRUNC_LIM - 1n, 0n, -(TOP - 1n), 0n, TOP - 1n, TRUNC_LIM, -5n];
    const cx = Ring.concat([prg.ring([40]).sar(2), near, Ring.from(ex)]);
    const cy = Ring.concat([prg.ring([40]).sar(2), near.add(off), Ring.from(ey)]);
    const [sx, sy] = [sgn(cx), sgn(cy)];
    const ops: [string, typeof lt, (a: bigint, b: bigint) => boolean][] = [
      ['lt', lt, (a, b) => a < b], ['le', le, (a, b) => a <= b], ['gt', gt, (a, b) => a > b], ['ge', ge, (a, b) => a >= b], ['eq', eq, (a, b) => a === b],
    ];
    const c = -5n; // public scalar: every x here is within 2^63 of it (hence TOP − 6, not TOP − 1, above)
    const sxs = own(0, cx);
    const sys = own(last, cy);
    const outs: Ring[] = [];
    const wants: Ring[] = [];
    const names: string[] = [];
    for (const [name, op, ref] of ops) {
      const k = name === 'eq' ? 2 : 1;
      const cost = ltzCost(s.n, k * cx.size);
      const rights: [string, Operand, bigint[]][] = [
        ['secret', sys, sy],
        ['public Ring', { public: cy }, sy],
        ['public bigint', { public: c }, sy.map(() => c)],
      ];
      for (const [kind, right, ys] of rights) {
        // eq runs one ltz over both differences, so its bytes are those of ltz over 2·len.
        outs.push(await measure(`${name} ${kind}`, cost.rounds, cost.bytesPerPeer, () => op(s, sxs, right)));
        wants.push(bits(sx.map((v, i) => ref(v, ys[i]!))));
        names.push(`${name} with a ${kind} right operand`);
      }
    }
    const opened = await openMany(s, outs);
    opened.forEach((o, i) => check(o.equals(wants[i]!), names[i]!));

    // max/argmax: ties (lower index wins) and extreme entries; 2-D per row, per column, and 1-D.
    const [R, C] = MAX_SHAPE;
    const M = prg.ring([R, C]).sar(3);
    M.data[2] = M.data[5] = (1n << 61n) - 1n; // row 0: tie at columns 2 and 5
    M.data[C + 1] = -(1n << 61n); // row 1: the minimum of the ring range used
    for (let j = 0; j < C; j++) M.data[3 * C + j] = 7n; // row 3: all equal
    const sm = sgn(M);
    const best = (vals: bigint[]): [bigint, number] => vals.reduce<[bigint, number]>((acc, v, i) => (v > acc[0] ? [v, i] : acc), [vals[0]!, 0]);
    const rowsRef = Array.from({ length: R }, (_, i) => best(sm.slice(i * C, (i + 1) * C)));
    const colsRef = Array.from({ length: C }, (_, j) => best(Array.from({ length: R }, (_, i) => sm[i * C + j]!)));
    const flatRef = best(sm.slice(0, 9));
    const ms = own(1, M);
    const wi = await measure('maxWithIndex axis 1', maxRounds(s.n, C), undefined, () => maxWithIndex(s, ms));
    const mc = await measure('max axis 0', maxRounds(s.n, R), undefined, () => max(s, ms, 0));
    const af = await measure('argmax 1-D', maxRounds(s.n, 9), undefined, () => argmax(s, own(0, M.reshape([R * C]).slice(0, 9))));
    const [ov, oi, omc, oaf] = await openMany(s, [wi.values, wi.indices, mc, af]);
    check(sgn(ov!).every((v, i) => v === rowsRef[i]![0]) && sgn(oi!).every((v, i) => v === BigInt(rowsRef[i]![1])), 'maxWithIndex per row (ties → lower index)');
    check(sgn(omc!).every((v, j) => v === colsRef[j]![0]), 'max per column');
    check(oaf!.size === 1 && oaf!.toSigned()[0] === BigInt(flatRef[1]), 'argmax of a 1-D tensor');
  }

  // ---- nonlinear (f = 16): sigmoid (also on an untruncated 2f-bit input), exp, reciprocal, rsqrt, softmax
  {
    // The lookup sigmoid (dealer, hm) accepts −128 < x < 124; the comparison circuit (ot) any |x| < 2^46.
    const lut = usesLookup(s.prep);
    const far = lut ? [123.99, -127.99, 100, -100, 10, -10, 10 - ULP, -10 - ULP] : [2 ** 45, -(2 ** 45), 1000];
    const sg = encodeFixed([...uniform(prg, 80, -10, 10), 0, ULP, -ULP, 1, -1, 1.5, -1.5, 7.5, -7.5, 7.5 - ULP, -7.5 - ULP, ...far]);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const c = sigmoidCost(s.n, sg.size, false, lut);
    const y = await measure('sigmoid', c.rounds, c.bytesPerPeer, () => sigmoid(s, own(0, sg)));
    const sg2 = encodeFixed([...uniform(prg, 30, -10, 10), 0, ...(lut ? [123.5, -127.5] : [2 ** 29, -(2 ** 29)]), 1.5], undefined, 2 * F);
    const c2 = sigmoidCost(s.n, sg2.size, true, lut);
    const y2 = await measure('sigmoid inFrac = 2f', c2.rounds, c2.bytesPerPeer, () => sigmoid(s, own(last, sg2), F, 2 * F));

    const ex = encodeFixed([...uniform(prg, 60, -40, 11.05), 0, ULP, -ULP, 1, -1, Math.LN2, -Math.LN2, 11.04, -11.08, -11.1, -12, -1e6, -(2 ** 40)]);
    const e = await measure('exp', expRounds(s.n), expBytes(s.n, ex.size), () => exp(s, own(1, ex)));

    const geo = (k: number) => uniform(prg, k, -8, 14).map((t) => 2 ** t);
    const rx = encodeFixed([...geo(50), 2 ** -8, 2 ** -8 + ULP, 1, 1 - ULP, 2, 1024, 2 ** 14 - ULP, 3 * ULP * 256]);
    const rec = await measure('reciprocal', reciprocalRounds(s.n), reciprocalBytes(s.n, rx.size), () => reciprocal(s, own(0, rx)));
    const rs = await measure('rsqrt', rsqrtRounds(s.n), rsqrtBytes(s.n, rx.size), () => rsqrt(s, own(last, rx)));

    const [G, H] = SOFTMAX_SHAPE;
    const lg = uniform(prg, G * H, -8, 8);
    lg[1] = -30; // counts as 0 after the max subtraction
    for (let j = 0; j < H; j++) lg[2 * H + j] = 3.25; // a row of equal logits: uniform output
    lg[3 * H] = 5000; // one dominant logit: one-hot row
    const L = encodeFixed(lg, [G, H]);
    const ls = own(0, L);
    const smr = await measure('softmax axis 1', softmaxRounds(s.n, H), undefined, () => softmax(s, ls));
    const smc = await measure('softmax axis 0', softmaxRounds(s.n, G), undefined, () => softmax(s, ls, 0));
    const sm1 = await measure('softmax 1-D', softmaxRounds(s.n, 5), undefined, () => softmax(s, own(1, L.reshape([G * H]).slice(7, 12))));

    const [oy, oy2, oe, orc, ors, osr, osc, os1] = await openMany(s, [y, y2, e, rec, rs, smr, smc, sm1]);
    fxCheck('sigmoid', decodeFixed(sg), decodeFixed(oy!), sig, 0, 1e-3);
    fxCheck('sigmoid inFrac = 2f', decodeFixed(sg2, 2 * F), decodeFixed(oy2!), sig, 0, 1e-3);
    const dex = decodeFixed(ex);
    fxCheck('exp', dex, decodeFixed(oe!), Math.exp, 5e-5, ULP);
    check(sgn(oe!).every((v, i) => dex[i]! >= -16 * Math.LN2 || v === 0n), 'exp returns exactly 0 below −16·ln2');
    fxCheck('reciprocal', decodeFixed(rx), decodeFixed(orc!), (v) => 1 / v, 1e-4, 2 * ULP);
    fxCheck('rsqrt', decodeFixed(rx), decodeFixed(ors!), (v) => 1 / Math.sqrt(v), 3e-4, 2 * ULP);
    const dl = decodeFixed(L);
    const soft = (vals: number[]): number[] => {
      const m = Math.max(...vals);
      const z = vals.map((v) => Math.exp(v - m));
      const t = z.reduce((a, b) => a + b, 0);
      return z.map((v) => v / t);
    };
    const rowsWant = Array.from({ length: G }, (_, i) => soft(Array.from(dl.subarray(i * H, (i + 1) * H)))).flat();
    const colsWant = new Array<number>(G * H);
    for (let j = 0; j < H; j++) soft(Array.from({ length: G }, (_, i) => dl[i * H + j]!)).forEach((v, i) => { colsWant[i * H + j] = v; });
    const within = (got: Ring, want: number[]) => Array.from(decodeFixed(got)).every((v, i) => Math.abs(v - want[i]!) <= 1e-3);
    check(within(osr!, rowsWant), 'softmax per row within 1e-3');
    check(within(osc!, colsWant), 'softmax per column within 1e-3');
    check(within(os1!, soft(Array.from(dl.subarray(7, 12)))), 'softmax of a 1-D tensor within 1e-3');
  }

  // ---- revealTo last: a party that only sends in it would merge its next protocol's first round into this one.
  {
    const x = Ring.concat([prg.ring([20]), Ring.from([0n, -1n, MIN])]);
    const xs = own(0, x);
    const to1 = await revealTo(s, xs, [1]);
    const toEnds = await revealTo(s, xs, [0, last]);
    check(s.me === 1 ? to1?.equals(x) === true : to1 === undefined, 'revealTo [1]');
    check(s.me === 0 || s.me === last ? toEnds?.equals(x) === true : toEnds === undefined, `revealTo [0, ${last}]`);
  }
  return { failures, costs, mode: s.prep.mode, checked, totalRounds: s.stats().rounds };
}
