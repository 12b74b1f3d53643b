import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import { decodeFixed, encodeFixed } from '../src/ring/fixed.js';
import { input } from '../protocols/arithmetic/input.js';
import { open } from '../protocols/arithmetic/open.js';
import { LOOKUP_AUTO_MAX, sigmoid, sigmoidCost, type SigmoidMethod } from '../protocols/nonlinear/sigmoid.js';
import { sigmoidLutCost } from '../protocols/nonlinear/sigmoid-lut.js';
import { InsecureLocalPreprocessing } from './helpers/insecure-prep.js';
import type { Preprocessing } from '../src/session/preprocessing.js';
import { exp, expBytes, expRounds } from '../protocols/nonlinear/exp.js';
import { reciprocal, reciprocalBytes, reciprocalRounds } from '../protocols/nonlinear/reciprocal.js';
import { rsqrt, rsqrtBytes, rsqrtRounds } from '../protocols/nonlinear/rsqrt.js';
import { softmax, softmaxRounds } from '../protocols/nonlinear/softmax.js';
import { runParties, testSeed } from './helpers/parties.js';
import { mulberry32 } from './helpers/ring-gen.js';
import type { Session } from '../src/session/session.js';

/** Dense grid lo..hi with `step`, plus extra values. */
function grid(lo: number, hi: number, step: number, extra: number[] = []): number[] {
  const out: number[] = [];
  for (let v = lo; v <= hi + 1e-12; v += step) out.push(v);
  return out.concat(extra);
}

/** Run a fixed-point protocol over shares of xs (party 0 inputs); returns decoded outputs of party 0 and per-party rounds/bytes. */
async function fx(n: number, xs: number[], body: (s: Session, x: Ring) => Promise<Ring>, f = 16): Promise<{ y: Float64Array; rounds: number[]; bytes: number[] }> {
  const enc = encodeFixed(xs, undefined, f);
  const res = await runParties(n, async (s) => {
    const x = input(s, 0, enc.shape, s.me === 0 ? enc : undefined);
    const before = s.stats();
    const y = await body(s, x);
    const after = s.stats();
    return { y: decodeFixed(await open(s, y), f), rounds: after.rounds - before.rounds, bytes: after.bytesSent - before.bytesSent };
  });
  return { y: res[0]!.y, rounds: res.map((r) => r.rounds), bytes: res.map((r) => r.bytes) };
}

function maxErr(xs: number[], ys: Float64Array, ref: (x: number) => number, rel = false): number {
  let m = 0;
  xs.forEach((x, i) => {
    const want = ref(x);
    const e = Math.abs(ys[i]! - want) / (rel ? Math.abs(want) : 1);
    if (e > m) m = e;
  });
  return m;
}

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** The comparison-circuit path: the insecure test preprocessing without lookup masks. */
const treePrep = (label: string, n = 3) => (me: number) => Object.assign(new InsecureLocalPreprocessing(testSeed(label), me, n), { lutMask: undefined });

/** Like fx, with an explicit input scale and preprocessing. */
async function fxIn(n: number, xs: number[], inFrac: number, prep?: (me: number) => Preprocessing, f = 16, method: SigmoidMethod = 'lookup'): Promise<{ y: Float64Array; xe: Float64Array; rounds: number[]; bytes: number[] }> {
  const enc = encodeFixed(xs, undefined, inFrac);
  const res = await runParties(n, async (s) => {
    const x = input(s, 0, enc.shape, s.me === 0 ? enc : undefined);
    const before = s.stats();
    const y = await sigmoid(s, x, f, inFrac, prep ? 'auto' : method);
    const after = s.stats();
    return { y: decodeFixed(await open(s, y), f), rounds: after.rounds - before.rounds, bytes: after.bytesSent - before.bytesSent };
  }, prep ? { prep } : {});
  return { y: res[0]!.y, xe: decodeFixed(enc, inFrac), rounds: res.map((r) => r.rounds), bytes: res.map((r) => r.bytes) };
}

