import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import { decodeFixed, encodeFixed } from '../src/ring/fixed.js';
import { input } from '../protocols/arithmetic/input.js';
import { open } from '../protocols/arithmetic/open.js';
import { sigmoid, sigmoidCost } from '../protocols/nonlinear/sigmoid.js';
import { exp, expBytes, expRounds } from '../protocols/nonlinear/exp.js';
import { reciprocal, reciprocalBytes, reciprocalRounds } from '../protocols/nonlinear/reciprocal.js';
import { rsqrt, rsqrtBytes, rsqrtRounds } from '../protocols/nonlinear/rsqrt.js';
import { softmax, softmaxRounds } from '../protocols/nonlinear/softmax.js';
import { runParties } from './helpers/parties.js';
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

describe('sigmoid', () => {
  it('max abs error ≤ 1e-3 on a dense grid over [−12, 12] and at huge inputs (n=3), rounds as documented', async () => {
    const xs = grid(-12, 12, 1 / 128, [-1e6, 1e6, -(2 ** 40), 2 ** 40, 7.5, -7.5, 1.5, -1.5, 0]);
    const { y, rounds, bytes } = await fx(3, xs, (s, x) => sigmoid(s, x));
    expect(maxErr(xs, y, sig)).to.be.below(1e-3);
    const cost = sigmoidCost(3, xs.length);
    for (const r of rounds) expect(r).to.equal(cost.rounds);
    for (const b of bytes) expect(b).to.equal(cost.bytesPerPeer * 2);
  });
  for (const n of [2, 5]) {
    it(`agrees with plaintext on a coarse grid (n=${n})`, async () => {
      const xs = grid(-10, 10, 0.37);
      const { y, rounds } = await fx(n, xs, (s, x) => sigmoid(s, x));
      expect(maxErr(xs, y, sig)).to.be.below(1e-3);
      for (const r of rounds) expect(r).to.equal(sigmoidCost(n, xs.length).rounds);
    });
  }
  it('takes an untruncated product (inFrac = 2f) in the same rounds (n=3)', async () => {
    const xs = grid(-10, 10, 1 / 32);
    const enc = encodeFixed(xs, undefined, 32);
    const res = await runParties(3, async (s) => {
      const x = input(s, 0, enc.shape, s.me === 0 ? enc : undefined);
      const r0 = s.stats();
      const y = await sigmoid(s, x, 16, 32);
      const r1 = s.stats();
      return { y: decodeFixed(await open(s, y)), rounds: r1.rounds - r0.rounds, bytes: r1.bytesSent - r0.bytesSent };
    });
    for (const r of res) {
      expect(maxErr(xs, r.y, sig)).to.be.below(1e-3);
      expect(r.rounds).to.equal(sigmoidCost(3, xs.length, true).rounds);
      expect(r.bytes).to.equal(2 * sigmoidCost(3, xs.length, true).bytesPerPeer);
    }
  });
  it('takes a product of an untruncated value (inFrac = 3f) in the same rounds (n=3)', async () => {
    const xs = grid(-10, 10, 1 / 16, [-(2 ** 13), 2 ** 13, -1000, 1000]);
    const enc = encodeFixed(xs, undefined, 48);
    const res = await runParties(3, async (s) => {
      const x = input(s, 0, enc.shape, s.me === 0 ? enc : undefined);
      const r0 = s.stats().rounds;
      const y = await sigmoid(s, x, 16, 48);
      const rounds = s.stats().rounds - r0;
      return { y: decodeFixed(await open(s, y)), rounds };
    });
    for (const r of res) {
      expect(maxErr(xs, r.y, sig)).to.be.below(1e-3);
      expect(r.rounds).to.equal(sigmoidCost(3, xs.length, true).rounds);
    }
    const bad = await runParties(3, async (s) => sigmoid(s, Ring.zeros([1]), 16, 49).then(() => 'ok', (e: Error) => e.message));
    expect(bad[0]).to.match(/= 16\.\.48/);
  });
  it('works with f = 20 on a 2-D tensor', async () => {
    const xs = grid(-9, 9, 0.25).slice(0, 72);
    const { y } = await fx(3, xs, (s, x) => sigmoid(s, x.reshape([8, 9]), 20), 20);
    expect(maxErr(xs, y, sig)).to.be.below(1e-3);
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
