import { expect } from 'chai';
import { Prg } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import { ItemPrgs, hmSeeds, labelHash } from '../../protocols/offline/hm/replicated.js';
import { truncAnds, truncPairs } from '../../protocols/offline/hm/trunc.js';
import { twoCarries } from '../../protocols/offline/hm/carries.js';
import { hmSessions } from '../helpers/hm-view.js';
import { testSeed } from '../helpers/parties.js';

/**
 * hm truncation pairs (trunc.ts) on chosen masks: the pieces are set so that r = u + y hits the
 * carry edges of the circuit (carry into bit f just made or just missed, a carry rippling through
 * all 63 low bits, r at 0, 2^63 − 1, 2^63, 2^64 − 1), plus seeded random ones; for every f the
 * three parties' outputs must sum to r, (r mod 2^63) >> f and r >> 63 exactly.
 */
const M = (1n << 64n) - 1n;

/** (u, y) pairs: party 0's part and the pair's part of r = u + y. */
function edgeCases(f: number): Array<[bigint, bigint]> {
  const p = (k: number): bigint => 1n << BigInt(k);
  const cases: Array<[bigint, bigint]> = [
    [0n, 0n], [M, 1n], [M, M], [p(63) - 1n, 0n], [p(63) - 1n, 1n], [p(63), p(63)], [p(62), p(62)], [p(62), p(62) - 1n],
    [p(f) - 1n, 0n], [p(f) - 1n, 1n], [p(f) - 2n, 1n], [p(63) - p(f), p(f)], [p(63) - p(f), p(f) - 1n], [M - p(f) + 1n, p(f) - 1n],
    [0x5555555555555555n, 0xaaaaaaaaaaaaaaabn], [0x5555555555555555n, 0xaaaaaaaaaaaaaaaan],
  ];
  const rnd = new Prg(testSeed(`trunc-edges/${f}`).slice(0, 16)).ring([200]);
  for (let i = 0; i < 200; i += 2) cases.push([rnd.data[i]!, rnd.data[i + 1]!]);
  return cases.map(([u, y]) => [u & M, y & M]);
}

describe('hm truncation pairs on chosen masks: exact at every carry edge', function () {
  this.timeout(60_000);

  for (const f of [0, 1, 13, 16, 30, 61, 62]) {
    it(`f = ${f}`, async () => {
      const cases = edgeCases(f);
      const n = cases.length;
      const u = Ring.from(cases.map((c) => c[0])), y = Ring.from(cases.map((c) => c[1]));
      const w0 = new Prg(testSeed(`trunc-edges/w0/${f}`).slice(0, 16)).ring([n]);
      const w = [w0, u.xor(w0), y]; // u = w_0 ⊕ w_1, y = w_2
      const ss = hmSessions(n, undefined, () => {});
      const outs = await Promise.all(ss.map((s) => {
        const p = new ItemPrgs(hmSeeds(s), 1, labelHash('edge'));
        p.pieces = () => ({ mine: w[s.me]!.clone(), other: w[(s.me + 1) % 3]!.clone() });
        return truncPairs(s, p, n, f, 1, 'hm/edge');
      }));
      await Promise.all(ss.map((s) => s.close()));
      const sum = (k: 'r' | 'rLowShifted' | 'rTop'): Ring => outs[0]![k].add(outs[1]![k]).add(outs[2]![k]);
      const r = u.add(y);
      expect(sum('r').equals(r), 'r = u + y').to.equal(true);
      const lo = sum('rLowShifted'), top = sum('rTop');
      for (let i = 0; i < n; i++) {
        const ri = r.data[i]!;
        expect(lo.data[i], `case ${i}: r_low >> f`).to.equal((ri & ((1n << 63n) - 1n)) >> BigInt(f));
        expect(top.data[i], `case ${i}: r_top`).to.equal(ri >> 63n);
      }
      // shares are not the values (re-randomized)
      expect(outs[1]!.rTop.equals(top)).to.equal(false);
    });
  }

  it('the documented cost: 182 ANDs and 1 + 7 + 1 rounds at f = 16, 181 ANDs at f = 30', () => {
    expect(truncAnds(16)).to.equal(182);
    expect(truncAnds(30)).to.equal(181);
    expect(twoCarries(16, 63).length).to.equal(7);
    expect(twoCarries(30, 63).length).to.equal(7);
    expect(twoCarries(0, 63).length).to.equal(6);
  });
});