/** max |σ(x) − y| against the encoded inputs. */
function sigErr(xe: Float64Array, y: Float64Array): number {
  let m = 0;
  xe.forEach((x, i) => (m = Math.max(m, Math.abs(y[i]! - sig(x)))));
  return m;
}

describe('sigmoid by table lookup (modes with lookup masks: dealer, hm)', () => {
  it('max abs error ≤ 5e-4 over the whole accepted range (−128, 124), dense near 0 (n=3); 2 rounds, 48 B per element and peer', async () => {
    const xs = grid(-127.99, 123.99, 1 / 64, grid(-15, 15, 1 / 512, [0, -1e-5, 2 ** -16, -(2 ** -16), 10, -10, 9.99, -10.01, 14, -14]));
    const { y, xe, rounds, bytes } = await fxIn(3, xs, 16);
    expect(sigErr(xe, y)).to.be.below(5e-4);
    const cost = sigmoidLutCost(xs.length);
    for (const r of rounds) expect(r).to.equal(cost.rounds);
    for (const b of bytes) expect(b).to.equal(2 * cost.bytesPerPeer);
  });
  for (const n of [2, 5]) {
    it(`agrees with plaintext on seeded random inputs and edges (n=${n})`, async () => {
      const rnd = mulberry32(7 + n);
      const xs = Array.from({ length: 3000 }, () => (rnd() - 0.5) * 40).concat([0, -1, 1, 123.9, -127.9, 2 ** -16]);
      const { y, xe, rounds, bytes } = await fxIn(n, xs, 16);
      expect(sigErr(xe, y)).to.be.below(5e-4);
      for (const r of rounds) expect(r).to.equal(2);
      for (const b of bytes) expect(b).to.equal((n - 1) * sigmoidLutCost(xs.length).bytesPerPeer);
    });
  }
  for (const inFrac of [32, 48]) {
    it(`takes an input with ${inFrac} fractional bits (an untruncated product) in the same 2 rounds`, async () => {
      const xs = grid(-20, 20, 1 / 32, [-127.5, 123.5, 0]);
      const { y, xe, rounds } = await fxIn(3, xs, inFrac);
      expect(sigErr(xe, y)).to.be.below(5e-4);
      for (const r of rounds) expect(r).to.equal(2);
    });
  }
  it('works with f = 20 and f = 10 on a 2-D tensor', async () => {
    for (const f of [20, 10]) {
      const xs = grid(-9, 9, 0.25).slice(0, 72);
      const { y } = await fx(3, xs, (s, x) => sigmoid(s, x.reshape([8, 9]), f), f);
      expect(maxErr(xs, y, sig)).to.be.below(f === 10 ? 2e-3 : 5e-4);
    }
  });
  it(`'auto' takes the lookup up to ${LOOKUP_AUTO_MAX} elements and the comparison circuit above; 'lookup' without lookup masks is E_PREP`, async () => {
    const rounds = await runParties(3, async (s) => {
      const count = async (len: number): Promise<number> => {
        const r0 = s.stats().rounds;
        await sigmoid(s, Ring.zeros([len]));
        return s.stats().rounds - r0;
      };
      return [await count(LOOKUP_AUTO_MAX), await count(LOOKUP_AUTO_MAX + 1)];
    });
    expect(rounds[0]).to.deep.equal([2, sigmoidCost(3, 1).rounds]);
    const bad = await runParties(3, async (s) => sigmoid(s, Ring.zeros([4]), 16, 16, 'lookup').then(() => 'ok', (e: { code?: string; message: string }) => `${e.code}: ${e.message}`), { prep: treePrep('no-lut') });
    expect(bad[0]).to.match(/^E_PREP: .*needs lookup masks/);
  });
  it('beyond the accepted range the lookup is wrong (documented limit), so the range is stated, not hoped for', async () => {
    const { y } = await fxIn(3, [130, 200], 16);
    expect(Math.min(...y)).to.be.below(0.5);
  });
});

