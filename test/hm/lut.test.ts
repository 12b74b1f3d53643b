import { expect } from 'chai';
import { Prg } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import { isConcordError } from '../../src/errors.js';
import type { LutMask, LutSpec } from '../../src/session/preprocessing.js';
import { ItemPrgs, hmSeeds, labelHash } from '../../protocols/offline/hm/replicated.js';
import { lutMask, lutMaskBytes, lutWords } from '../../protocols/offline/hm/lut.js';
import { hmSessions } from '../helpers/hm-view.js';
import { checkLutContract } from '../helpers/lut-check.js';
import { onesFraction } from '../helpers/hm-items-task.js';
import { runParties, testSeed } from '../helpers/parties.js';
import { createHmPreprocessing } from '../../protocols/offline/hm/preprocessing.js';
import { decodeFixed, encodeFixed } from '../../src/ring/fixed.js';
import { input } from '../../protocols/arithmetic/input.js';
import { open } from '../../protocols/arithmetic/open.js';
import { sigmoid } from '../../protocols/nonlinear/sigmoid.js';
import { sigmoidLutCost } from '../../protocols/nonlinear/sigmoid-lut.js';

/**
 * hm's native lookup masks (lut.ts) against the LutMask contract, on the sum of the three
 * parties' shares: for chosen pieces at the edges (field(u) + field(y) wrapping mod 2^bits, low
 * parts carrying across 2^at, u or y = 0, all-ones) and seeded random ones, several specs
 * (one / two / three fields, powers 0..3, shift 0 and shift = at); bytes on each link against
 * the formula; spec validation; the E_FRAME check of party 1; and the lookup sigmoid's accuracy
 * on these masks (their λ_k may reach 2^(at+1), unlike a dealer's). The share-knowledge attacks
 * are in lut-knowledge.test.ts.
 */
const ONES = (1n << 64n) - 1n;

const sigmoidSpec = (inFrac: number): LutSpec => ({ fields: [{ at: inFrac - 2, bits: 7 }, { at: inFrac + 1, bits: 7 }], powers: 2, shift: inFrac - 14 });

const SPECS: Array<[string, LutSpec]> = [
  ['the sigmoid spec at inFrac 16', sigmoidSpec(16)],
  ['the sigmoid spec at inFrac 32', sigmoidSpec(32)],
  ['the sigmoid spec at inFrac 48', sigmoidSpec(48)],
  ['one 1-bit field at bit 0, powers 0', { fields: [{ at: 0, bits: 1 }], powers: 0, shift: 0 }],
  ['one 10-bit field at the top (at + bits = 64), powers 3, shift 0', { fields: [{ at: 54, bits: 10 }], powers: 3, shift: 0 }],
  ['bit 63 alone, powers 1, shift 0', { fields: [{ at: 63, bits: 1 }], powers: 1, shift: 0 }],
  ['one field with shift = at, powers 1', { fields: [{ at: 20, bits: 4 }], powers: 1, shift: 20 }],
  ['three fields (overlapping, one at 0), powers 3', { fields: [{ at: 5, bits: 3 }, { at: 0, bits: 8 }, { at: 40, bits: 10 }], powers: 3, shift: 3 }],
];

/** v with bits [at, at + bits) set to `field` and bits [0, at) to `low`. */
function withParts(v: bigint, at: number, bits: number, field: bigint, low: bigint): bigint {
  const lowMask = (1n << BigInt(at)) - 1n, fieldMask = ((1n << BigInt(bits)) - 1n) << BigInt(at);
  return (v & ~(lowMask | fieldMask) & ONES) | (field << BigInt(at)) | (low & lowMask);
}

