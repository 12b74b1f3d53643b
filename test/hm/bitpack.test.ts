import { expect } from 'chai';
import { Prg } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import { packRows, packedBytes, unpackRows } from '../../protocols/offline/hm/bitpack.js';
import { truncWidths } from '../../protocols/offline/hm/trunc.js';
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

  it('edge values (0, all ones, top bit) survive; a message of the wrong length is E_FRAME', () => {
    const widths = [64, 63, 1];
    const r = Ring.from([0n, (1n << 64n) - 1n, 1n << 63n, 1n << 62n, (1n << 64n) - 1n, 3n], [3, 2]);
    const back = unpackRows(packRows(r, widths), widths, 2);
    expect(Array.from(back.data)).to.deep.equal([0n, (1n << 64n) - 1n, 0n, 1n << 62n, 1n, 1n]);
    expect(() => unpackRows(new Uint8Array(3), widths, 2)).to.throw(/E_FRAME|expected/);
  });

  it('a truncation pair costs 354 bytes at f = 16 and 384 at f = 30 (was 512)', () => {
    expect(packedBytes(truncWidths(16), 1000) / 1000).to.be.closeTo(353.9, 0.1);
    expect(packedBytes(truncWidths(30), 1000) / 1000).to.be.closeTo(383.6, 0.1);
  });
});
