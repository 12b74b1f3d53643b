import { expect } from 'chai';
import { Prg } from '../../src/crypto/prg.js';
import { dpfEvalAll, dpfGen, dpfKeyBytes, dpfShape } from '../../protocols/offline/hm/dpf.js';
import { testSeed } from '../helpers/parties.js';

/**
 * The distributed point function of hm's lookup masks (protocols/offline/hm/dpf.ts) against its
 * definition, Y_0(x) − Y_1(x) = β_p·[x = α] on the whole domain, for seeded random points,
 * payloads and roots, every depth 1..10, 1..4 payloads and the edge points 0 and 2^d − 1 (and
 * payloads 0, 1, −1, 2^63); the public part's size; and that the public part looks the same
 * whatever α (its bits are balanced for α = 0 and α = 2^d − 1 alike).
 */
const ONES = (1n << 64n) - 1n;

function prg(label: string): Prg {
  return new Prg(testSeed(`dpf/${label}`).slice(0, 16));
}

/** Points, payloads and both roots for `count` keys of depth d. */
function keys(label: string, count: number, depth: number, payloads: number, alphas?: number[]) {
  const g = prg(label);
  const M = 2 ** depth;
  const raw = g.ring([count]).data;
  const alpha = Uint32Array.from(alphas ?? Array.from(raw, (v) => Number(v % BigInt(M))));
  const edge = [0n, 1n, ONES, 1n << 63n];
  const betas = Array.from({ length: payloads }, (_, p) => {
    const b = g.ring([count]).data;
    if (count > 4) for (let e = 0; e < 4; e++) b[e] = edge[(e + p) % 4]!;
    return b;
  });
  return { alpha, betas, roots0: g.bytes(16 * count), roots1: g.bytes(16 * count) };
}

describe('hm: distributed point function (BGI16 tree, full-domain evaluation)', () => {
  for (let depth = 1; depth <= 10; depth++) {
    it(`depth ${depth}: Y0 − Y1 is β at α and 0 elsewhere, for 1..4 payloads, random and edge points`, () => {
      const M = 2 ** depth;
      for (let P = 1; P <= 4; P++) {
        const count = 24;
        const alphas = Array.from({ length: count }, (_, e) => (e === 0 ? 0 : e === 1 ? M - 1 : -1));
        const k = keys(`d${depth}p${P}`, count, depth, P);
        alphas.forEach((a, e) => a >= 0 && (k.alpha[e] = a));
        const pub = dpfGen(k.roots0, k.roots1, k.alpha, k.betas, depth);
        expect(pub.length).to.equal(count * dpfKeyBytes(depth, P));
        const y0 = dpfEvalAll(k.roots0, 0, pub, count, depth, P);
        const y1 = dpfEvalAll(k.roots1, 1, pub, count, depth, P);
        for (let p = 0; p < P; p++) {
          for (let e = 0; e < count; e++) {
            for (let x = 0; x < M; x++) {
              const d = BigInt.asUintN(64, y0[p]![e * M + x]! - y1[p]![e * M + x]!);
              const want = x === k.alpha[e] ? k.betas[p]![e]! : 0n;
              if (d !== want) expect.fail(`depth ${depth}, P ${P}, element ${e}, payload ${p}, x ${x}: got ${d}, want ${want} (α ${k.alpha[e]})`);
            }
          }
        }
        // Each holder's own values are pseudorandom, not the point function itself.
        if (depth >= 4) expect(y0[0]!.filter((v) => v === 0n).length).to.be.below(2);
      }
    });
  }

  it('a holder with the wrong root gets no point function', () => {
    const k = keys('wrong-root', 8, 6, 1);
    const pub = dpfGen(k.roots0, k.roots1, k.alpha, k.betas, 6);
    const y0 = dpfEvalAll(k.roots0, 0, pub, 8, 6, 1)[0]!;
    const bad = dpfEvalAll(prg('other').bytes(16 * 8), 1, pub, 8, 6, 1)[0]!;
    const zeros = y0.filter((v, i) => v === bad[i]).length;
    expect(zeros).to.be.below(3);
  });

  it('the public part is balanced whatever α (0 or 2^d − 1): one holder learns nothing of the point from it', () => {
    const depth = 7, count = 2000;
    // Final words and seed corrections come first, the control-bit corrections last.
    const words = (P: number): number => { const g = dpfShape(depth, P); return count * (8 * P * g.slots + 16 * g.levels); };
    const frac = (alpha: number): number => {
      const k = keys(`balance-${alpha}`, count, depth, 3, Array.from({ length: count }, () => alpha));
      const pub = dpfGen(k.roots0, k.roots1, k.alpha, k.betas, depth);
      let ones = 0;
      for (const byte of pub.subarray(0, words(3))) ones += byte.toString(2).split('1').length - 1;
      return ones / (words(3) * 8);
    };
    const bits = (alpha: number, which: 0 | 1): number => {
      const k = keys(`bits-${alpha}`, count, depth, 1, Array.from({ length: count }, () => alpha));
      const pub = dpfGen(k.roots0, k.roots1, k.alpha, k.betas, depth);
      const cw = pub.subarray(words(1));
      let ones = 0;
      for (const b of cw) ones += (b >> which) & 1;
      return ones / cw.length;
    };
    expect(dpfKeyBytes(depth, 3)).to.equal(5 * 17 + 3 * 4 * 8); // 2 levels cut: 4 slots per terminal node
    for (const a of [0, 127]) {
      expect(frac(a), `α ${a}: seed and final corrections`).to.be.closeTo(0.5, 0.005);
      expect(bits(a, 0), `α ${a}: left control-bit corrections`).to.be.closeTo(0.5, 0.03);
      expect(bits(a, 1), `α ${a}: right control-bit corrections`).to.be.closeTo(0.5, 0.03);
    }
  });
});