/** Chosen (u, y) pairs at the edges of every field of `spec`, then `random` seeded pairs. */
function cases(spec: LutSpec, random: number): Array<[bigint, bigint]> {
  const rnd = new Prg(testSeed(`lut/cases/${JSON.stringify(spec)}`).slice(0, 16)).ring([2 * random + 64]);
  let n = 2 * random;
  const next = (): bigint => rnd.data[n++ % rnd.size]!;
  const c: Array<[bigint, bigint]> = [[0n, 0n], [ONES, ONES], [ONES, 1n], [1n, ONES], [0n, next()], [next(), 0n], [1n << 63n, 1n << 63n], [ONES, 0n], [0n, ONES]];
  for (const f of spec.fields) {
    const M = 1n << BigInt(f.bits), top = (1n << BigInt(f.at)) - 1n;
    const part = (field: bigint, low: bigint): bigint => withParts(next(), f.at, f.bits, field, low);
    c.push(
      [part(M - 1n, 0n), part(1n, 0n)], // field(u) + field(y) = M: wraps to 0
      [part(M - 1n, next()), part(M - 1n, next())], // wraps to M − 2
      [part(next() % M, top), part(next() % M, 1n)], // low parts sum to exactly 2^at
      [part(next() % M, top), part(next() % M, top)], // low parts sum to 2^(at+1) − 2
      [part(M - 1n, top), part(0n, 1n)], // carry out of the low part while the field is all-ones
      [part(M - 1n, top), part(M - 1n, top)], // both
      [part(0n, 0n), part(0n, 0n)],
      [withParts(ONES, f.at, f.bits, M - 1n, top), withParts(0n, f.at, f.bits, 1n, 1n)],
    );
  }
  for (let i = 0; i < random; i++) c.push([rnd.data[2 * i]!, rnd.data[2 * i + 1]!]);
  return c;
}

interface Run {
  shares: LutMask[];
  sums: { r: Ring; hot: Ring[]; pow: Ring[] };
  links: number[][];
  messages: number;
}

const sum3 = (xs: Ring[]): Ring => xs[0]!.add(xs[1]!).add(xs[2]!);

/** lutMask on three in-memory hm sessions; `uy` chosen (u, y) per element if given. */
async function run(len: number, spec: LutSpec, uy?: Array<[bigint, bigint]>, chunkWords?: number): Promise<Run> {
  const ss = hmSessions(len, undefined, () => {});
  let pieces: Ring[] | undefined;
  if (uy) {
    const u = Ring.from(uy.map((c) => c[0])), y = Ring.from(uy.map((c) => c[1]));
    const w0 = new Prg(testSeed(`lut/w0/${len}`).slice(0, 16)).ring([len]);
    pieces = [w0, u.sub(w0), y]; // u = w_0 + w_1, y = w_2
  }
  const shares = await Promise.all(ss.map((s) => {
    const p = new ItemPrgs(hmSeeds(s), 1, labelHash('lut'));
    if (pieces) p.pieces = () => ({ mine: pieces[s.me]!.clone(), other: pieces[(s.me + 1) % 3]!.clone() });
    return lutMask(s, p, len, spec, 1, 'hm/lut', chunkWords);
  }));
  const links = ss.map((s) => s.stats().perPeer.map((l) => l.bytesSent));
  const messages = ss[0]!.stats().messagesSent;
  await Promise.all(ss.map((s) => s.close()));
  const sums = {
    r: sum3(shares.map((x) => x.r)),
    hot: spec.fields.map((_, k) => sum3(shares.map((x) => x.hot[k]!))),
    pow: Array.from({ length: spec.powers }, (_, p) => sum3(shares.map((x) => x.pow[p]!))),
  };
  return { shares, sums, links, messages };
}

