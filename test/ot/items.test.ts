import { expect } from 'chai';
import { Ring } from '../../src/ring/ring.js';
import type { DaBits, Triple, TruncPair } from '../../src/session/preprocessing.js';
import type { Session } from '../../src/session/session.js';
import { otSessions, runOtParties as runFresh } from './helpers.js';

const sum = (rs: Ring[]): Ring => rs.reduce((a, b) => a.add(b));
const xor = (rs: Ring[]): Ring => rs.reduce((a, b) => a.xor(b));
const open3 = (ts: Triple[]) => ({ a: sum(ts.map((t) => t.a)), b: sum(ts.map((t) => t.b)), c: sum(ts.map((t) => t.c)) });

/** Fraction of set bits over all elements (uniformity smoke check of opened randomness). */
function ones(r: Ring): number {
  const w = new Uint32Array(r.data.buffer, r.data.byteOffset, r.size * 2);
  let c = 0;
  for (const x of w) c += popcount(x);
  return c / (w.length * 32);
}
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

describe('OT preprocessing: every item kind reconstructs correctly (test-only reveal)', function () {
  this.timeout(120_000);
  for (const n of [2, 3, 5]) {
    const count = n === 3 ? 100_000 : n === 2 ? 20_000 : 5_000;
    // one set of sessions per n (base OTs once, as in a real session)
    let ss: Session[] = [];
    const runOtParties = <T>(_n: number, body: (s: Session) => Promise<T>, _label?: string): Promise<T[]> => Promise.all(ss.map(body));
    before(() => { ss = otSessions(n, `items-${n}`); });
    after(async () => { await Promise.all(ss.map((s) => s.close())); });
    it(`element triples: c = a·b for ${count} triples, n=${n}`, async () => {
      const ts = await runOtParties(n, (s) => s.prep.triple(s.tag(), [count]), `items-t${n}`);
      const { a, b, c } = open3(ts);
      expect(c.equals(a.mul(b))).to.equal(true);
      expect(ones(a)).to.be.within(0.49, 0.51);
      // each party's share alone is not the value
      expect(ts[0]!.a.equals(a)).to.equal(false);
    });

    it(`matrix triples (both OT orientations) and several requests of one shape, n=${n}`, async () => {
      const out = await runOtParties(n, async (s) => {
        const t1 = await s.prep.matrixTriple(s.tag(), 3, 4, 5);
        const t2 = await s.prep.matrixTriple(s.tag(), 7, 3, 2);
        const more = await Promise.all([0, 1, 2].map(() => s.prep.matrixTriple(s.tag(), 7, 3, 2)));
        return [t1, t2, ...more];
      }, `items-m${n}`);
      for (let i = 0; i < out[0]!.length; i++) {
        const { a, b, c } = open3(out.map((o) => o[i]!));
        expect(c.equals(a.matmul(b))).to.equal(true, `matrix triple ${i}`);
      }
      const b1 = open3(out.map((o) => o[2]!)).b, b2 = open3(out.map((o) => o[3]!)).b;
      expect(b1.equals(b2)).to.equal(false);
    });

    it(`truncation pairs: r = rLow + 2^63·rTop, rLowShifted = rLow >> f, n=${n}`, async () => {
      const f = 16;
      const ps: TruncPair[] = await runOtParties(n, (s) => s.prep.truncPair(s.tag(), [2, 500], f), `items-tr${n}`);
      const r = sum(ps.map((p) => p.r)), lo = sum(ps.map((p) => p.rLowShifted)), top = sum(ps.map((p) => p.rTop));
      expect(r.shape).to.deep.equal([2, 500]);
      expect(top.equals(r.shr(63))).to.equal(true);
      expect(lo.equals(r.shl(1).shr(1 + f))).to.equal(true);
      expect(ones(r)).to.be.within(0.47, 0.53);
    });

    it(`bit triples: c = a AND b over 64-bit words, n=${n}`, async () => {
      const ts = await runOtParties(n, (s) => s.prep.bitTriple(s.tag(), [4000]), `items-b${n}`);
      const a = xor(ts.map((t) => t.a)), b = xor(ts.map((t) => t.b)), c = xor(ts.map((t) => t.c));
      expect(c.equals(a.and(b))).to.equal(true);
    });

    it(`daBits: the arithmetic bit equals the XOR bit, n=${n}`, async () => {
      const ds: DaBits[] = await runOtParties(n, (s) => s.prep.daBits(s.tag(), [3000]), `items-d${n}`);
      const arith = sum(ds.map((d) => d.arith)), bin = xor(ds.map((d) => d.bin));
      expect(arith.equals(bin)).to.equal(true);
      expect(bin.equals(bin.bit(0))).to.equal(true);
      const mean = Number(arith.sum().get(0)) / 3000;
      expect(mean).to.be.within(0.45, 0.55);
    });

    it(`edaBits: the arithmetic r equals the XOR word (all 64 bits, and the low bits asked for), n=${n}`, async () => {
      const es = await runOtParties(n, async (s) => [await s.prep.edaBits(s.tag(), [2, 300]), await s.prep.edaBits(s.tag(), [500], 21)], `items-e${n}`);
      const full = es.map((e) => e[0]!), low = es.map((e) => e[1]!);
      const arith = sum(full.map((d) => d.arith)), bin = xor(full.map((d) => d.bin));
      expect(arith.shape).to.deep.equal([2, 300]);
      expect(arith.equals(bin)).to.equal(true);
      expect(ones(arith)).to.be.within(0.47, 0.53);
      const m = Ring.fill([500], (1n << 21n) - 1n);
      const la = sum(low.map((d) => d.arith));
      expect(la.and(m).equals(xor(low.map((d) => d.bin)).and(m))).to.equal(true);
      expect(ones(la)).to.be.within(0.47, 0.53); // the high part is uniform too
    });

    it(`masked triples: C = op(A)·B for row slices and transposes of one mask, n=${n}`, async () => {
      const out = await runOtParties(n, async (s) => {
        const maskTag = s.tag();
        const a = await s.prep.matrixMask(maskTag, [10, 4]);
        const uses = [{ m: 3 }, { start: 2, end: 7, m: 1 }, { start: 2, end: 7, transpose: true, m: 2 }, { start: 2, end: 7, m: 1 }];
        const ts = [];
        for (const u of uses) ts.push(await s.prep.maskedTriple(maskTag, s.tag(), u));
        return { a, ts };
      }, `items-mask${n}`);
      const a = sum(out.map((o) => o.a.rows(0, 10)));
      const ops = [a, a.slice(2, 7), a.slice(2, 7).transpose(), a.slice(2, 7)];
      ops.forEach((opA, i) => {
        const b = sum(out.map((o) => o.ts[i]!.b)), c = sum(out.map((o) => o.ts[i]!.c));
        expect(c.equals(opA.matmul(b))).to.equal(true, `use ${i}`);
      });
      expect(sum(out.map((o) => o.ts[1]!.b)).equals(sum(out.map((o) => o.ts[3]!.b)))).to.equal(false);
    });
  }

  it('concurrent requests of mixed kinds and shapes, spanning batch boundaries, n=3', async () => {
    const out = await runFresh(3, async (s) => Promise.all([
      s.prep.triple(s.tag(), [100]),
      s.prep.bitTriple(s.tag(), [10]),
      s.prep.triple(s.tag(), [300]),
      s.prep.triple(s.tag(), [5]),
      s.prep.matrixTriple(s.tag(), 2, 2, 2),
      s.prep.triple(s.tag(), [1000]),
    ]), 'items-mixed', { firstBatch: 64, maxBatch: 256 });
    for (const i of [0, 2, 3, 5]) {
      const { a, b, c } = open3(out.map((o) => o[i] as Triple));
      expect(c.equals(a.mul(b))).to.equal(true);
    }
    const m = open3(out.map((o) => o[4] as Triple));
    expect(m.c.equals(m.a.matmul(m.b))).to.equal(true);
  });
});
