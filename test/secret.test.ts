import { expect } from 'chai';
import { inspect } from 'node:util';
import { Secret, reveal } from '../src/ml/secret.js';
import { isConcordError } from '../src/errors.js';
import { runParties } from './helpers/parties.js';

describe('Secret tensor API', () => {
  for (const n of [2, 3]) {
    it(`reads like the maths and agrees with plaintext (n=${n})`, async () => {
      const a = [1.5, -2, 0.25, 4, -0.5, 3];
      const w = [2, -1, 0.5];
      const outs = await runParties(n, async (s) => {
        const x = Secret.input(s, 0, [2, 3], s.me === 0 ? a : undefined);
        const v = Secret.input(s, n - 1, [3, 1], s.me === n - 1 ? w : undefined);
        const y = await x.matmul(v);
        const z = (await x.mul(x)).add(1).sub(x).neg();
        const k = await x.scale(0.5);
        const i = await Secret.input(s, 1, [3], s.me === 1 ? [3, -4, 5] : undefined, 0).mul(Secret.input(s, 0, [3], s.me === 0 ? [2, 2, -2] : undefined, 0));
        const only0 = await y.revealTo(['p0']);
        return { y: await reveal(y), z: await z.reveal(), k: await k.reveal(), i: await i.reveal(), only0 };
      });
      for (const [me, o] of outs.entries()) {
        const y = Array.from(o.y as Float64Array);
        expect(y[0]).to.be.closeTo(1.5 * 2 + 2 + 0.125, 2 ** -15);
        expect(y[1]).to.be.closeTo(8 + 0.5 + 1.5, 2 ** -15);
        Array.from(o.z as Float64Array).forEach((v, j) => expect(v).to.be.closeTo(-(a[j]! * a[j]! + 1 - a[j]!), 2 ** -15));
        Array.from(o.k as Float64Array).forEach((v, j) => expect(v).to.be.closeTo(a[j]! / 2, 2 ** -15));
        expect(o.i).to.deep.equal([6n, -8n, -10n]);
        if (me === 0) expect(o.only0).to.not.equal(undefined);
        else expect(o.only0).to.equal(undefined);
      }
    });
  }

  it('cannot be printed, coerced, serialised or used as a number', async () => {
    await runParties(2, async (s) => {
      const x = Secret.input(s, 0, [2, 2], s.me === 0 ? [1, 2, 3, 4] : undefined);
      expect(String(`${x.toString()}`)).to.equal('Secret[2×2]');
      expect(inspect(x)).to.equal('Secret[2×2]');
      for (const f of [() => +x, () => `${x}`, () => x.valueOf(), () => JSON.stringify({ x }), () => (x as unknown as number) > 1, () => (x as unknown as number) + 1]) {
        let err: unknown;
        try {
          f();
        } catch (e) {
          err = e;
        }
        expect(isConcordError(err, 'E_USAGE'), String(err)).to.equal(true);
        expect((err as Error).message).to.match(/reveal/);
      }
    });
  });

  it('rejects misuse with clear errors (shape, owner, value from a non-owner)', async () => {
    await runParties(2, async (s) => {
      const x = Secret.input(s, 0, [2], s.me === 0 ? [1, 2] : undefined);
      const y = Secret.input(s, 0, [3], s.me === 0 ? [1, 2, 3] : undefined);
      expect(() => x.add(y)).to.throw(/E_SHAPE|shapes \[2\] and \[3\] differ/);
      expect(() => Secret.input(s, 5, [1])).to.throw(/owner 5/);
      if (s.me === 1) expect(() => Secret.input(s, 0, [1], [1])).to.throw(/only the owner/);
      if (s.me === 0) expect(() => Secret.input(s, 0, [1], [1.5], 0)).to.throw(/not a safe integer/);
    });
  });
});