describe('hm lookup masks (lut.ts): the LutMask contract on reconstructed values', function () {
  this.timeout(120_000);

  for (const [name, spec] of SPECS) {
    it(`${name}: exact at the edges and on 200 random masks`, async () => {
      const cs = cases(spec, 200);
      const { sums } = await run(cs.length, spec, cs);
      expect(sums.r.equals(Ring.from(cs.map(([u, y]) => u + y))), 'R = u + y').to.equal(true);
      const { failures, facts } = checkLutContract(spec, cs.length, sums.r, sums.hot, sums.pow);
      expect(failures).to.deep.equal([]);
      // the edges did reach the cases the contract allows beyond a dealer's: λ_k ≥ 2^at_k
      for (const [k, f] of spec.fields.entries()) {
        if (f.at > 0) expect(facts.lambda[k]!.some((l) => l >= 1n << BigInt(f.at)), `field ${k}: a low-part carry case`).to.equal(true);
      }
    });
  }

  it('fresh masks: R uniform-looking, every share re-randomized (no party holds a one-hot), λ̃ spread', async () => {
    const spec = sigmoidSpec(16), n = 1024;
    const { shares, sums } = await run(n, spec);
    expect(checkLutContract(spec, n, sums.r, sums.hot, sums.pow).failures).to.deep.equal([]);
    expect(onesFraction(sums.r)).to.be.closeTo(0.5, 0.01);
    for (const x of shares) {
      for (const t of [...x.hot, ...x.pow]) expect(Math.abs(onesFraction(t) - 0.5), 'a share looks uniform').to.be.below(0.01);
    }
    const rho = checkLutContract(spec, n, sums.r, sums.hot, sums.pow).facts.rho[0]!;
    expect(new Set(rho).size, 'ρ_0 takes most of its 128 values').to.be.above(120);
  });

  it('bytes: len·Σ_k (17·(bits_k − ν_k) + 8·payloads_k·2^ν_k), ν_k = min(2, bits_k), on each of the links 0 → 1 and 0 → 2, nothing elsewhere; chunked messages give the same', async () => {
    for (const [len, spec, chunk] of [[64, sigmoidSpec(16), undefined], [300, sigmoidSpec(48), undefined], [1000, sigmoidSpec(32), 512 * 64], [77, SPECS[7]![1], 5000]] as const) {
      const { links, sums, messages } = await run(len, spec, undefined, chunk);
      expect(checkLutContract(spec, len, sums.r, sums.hot, sums.pow).failures).to.deep.equal([]);
      expect(links[0]![1], `len ${len}: party 0 → 1`).to.equal(lutMaskBytes(len, spec));
      expect(links[0]![2], `len ${len}: party 0 → 2`).to.equal(lutMaskBytes(len, spec));
      expect([links[1]![0], links[1]![2], links[2]![0], links[2]![1]], 'other links').to.deep.equal([0, 0, 0, 0]);
      expect(messages, "one message per chunk to each of parties 1 and 2").to.equal(2 * (chunk === undefined ? 1 : Math.ceil(len / Math.floor(chunk / lutWords(spec)))));
    }
    // The sigmoid's two 7-bit fields with powers 2, trees cut 2 levels early: 5·17 + 3·4·8 = 181 and
    // 5·17 + 4·8 = 117 bytes per element and link, against the 4,096 bytes of a masked one-hot
    // (8·(2 + 2)·2^7) on one link.
    expect(lutMaskBytes(64, sigmoidSpec(16))).to.equal(64 * 298);
  });

  it('party 1 rejects a message of the wrong length with E_FRAME naming party 0', async () => {
    const ss = hmSessions(16, undefined, () => {});
    const send = ss[0]!.sendBytes.bind(ss[0]!);
    ss[0]!.sendBytes = (peer, tag, bytes, kind) => send(peer, tag, bytes.subarray(0, bytes.length - 8), kind);
    const outs = await Promise.allSettled(ss.map((s) => s.prep.lutMask!(s.tag(), 16, sigmoidSpec(16))));
    await Promise.all(ss.map((s) => s.close()));
    expect(outs[1]!.status).to.equal('rejected');
    const e = (outs[1] as PromiseRejectedResult).reason;
    expect(isConcordError(e, 'E_FRAME') && e.party === 'p0' && /expected 4768/.test(e.message), String(e)).to.equal(true);
  });
});

