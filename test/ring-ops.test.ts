import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import * as R from '../src/ring/reference.js';
import { isConcordError } from '../src/errors.js';
import { EDGES, edgePairs, randRing, testPrg } from './helpers/ring-gen.js';

// Lengths around every SIMD width and around the 32768-element streaming chunk of wasm.ts.
const LENGTHS = [0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 32767, 32768, 32769, 70001];

type U64 = BigUint64Array;

function refOut(n: number, run: (o: U64) => void): U64 {
  const o = new BigUint64Array(n);
  run(o);
  return o;
}

function expectSame(got: Ring, want: U64, what: string): void {
  expect(got.size, `${what}: length`).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got.data[i] !== want[i]) expect.fail(`${what}: element ${i} is ${got.data[i]}, reference ${want[i]}`);
  }
}

const BINARY = ['add', 'sub', 'mul', 'xor', 'and'] as const;
const SHIFTS = [0, 1, 7, 31, 32, 33, 62, 63];

describe('ring ops against the BigInt reference', () => {
  for (const op of BINARY) {
    it(`${op}: every pair of edge values`, () => {
      const [a, b] = edgePairs();
      expectSame(a[op](b), refOut(a.size, (o) => R[op](a.data, b.data, o)), op);
    });
    it(`${op}: seeded random, lengths ${LENGTHS.join(',')}`, () => {
      const p = testPrg(`binary/${op}`);
      for (const n of LENGTHS) {
        const a = randRing(p, [n]);
        const b = randRing(p, [n]);
        expectSame(a[op](b), refOut(n, (o) => R[op](a.data, b.data, o)), `${op} n=${n}`);
      }
    });
  }

  it('rotDot: each row against a rotated table equals the BigInt sum, for odd and even widths, edge values, chunked rows; bad rotations are E_RANGE', () => {
    const p = testPrg('rotDot');
    for (const [r, c] of [[1, 1], [3, 7], [5, 2], [700, 128], [300, 129]] as const) {
      const a = randRing(p, [r, c]);
      const t = randRing(p, [c]).data;
      const d = new BigUint64Array(2 * c);
      for (let k = 0; k < 2 * c; k++) d[k] = t[(((-k) % c) + c) % c]!;
      const idx = Int32Array.from(p.ring([r]).data, (v) => Number(v % BigInt(c)));
      if (r > 1) [idx[0], idx[1]] = [0, c - 1];
      const want = new BigUint64Array(r);
      for (let i = 0; i < r; i++) {
        let acc = 0n;
        for (let j = 0; j < c; j++) acc += a.data[i * c + j]! * t[(((idx[i]! - j) % c) + c) % c]!;
        want[i] = BigInt.asUintN(64, acc);
      }
      expectSame(a.rotDot(d, idx), want, `rotDot ${r}×${c}`);
    }
    const bad = Int32Array.from([0, 4]);
    expect(() => Ring.zeros([2, 4]).rotDot(new BigUint64Array(8), bad)).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_RANGE'));
    expect(() => Ring.zeros([2, 4]).rotDot(new BigUint64Array(7), Int32Array.from([0, 1]))).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
  });

  it('combine (add, xor) of 1..4 parts equals chained add/xor, all lengths, into a view and in place', () => {
    const p = testPrg('combine');
    for (const op of ['add', 'xor'] as const) {
      for (const n of LENGTHS) {
        for (let k = 1; k <= 4; k++) {
          const parts = Array.from({ length: k }, () => randRing(p, [n]));
          const want = parts.slice(1).reduce((acc, x) => acc[op](x), parts[0]!.clone());
          expectSame(Ring.combine(op, parts), want.data, `combine ${op} n=${n} k=${k}`);
          const backing = new BigUint64Array(n + 3);
          const into = new Ring([n], backing.subarray(2, 2 + n));
          Ring.combine(op, parts, into);
          expectSame(into, want.data, `combine ${op} into a view n=${n} k=${k}`);
          expect(backing[0]! | backing[1]! | backing[n + 2]!, 'combine writes outside its view').to.equal(0n);
          Ring.combine(op, parts, parts[0]);
          expectSame(parts[0]!, want.data, `combine ${op} in place n=${n} k=${k}`);
        }
      }
    }
    const [a, b] = edgePairs();
    expectSame(Ring.combine('add', [a, b, a]), refOut(a.size, (o) => R.add(a.data, b.data, o)).map((v, i) => BigInt.asUintN(64, v + a.data[i]!)), 'combine of edge values');
    expect(() => Ring.combine('add', [Ring.zeros([3]), Ring.zeros([4])])).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
    expect(() => Ring.combine('add', [])).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
  });

  it('beaver = c + e·y + a·f against the reference, all lengths and edge values', () => {
    const p = testPrg('beaver');
    const ref = (c: Ring, e: Ring, y: Ring, a: Ring, f: Ring): U64 => refOut(c.size, (o) => {
      const ey = new BigUint64Array(c.size);
      const af = new BigUint64Array(c.size);
      R.mul(e.data, y.data, ey);
      R.mul(a.data, f.data, af);
      R.add(c.data, ey, o);
      R.add(o, af, o);
    });
    for (const n of [...LENGTHS, 16383, 16384, 16385, 50001]) {
      const [c, e, y, a, f] = Array.from({ length: 5 }, () => randRing(p, [n]));
      expectSame(Ring.beaver(c!, e!, y!, a!, f!), ref(c!, e!, y!, a!, f!), `beaver n=${n}`);
    }
    const [x, z] = edgePairs();
    expectSame(Ring.beaver(x, z, x, z, z), ref(x, z, x, z, z), 'beaver of edge values');
    expect(() => Ring.beaver(Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([4]), Ring.zeros([3]), Ring.zeros([3]))).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
  });

  it('addSub = a + b − c and replicated = u − d + x·(y + yn) + xn·y against BigInt, all lengths and edge values', () => {
    const p = testPrg('replicated');
    const M = (1n << 64n) - 1n;
    const refAddSub = (a: Ring, b: Ring, c: Ring): U64 => refOut(a.size, (o) => {
      for (let i = 0; i < a.size; i++) o[i] = (a.data[i]! + b.data[i]! - c.data[i]!) & M;
    });
    const refRep = (u: Ring, d: Ring, x: Ring, y: Ring, xn: Ring, yn: Ring): U64 => refOut(u.size, (o) => {
      for (let i = 0; i < u.size; i++) o[i] = (u.data[i]! - d.data[i]! + x.data[i]! * (y.data[i]! + yn.data[i]!) + xn.data[i]! * y.data[i]!) & M;
    });
    for (const n of [...LENGTHS, 16383, 16384, 16385, 50001]) {
      const [u, d, x, y, xn, yn] = Array.from({ length: 6 }, () => randRing(p, [n]));
      expectSame(Ring.addSub(u!, d!, x!), refAddSub(u!, d!, x!), `addSub n=${n}`);
      expectSame(Ring.replicated(u!, d!, x!, y!, xn!, yn!), refRep(u!, d!, x!, y!, xn!, yn!), `replicated n=${n}`);
    }
    const [e, z] = edgePairs();
    expectSame(Ring.addSub(e, z, e), refAddSub(e, z, e), 'addSub of edge values');
    expectSame(Ring.replicated(e, z, e, z, z, e), refRep(e, z, e, z, z, e), 'replicated of edge values');
    expect(() => Ring.addSub(Ring.zeros([3]), Ring.zeros([4]), Ring.zeros([3]))).to.throw().that.satisfies((err: unknown) => isConcordError(err, 'E_SHAPE'));
    expect(() => Ring.replicated(Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([2]))).to.throw().that.satisfies((err: unknown) => isConcordError(err, 'E_SHAPE'));
  });

  it('replicatedXor = u ⊕ x∧(y ⊕ yn) ⊕ xn∧y against BigInt, all lengths, edge values and written over u', () => {
    const p = testPrg('replicatedXor');
    const ref = (u: Ring, x: Ring, y: Ring, xn: Ring, yn: Ring): U64 => refOut(u.size, (o) => {
      for (let i = 0; i < u.size; i++) o[i] = u.data[i]! ^ (x.data[i]! & (y.data[i]! ^ yn.data[i]!)) ^ (xn.data[i]! & y.data[i]!);
    });
    for (const n of [...LENGTHS, 16383, 16384, 16385, 50001]) {
      const [u, x, y, xn, yn] = Array.from({ length: 5 }, () => randRing(p, [n]));
      const want = ref(u!, x!, y!, xn!, yn!);
      expectSame(Ring.replicatedXor(u!, x!, y!, xn!, yn!), want, `replicatedXor n=${n}`);
      const over = u!.clone();
      expect(Ring.replicatedXor(over, x!, y!, xn!, yn!, over)).to.equal(over);
      expectSame(over, want, `replicatedXor over u, n=${n}`);
    }
    const [e, z] = edgePairs();
    expectSame(Ring.replicatedXor(e, z, e, z, e), ref(e, z, e, z, e), 'replicatedXor of edge values');
    expect(() => Ring.replicatedXor(Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([2]), Ring.zeros([3]))).to.throw().that.satisfies((err: unknown) => isConcordError(err, 'E_SHAPE'));
    expect(() => Ring.replicatedXor(Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([3]), Ring.zeros([4]))).to.throw().that.satisfies((err: unknown) => isConcordError(err, 'E_SHAPE'));
  });

  it('beaver over bits (op xor) = c ⊕ (e ∧ y) ⊕ (a ∧ f), all lengths and edge values', () => {
    const p = testPrg('beaver-xor');
    const ref = (c: Ring, e: Ring, y: Ring, a: Ring, f: Ring): U64 => refOut(c.size, (o) => {
      for (let i = 0; i < c.size; i++) o[i] = c.data[i]! ^ (e.data[i]! & y.data[i]!) ^ (a.data[i]! & f.data[i]!);
    });
    for (const n of [...LENGTHS, 16383, 16384, 16385]) {
      const [c, e, y, a, f] = Array.from({ length: 5 }, () => randRing(p, [n]));
      expectSame(Ring.beaver(c!, e!, y!, a!, f!, 'xor'), ref(c!, e!, y!, a!, f!), `beaverXor n=${n}`);
    }
    const [x, z] = edgePairs();
    expectSame(Ring.beaver(x, z, x, z, z, 'xor'), ref(x, z, x, z, z), 'beaverXor of edge values');
  });

  it('xorScalar, andScalar and shrAnd against BigInt, edge scalars and every shift', () => {
    const p = testPrg('bitfield');
    const words = [...EDGES, 0x5555555555555555n, 0x00000000ffffffffn, (1n << 63n) - 1n, 1n << 63n];
    for (const n of [0, 1, 2, 7, 33, 32767, 32768, 32769]) {
      const a = randRing(p, [n]);
      for (const k of words) {
        const km = BigInt.asUintN(64, k);
        expectSame(a.xorScalar(k), refOut(n, (o) => { for (let i = 0; i < n; i++) o[i] = a.data[i]! ^ km; }), `xorScalar n=${n} k=${k}`);
        expectSame(a.andScalar(k), refOut(n, (o) => { for (let i = 0; i < n; i++) o[i] = a.data[i]! & km; }), `andScalar n=${n} k=${k}`);
      }
      for (const s of SHIFTS) {
        expectSame(a.shrAnd(s, 0x0f0f0f0f0f0f0f0fn), refOut(n, (o) => { for (let i = 0; i < n; i++) o[i] = (a.data[i]! >> BigInt(s)) & 0x0f0f0f0f0f0f0f0fn; }), `shrAnd n=${n} s=${s}`);
      }
    }
    expect(() => Ring.zeros([2]).shrAnd(64, 1n)).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_RANGE'));
  });

  it('foldHalves and unfoldHalves: the second half folded onto the first (odd lengths padded with 0) and back', () => {
    const p = testPrg('fold-halves');
    const lanes: [bigint, number][] = [[0x5555555555555555n, 1], [0x3333333333333333n, 2], [0x0f0f0f0f0f0f0f0fn, 4], [0x00ff00ff00ff00ffn, 8], [0x0000ffff0000ffffn, 16], [0x00000000ffffffffn, 32]];
    for (const n of [1, 2, 3, 7, 8, 33, 32767, 32768, 32769, 65537, 70001]) {
      const x = randRing(p, [n]);
      const h = Math.ceil(n / 2);
      for (const [m, sh] of lanes) {
        for (const pre of [0, sh]) {
          const want = refOut(h, (o) => {
            for (let i = 0; i < h; i++) {
              const hi = h + i < n ? (x.data[h + i]! >> BigInt(pre)) & m : 0n;
              o[i] = ((x.data[i]! >> BigInt(pre)) & m) ^ BigInt.asUintN(64, hi << BigInt(sh));
            }
          });
          expectSame(x.foldHalves(m, pre, sh), want, `foldHalves n=${n} lanes=${sh} pre=${pre}`);
        }
        // Round trip on the lanes: unfold(fold(x & m)) = x & m.
        const lo = x.andScalar(m);
        expectSame(lo.foldHalves(m, 0, sh).unfoldHalves(m, sh, n), lo.data, `unfold∘fold n=${n} lanes=${sh}`);
      }
    }
    expect(() => Ring.zeros([4]).unfoldHalves(1n, 1, 9)).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
  });

  it('truncFinish equals the truncation formula in BigInt for party 0 and the others, every f, edge values', () => {
    const p = testPrg('trunc-finish');
    const M = (1n << 64n) - 1n;
    const ref = (c: Ring, t: Ring, l: Ring, f: number, p0: boolean): U64 => refOut(c.size, (o) => {
      for (let i = 0; i < c.size; i++) {
        const ct = c.data[i]! >> 63n, ti = t.data[i]!;
        let w = (ti - 2n * ct * ti + (p0 ? ct : 0n)) & M;
        let z = ((w << BigInt(63 - f)) - l.data[i]!) & M;
        if (p0) z = (z + (((c.data[i]! << 1n) & M) >> BigInt(f + 1)) - (1n << BigInt(62 - f))) & M;
        o[i] = z;
      }
    });
    for (const n of [0, 1, 2, 3, 17, 16383, 16384, 16385, 40001]) {
      const [c, t, l] = Array.from({ length: 3 }, () => randRing(p, [n]));
      for (const f of [1, 16, 30, 62]) {
        for (const p0 of [true, false]) expectSame(Ring.truncFinish(c!, t!, l!, f, p0), ref(c!, t!, l!, f, p0), `truncFinish n=${n} f=${f} p0=${p0}`);
      }
    }
    const [x, z] = edgePairs();
    for (const p0 of [true, false]) expectSame(Ring.truncFinish(x, z, x, 16, p0), ref(x, z, x, 16, p0), `truncFinish edges p0=${p0}`);
    expect(() => Ring.truncFinish(Ring.zeros([2]), Ring.zeros([2]), Ring.zeros([2]), 63, true)).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_RANGE'));
    expect(() => Ring.truncFinish(Ring.zeros([2]), Ring.zeros([3]), Ring.zeros([2]), 16, true)).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
  });

  it('neg and not, all lengths and edge values', () => {
    const p = testPrg('unary');
    for (const n of LENGTHS) {
      const a = randRing(p, [n]);
      expectSame(a.neg(), refOut(n, (o) => R.neg(a.data, o)), `neg n=${n}`);
      expectSame(a.not(), refOut(n, (o) => R.not(a.data, o)), `not n=${n}`);
    }
    const e = Ring.from(EDGES);
    expectSame(e.neg(), refOut(e.size, (o) => R.neg(e.data, o)), 'neg edges');
  });

  it('scale and addScalar with edge and negative scalars', () => {
    const p = testPrg('scalar');
    const scalars = [...EDGES, -1n, -3n, 0x1234_5678_9abc_def0n, (1n << 64n) + 5n];
    for (const n of [0, 1, 7, 33, 32769]) {
      const a = randRing(p, [n]);
      for (const k of scalars) {
        expectSame(a.scale(k), refOut(n, (o) => R.scale(a.data, k, o)), `scale n=${n} k=${k}`);
        expectSame(a.addScalar(k), refOut(n, (o) => R.addScalar(a.data, k, o)), `addScalar n=${n} k=${k}`);
      }
    }
  });

  it('shl, shr, sar and bit for shift amounts 0..63', () => {
    const p = testPrg('shift');
    for (const n of [0, 1, 2, 9, 33, 32769]) {
      const a = randRing(p, [n]);
      for (const s of SHIFTS) {
        expectSame(a.shl(s), refOut(n, (o) => R.shl(a.data, s, o)), `shl n=${n} s=${s}`);
        expectSame(a.shr(s), refOut(n, (o) => R.shr(a.data, s, o)), `shr n=${n} s=${s}`);
        expectSame(a.sar(s), refOut(n, (o) => R.sar(a.data, s, o)), `sar n=${n} s=${s}`);
        expectSame(a.bit(s), refOut(n, (o) => R.bit(a.data, s, o)), `bit n=${n} s=${s}`);
      }
    }
  });

  it('rejects shift amounts outside 0..63 with E_RANGE', () => {
    const a = Ring.from([1, 2]);
    for (const s of [-1, 64, 1.5, NaN]) {
      expect(() => a.shl(s)).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_RANGE'));
      expect(() => a.bit(s)).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_RANGE'));
    }
  });

  it('rejects element-wise ops on different shapes with E_SHAPE', () => {
    const a = Ring.zeros([2, 3]);
    expect(() => a.add(Ring.zeros([3, 2]))).to.throw(/shapes \[2×3\] and \[3×2\] differ/).that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
    expect(() => a.mul(Ring.zeros([6]))).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
  });

  it('2-D element-wise ops keep the shape', () => {
    const p = testPrg('2d');
    const a = randRing(p, [7, 13]);
    const b = randRing(p, [7, 13]);
    const c = a.mul(b);
    expect(c.shape).to.deep.equal([7, 13]);
    expectSame(c, refOut(91, (o) => R.mul(a.data, b.data, o)), 'mul 7×13');
  });
});

