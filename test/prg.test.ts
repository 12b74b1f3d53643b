import { expect } from 'chai';
import { createCipheriv, createHash, hkdfSync } from 'node:crypto';
import { Prg, PrgMatrix, deriveKey, labelNonce } from '../src/crypto/prg.js';
import { isConcordError } from '../src/errors.js';

const SEED = new TextEncoder().encode('prg test seed, 32 bytes long....');
const KEY = Uint8Array.from({ length: 16 }, (_, i) => i * 17);

/** A tensor's words as little-endian bytes (what the PRG stream wrote). */
function bytesOf(r: { data: BigUint64Array }): Uint8Array {
  return new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Keystream straight from node:crypto, with the IV layout documented in prg.ts. */
function direct(key: Uint8Array, tag: number, sub: number, n: number): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(sub, 0);
  iv.writeUInt32BE(tag, 4);
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(n));
}

describe('PRG (AES-128-CTR)', () => {
  it('known answer: equals node:crypto aes-128-ctr over zeros for several (tag, sub)', () => {
    for (const [tag, sub] of [[0, 0], [1, 0], [0, 1], [0xffffffff, 7], [123456, 0x80000000]] as const) {
      for (const n of [1, 16, 33, 300000]) {
        expect(hex(new Prg(KEY, tag, sub).bytes(n)), `tag=${tag} sub=${sub} n=${n}`).to.equal(hex(direct(KEY, tag, sub, n)));
      }
    }
  });

  it('deriveKey is HKDF-SHA256 with info "concord/<label>" (cross-checked with node:crypto)', () => {
    const want = new Uint8Array(hkdfSync('sha256', SEED, new Uint8Array(0), 'concord/pair/0/1', 16));
    expect(hex(deriveKey(SEED, 'pair/0/1'))).to.equal(hex(want));
    expect(() => deriveKey(new Uint8Array(15), 'x')).to.throw(/at least 16 bytes/);
  });

  it('is deterministic, and reads in pieces continue the same stream', () => {
    const whole = Prg.fromSeed(SEED, 'det').bytes(400000);
    expect(hex(Prg.fromSeed(SEED, 'det').bytes(400000))).to.equal(hex(whole));
    const p = Prg.fromSeed(SEED, 'det');
    const parts: Uint8Array[] = [];
    for (const n of [1, 15, 17, 131071, 131073, 100000, 37823]) parts.push(p.bytes(n));
    expect(hex(Buffer.concat(parts))).to.equal(hex(whole));
  });

  it('labels, tags and subs give unrelated streams', () => {
    const streams = [
      Prg.fromSeed(SEED, 'a'), Prg.fromSeed(SEED, 'b'), Prg.fromSeed(SEED, 'a/'), Prg.fromSeed(SEED.map((x, i) => (i === 0 ? x ^ 1 : x)), 'a'),
      new Prg(KEY, 0, 0), new Prg(KEY, 1, 0), new Prg(KEY, 0, 1), new Prg(KEY, 1, 1),
    ].map((p) => p.bytes(4096));
    const seen = new Set<string>();
    for (const s of streams) {
      // No stream is another one shifted by whole blocks either: compare every 16-byte block.
      for (let i = 0; i < s.length; i += 16) {
        const blk = hex(s.subarray(i, i + 16));
        expect(seen.has(blk), `repeated block ${blk}`).to.equal(false);
        seen.add(blk);
      }
    }
  });

  it('ring() holds the keystream as little-endian 64-bit words and looks uniform', () => {
    const r = Prg.fromSeed(SEED, 'ring').ring([500, 200]);
    expect(r.shape).to.deep.equal([500, 200]);
    const bytes = Prg.fromSeed(SEED, 'ring').bytes(8 * r.size);
    expect(r.get(0)).to.equal(Buffer.from(bytes).readBigUInt64LE(0));
    expect(r.get(r.size - 1)).to.equal(Buffer.from(bytes).readBigUInt64LE(8 * (r.size - 1)));
    // Top bit frequency of 10^5 words: mean 0.5, sd 0.0016; 0.49..0.51 is over 6 sd.
    const top = r.shr(63).sum().get(0);
    expect(Number(top) / r.size).to.be.within(0.49, 0.51);
  });

  it('fill overwrites a caller buffer in place', () => {
    const buf = new Uint8Array(70000).fill(0xaa);
    Prg.fromSeed(SEED, 'fill').fill(buf.subarray(5, 69995));
    expect(buf[4]).to.equal(0xaa);
    expect(buf[69995]).to.equal(0xaa);
    expect(hex(buf.subarray(5, 69995))).to.equal(hex(Prg.fromSeed(SEED, 'fill').bytes(69990)));
  });

  it('xorInto XORs the same keystream into a buffer in place, and reads the stream as fill does (pieces across chunks)', () => {
    const data = Uint8Array.from({ length: 300001 }, (_, i) => (i * 31 + 7) & 0xff);
    const buf = data.slice();
    const g = Prg.fromSeed(SEED, 'xorInto');
    g.xorInto(buf.subarray(0, 5));
    g.xorInto(buf.subarray(5, 131077));
    g.xorInto(buf.subarray(131077));
    const ks = Prg.fromSeed(SEED, 'xorInto').bytes(data.length);
    expect(hex(buf)).to.equal(hex(data.map((b, i) => b ^ ks[i]!)));
    // the stream continues where it stopped, as after bytes()
    const h = Prg.fromSeed(SEED, 'xorInto');
    h.bytes(data.length);
    const z = new Uint8Array(40);
    g.xorInto(z);
    expect(hex(z)).to.equal(hex(h.bytes(40)));
  });

  it('small reads (the shared ECB cipher over counter blocks) and large ones (CTR) are one stream: every mix of sizes, fill and xorInto, odd starts, high tag and sub', () => {
    const total = 40_000;
    for (const [tag, sub] of [[3, 5], [0xffffffff, 0xfffffffe]] as const) {
      const ks = direct(KEY, tag, sub, 8 + total);
      // sizes below, at and above SMALL_READ (8 KiB), in several orders; every start offset mod 16
      for (const sizes of [[1, 7, 8, 9, 15, 16, 17, 8192, 8193, 5], [3, 8191, 2, 20_000, 1, 33], [16_384, 1, 2, 3], [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]]) {
        for (const word of [0, 1]) {
          const g = new Prg(KEY, tag, sub, word);
          let off = word * 8;
          sizes.forEach((n, i) => {
            const got = new Uint8Array(n).fill(0xa5);
            if (i % 2) g.xorInto(got);
            else g.fill(got);
            const want = ks.subarray(off, off + n).map((b) => (i % 2 ? b ^ 0xa5 : b));
            expect(hex(got), `tag ${tag} word ${word} sizes ${sizes.join(',')} read ${i}`).to.equal(hex(want));
            off += n;
          });
        }
      }
    }
    // Two streams of one key share its ECB cipher and stay independent of each other's reads.
    const a = new Prg(KEY, 1, 1), b = new Prg(KEY, 2, 1);
    const a1 = a.bytes(24), b1 = b.bytes(40), a2 = a.bytes(24);
    expect(hex(a1) + hex(a2)).to.equal(hex(direct(KEY, 1, 1, 48)));
    expect(hex(b1)).to.equal(hex(direct(KEY, 2, 1, 40)));
  });

  it('sameRange gives each key the bytes of its numbered stream at the range (node CTR), for ranges that end inside a block', () => {
    const keys = [0, 1, 2].map((i) => new Uint8Array(16).fill(0x11 * (i + 1)));
    for (const [byte, n] of [[0, 16_384], [16 * 1000, 8], [16 * 3, 40], [0, 0]] as const) {
      const got: string[] = [];
      Prg.sameRange(keys, 300, 0, byte, n, (j, ks) => { got[j] = hex(ks); });
      keys.forEach((key, j) => expect(got[j], `key ${j} bytes [${byte}, ${byte + n})`).to.equal(hex(direct(key, 300, 0, byte + n).subarray(byte))));
    }
    expect(() => Prg.sameRange(keys, 300, 0, 8, 16, () => undefined)).to.throw(/multiple of 16/);
  });

  it('readAhead makes the next bytes in one call and every read is still the stream: inside, across its end, after a large read, past SMALL_READ (ignored)', () => {
    const ks = direct(KEY, 4, 9, 60_000);
    const cases: { word: number; ahead: number; reads: number[] }[] = [
      { word: 0, ahead: 1536, reads: [512, 512, 512, 8] }, // an hm product's three zero-sharings, then past the end
      { word: 3, ahead: 100, reads: [40, 70, 16] }, // odd start; a read straddling the end of what was made
      { word: 1, ahead: 800, reads: [24, 20_000, 24] }, // a large read (the CTR cipher) in between
      { word: 0, ahead: 20_000, reads: [8, 8] }, // above SMALL_READ: ignored
    ];
    for (const { word, ahead, reads } of cases) {
      const g = new Prg(KEY, 4, 9, word);
      g.readAhead(ahead);
      let off = word * 8;
      reads.forEach((n, i) => {
        const got = i % 2 ? (() => { const b = new Uint8Array(n).fill(0x3c); g.xorInto(b); return b.map((x) => x ^ 0x3c); })() : g.bytes(n);
        expect(hex(got), `word ${word} ahead ${ahead} read ${i} of ${n}`).to.equal(hex(ks.subarray(off, off + n)));
        off += n;
      });
    }
  });

  it('labelled streams are AES-128-CTR under deriveKey(seed, "label-key") from IV SHA-256(label)[0..12) ‖ 0^32 (node:crypto), small and large reads, word offsets, PrgMatrix rows and gather', () => {
    const ref = (seed: Uint8Array, label: string, n: number): Uint8Array => {
      const iv = Buffer.concat([createHash('sha256').update(label).digest().subarray(0, 12), Buffer.alloc(4)]);
      return createCipheriv('aes-128-ctr', deriveKey(seed, 'label-key'), iv).update(Buffer.alloc(n));
    };
    const other = new TextEncoder().encode('another seed, also 32 bytes long');
    for (const label of ['item/triple/7/64', 'item/triple/7/65', 'item/trunc/7/64/f16', '']) {
      for (const seed of [SEED, other]) {
        const want = ref(seed, label, 8 + 40_000);
        const g = Prg.labelled(seed, labelNonce(label));
        let off = 0;
        for (const n of [24, 8, 9000, 5, 20_000, 3]) {
          expect(hex(g.bytes(n)), `${label} read of ${n} at ${off}`).to.equal(hex(want.subarray(off, off + n)));
          off += n;
        }
        expect(hex(Prg.labelled(seed, labelNonce(label), 1).bytes(100)), `${label} from word 1`).to.equal(hex(want.subarray(8, 108)));
        const m = PrgMatrix.labelled(seed, labelNonce(label), [50, 7]);
        expect(hex(bytesOf(m.rows(3, 9))), `${label} rows`).to.equal(hex(want.subarray(3 * 56, 9 * 56)));
        const rows = m.gather([4, 1, 49]);
        expect(hex(bytesOf(rows)), `${label} gather`).to.equal(hex(Buffer.concat([want.subarray(4 * 56, 5 * 56), want.subarray(56, 112), want.subarray(49 * 56, 50 * 56)])));
      }
      expect(hex(Prg.labelled(SEED, labelNonce(label)).bytes(64))).to.not.equal(hex(Prg.labelled(other, labelNonce(label)).bytes(64)));
    }
    expect(hex(Prg.labelled(SEED, labelNonce('a')).bytes(64))).to.not.equal(hex(Prg.labelled(SEED, labelNonce('b')).bytes(64)));
    // The 32-bit block counter must not wrap into the nonce: a read past 2^32 blocks is refused.
    const end = Prg.labelled(SEED, labelNonce('end'), 2 ** 33 - 1);
    expect(end.bytes(8).length).to.equal(8);
    expect(() => end.bytes(1)).to.throw(/exhausted/).that.satisfies((e: unknown) => isConcordError(e, 'E_RANGE'));
    // Large reads (the CTR cipher) count towards the end too.
    const near = Prg.labelled(SEED, labelNonce('end'), 2 ** 33 - 4096); // 32 KiB before the end
    near.bytes(3 * 8192);
    expect(() => near.bytes(2 * 8192)).to.throw(/exhausted/);
    expect(() => Prg.labelled(SEED, new Uint8Array(16))).to.throw(/12-byte nonce/);
  });

  it('rejects keys that are not 16 bytes', () => {
    expect(() => new Prg(new Uint8Array(32))).to.throw(/16 bytes/).that.satisfies((e: unknown) => isConcordError(e));
  });

  it('a word offset seeks: the stream from word w equals the whole stream past w (odd and even w, across a block)', () => {
    const key = deriveKey(new Uint8Array(16).fill(5), 'seek');
    const whole = new Prg(key, 9, 4).ring([70_000]).data;
    for (const w of [0, 1, 2, 3, 31, 32_767, 32_768, 65_537]) {
      const part = new Prg(key, 9, 4, w).ring([Math.min(1000, 70_000 - w)]).data;
      expect(Array.from(part), `word ${w}`).to.deep.equal(Array.from(whole.subarray(w, w + part.length)));
    }
    expect(() => new Prg(key, 0, 0, -1)).to.throw(/word offset/);
    expect(() => new Prg(key, 0, 0, 1.5)).to.throw(/word offset/);
  });

  it('PrgMatrix rows are the rows of the whole stream read as r×k, for any block, and are never cached', () => {
    const key = deriveKey(new Uint8Array(16).fill(6), 'matrix');
    const [r, k] = [101, 7];
    const whole = new Prg(key, 3, 11).ring([r, k]);
    const m = new PrgMatrix(key, 3, 11, [r, k]);
    expect(m.shape).to.deep.equal([r, k]);
    for (const [a, b] of [[0, r], [0, 1], [1, 2], [13, 77], [100, 101], [50, 50]] as const) {
      expect(m.rows(a, b).equals(whole.slice(a, b)), `rows ${a}..${b}`).to.equal(true);
    }
    const first = m.rows(2, 5);
    first.data[0] = 0n;
    expect(m.rows(2, 5).equals(whole.slice(2, 5))).to.equal(true);
    expect(() => m.rows(5, 4)).to.throw(/out of range/).that.satisfies((e: unknown) => isConcordError(e));
    expect(() => m.rows(0, r + 1)).to.throw(/out of range/);
    expect(() => new PrgMatrix(key, 0, 0, [r])).to.throw(/2-D/);
    const shifted = new PrgMatrix(key, 3, 11, [r, k], (t) => t.shl(3));
    expect(shifted.rows(4, 9).equals(whole.slice(4, 9).shl(3))).to.equal(true);
  });

  it('PrgMatrix gather (one ECB call over the CTR blocks) equals the rows one by one: odd and even widths, repeats, first and last rows, high tag and sub', () => {
    const key = deriveKey(new Uint8Array(16).fill(9), 'gather');
    for (const [k, tag, sub] of [[31, 3, 11], [30, 0xffffffff, 0], [1, 7, 0xffffffff], [2, 0, 0], [7, 123456789, 42]] as const) {
      const r = 997;
      const whole = new Prg(key, tag, sub).ring([r, k]);
      const m = new PrgMatrix(key, tag, sub, [r, k]);
      const idx = [0, r - 1, 1, 2, 3, 500, 500, 996, 13, 14, 401];
      expect(m.gather(idx).equals(whole.gather(idx)), `k=${k}`).to.equal(true);
      expect(m.gather([]).shape).to.deep.equal([0, k]);
    }
    const m = new PrgMatrix(key, 1, 2, [10, 3], (t) => t.shl(5));
    expect(m.gather([4, 2]).equals(new Prg(key, 1, 2).ring([10, 3]).gather([4, 2]).shl(5))).to.equal(true);
    expect(() => m.gather([10])).to.throw(/row 10 out of range/).with.property('code', 'E_SHAPE');
    expect(() => m.gather([1.5])).to.throw(/out of range/);
  });
});
