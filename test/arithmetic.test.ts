import { expect } from 'chai';
import { Prg } from '../src/crypto/prg.js';
import { Ring } from '../src/ring/ring.js';
import { encodeFixed, decodeFixed } from '../src/ring/fixed.js';
import type { Session } from '../src/session/session.js';
import type { Preprocessing } from '../src/session/preprocessing.js';
import { input, inputBlocks, inputSeeded } from '../protocols/arithmetic/input.js';
import { createHmPreprocessing } from '../protocols/offline/hm/preprocessing.js';
import { open, openMany, revealTo } from '../protocols/arithmetic/open.js';
import { addPublic, addPublicScalar, subFromPublic, publicShare } from '../protocols/arithmetic/linear.js';
import { mul } from '../protocols/arithmetic/mul.js';
import { matmul } from '../protocols/arithmetic/matmul.js';
import { trunc, truncMany, openWithTrunc } from '../protocols/arithmetic/trunc.js';
import { mulFx, matmulFx, matmulMaskedFx } from '../protocols/arithmetic/fixed.js';
import { maskOperand, maskOperandInPlace, maskRows, matmulMasked, matmulMaskedRows } from '../protocols/arithmetic/masked.js';
import { orderedSource } from '../src/ml/data-matrix.js';
import { trainingOrder } from '../src/ml/partition.js';
import { runParties, testSeed } from './helpers/parties.js';
import { memoryDealer } from './helpers/dealer.js';

const rnd = (label: string, shape: number[]) => new Prg(testSeed(label).subarray(0, 16)).ring(shape);
/** Random fixed-point values in (−r, r) as a ring tensor. */
function fx(label: string, shape: number[], r: number): { ring: Ring; vals: Float64Array } {
  const raw = rnd(label, shape);
  const vals = Float64Array.from(raw.data, (v) => (Number(v >> 11n) / 2 ** 53 * 2 - 1) * r);
  return { ring: encodeFixed(vals, shape), vals };
}
const EDGE = Ring.from([0n, 1n, -1n, 1n << 63n, (1n << 63n) - 1n, 1n << 62n, -(1n << 62n), 12345n]);

/** 'hm' (three parties only): its products are the replicated product, not Beaver's. */
type PrepKind = 'insecure' | 'dealer' | 'hm';
function prepFor(kind: PrepKind, n: number, label: string): ((me: number) => Preprocessing) | undefined {
  if (kind === 'insecure' || kind === 'hm') return undefined;
  const { preps } = memoryDealer(n, label);
  return (me) => preps[me]!;
}
async function run<T>(kind: PrepKind, n: number, label: string, body: (s: Session) => Promise<T>): Promise<T[]> {
  if (kind === 'hm') return runParties(n, body, { seed: label, sessionPrep: (s) => createHmPreprocessing(s) });
  const prep = prepFor(kind, n, label);
  return runParties(n, body, { seed: label, ...(prep ? { prep } : {}) });
}
/** Shares of x owned by party `owner`. */
const share = (s: Session, owner: number, x: Ring) => input(s, owner, x.shape, s.me === owner ? x : undefined);
const allEqual = (outs: Ring[], want: Ring) => outs.forEach((o) => expect(o.equals(want), `got ${o.toSigned().slice(0, 4)} want ${want.toSigned().slice(0, 4)}`).to.equal(true));