describe('HmPreprocessing.lutMask: requests and spec validation', function () {
  this.timeout(60_000);

  /** The lutMask of one party of fresh hm sessions (validation happens before any traffic). */
  async function rejects(len: number, spec: LutSpec, code: string, pattern: RegExp): Promise<void> {
    const ss = hmSessions(16, undefined, () => {});
    try {
      const e = await ss[0]!.prep.lutMask!(ss[0]!.tag(), len, spec).then(() => undefined, (err: unknown) => err);
      expect(isConcordError(e) && e.code === code && pattern.test(e.message), `${JSON.stringify(spec)} len ${len}: ${String(e)}`).to.equal(true);
    } finally {
      await Promise.all(ss.map((s) => s.close()));
    }
  }

  it('through the preprocessing on every party: the contract holds, batched traffic of party 0 → 1 only', async () => {
    const ss = hmSessions(16, undefined, () => {});
    const spec = sigmoidSpec(32);
    const outs = await Promise.all(ss.map((s) => s.prep.lutMask!(s.tag(), 500, spec)));
    const bytes = ss.map((s) => s.stats().bytesSent);
    await Promise.all(ss.map((s) => s.close()));
    const r = sum3(outs.map((o) => o.r)), hot = [0, 1].map((k) => sum3(outs.map((o) => o.hot[k]!))), pow = [0, 1].map((p) => sum3(outs.map((o) => o.pow[p]!)));
    expect(checkLutContract(spec, 500, r, hot, pow).failures).to.deep.equal([]);
    // Batched ahead like daBits (preprocessing.ts): whole masks, at least the 500 asked for.
    expect(bytes[0]! % (2 * lutMaskBytes(1, spec))).to.equal(0);
    expect(bytes[0]).to.be.at.least(2 * lutMaskBytes(500, spec));
    expect(bytes.slice(1)).to.deep.equal([0, 0]);
  });

  it('len 0 gives empty tensors of the right widths, with no traffic', async () => {
    const ss = hmSessions(16, undefined, () => {});
    const m = await ss[0]!.prep.lutMask!(ss[0]!.tag(), 0, { fields: [{ at: 3, bits: 5 }, { at: 10, bits: 2 }], powers: 2, shift: 1 });
    expect([m.r.shape, ...m.hot.map((h) => h.shape), ...m.pow.map((p) => p.shape)].map((s) => s.join('x'))).to.deep.equal(['0', '0x32', '0x4', '0x32', '0x32']);
    expect(ss[0]!.stats().bytesSent).to.equal(0);
    await Promise.all(ss.map((s) => s.close()));
  });

  it('requests are cut from one stream per spec: the same tag twice gets fresh masks, another spec its own stream', async () => {
    const ss = hmSessions(16, undefined, () => {});
    const spec = sigmoidSpec(16);
    const tags = ss.map((s) => s.tag());
    const first = await Promise.all(ss.map((s, i) => s.prep.lutMask!(tags[i]!, 8, spec)));
    const again = await Promise.all(ss.map((s, i) => s.prep.lutMask!(tags[i]!, 8, spec)));
    const other = await Promise.all(ss.map((s, i) => s.prep.lutMask!(tags[i]!, 8, { ...spec, powers: 1 })));
    await Promise.all(ss.map((s) => s.close()));
    const r1 = sum3(first.map((o) => o.r)), r2 = sum3(again.map((o) => o.r));
    expect(r1.equals(r2)).to.equal(false);
    expect(other[0]!.pow).to.have.length(1);
    for (const [m, sp] of [[again, spec], [other, { ...spec, powers: 1 }]] as const) {
      const hot = [0, 1].map((k) => sum3(m.map((o) => o.hot[k]!))), pow = Array.from({ length: sp.powers }, (_, q) => sum3(m.map((o) => o.pow[q]!)));
      expect(checkLutContract(sp, 8, sum3(m.map((o) => o.r)), hot, pow).failures).to.deep.equal([]);
    }
  });

  const f = (at: number, bits: number) => ({ at, bits });
  const bad: Array<[string, number, LutSpec, string, RegExp]> = [
    ['no fields', 4, { fields: [], powers: 0, shift: 0 }, 'E_RANGE', /at least one field/],
    ['bits 0', 4, { fields: [f(0, 0)], powers: 0, shift: 0 }, 'E_RANGE', /fields\[0\]\.bits in 1\.\.10 expected, got 0; .*split/],
    ['bits 11', 4, { fields: [f(0, 3), f(0, 11)], powers: 0, shift: 0 }, 'E_RANGE', /fields\[1\]\.bits in 1\.\.10 expected, got 11/],
    ['bits 2.5', 4, { fields: [f(0, 2.5)], powers: 0, shift: 0 }, 'E_RANGE', /bits in 1\.\.10 expected, got 2\.5/],
    ['at −1', 4, { fields: [f(-1, 3)], powers: 0, shift: 0 }, 'E_RANGE', /at ≥ 0, at \+ bits ≤ 64.*got at=-1/],
    ['at + bits = 65', 4, { fields: [f(60, 3), f(58, 7)], powers: 0, shift: 0 }, 'E_RANGE', /fields\[1\].*at=58, bits=7/],
    ['powers 4', 4, { fields: [f(8, 3)], powers: 4, shift: 0 }, 'E_RANGE', /powers in 0\.\.3 expected, got 4/],
    ['powers −1', 4, { fields: [f(8, 3)], powers: -1, shift: 0 }, 'E_RANGE', /powers in 0\.\.3/],
    ['shift above at_0', 4, { fields: [f(8, 3), f(20, 3)], powers: 1, shift: 9 }, 'E_RANGE', /shift in 0\.\.fields\[0\]\.at = 8 expected, got 9/],
    ['shift −1', 4, { fields: [f(8, 3)], powers: 1, shift: -1 }, 'E_RANGE', /shift in 0\.\./],
    ['len −1', -1, { fields: [f(8, 3)], powers: 1, shift: 0 }, 'E_SHAPE', /len expected a non-negative integer/],
    ['len 1.5', 1.5, { fields: [f(8, 3)], powers: 1, shift: 0 }, 'E_SHAPE', /len/],
  ];
  for (const [name, len, spec, code, pattern] of bad) {
    it(`${name}: ${code} saying what was expected`, () => rejects(len, spec, code, pattern));
  }
});

