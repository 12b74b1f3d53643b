import { expect } from 'chai';
import { Prg } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import * as W from '../../src/ring/wasm.js';
import { isConcordError, type ErrorCode } from '../../src/errors.js';
import { fromPlanes, packRows, packedBytes, planesToWords, toPlanes, unpackRows } from '../../protocols/offline/hm/bitpack.js';
import { truncPairBytes } from '../../protocols/offline/hm/trunc.js';
import { testSeed } from '../helpers/parties.js';

describe('hm bit packing of the conversion message', () => {
  it('round-trips every element mod 2^width for widths 0..64 (word boundaries included)', () => {
    const widths = [0, 1, 2, 7, 8, 31, 32, 33, 47, 63, 64, 5];
    for (const count of [1, 3, 64, 1001]) {
      const r = new Prg(testSeed(`pack/${count}`).slice(0, 16)).ring([widths.length, count]);
      const bytes = packRows(r, widths);
      expect(bytes.length).to.equal(packedBytes(widths, count));
      expect(bytes.length).to.equal(Math.ceil((widths.reduce((a, b) => a + b, 0) * count) / 8));
      const back = unpackRows(bytes, widths, count);
      widths.forEach((w, k) => {
        const mask = w === 64 ? (1n << 64n) - 1n : (1n << BigInt(w)) - 1n;
        for (let i = 0; i < count; i++) expect(back.data[k * count + i]).to.equal(r.data[k * count + i]! & mask, `row ${k} (width ${w}) element ${i}`);
      });
    }
  });

  it('refuses widths outside 0..64 and a message past 2^31 bits (E_RANGE), a tensor of the wrong size (E_SHAPE)', () => {
    const isCode = (code: ErrorCode) => (e: unknown): boolean => isConcordError(e, code);
    expect(() => packRows(Ring.zeros([1, 4]), [65])).to.throw().that.satisfies(isCode('E_RANGE'));
    expect(() => packRows(Ring.zeros([1, 4]), [-1])).to.throw().that.satisfies(isCode('E_RANGE'));
    expect(() => unpackRows(new Uint8Array(33), [65], 4)).to.throw().that.satisfies(isCode('E_RANGE'));
    expect(() => W.packBits(new BigUint64Array(0), [64], 2 ** 25)).to.throw().that.satisfies(isCode('E_RANGE'));
    expect(() => W.packBits(new BigUint64Array(5), [8, 8], 2)).to.throw().that.satisfies(isCode('E_SHAPE'));
  });

  it('the message is the documented little-endian bit stream, rows one after another (BigInt reference)', () => {
    const widths = [63, 1, 0, 64, 17, 33];
    for (const count of [1, 5, 64, 333]) {
      const r = new Prg(testSeed(`stream/${count}`).slice(0, 16)).ring([widths.length, count]);
      let stream = 0n, pos = 0n;
      widths.forEach((w, k) => {
        for (let i = 0; i < count; i++, pos += BigInt(w)) stream |= (r.data[k * count + i]! & ((1n << BigInt(w)) - 1n)) << pos;
      });
      const want = Uint8Array.from({ length: packedBytes(widths, count) }, (_, j) => Number((stream >> BigInt(8 * j)) & 0xffn));
      expect(Buffer.from(packRows(r, widths)).toString('hex')).to.equal(Buffer.from(want).toString('hex'), `count ${count}`);
    }
  });

  it('edge values (0, all ones, top bit) survive; a message of the wrong length is E_FRAME', () => {
    const widths = [64, 63, 1];
    const r = Ring.from([0n, (1n << 64n) - 1n, 1n << 63n, 1n << 62n, (1n << 64n) - 1n, 3n], [3, 2]);
    const back = unpackRows(packRows(r, widths), widths, 2);
    expect(Array.from(back.data)).to.deep.equal([0n, (1n << 64n) - 1n, 0n, 1n << 62n, 1n, 1n]);
    expect(() => unpackRows(new Uint8Array(3), widths, 2)).to.throw(/E_FRAME|expected/);
  });

  it('bit planes round-trip every bit of every element (counts off and on a word boundary)', () => {
    for (const count of [0, 1, 63, 64, 65, 1000, 4161]) {
      const r = new Prg(testSeed(`planes/${count}`).slice(0, 16)).ring([count]);
      if (count > 0) r.data[0] = (1n << 64n) - 1n;
      const planes = toPlanes(r, 64);
      expect(planes.shape).to.deep.equal([64, Math.ceil(count / 64)]);
      const rows = fromPlanes(planes, count);
      // the documented layout, read with BigInt: row k, element i at bit i mod 64 of word ⌊i/64⌋
      const words = planes.shape[1]!;
      for (let k = 0; k < 64; k += 7) for (let i = 0; i < count; i += 13) expect((planes.data[k * words + (i >> 6)]! >> BigInt(i & 63)) & 1n).to.equal((r.data[i]! >> BigInt(k)) & 1n, `plane ${k} bit ${i}`);
      for (let k = 0; k < 64; k++) for (let i = 0; i < count; i++) expect(rows.data[k * count + i]).to.equal((r.data[i]! >> BigInt(k)) & 1n, `bit ${k} of element ${i}`);
      // padding bits of the last word stay 0
      if (count % 64) for (let k = 0; k < 64; k++) expect(planes.data[(k + 1) * planes.shape[1]! - 1]! >> BigInt(count % 64)).to.equal(0n);
    }
    expect(() => fromPlanes(new Ring([2, 3]), 64)).to.throw(/E_SHAPE|cannot hold/);
  });

  it('planesToWords inverts toPlanes for 1..64 planes (the bits above the planes come back 0)', () => {
    for (const [count, nbits] of [[1, 64], [33, 64], [64, 1], [100, 17], [1000, 64], [129, 33], [31, 32]] as const) {
      const r = new Prg(testSeed(`words/${count}/${nbits}`).slice(0, 16)).ring([count]);
      const low = nbits === 64 ? (1n << 64n) - 1n : (1n << BigInt(nbits)) - 1n;
      const back = planesToWords(toPlanes(r, nbits), count);
      for (let i = 0; i < count; i++) expect(back.data[i]).to.equal(r.data[i]! & low, `element ${i} of ${count}, ${nbits} planes`);
    }
    expect(() => planesToWords(new Ring([65, 1]), 64)).to.throw(/E_SHAPE|cannot make/);
  });

  it('a truncation pair costs 86 bytes at f = 16 and 87.4 at f = 30 over all links (was 354 and 384)', () => {
    expect(truncPairBytes(16)).to.be.closeTo(86, 0.01);
    expect(truncPairBytes(30)).to.be.closeTo(87.375, 0.01);
  });
});
