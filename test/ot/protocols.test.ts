import { expect } from 'chai';
import { Prg } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import { decodeFixed, encodeFixed } from '../../src/ring/fixed.js';
import type { Session } from '../../src/session/session.js';
import { input } from '../../protocols/arithmetic/input.js';
import { open, openMany } from '../../protocols/arithmetic/open.js';
import { mul } from '../../protocols/arithmetic/mul.js';
import { matmul } from '../../protocols/arithmetic/matmul.js';
import { trunc } from '../../protocols/arithmetic/trunc.js';
import { mulFx } from '../../protocols/arithmetic/fixed.js';
import { maskOperand, matmulMasked } from '../../protocols/arithmetic/masked.js';
import { ltz } from '../../protocols/compare/ltz.js';
import { relu } from '../../protocols/compare/relu.js';
import { testSeed } from '../helpers/parties.js';
import { otSessions } from './helpers.js';

const rnd = (label: string, shape: number[]) => new Prg(testSeed(label).subarray(0, 16)).ring(shape);
const EDGE = Ring.from([0n, 1n, -1n, 1n << 63n, (1n << 63n) - 1n, 1n << 62n, -(1n << 62n), 12345n]);
const share = (s: Session, owner: number, x: Ring) => input(s, owner, x.shape, s.me === owner ? x : undefined);

/**
 * The online protocols run unchanged on the OT preprocessing (conformance with the dealer and
 * the insecure test source). One set of sessions per n: base OTs run once, as in a real session.
 */
for (const n of [2, 3, 5]) {
  describe(`online protocols on the OT preprocessing (n=${n}, in memory)`, function () {
    this.timeout(120_000);
    let ss: Session[] = [];
    const all = <T>(body: (s: Session) => Promise<T>): Promise<T[]> => Promise.all(ss.map(body));
    before(() => { ss = otSessions(n, `proto-${n}`); });
    after(async () => { await Promise.all(ss.map((s) => s.close())); });

    it('mul matches the ring product on random and edge values', async () => {
      const x = Ring.concat([rnd('mx', [500]), EDGE]);
      const y = Ring.concat([rnd('my', [500]), EDGE.neg()]);
      const outs = await all(async (s) => open(s, await mul(s, share(s, 0, x), share(s, n - 1, y))));
      for (const o of outs) expect(o.equals(x.mul(y))).to.equal(true);
    });

    it('matmul (plain and transposed) matches the ring product', async () => {
      const x = rnd('ax', [7, 5]), y = rnd('ay', [5, 3]), g = rnd('ag', [7, 3]);
      const outs = await all(async (s) => {
        const xs = share(s, 0, x), ys = share(s, 1, y), gs = share(s, n - 1, g);
        const r = await Promise.all([matmul(s, xs, ys), matmul(s, xs, gs, { transA: true })]);
        return openMany(s, r);
      });
      for (const o of outs) {
        expect(o[0]!.equals(x.matmul(y))).to.equal(true);
        expect(o[1]!.equals(x.matmul(g, { transA: true }))).to.equal(true);
      }
    });

    it('masked operand reused across products, row slices and transposes', async () => {
      const x = rnd('kx', [12, 4]), w = rnd('kw', [4, 2]), g = rnd('kg', [5, 3]);
      const outs = await all(async (s) => {
        const mx = await maskOperand(s, share(s, 0, x));
        const r = await Promise.all([
          matmulMasked(s, mx, share(s, 1, w)),
          matmulMasked(s, mx, share(s, 1, w), { start: 3, end: 8 }),
          matmulMasked(s, mx, share(s, n - 1, g), { start: 7, end: 12, transpose: true }),
        ]);
        return openMany(s, r);
      });
      for (const o of outs) {
        expect(o[0]!.equals(x.matmul(w))).to.equal(true);
        expect(o[1]!.equals(x.slice(3, 8).matmul(w))).to.equal(true);
        expect(o[2]!.equals(x.slice(7, 12).matmul(g, { transA: true }))).to.equal(true);
      }
    });

    it('trunc is within 1 ulp of floor(x / 2^f) over the documented range; mulFx matches floats', async () => {
      const f = 16, lim = 1n << 62n;
      const x = Ring.concat([rnd('tx', [300]).sar(2), Ring.from([0n, 1n, -1n, lim - 1n, -lim, 65535n, 65536n, -65536n])]);
      const a = [1.5, -2.25, 1000.125, -0.0625], b = [2, 0.5, -3.5, 10000.5];
      const outs = await all(async (s) => {
        const t = await trunc(s, share(s, 0, x), f);
        const p = await mulFx(s, share(s, 0, encodeFixed(a)), share(s, n - 1, encodeFixed(b)));
        return openMany(s, [t, p]);
      });
      for (const [t, p] of outs) {
        const d = t!.sub(x.sar(f)).toSigned();
        expect(d.every((v) => v === 0n || v === 1n), `errors ${[...new Set(d)]}`).to.equal(true);
        decodeFixed(p!).forEach((v, i) => expect(Math.abs(v - a[i]! * b[i]!)).to.be.below(2 ** -14));
      }
    });

    it('ltz and relu (bit triples and daBits) agree with plaintext', async () => {
      const x = Ring.concat([rnd('cx', [200]), EDGE.slice(0, 3), Ring.from([-5n, 5n])]);
      const outs = await all(async (s) => {
        const xs = share(s, 0, x);
        const [l, r] = await Promise.all([ltz(s, xs), relu(s, xs)]);
        return openMany(s, [l, r.y, r.d]);
      });
      const neg = x.shr(63);
      const pos = Ring.from(x.toSigned().map((v) => (v > 0n ? 1n : 0n)));
      for (const [l, y, d] of outs) {
        expect(l!.equals(neg)).to.equal(true);
        expect(d!.equals(pos)).to.equal(true);
        expect(y!.equals(x.mul(pos))).to.equal(true);
      }
    });
  });
}