describe('ring layout ops against the reference', () => {
  const SHAPES: [number, number][] = [[1, 1], [1, 9], [9, 1], [7, 13], [13, 7], [16, 16], [17, 33], [40, 3], [0, 4], [4, 0]];

  it('transpose', () => {
    const p = testPrg('transpose');
    for (const [r, c] of SHAPES) {
      const a = randRing(p, [r, c]);
      const t = a.transpose();
      expect(t.shape).to.deep.equal([c, r]);
      expectSame(t, refOut(r * c, (o) => R.transpose(a.data, o, r, c)), `transpose ${r}×${c}`);
    }
    const v = randRing(p, [5]);
    expect(v.transpose().equals(v)).to.equal(true);
  });

  it('sum along each axis and in total', () => {
    const p = testPrg('sum');
    for (const [r, c] of SHAPES) {
      const a = randRing(p, [r, c]);
      expectSame(a.sum(0), refOut(c, (o) => R.colSum(a.data, o, r, c)), `sum(0) ${r}×${c}`);
      expectSame(a.sum(1), refOut(r, (o) => R.rowSum(a.data, o, r, c)), `sum(1) ${r}×${c}`);
      expectSame(a.sum(), refOut(1, (o) => R.rowSum(a.data, o, 1, r * c)), `sum() ${r}×${c}`);
    }
    const v = Ring.from([(1n << 64n) - 1n, 2n, 1n << 63n, 1n << 63n]);
    expect(v.sum().shape).to.deep.equal([1]);
    expect(v.sum().get(0)).to.equal(1n);
  });

  it('slice, sliceCols, gather, concat (both axes), reshape, clone', () => {
    const p = testPrg('layout');
    const a = randRing(p, [7, 5]);
    const b = randRing(p, [3, 5]);
    const at = (x: Ring, i: number, j: number) => x.data[i * x.shape[1]! + j]!;
    const s = a.slice(2, 6);
    expect(s.shape).to.deep.equal([4, 5]);
    expect(at(s, 0, 0)).to.equal(at(a, 2, 0));
    const sc = a.sliceCols(1, 4);
    expect(sc.shape).to.deep.equal([7, 3]);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 3; j++) expect(at(sc, i, j)).to.equal(at(a, i, j + 1));
    expect(a.sliceCols(2, 2).shape).to.deep.equal([7, 0]);
    expect(() => a.sliceCols(3, 6)).to.throw(/out of bounds/);
    const g = a.gather([6, 0, 6]);
    expect(g.slice(0, 1).equals(a.slice(6, 7))).to.equal(true);
    expect(g.slice(2, 3).equals(a.slice(6, 7))).to.equal(true);
    expect(() => a.gather([7])).to.throw(/out of bounds/);
    const c0 = Ring.concat([a, b], 0);
    expect(c0.shape).to.deep.equal([10, 5]);
    expect(c0.slice(7, 10).equals(b)).to.equal(true);
    const c1 = Ring.concat([a, sc], 1);
    expect(c1.shape).to.deep.equal([7, 8]);
    expect(c1.sliceCols(0, 5).equals(a)).to.equal(true);
    expect(c1.sliceCols(5, 8).equals(sc)).to.equal(true);
    expect(() => Ring.concat([a, b], 1)).to.throw(/do not fit/);
    const v = Ring.concat([Ring.from([1, 2]), Ring.from([3])], 1);
    expect(v.toSigned()).to.deep.equal([1n, 2n, 3n]);
    const r = a.reshape([35]);
    expect(r.data).to.equal(a.data);
    const cl = a.clone();
    cl.data[0] = cl.data[0]! + 1n;
    expect(cl.equals(a)).to.equal(false);
  });

  it('tensors that are views at an offset into a larger buffer', () => {
    const p = testPrg('views');
    const backing = randRing(p, [3 + 2 * 35]).data;
    const a = new Ring([5, 7], backing.subarray(3, 38));
    const b = new Ring([7, 5], backing.subarray(38, 73));
    const want = new BigUint64Array(25);
    R.matmul(a.data, b.data, want, 5, 7, 5, false, false);
    expectSame(a.matmul(b), want, 'matmul of views');
    expectSame(a.add(a), refOut(35, (o) => R.add(a.data, a.data, o)), 'add of views');
    expectSame(a.transpose(), refOut(35, (o) => R.transpose(a.data, o, 5, 7)), 'transpose of a view');
    expect(a.equals(new Ring([5, 7], a.data.slice()))).to.equal(true);
    expect(a.equals(new Ring([5, 7], backing.subarray(4, 39)))).to.equal(false);
  });

  it('equals compares shape and every element, including the last', () => {
    const p = testPrg('equals');
    for (const n of [1, 2, 3, 17]) {
      const a = randRing(p, [n]);
      const b = a.clone();
      expect(a.equals(b)).to.equal(true);
      b.data[n - 1] = b.data[n - 1]! ^ (1n << 63n);
      expect(a.equals(b)).to.equal(false);
    }
    expect(Ring.zeros([2, 3]).equals(Ring.zeros([3, 2]))).to.equal(false);
    expect(Ring.zeros([0]).equals(Ring.zeros([0]))).to.equal(true);
    const big = randRing(p, [4, 8]);
    expect(big.slice(1, 3).equals(big.slice(1, 3))).to.equal(true);
  });
});
