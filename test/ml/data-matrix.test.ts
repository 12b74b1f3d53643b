import { expect } from 'chai';
import { Ring } from '../../src/ring/ring.js';
import { Prg } from '../../src/crypto/prg.js';
import { orderedColumns, orderedRows, orderedSource } from '../../src/ml/data-matrix.js';
import type { MaskShare } from '../../src/session/preprocessing.js';
import { trainingOrder } from '../../src/ml/partition.js';

const rnd = (tag: number, shape: number[]) => new Prg(new Uint8Array(16).fill(7), tag).ring(shape);
/** A row source over a tensor, with or without gather. */
const source = (t: Ring, withGather: boolean): MaskShare => ({
  shape: [t.shape[0]!, t.shape[1]!],
  rows: (a, b) => t.slice(a, b),
  ...(withGather ? { gather: (idx: ArrayLike<number>) => t.gather(idx) } : {}),
});

describe('ml/data-matrix orderedRows', () => {
  it('equals Ring.concat(parts).gather(order) for uneven parts, an empty part, widths 1 and 3', () => {
    const parts = [rnd(1, [5, 3]), rnd(2, [0, 3]), rnd(3, [1, 3]), rnd(4, [9, 3])];
    for (const order of [trainingOrder(15, 1), Array.from({ length: 15 }, (_, i) => 14 - i), Array.from({ length: 15 }, (_, i) => i)]) {
      expect(orderedRows(order, 3, parts).equals(Ring.concat(parts).gather(order))).to.equal(true);
    }
    const ys = [rnd(5, [4, 1]), rnd(6, [2, 1])];
    const order = [5, 0, 3, 1, 2, 4];
    expect(orderedRows(order, 1, ys).equals(Ring.concat(ys).gather(order))).to.equal(true);
  });
  it('takes the parts from a generator one at a time', () => {
    const made: number[] = [];
    function* gen(): Generator<Ring> {
      for (let p = 0; p < 3; p++) {
        made.push(p);
        yield rnd(10 + p, [2, 2]);
      }
    }
    const order = trainingOrder(6, 3);
    expect(orderedRows(order, 2, gen()).equals(Ring.concat([0, 1, 2].map((p) => rnd(10 + p, [2, 2]))).gather(order))).to.equal(true);
    expect(made).to.deep.equal([0, 1, 2]);
  });
  it('an order that is no permutation, or parts that do not fit it, are E_SHAPE', () => {
    const two = [rnd(1, [2, 3])];
    expect(() => orderedRows([0, 0], 3, two)).to.throw(/not a permutation/).with.property('code', 'E_SHAPE');
    expect(() => orderedRows([0, 2], 3, two)).to.throw(/not a permutation/).with.property('code', 'E_SHAPE');
    expect(() => orderedRows([1, 0, 2], 3, two)).to.throw(/hold 2 rows, the order 3/).with.property('code', 'E_SHAPE');
    expect(() => orderedRows([1, 0], 4, two)).to.throw(/does not fit/).with.property('code', 'E_SHAPE');
    expect(() => orderedRows([0], 3, two)).to.throw(/does not fit/).with.property('code', 'E_SHAPE');
  });
});

describe('ml/data-matrix orderedSource', () => {
  it('rows of any range equal orderedRows (the whole matrix in the order), with and without gather', () => {
    const parts = [rnd(21, [5, 3]), rnd(22, [1, 3]), rnd(23, [9, 3])];
    const order = trainingOrder(15, 2);
    const whole = orderedRows(order, 3, parts);
    for (const g of [true, false]) {
      const src = orderedSource(order, 3, parts.map((p, i) => source(p, g && i !== 1)));
      expect(src.shape).to.deep.equal([15, 3]);
      for (const [a, b] of [[0, 15], [0, 1], [4, 11], [14, 15], [7, 7]] as const) {
        expect(src.rows(a, b).equals(whole.slice(a, b)), `rows ${a}..${b}`).to.equal(true);
      }
    }
  });
  it('an order that is no permutation, parts of another width or row count, or rows out of range are E_SHAPE', () => {
    const two = [source(rnd(1, [2, 3]), true)];
    expect(() => orderedSource([0, 0], 3, two)).to.throw(/not a permutation/).with.property('code', 'E_SHAPE');
    expect(() => orderedSource([1, 0, 2], 3, two)).to.throw(/hold 2 rows, the order 3/).with.property('code', 'E_SHAPE');
    expect(() => orderedSource([1, 0], 4, two)).to.throw(/width 4/).with.property('code', 'E_SHAPE');
    expect(() => orderedSource([1, 0], 3, two).rows(1, 3)).to.throw(/out of range/).with.property('code', 'E_SHAPE');
  });
});

describe('ml/data-matrix orderedColumns', () => {
  it('equals Ring.concat(parts, 1).gather(order) across chunks of 4,096 rows, with a zero-width part and a part without gather', () => {
    const rows = 9000;
    const parts = [rnd(31, [rows, 3]), rnd(32, [rows, 0]), rnd(33, [rows, 1]), rnd(34, [rows, 5])];
    const order = trainingOrder(rows, 5);
    const got = orderedColumns(order, parts.map((p, i) => source(p, i !== 2)));
    expect(got.equals(Ring.concat(parts, 1).gather(order))).to.equal(true);
    expect(() => orderedColumns(order.slice(1), parts.map((p) => source(p, true)))).to.throw(/a part of 9000 rows for an order of 8999/).with.property('code', 'E_SHAPE');
  });
});