for (const kind of ['insecure', 'dealer', 'hm'] as const) {
  for (const n of kind === 'hm' ? [3] : [2, 3, 5]) {
    describe(`arithmetic protocols vs plaintext (n=${n}, ${kind} prep)`, () => {
      it('input and open round-trip (random + edge values); revealTo only reaches the recipients', async () => {
        const x = Ring.concat([rnd('in', [100]), EDGE]);
        const outs = await run(kind, n, 'io', async (s) => {
          const xs = share(s, n - 1, x);
          const [a, b] = await openMany(s, [xs, xs.scale(2n)]);
          const r = await revealTo(s, xs, [0]);
          return { a: a!, b: b!, r };
        });
        allEqual(outs.map((o) => o.a), x);
        allEqual(outs.map((o) => o.b), x.scale(2n));
        expect(outs[0]!.r!.equals(x)).to.equal(true);
        outs.slice(1).forEach((o) => expect(o.r).to.equal(undefined));
      });

      it('inputBlocks: the shares input() makes under the same tag, block by block, for any block size; they open to x', async () => {
        const x = Ring.concat([rnd('ib', [93 * 3]), EDGE.slice(0, 6)]).reshape([95, 3]);
        for (const blockRows of [1, 7, 95, 4096]) {
          const whole = await run(kind, n, `ib${blockRows}`, async (s) => share(s, 1, x));
          const outs = await run(kind, n, `ib${blockRows}`, async (s) => {
            const blocks = [...inputBlocks(s, 1, [95, 3], s.me === 1 ? (a, b) => x.slice(a, b) : undefined, blockRows)];
            return { sizes: blocks.map((b) => b.shape[0]!), all: Ring.concat(blocks.map((b) => b.reshape([b.size]))).reshape([95, 3]), opened: await open(s, Ring.concat(blocks.map((b) => b.reshape([b.size])))) };
          });
          outs.forEach((o, i) => {
            expect(o.sizes.every((h, k) => h === Math.min(blockRows, 95 - k * blockRows)), `block sizes at ${blockRows}`).to.equal(true);
            expect(o.all.equals(whole[i]!), `party ${i}'s share at ${blockRows} rows per block`).to.equal(true);
            expect(o.opened.equals(x.reshape([x.size]))).to.equal(true);
          });
        }
      });

      it('local linear ops: add, sub, scale, public add/sub', async () => {
        const x = rnd('lx', [40]);
        const y = rnd('ly', [40]);
        const p = rnd('lp', [40]);
        const outs = await run(kind, n, 'lin', async (s) => {
          const xs = share(s, 0, x);
          const ys = share(s, 1, y);
          return openMany(s, [xs.add(ys), xs.sub(ys), xs.scale(7n), addPublic(s, xs, p), addPublicScalar(s, xs, -5n), subFromPublic(s, p, xs), publicShare(s, p)]);
        });
        const want = [x.add(y), x.sub(y), x.scale(7n), x.add(p), x.addScalar(-5n), p.sub(x), p];
        for (const o of outs) o.forEach((r, i) => expect(r.equals(want[i]!), `op ${i}`).to.equal(true));
      });

      it('mul matches the ring product on random and edge values', async () => {
        const x = Ring.concat([rnd('mx', [500]), EDGE]);
        const y = Ring.concat([rnd('my', [500]), EDGE.neg()]);
        const outs = await run(kind, n, 'mul', async (s) => open(s, await mul(s, share(s, 0, x), share(s, n - 1, y))));
        allEqual(outs, x.mul(y));
      });

      it('matmul (and transposed operands) match the ring product', async () => {
        const x = rnd('ax', [7, 5]);
        const y = rnd('ay', [5, 3]);
        const g = rnd('ag', [7, 3]);
        const outs = await run(kind, n, 'mm', async (s) => {
          const xs = share(s, 0, x);
          const ys = share(s, 1, y);
          const gs = share(s, n - 1, g);
          const [p, q, r] = await Promise.all([matmul(s, xs, ys), matmul(s, xs, gs, { transA: true }), matmul(s, gs, ys, { transB: true })]);
          return openMany(s, [p, q, r]);
        });
        for (const o of outs) {
          expect(o[0]!.equals(x.matmul(y))).to.equal(true);
          expect(o[1]!.equals(x.matmul(g, { transA: true }))).to.equal(true);
          expect(o[2]!.equals(g.matmul(y, { transB: true }))).to.equal(true);
        }
      });

      it('masked operand: reused across products, row slices and transposes; only Y − B is opened', async () => {
        const x = rnd('kx', [12, 4]);
        const w1 = rnd('kw1', [4, 2]);
        const w2 = rnd('kw2', [4, 2]);
        const g = rnd('kg', [5, 3]);
        const outs = await run(kind, n, 'masked', async (s) => {
          const mx = await maskOperand(s, share(s, 0, x));
          const r = await Promise.all([
            matmulMasked(s, mx, share(s, 1, w1)),
            matmulMasked(s, mx, share(s, 1, w2), { start: 3, end: 8 }),
            matmulMasked(s, mx, share(s, n - 1, g), { start: 7, end: 12, transpose: true }),
          ]);
          return openMany(s, r);
        });
        for (const o of outs) {
          expect(o[0]!.equals(x.matmul(w1))).to.equal(true);
          expect(o[1]!.equals(x.slice(3, 8).matmul(w2))).to.equal(true);
          expect(o[2]!.equals(x.slice(7, 12).matmul(g, { transA: true }))).to.equal(true);
        }
      });

      it('inputSeeded: the shares input() makes under the same tag, as row sources (rows and gather); non-owners keep a seed', async () => {
        const x = Ring.concat([rnd('is', [37 * 5]), EDGE.slice(0, 5)]).reshape([38, 5]);
        const idx = [37, 0, 5, 5, 21, 1];
        const outs = await run(kind, n, 'seeded', async (s) => {
          const t0 = s.tag();
          const src = inputSeeded(s, 1, [38, 5], s.me === 1 ? (a, b) => x.slice(a, b) : undefined, 7);
          const t1 = s.tag();
          // The reference: input()'s shares under the tag inputSeeded took (t0 + 1).
          const ref = s.me === 1 ? x.sub(s.peers.map((j) => s.pairPrg(j, t0 + 1).ring([38, 5])).reduce((a, b) => a.add(b))) : s.pairPrg(1, t0 + 1).ring([38, 5]);
          return { tags: t1 - t0, all: src.rows(0, 38), mid: src.rows(9, 30), gathered: src.gather!(idx), ref, opened: await open(s, src.rows(0, 38)) };
        });
        for (const o of outs) {
          expect(o.tags).to.equal(2);
          expect(o.all.equals(o.ref)).to.equal(true);
          expect(o.mid.equals(o.ref.slice(9, 30))).to.equal(true);
          expect(o.gathered.equals(o.ref.gather(idx))).to.equal(true);
          expect(o.opened.equals(x)).to.equal(true);
        }
      });

      it('masked rows: E_b opened with Y − B in the same round, the known E_b reused; products as maskOperand; in the training order', async () => {
        const x = Ring.concat([rnd('mrx', [19 * 4]), EDGE.slice(0, 4)]).reshape([20, 4]);
        const [w, g] = [rnd('mrw', [4, 3]), rnd('mrg', [6, 2])];
        const rows = [8, 12]; // two owners' parts
        const order = trainingOrder(20, 4);
        const outs = await run(kind, n, 'maskrows', async (s) => {
          const parts = rows.map((r, p) => inputSeeded(s, p, [r, 4], s.me === p ? (a, b) => x.slice(a + (p === 1 ? 8 : 0), b + (p === 1 ? 8 : 0)) : undefined));
          const mr = await maskRows(s, orderedSource(order, 4, parts));
          const r0 = s.stats().rounds;
          const f = await matmulMaskedRows(s, mr, share(s, 1, w), { start: 3, end: 9 });
          const r1 = s.stats().rounds;
          const b = await matmulMaskedRows(s, mr, share(s, n - 1, g), { start: 3, end: 9, transpose: true, known: f.e });
          const r2 = s.stats().rounds;
          const whole = await matmulMaskedRows(s, mr, share(s, 0, w));
          const bad = await matmulMaskedRows(s, mr, share(s, 1, w), { start: 3, end: 8, known: f.e }).catch((e: unknown) => e);
          return { rounds: [r1 - r0, r2 - r1], e: f.e, eKnown: b.e === f.e, a: await open(s, mr.a.rows(3, 9)), vals: await openMany(s, [f.z, b.z, whole.z]), bad };
        });
        const xo = x.gather(order);
        for (const o of outs) {
          expect(o.rounds).to.deep.equal([1, 1]);
          expect(o.e.add(o.a).equals(xo.slice(3, 9))).to.equal(true);
          expect(o.eKnown).to.equal(true);
          expect(o.vals[0]!.equals(xo.slice(3, 9).matmul(w))).to.equal(true);
          expect(o.vals[1]!.equals(xo.slice(3, 9).matmul(g, { transA: true }))).to.equal(true);
          expect(o.vals[2]!.equals(xo.matmul(w))).to.equal(true);
          expect(o.bad).to.have.property('code', 'E_SHAPE');
        }
      });

      it('maskOperandInPlace: row blocks of blockWords, one round each; x becomes E; products as maskOperand', async () => {
        const x = Ring.concat([rnd('ipx', [11, 3]), Ring.from([...EDGE.data.slice(0, 6)], [2, 3])]);
        const w = rnd('ipw', [3, 2]);
        const g = rnd('ipg', [6, 4]);
        // 13 rows of 3 words: 7 words per block → 2 rows per block → 7 rounds; 1 word → 1 row → 13 rounds.
        for (const [blockWords, rounds] of [[7, 7], [1, 13], [1 << 19, 1]] as const) {
          const outs = await run(kind, n, `inplace-${blockWords}`, async (s) => {
            const xs = share(s, 0, x);
            const r0 = s.stats().rounds;
            const mx = await maskOperandInPlace(s, xs, blockWords);
            const used = s.stats().rounds - r0;
            const [p, q] = await Promise.all([matmulMasked(s, mx, share(s, 1, w)), matmulMasked(s, mx, share(s, n - 1, g), { start: 5, end: 11, transpose: true })]);
            return { used, sameBuffer: mx.e.data === xs.data, e: mx.e, a: await open(s, mx.a.rows(0, mx.shape[0]!)), vals: await openMany(s, [p, q]) };
          });
          for (const o of outs) {
            expect(o.used, `rounds at blockWords ${blockWords}`).to.equal(rounds);
            expect(o.sameBuffer).to.equal(true);
            expect(o.e.add(o.a).equals(x)).to.equal(true);
            expect(o.vals[0]!.equals(x.matmul(w))).to.equal(true);
            expect(o.vals[1]!.equals(x.slice(5, 11).matmul(g, { transA: true }))).to.equal(true);
          }
        }
      });

      it('trunc, truncMany and openWithTrunc are within 1 ulp of floor(x / 2^f), incl. edges of the range', async () => {
        const f = 16;
        const lim = 1n << 62n;
        const x = Ring.concat([rnd('tx', [300]).sar(2), Ring.from([0n, 1n, -1n, lim - 1n, -lim, 65535n, 65536n, -65536n])]);
        const outs = await run(kind, n, 'trunc', async (s) => {
          const xs = share(s, 0, x);
          const t1 = await trunc(s, xs, f);
          const [t2, t3] = await truncMany(s, [xs, xs.neg()], f);
          const { opened, truncated } = await openWithTrunc(s, [xs], [xs], f);
          return { vals: await openMany(s, [t1, t2!, t3!, truncated[0]!]), opened: opened[0]! };
        });
        const exact = x.sar(f);
        const exactNeg = x.neg().sar(f);
        for (const o of outs) {
          expect(o.opened.equals(x)).to.equal(true);
          for (const [i, t] of o.vals.entries()) {
            const d = t.sub(i === 2 ? exactNeg : exact).toSigned();
            expect(d.every((v) => v === 0n || v === 1n), `output ${i}: errors ${[...new Set(d)]}`).to.equal(true);
          }
        }
      });

      it('mulFx / matmulFx / matmulMaskedFx agree with float products (large, tiny and negative values)', async () => {
        const a = fx('fa', [6, 4], 1000);
        const b = fx('fb', [4, 3], 30);
        const tiny = encodeFixed([2 ** -16, -(2 ** -16), 3 * 2 ** -16, 0], [4]);
        const big = encodeFixed([30000, -30000, 1, 0.5], [4]); // products up to 9·10^8 < 2^30
        const outs = await run(kind, n, 'fx', async (s) => {
          const as = share(s, 0, a.ring);
          const bs = share(s, n - 1, b.ring);
          const mx = await maskOperand(s, as);
          const [p, q, r] = await Promise.all([matmulFx(s, as, bs), matmulMaskedFx(s, mx, bs), mulFx(s, share(s, 0, big), share(s, 1, big))]);
          const t = await mulFx(s, share(s, 0, tiny), share(s, 1, encodeFixed([1, 1, 1, 1], [4])));
          return (await openMany(s, [p!, q!, r!, t])).map((z) => decodeFixed(z));
        });
        const want = new Float64Array(18);
        for (let i = 0; i < 6; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want[i * 3 + j]! += decodeFixed(a.ring)[i * 4 + k]! * decodeFixed(b.ring)[k * 3 + j]!;
        for (const o of outs) {
          o[0]!.forEach((v, i) => expect(Math.abs(v - want[i]!)).to.be.at.most(2 ** -16));
          o[1]!.forEach((v, i) => expect(Math.abs(v - want[i]!)).to.be.at.most(2 ** -16));
          expect(Array.from(o[2]!)).to.deep.equal([9e8, 9e8, 1, 0.25]);
          o[3]!.forEach((v, i) => expect(Math.abs(v - [2 ** -16, -(2 ** -16), 3 * 2 ** -16, 0][i]!)).to.be.at.most(2 ** -16));
        }
      });
    });
  }
}

describe('arithmetic protocols: errors', () => {
  it('shape mismatches are E_SHAPE naming the shapes', async () => {
    const outs = await runParties(2, async (s) => {
      const errs: string[] = [];
      for (const f of [() => mul(s, Ring.zeros([3]), Ring.zeros([4])), () => matmul(s, Ring.zeros([2, 3]), Ring.zeros([2, 3])), () => trunc(s, Ring.zeros([2]), 0)]) {
        try {
          await f();
        } catch (e) {
          errs.push(`${(e as { code?: string }).code}: ${(e as Error).message}`);
        }
      }
      return errs;
    });
    expect(outs[0]![0]).to.match(/E_SHAPE.*\[3\].*\[4\]/);
    expect(outs[0]![1]).to.match(/E_SHAPE.*\[2×3\].*\[2×3\]/);
    expect(outs[0]![2]).to.match(/E_RANGE.*f=0/);
  });

  it('inputBlocks: rows of the wrong shape are E_SHAPE naming them, a bad block size E_RANGE, a missing owner value E_INTERNAL', async () => {
    const outs = await runParties(2, async (s) => {
      const errs: string[] = [];
      const tries = [
        () => [...inputBlocks(s, s.me, [10, 3], (a, b) => Ring.zeros([b - a, 2]), 4)],
        () => [...inputBlocks(s, 0, [10, 3], undefined, 0)],
        () => [...inputBlocks(s, s.me, [10, 3])],
      ];
      for (const f of tries) {
        try {
          f();
          errs.push('no error');
        } catch (e) {
          errs.push(`${(e as { code?: string }).code}: ${(e as Error).message}`);
        }
      }
      return errs;
    });
    expect(outs[0]![0]).to.match(/E_SHAPE.*rows 0\.\.4.*\[4×2\].*\[4×3\]/);
    expect(outs[0]![1]).to.match(/E_RANGE.*blockRows/);
    expect(outs[0]![2]).to.match(/E_INTERNAL.*passed no value/);
  });
});
