import { expect } from 'chai';
import { decodeFixed, encodeFixed, fixedLimit, FRAC_BITS } from '../src/ring/fixed.js';
import { Ring } from '../src/ring/ring.js';
import { isConcordError } from '../src/errors.js';
import { testPrg } from './helpers/ring-gen.js';

/** The plain BigInt definition: round half away from zero, two's complement mod 2^64. */
function refEncode(x: number, f: number): bigint {
  const s = x * 2 ** f;
  return BigInt.asUintN(64, BigInt(s < 0 ? -Math.round(-s) : Math.round(s)));
}

/** Seeded doubles spread over magnitudes 2^-20 .. 2^(62−f), both signs. */
function randomValues(label: string, n: number, f: number): number[] {
  const p = testPrg(label);
  const u = new Uint32Array(p.bytes(8 * n).buffer);
  return Array.from({ length: n }, (_, i) => {
    const mant = u[2 * i]! / 2 ** 32;
    const exp = (u[2 * i + 1]! % (83 - f)) - 20;
    return (u[2 * i + 1]! & 1 ? -1 : 1) * mant * 2 ** exp;
  });
}

function rangeErr(fn: () => unknown, ...parts: RegExp[]): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(isConcordError(err, 'E_RANGE'), `expected E_RANGE, got ${String(err)}`).to.equal(true);
  for (const re of parts) expect((err as Error).message).to.match(re);
}

describe('fixed point', () => {
  for (const f of [0, 1, 16, 31, 32, 40, 62]) {
    it(`encode matches the BigInt definition and round-trips (f=${f})`, () => {
      const xs = randomValues(`fixed/${f}`, 4000, f).filter((x) => Math.abs(x) < fixedLimit(f));
      const r = encodeFixed(xs, undefined, f);
      const back = decodeFixed(r, f);
      xs.forEach((x, i) => {
        const want = refEncode(x, f);
        if (r.data[i] !== want) expect.fail(`encode ${x} f=${f}: ${r.data[i]} vs ${want}`);
        const exact = Number(BigInt.asIntN(64, want)) / 2 ** f;
        if (back[i] !== exact) expect.fail(`decode ${x} f=${f}: ${back[i]} vs ${exact}`);
      });
    });
  }

  it('is exact for representable values, including both ends of the range', () => {
    const f = FRAC_BITS;
    const xs = [0, 1, -1, 0.5, -0.25, 2 ** -16, -(2 ** -16), 12345.6789 - (12345.6789 % 2 ** -16), 2 ** 46 - 2 ** -6, -(2 ** 46) + 2 ** -6];
    expect(Array.from(decodeFixed(encodeFixed(xs)))).to.deep.equal(xs);
    const big = [2 ** 63 - 1024, -(2 ** 63) + 1024, 2 ** 32, -(2 ** 32), 2 ** 32 + 1, -(2 ** 32) - 1, -(2 ** 33)];
    const r = encodeFixed(big, undefined, 0);
    expect(r.toSigned()).to.deep.equal(big.map((x) => BigInt(x)));
    expect(Array.from(decodeFixed(r, 0))).to.deep.equal(big);
  });

  it('rounds to nearest with ties away from zero; −0 encodes as 0', () => {
    const xs = [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994, 0.5000000000000001, -0];
    expect(encodeFixed(xs, undefined, 0).toSigned()).to.deep.equal([1n, -1n, 2n, -2n, 3n, -3n, 0n, 0n, 1n, 0n]);
    const half = 2 ** -17;
    expect(encodeFixed([half, -half, 3 * half, -3 * half]).toSigned()).to.deep.equal([1n, -1n, 2n, -2n]);
  });

  it('decodes edge ring values as two\'s complement', () => {
    const r = Ring.from([1n << 63n, (1n << 64n) - 1n, (1n << 63n) - 1n, 1n << 32n, (1n << 32n) - 1n]);
    expect(Array.from(decodeFixed(r, 0))).to.deep.equal([-(2 ** 63), -1, 2 ** 63, 2 ** 32, 2 ** 32 - 1]);
    expect(decodeFixed(r, 16)[1]).to.equal(-(2 ** -16));
  });

  it('keeps the shape and accepts Float64Array input', () => {
    const r = encodeFixed(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(r.shape).to.deep.equal([2, 3]);
    expect(Array.from(decodeFixed(r))).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(() => encodeFixed([1, 2, 3], [2, 2])).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
  });

  it('E_RANGE names the value and position for NaN, ±Infinity and values just past the limit', () => {
    rangeErr(() => encodeFixed([1, 2, 3, NaN]), /NaN/, /index 3/);
    rangeErr(() => encodeFixed([Infinity]), /Infinity/, /index 0/);
    rangeErr(() => encodeFixed([0, 0, 0, 0, 0, -Infinity], [2, 3]), /-Infinity/, /row 1, column 2/);
    const lim = fixedLimit(16);
    expect(lim).to.equal(2 ** 47);
    rangeErr(() => encodeFixed([1, lim]), new RegExp(`${lim}`), /index 1/, /below 2\^47/);
    rangeErr(() => encodeFixed([-lim]), /index 0/);
    const below = lim - 2 ** -5;
    expect(decodeFixed(encodeFixed([below, -below]))).to.deep.equal(new Float64Array([below, -below]));
    rangeErr(() => encodeFixed([2 ** 63], undefined, 0), /below 2\^63/);
    rangeErr(() => encodeFixed([1.5], undefined, 0.5), /f=0.5/);
    rangeErr(() => encodeFixed([1], undefined, 63), /f=63/);
  });
});
