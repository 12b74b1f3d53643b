import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import { encodeFixed, decodeFixed } from '../src/ring/fixed.js';
import { input } from '../protocols/arithmetic/input.js';
import { open } from '../protocols/arithmetic/open.js';
import { mul } from '../protocols/arithmetic/mul.js';
import { matmulFx } from '../protocols/arithmetic/fixed.js';
import { runParties } from './helpers/parties.js';

describe('arithmetic smoke (in-memory, insecure prep)', () => {
  for (const n of [2, 3]) {
    it(`input, mul and open agree with plaintext for n=${n}`, async () => {
      const x = Ring.from([3n, -1n, 1n << 63n, 0n]);
      const y = Ring.from([5n, 7n, 2n, 9n]);
      const out = await runParties(n, async (s) => {
        const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
        const ys = input(s, n - 1, y.shape, s.me === n - 1 ? y : undefined);
        return open(s, await mul(s, xs, ys));
      });
      for (const o of out) expect(o.equals(x.mul(y))).to.equal(true);
    });
  }
  it('matmulFx of 3 parties is within 1 ulp-ish of the float product', async () => {
    const a = [1.5, -2.25, 0.5, 3];
    const b = [2, 0.5, -1, 4];
    const out = await runParties(3, async (s) => {
      const xa = input(s, 0, [2, 2], s.me === 0 ? encodeFixed(a, [2, 2]) : undefined);
      const xb = input(s, 1, [2, 2], s.me === 1 ? encodeFixed(b, [2, 2]) : undefined);
      return decodeFixed(await open(s, await matmulFx(s, xa, xb)));
    });
    const want = [1.5 * 2 + -2.25 * -1, 1.5 * 0.5 + -2.25 * 4, 0.5 * 2 + 3 * -1, 0.5 * 0.5 + 3 * 4];
    for (const o of out) o.forEach((v, i) => expect(Math.abs(v - want[i]!)).to.be.below(2 ** -15));
  });
});
