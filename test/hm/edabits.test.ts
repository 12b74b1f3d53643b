import { expect } from 'chai';
import { Prg } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import { ItemPrgs, hmSeeds, labelHash } from '../../protocols/offline/hm/replicated.js';
import { edaBitBytes, edaBits } from '../../protocols/offline/hm/edabits.js';
import { allCarries } from '../../protocols/offline/hm/carries.js';
import { hmSessions } from '../helpers/hm-view.js';
import { testSeed } from '../helpers/parties.js';
import { isConcordError } from '../../src/errors.js';

/**
 * hm's native edaBits (edabits.ts) against plaintext: with chosen pieces (r = u + y at the carry
 * edges: carries rippling through every bit, 0, 2^63, 2^64 − 1) and seeded random ones, the
 * three parties' arithmetic shares must sum to r and their XOR shares must XOR to r's low `bits`
 * bits, for bits = 1..64; with fresh pieces r must look uniform and shares must not be values.
 */
const M = (1n << 64n) - 1n;

function cases(): Array<[bigint, bigint]> {
  const p = (k: number): bigint => 1n << BigInt(k);
  const c: Array<[bigint, bigint]> = [[0n, 0n], [M, 1n], [M, M], [p(63) - 1n, 1n], [p(63), p(63)], [0x5555555555555555n, 0xaaaaaaaaaaaaaaabn], [p(31) - 1n, 1n], [p(32), p(32) - 1n]];
  for (let k = 1; k < 64; k++) c.push([p(k) - 1n, 1n], [p(k) - 1n, 0n]);
  const rnd = new Prg(testSeed('edabits/cases').slice(0, 16)).ring([200]);
  for (let i = 0; i < 200; i += 2) c.push([rnd.data[i]!, rnd.data[i + 1]!]);
  return c;
}

/** Run edaBits on three in-memory hm sessions; `pieces` (w_0, w_1, w_2) if chosen. */
async function run(count: number, bits: number, pieces?: Ring[]): Promise<{ arith: Ring[]; bin: Ring[]; bytes: number }> {
  const ss = hmSessions(count, undefined, () => {});
  const outs = await Promise.all(ss.map((s) => {
    const p = new ItemPrgs(hmSeeds(s), 1, labelHash('eda'));
    if (pieces) p.pieces = () => ({ mine: pieces[s.me]!.clone(), other: pieces[(s.me + 1) % 3]!.clone() });
    return edaBits(s, p, count, bits, 1, 'hm/eda');
  }));
  const bytes = ss.reduce((a, s) => a + s.stats().bytesSent, 0);
  await Promise.all(ss.map((s) => s.close()));
  return { arith: outs.map((o) => o.arith), bin: outs.map((o) => o.bin), bytes };
}

describe('hm zero-sharings (replicated.ts)', () => {
  const sessions = () => hmSessions(64, undefined, () => {});

  it('sum (and XOR) to zero over the three parties; xorZero and zero(…, true) read the streams as zeroParts does', async () => {
    const ss = sessions();
    const shape = [3, 1001];
    const adds = ss.map((s) => new ItemPrgs(hmSeeds(s), 7, labelHash('z')).zero(shape));
    expect(adds[0]!.add(adds[1]!).add(adds[2]!).equals(Ring.zeros(shape))).to.equal(true);
    const xors = ss.map((s) => new ItemPrgs(hmSeeds(s), 7, labelHash('zx')).zero(shape, true));
    expect(xors[0]!.xor(xors[1]!).xor(xors[2]!).equals(Ring.zeros(shape))).to.equal(true);
    expect(xors[0]!.equals(Ring.zeros(shape))).to.equal(false);
    for (const s of ss) {
      const a = new ItemPrgs(hmSeeds(s), 9, labelHash('same')), b = new ItemPrgs(hmSeeds(s), 9, labelHash('same'));
      const t = Prg.fromSeed(testSeed('zero/t'), 't').ring(shape);
      const { plus, minus } = a.zeroParts(shape);
      expect(b.xorZero(t.clone()).equals(t.xor(plus).xor(minus))).to.equal(true);
      // zero(…, true) writes one stream and XORs the other in: the same words
      const c = new ItemPrgs(hmSeeds(s), 9, labelHash('same'));
      expect(c.zero(shape, true).equals(plus.xor(minus))).to.equal(true);
      // both streams continue in step afterwards
      expect(b.pieces([5]).mine.equals(a.pieces([5]).mine)).to.equal(true);
    }
    await Promise.all(ss.map((s) => s.close()));
  });

  it("a product's masks are drawn in the order x, y, z, each once; another order is refused (E_INTERNAL), a wrong size E_SHAPE", async () => {
    const ss = sessions();
    const p = new ItemPrgs(hmSeeds(ss[0]!), 3, labelHash('m'));
    const [x, y, z] = p.zeroShares([[4], [4], [2, 2]]);
    expect(() => y!.parts()).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_INTERNAL'));
    expect(() => x!.xorInto(Ring.zeros([5]))).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_SHAPE'));
    x!.xorInto(Ring.zeros([4]));
    expect(() => x!.parts()).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_INTERNAL'));
    y!.parts();
    // drawn lazily, z equals what an eager draw of the three would give it
    const q = new ItemPrgs(hmSeeds(ss[0]!), 3, labelHash('m'));
    q.zeroParts([4]);
    q.zeroParts([4]);
    expect(z!.xorInto(Ring.zeros([4])).equals(q.zero([2, 2], true).reshape([4]))).to.equal(true);
    await Promise.all(ss.map((s) => s.close()));
  });
});

describe('hm edaBits (native: binary adder on replicated bit planes)', function () {
  this.timeout(60_000);

  for (const bits of [64, 63, 32, 17, 2, 1]) {
    it(`bits = ${bits}: exact at every carry edge and on random masks`, async () => {
      const cs = cases();
      const u = Ring.from(cs.map((c) => c[0])), y = Ring.from(cs.map((c) => c[1]));
      const w0 = new Prg(testSeed(`edabits/w0/${bits}`).slice(0, 16)).ring([cs.length]);
      const { arith, bin } = await run(cs.length, bits, [w0, u.xor(w0), y]);
      const r = u.add(y);
      expect(arith[0]!.add(arith[1]!).add(arith[2]!).equals(r), 'arithmetic shares sum to r').to.equal(true);
      const low = bits === 64 ? M : (1n << BigInt(bits)) - 1n;
      const x = bin[0]!.xor(bin[1]!).xor(bin[2]!);
      for (let i = 0; i < cs.length; i++) expect(x.data[i], `case ${i}: bits of r`).to.equal(r.data[i]! & low);
    });
  }

  it('fresh masks: r uniform-looking, shares re-randomized, bytes as documented', async () => {
    const n = 8192;
    const { arith, bin, bytes } = await run(n, 64);
    const r = arith[0]!.add(arith[1]!).add(arith[2]!);
    expect(bin[0]!.xor(bin[1]!).xor(bin[2]!).equals(r)).to.equal(true);
    let ones = 0;
    for (const v of r.data) for (let k = 0n; k < 64n; k++) ones += Number((v >> k) & 1n);
    expect(ones / (64 * n)).to.be.closeTo(0.5, 0.01);
    for (const sh of [...arith, ...bin]) expect(sh.equals(r)).to.equal(false);
    expect(bytes / n).to.be.closeTo(edaBitBytes(64), 0.01);
    expect(edaBitBytes(64)).to.be.closeTo(85.875, 0.001);
    expect(allCarries(63).length).to.equal(10);
  });
});
