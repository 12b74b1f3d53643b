import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import { randRing, testPrg } from './helpers/ring-gen.js';
import type { Prg } from '../src/crypto/prg.js';

/** A PRG-chosen dimension in 1..max. */
function dim(p: Prg, max: number): number {
  return 1 + (p.bytes(1)[0]! % max);
}

function eq(a: Ring, b: Ring, law: string): void {
  expect(a.equals(b), law).to.equal(true);
}

const TRIALS = 25;

describe('ring laws (seeded property tests)', () => {
  it('element-wise: commutativity, distributivity, inverses, De Morgan', () => {
    const p = testPrg('laws/elementwise');
    for (let t = 0; t < TRIALS; t++) {
      const shape = [dim(p, 9), dim(p, 40)];
      const [x, y, z] = [randRing(p, shape), randRing(p, shape), randRing(p, shape)];
      const zero = Ring.zeros(shape);
      eq(x.add(y), y.add(x), 'x+y = y+x');
      eq(x.mul(y), y.mul(x), 'xy = yx');
      eq(x.mul(y.add(z)), x.mul(y).add(x.mul(z)), 'x(y+z) = xy+xz');
      eq(x.mul(y).mul(z), x.mul(y.mul(z)), '(xy)z = x(yz)');
      eq(x.sub(x), zero, 'x−x = 0');
      eq(x.add(x.neg()), zero, 'x+(−x) = 0');
      eq(x.sub(y), x.add(y.neg()), 'x−y = x+(−y)');
      eq(x.xor(x), zero, 'x⊕x = 0');
      eq(x.not().not(), x, '¬¬x = x');
      eq(x.and(x.not()), zero, 'x∧¬x = 0');
      eq(x.and(y).not(), x.not().xor(y.not()).xor(x.not().and(y.not())), '¬(x∧y) = ¬x∨¬y');
      eq(x.not(), x.neg().addScalar(-1n), '¬x = −x−1');
    }
  });

  it('scalars and shifts: shl k = scale 2^k, bits rebuild x, sar/shr agree on the sign', () => {
    const p = testPrg('laws/shift');
    for (let t = 0; t < TRIALS; t++) {
      const x = randRing(p, [dim(p, 70)]);
      const k = dim(p, 63);
      eq(x.shl(k), x.scale(1n << BigInt(k)), 'x<<k = x·2^k');
      eq(x.shl(k).shr(k), x.and(Ring.fill(x.shape, (1n << BigInt(64 - k)) - 1n)), '(x<<k)>>k keeps the low bits');
      eq(x.sar(63), x.bit(63).neg(), 'x>>>63 = −msb(x)');
      eq(x.sar(k).xor(x.shr(k)), x.bit(63).neg().shl(64 - k), 'sar and shr differ only in the sign fill');
      let rebuilt = Ring.zeros(x.shape);
      for (let i = 0; i < 64; i++) rebuilt = rebuilt.add(x.bit(i).shl(i));
      eq(rebuilt, x, 'Σ bit_i(x)·2^i = x');
      const c = BigInt(t) * 0x9e37_79b9_7f4a_7c15n;
      eq(x.scale(c).addScalar(c), x.addScalar(1n).scale(c), 'cx + c = c(x+1)');
    }
  });

  it('matmul: distributivity, associativity, (AB)ᵀ = BᵀAᵀ, transpose flags, sums', () => {
    const p = testPrg('laws/matmul');
    for (let t = 0; t < TRIALS; t++) {
      const [n, k, m, l] = [dim(p, 12), dim(p, 20), dim(p, 12), dim(p, 6)];
      const a = randRing(p, [n, k]);
      const b = randRing(p, [k, m]);
      const b2 = randRing(p, [k, m]);
      const c = randRing(p, [m, l]);
      eq(a.matmul(b.add(b2)), a.matmul(b).add(a.matmul(b2)), 'A(B+B′) = AB+AB′');
      eq(a.matmul(b).matmul(c), a.matmul(b.matmul(c)), '(AB)C = A(BC)');
      eq(a.matmul(b).transpose(), b.transpose().matmul(a.transpose()), '(AB)ᵀ = BᵀAᵀ');
      eq(a.transpose().matmul(b, { transA: true }), a.matmul(b), 'transA reads the stored transpose');
      eq(a.matmul(b.transpose(), { transB: true }), a.matmul(b), 'transB reads the stored transpose');
      eq(a.matmul(b).scale(7n), a.scale(7n).matmul(b), '(7A)B = 7(AB)');
      eq(a.sum(0).reshape([1, k]), Ring.fill([1, n], 1n).matmul(a), 'column sums = 1ᵀA');
      eq(a.sum(1).reshape([n, 1]), a.matmul(Ring.fill([k, 1], 1n)), 'row sums = A1');
      eq(a.sum(), a.sum(0).sum(), 'total = sum of column sums');
    }
  });
});
