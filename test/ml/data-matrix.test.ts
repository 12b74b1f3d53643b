import { expect } from 'chai';
import { Ring } from '../../src/ring/ring.js';
import { Prg } from '../../src/crypto/prg.js';
import { orderedColumns, orderedRows, orderedSource, SeededData } from '../../src/ml/data-matrix.js';
import { input, inputSeeded } from '../../protocols/arithmetic/input.js';
import { open } from '../../protocols/arithmetic/open.js';
import { runParties } from '../helpers/parties.js';
import { memoryDealer } from '../helpers/dealer.js';
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
    expect(() => orderedColumns([1, 1], [source(rnd(35, [2, 2]), true)])).to.throw(/orderedColumns: the order is not a permutation of 2 rows/).with.property('code', 'E_SHAPE');
  });
});

describe('ml/data-matrix SeededData', () => {
  it('products on the same rows, awaited in turn or run concurrently, open E_b once and equal the plaintext; rows in the training order', async () => {
    const n = 3;
    const x = rnd(41, [30, 4]);
    const w = rnd(42, [4, 2]);
    const g = rnd(43, [6, 3]);
    const order = trainingOrder(30, 7);
    const xo = x.gather(order);
    const { preps } = memoryDealer(n, 'seeded-data');
    const outs = await runParties(n, async (s) => {
      const parts = [0, 1, 2].map((p) => inputSeeded(s, p, [10, 4], s.me === p ? (a, b) => x.slice(10 * p + a, 10 * p + b) : undefined));
      const X = await SeededData.mask(s, orderedSource(order, 4, parts));
      const ws = input(s, 1, [4, 2], s.me === 1 ? w : undefined);
      const gs = input(s, 2, [6, 3], s.me === 2 ? g : undefined);
      const bytes = () => s.stats().bytesSent;
      const b0 = bytes();
      const f1 = await X.times(2, 8, ws);
      const t1 = await X.transposeTimes(2, 8, gs);
      const b1 = bytes();
      // Concurrently, on new rows: the second call takes the first's E_b while it is still being opened.
      const [f2, t2] = await Promise.all([X.times(8, 14, ws), X.transposeTimes(8, 14, gs)]);
      const b2 = bytes();
      const f3 = await X.times(2, 8, ws); // rows seen before, but not the latest: opened again
      const b3 = bytes();
      return { vals: await Promise.all([f1, t1, f2, t2, f3].map((v) => open(s, v))), spent: [b1 - b0, b2 - b1, b3 - b2] };
    }, { seed: 'seeded-data', prep: (me) => preps[me]! });
    const perPeer = (words: number) => (n - 1) * 8 * words;
    for (const o of outs) {
      expect(o.vals[0]!.equals(xo.slice(2, 8).matmul(w))).to.equal(true);
      expect(o.vals[1]!.equals(xo.slice(2, 8).matmul(g, { transA: true }))).to.equal(true);
      expect(o.vals[2]!.equals(xo.slice(8, 14).matmul(w))).to.equal(true);
      expect(o.vals[3]!.equals(xo.slice(8, 14).matmul(g, { transA: true }))).to.equal(true);
      expect(o.vals[4]!.equals(xo.slice(2, 8).matmul(w))).to.equal(true);
      // E_b (6×4) once per batch, plus W − B (4×2) and G − B (6×3) per product.
      expect(o.spent).to.deep.equal([perPeer(24 + 8 + 18), perPeer(24 + 8 + 18), perPeer(24 + 8)]);
    }
  });
});
