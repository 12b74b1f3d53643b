import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import * as R from '../src/ring/reference.js';
import { isConcordError } from '../src/errors.js';
import { EDGES, randRing, testPrg } from './helpers/ring-gen.js';

// [n, k, m] for op(A) n×k · op(B) k×m: vectors, tile edges (micro-kernel 2×4), k across the
// 256-step k-block, empty dimensions.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 9, 1], [1, 7, 9], [9, 7, 1], [7, 13, 5], [2, 4, 4], [3, 3, 3], [4, 1, 4], [5, 2, 11],
  [33, 64, 31], [5, 300, 3], [17, 513, 9], [64, 64, 64], [0, 3, 4], [3, 0, 4], [3, 4, 0],
];
const VARIANTS = [[false, false], [true, false], [false, true], [true, true]] as const;

describe('ring matmul against the BigInt reference', () => {
  for (const [tA, tB] of VARIANTS) {
    it(`transA=${tA} transB=${tB}: every shape of ${SHAPES.length}`, () => {
      const p = testPrg(`matmul/${tA}/${tB}`);
      for (const [n, k, m] of SHAPES) {
        const a = randRing(p, tA ? [k, n] : [n, k]);
        const b = randRing(p, tB ? [m, k] : [k, m]);
        const c = a.matmul(b, { transA: tA, transB: tB });
        expect(c.shape, `${n}×${k}×${m}`).to.deep.equal([n, m]);
        const want = new BigUint64Array(n * m);
        R.matmul(a.data, b.data, want, n, k, m, tA, tB);
        for (let i = 0; i < want.length; i++) {
          if (c.data[i] !== want[i]) expect.fail(`${n}×${k}×${m} tA=${tA} tB=${tB}: element ${i} is ${c.data[i]}, reference ${want[i]}`);
        }
      }
    });
  }

  it('edge values in both operands (every product of two edges appears)', () => {
    const e = EDGES.length;
    const a = Ring.from(EDGES, [e, 1]);
    const b = Ring.from(EDGES, [1, e]);
    const c = a.matmul(b);
    for (let i = 0; i < e; i++) for (let j = 0; j < e; j++) {
      expect(c.data[i * e + j]).to.equal(BigInt.asUintN(64, EDGES[i]! * EDGES[j]!));
    }
    // Sums that wrap: a row of 2^64−1 against a column of 2^64−1, k = 5 → 5 mod 2^64.
    const ones = Ring.fill([3, 5], (1n << 64n) - 1n);
    expect(ones.matmul(ones, { transB: true }).data.every((x) => x === 5n)).to.equal(true);
  });

  it('runs the same after a large product grows kernel memory', () => {
    const p = testPrg('matmul/grow');
    const a = randRing(p, [7, 13]);
    const b = randRing(p, [13, 5]);
    const before = a.matmul(b);
    const big = Ring.fill([600, 600], 3n);
    expect(big.matmul(big).get(0)).to.equal(5400n);
    expect(a.matmul(b).equals(before)).to.equal(true);
  });

  it('rejects mismatched or non-2-D operands with E_SHAPE', () => {
    const a = Ring.zeros([2, 3]);
    expect(() => a.matmul(Ring.zeros([2, 3]))).to.throw(/inner dimensions differ/).that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
    expect(() => a.matmul(Ring.zeros([3]))).to.throw(/2-D/).that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
    expect(() => a.matmul(Ring.zeros([2, 3]), { transA: true })).not.to.throw();
  });
});