describe('sigmoid by comparisons (modes without lookup masks: ot)', () => {
  it('max abs error ≤ 1e-3 on a dense grid over [−12, 12] and at huge inputs (n=3), rounds as documented', async () => {
    const xs = grid(-12, 12, 1 / 128, [-1e6, 1e6, -(2 ** 40), 2 ** 40, 7.5, -7.5, 1.5, -1.5, 0]);
    const { y, rounds, bytes } = await fxIn(3, xs, 16, treePrep('tree-dense'));
    expect(maxErr(xs, y, sig)).to.be.below(1e-3);
    const cost = sigmoidCost(3, xs.length);
    for (const r of rounds) expect(r).to.equal(cost.rounds);
    for (const b of bytes) expect(b).to.equal(cost.bytesPerPeer * 2);
  });
  for (const n of [2, 5]) {
    it(`agrees with plaintext on a coarse grid (n=${n})`, async () => {
      const xs = grid(-10, 10, 0.37);
      const { y, rounds } = await fxIn(n, xs, 16, treePrep(`tree-${n}`, n));
      expect(maxErr(xs, y, sig)).to.be.below(1e-3);
      for (const r of rounds) expect(r).to.equal(sigmoidCost(n, xs.length).rounds);
    });
  }
  it('takes an untruncated product (inFrac = 2f) in the same rounds (n=3)', async () => {
    const xs = grid(-10, 10, 1 / 32);
    const r = await fxIn(3, xs, 32, treePrep('tree-2f'));
    expect(maxErr(xs, r.y, sig)).to.be.below(1e-3);
    for (const k of r.rounds) expect(k).to.equal(sigmoidCost(3, xs.length, true).rounds);
    for (const b of r.bytes) expect(b).to.equal(2 * sigmoidCost(3, xs.length, true).bytesPerPeer);
  });
  it('takes a product of an untruncated value (inFrac = 3f) in the same rounds (n=3)', async () => {
    const xs = grid(-10, 10, 1 / 16, [-(2 ** 13), 2 ** 13, -1000, 1000]);
    const r = await fxIn(3, xs, 48, treePrep('tree-3f'));
    expect(maxErr(xs, r.y, sig)).to.be.below(1e-3);
    for (const k of r.rounds) expect(k).to.equal(sigmoidCost(3, xs.length, true).rounds);
    const bad = await runParties(3, async (s) => sigmoid(s, Ring.zeros([1]), 16, 49).then(() => 'ok', (e: Error) => e.message));
    expect(bad[0]).to.match(/= 16\.\.48/);
  });
  it('works with f = 20 on a 2-D tensor', async () => {
    const xs = grid(-9, 9, 0.25).slice(0, 72);
    const enc = encodeFixed(xs, undefined, 20);
    const res = await runParties(3, async (s) => {
      const x = input(s, 0, enc.shape, s.me === 0 ? enc : undefined);
      return decodeFixed(await open(s, await sigmoid(s, x.reshape([8, 9]), 20)), 20);
    }, { prep: treePrep('tree-f20') });
    expect(maxErr(xs, res[0]!, sig)).to.be.below(1e-3);
  });
});


/** Geometric grid lo..hi with `count` points. */
function geo(lo: number, hi: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => lo * (hi / lo) ** (i / (count - 1)));
}

/** Largest violation of |y − ref(x)| ≤ rel·|ref(x)| + abs, measured against the encoded inputs (> 0 means the claim fails). */
function worst(xs: number[], ys: Float64Array, ref: (x: number) => number, rel: number, abs: number): number {
  const xe = decodeFixed(encodeFixed(xs));
  let w = -Infinity;
  xs.forEach((_, i) => {
    const want = ref(xe[i]!);
    w = Math.max(w, Math.abs(ys[i]! - want) - (rel * Math.abs(want) + abs));
  });
  return w;
}

