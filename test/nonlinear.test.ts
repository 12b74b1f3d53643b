import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import { decodeFixed, encodeFixed } from '../src/ring/fixed.js';
import { input } from '../protocols/arithmetic/input.js';
import { open } from '../protocols/arithmetic/open.js';
import { sigmoid, sigmoidCost } from '../protocols/nonlinear/sigmoid.js';
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
    const cost = sigmoidCost(3);
    for (const r of rounds) expect(r).to.equal(cost.rounds);
    for (const b of bytes) expect(b).to.equal(cost.bytesPerPeerPerElement * xs.length * 2);
  });
  for (const n of [2, 5]) {
    it(`agrees with plaintext on a coarse grid (n=${n})`, async () => {
      const xs = grid(-10, 10, 0.37);
      const { y, rounds } = await fx(n, xs, (s, x) => sigmoid(s, x));
      expect(maxErr(xs, y, sig)).to.be.below(1e-3);
      for (const r of rounds) expect(r).to.equal(sigmoidCost(n).rounds);
    });
  }
  it('works with f = 20 on a 2-D tensor', async () => {
    const xs = grid(-9, 9, 0.25).slice(0, 72);
    const { y } = await fx(3, xs, (s, x) => sigmoid(s, x.reshape([8, 9]), 20), 20);
    expect(maxErr(xs, y, sig)).to.be.below(1e-3);
  });
});
