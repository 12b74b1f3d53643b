import { expect } from 'chai';
import { Prg } from '../src/crypto/prg.js';
import { checkSteps, fitLinear, fitPowerLaw } from '../src/cli/bench/scale-fit.js';
import { testSeed } from './helpers/parties.js';

/** Uniform noise factors in [1 - a, 1 + a] from a seeded PRG. */
function noise(n: number, a: number, label: string): number[] {
  const bytes = new Prg(testSeed(label).slice(0, 16), 1, 0).bytes(n * 4);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(1 - a + (2 * a * new DataView(bytes.buffer, bytes.byteOffset).getUint32(i * 4, true)) / 2 ** 32);
  return out;
}

describe('bench: scaling fit (src/cli/bench/scale-fit.ts)', () => {
  it('recovers a known exponent from synthetic timings (exact and with ±10 % noise)', () => {
    const xs = [16, 32, 64, 128, 256, 512];
    for (const k of [1, 2, 3, 0.5]) {
      const exact = fitPowerLaw(xs, xs.map((x) => 2e-6 * x ** k));
      expect(exact.exponent).to.be.closeTo(k, 1e-9);
      expect(exact.coefficient).to.be.closeTo(2e-6, 1e-12);
      expect(exact.r2).to.be.closeTo(1, 1e-9);
      const f = noise(xs.length, 0.1, `fit-${k}`);
      const noisy = fitPowerLaw(xs, xs.map((x, i) => 2e-6 * x ** k * f[i]!));
      expect(noisy.exponent).to.be.closeTo(k, 0.08);
    }
  });

  it('fits seconds per row with a fixed start-up cost', () => {
    const rows = [1000, 3000, 10_000, 30_000, 100_000];
    const f = fitLinear(rows, rows.map((r) => 0.8 + 25e-6 * r));
    expect(f.slope).to.be.closeTo(25e-6, 1e-12);
    expect(f.intercept).to.be.closeTo(0.8, 1e-9);
  });

  it('flags exactly the step that grows faster than the formula', () => {
    const xs = [1000, 10_000, 100_000, 1_000_000];
    // Linear formula; the last step grows ×30 instead of ×10.
    const ys = [0.01, 0.05, 0.4, 12];
    const steps = checkSteps(xs, ys, (x) => x);
    expect(steps.map((s) => s.flagged)).to.deep.equal([false, false, true]);
    expect(steps[2]!.growth).to.be.closeTo(30, 1e-9);
    expect(steps[2]!.exponent).to.be.closeTo(Math.log10(30), 1e-9);
    // n(n-1) formula for parties: 2→4 allows ×6.
    const p = checkSteps([2, 4], [1, 6.5], (n) => n * (n - 1));
    expect(p[0]!.flagged).to.equal(false);
    expect(checkSteps([2, 4], [1, 8.5], (n) => n * (n - 1))[0]!.flagged).to.equal(true);
  });

  it('rejects points a fit cannot use', () => {
    expect(() => fitPowerLaw([1], [1])).to.throw(RangeError, /at least 2/);
    expect(() => fitPowerLaw([1, 2], [1, 0])).to.throw(RangeError, /positive/);
    expect(() => fitLinear([3, 3], [1, 2])).to.throw(RangeError, /same/);
    expect(() => fitLinear([1, 2], [1])).to.throw(RangeError);
  });
});