describe('the lookup sigmoid (sigmoid-lut.ts) on hm lookup masks, whose λ may carry into the window', function () {
  this.timeout(120_000);

  for (const inFrac of [16, 32, 48]) {
    it(`inFrac ${inFrac}: |error| ≤ 5e-4 over the accepted range (−128, 124), dense near 0 and at the window edges`, async () => {
      const xs: number[] = [0, -1e-5, 2 ** -14, 10, -10, 9.99, -10.01, 14, -14, 13.99, -14.01, 123.99, -127.99];
      for (let v = -127.99; v <= 123.99; v += 1 / 16) xs.push(v);
      for (let v = -16; v <= 16; v += 1 / 256) xs.push(v);
      const enc = encodeFixed(xs, undefined, inFrac);
      const res = await runParties(3, async (s) => {
        const x = input(s, 0, enc.shape, s.me === 0 ? enc : undefined);
        const before = s.stats();
        const y = await sigmoid(s, x, 16, inFrac, 'lookup');
        const after = s.stats();
        return { y: decodeFixed(await open(s, y), 16), bytes: after.bytesSent - before.bytesSent };
      }, { sessionPrep: (s) => createHmPreprocessing(s) });
      const xe = decodeFixed(enc, inFrac);
      let err = 0;
      xe.forEach((x, i) => (err = Math.max(err, Math.abs(res[0]!.y[i]! - 1 / (1 + Math.exp(-x))))));
      expect(err).to.be.below(5e-4);
      // bytes: the online 48 B per element and peer, the mask's message 0 → 1, and (cold
      // preprocessing) the truncation pairs' batch, whose rounds also show in the session's count
      const online = 2 * sigmoidLutCost(xs.length).bytesPerPeer, mask = lutMaskBytes(xs.length, sigmoidSpec(inFrac));
      expect(res[0]!.bytes - res[1]!.bytes).to.be.at.least(2 * mask);
      for (const r of res) expect(r.bytes).to.be.at.least(online);
    });
  }
});