describe('exp, reciprocal, rsqrt, softmax', () => {
  it('exp: |err| ≤ 5e-5·e^x + 2^-16 on a dense grid over [−40, 11.05], 0 far below; rounds as documented (n=3)', async () => {
    const xs = grid(-40, 11.05, 1 / 64, [-1e6, -(2 ** 40), 0]);
    const { y, rounds, bytes } = await fx(3, xs, (s, x) => exp(s, x));
    expect(worst(xs, y, Math.exp, 5e-5, 2 ** -16)).to.be.at.most(0);
    expect(y[xs.length - 3]).to.equal(0);
    for (const r of rounds) expect(r).to.equal(expRounds(3));
    for (const b of bytes) expect(b).to.equal(2 * expBytes(3, xs.length));
  });
  it('reciprocal: |err| ≤ 1e-4/x + 2^-15 on a dense geometric grid over [2^-8, 2^14); rounds (n=3)', async () => {
    const xs = geo(2 ** -8, 16383, 3000);
    const { y, rounds, bytes } = await fx(3, xs, (s, x) => reciprocal(s, x));
    expect(worst(xs, y, (x) => 1 / x, 1e-4, 2 ** -15)).to.be.at.most(0);
    for (const r of rounds) expect(r).to.equal(reciprocalRounds(3));
    for (const b of bytes) expect(b).to.equal(2 * reciprocalBytes(3, xs.length));
  });
  it('rsqrt: |err| ≤ 3e-4/√x + 2^-15 on a dense geometric grid over [2^-8, 2^14); rounds (n=3)', async () => {
    const xs = geo(2 ** -8, 16383, 3000);
    const { y, rounds, bytes } = await fx(3, xs, (s, x) => rsqrt(s, x));
    expect(worst(xs, y, (x) => 1 / Math.sqrt(x), 3e-4, 2 ** -15)).to.be.at.most(0);
    for (const r of rounds) expect(r).to.equal(rsqrtRounds(3));
    for (const b of bytes) expect(b).to.equal(2 * rsqrtBytes(3, xs.length));
  });
  for (const n of [2, 5]) {
    it(`exp, reciprocal and rsqrt agree with plaintext on coarse grids (n=${n})`, async () => {
      const xe = grid(-12, 11, 0.173);
      const { y: ye } = await fx(n, xe, (s, x) => exp(s, x));
      expect(worst(xe, ye, Math.exp, 5e-5, 2 ** -16)).to.be.at.most(0);
      const xr = geo(2 ** -8, 16000, 97);
      const { y: yr } = await fx(n, xr, (s, x) => reciprocal(s, x));
      expect(worst(xr, yr, (x) => 1 / x, 1e-4, 2 ** -15)).to.be.at.most(0);
      const { y: ys } = await fx(n, xr, (s, x) => rsqrt(s, x));
      expect(worst(xr, ys, (x) => 1 / Math.sqrt(x), 3e-4, 2 ** -15)).to.be.at.most(0);
    });
  }
  it('softmax along rows and columns: |err| ≤ 1e-3 per entry; rounds as documented (n=3)', async () => {
    const rows = 6;
    const cols = 10;
    const logits = Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 1.7) * 6 + (i % 7) - (i === 3 ? 30 : 0));
    const ref = (vals: number[]): number[] => {
      const m = Math.max(...vals);
      const e = vals.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / z);
    };
    const enc = encodeFixed(logits, [rows, cols]);
    const res = await runParties(3, async (s) => {
      const x = input(s, 0, enc.shape, s.me === 0 ? enc : undefined);
      const r0 = s.stats().rounds;
      const byRow = await softmax(s, x);
      const rounds = s.stats().rounds - r0;
      const byCol = await softmax(s, x, 0);
      return { byRow: decodeFixed(await open(s, byRow)), byCol: decodeFixed(await open(s, byCol)), rounds };
    });
    const { byRow, byCol, rounds } = res[0]!;
    const le = decodeFixed(enc);
    for (let r = 0; r < rows; r++) {
      const want = ref(Array.from(le.subarray(r * cols, (r + 1) * cols)));
      want.forEach((w, c) => expect(Math.abs(byRow[r * cols + c]! - w)).to.be.below(1e-3));
    }
    for (let c = 0; c < cols; c++) {
      const want = ref(Array.from({ length: rows }, (_, r) => le[r * cols + c]!));
      want.forEach((w, r) => expect(Math.abs(byCol[r * cols + c]! - w)).to.be.below(1e-3));
    }
    expect(rounds).to.equal(softmaxRounds(3, cols));
  });
});
