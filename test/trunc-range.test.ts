import { expect } from 'chai';
import { Prg } from '../src/crypto/prg.js';
import { Ring } from '../src/ring/ring.js';
import { encodeFixed, decodeFixed } from '../src/ring/fixed.js';
import { input } from '../protocols/arithmetic/input.js';
import { openMany } from '../protocols/arithmetic/open.js';
import { trunc } from '../protocols/arithmetic/trunc.js';
import { mulFx } from '../protocols/arithmetic/fixed.js';
import { runParties, testSeed } from './helpers/parties.js';

const F = 16;
/** Truncate `x` (owned by party 0) among n parties and return the opened result. */
async function truncOpen(x: Ring, n = 3, label = 'trange'): Promise<Ring> {
  const outs = await runParties(n, async (s) => {
    const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
    return (await openMany(s, [await trunc(s, xs, F)]))[0]!;
  }, { seed: label });
  return outs[0]!;
}
function histogram(d: bigint[]): Map<string, number> {
  const h = new Map<string, number>();
  for (const v of d) h.set(String(v), (h.get(String(v)) ?? 0) + 1);
  return h;
}

describe('truncation: documented range and what happens outside it', () => {
  it('10^5 uniform inputs with |x| < 2^62: every result is floor(x/2^f) or +1 ulp', async () => {
    const N = 100_000;
    const x = new Prg(testSeed('trunc-dist').subarray(0, 16)).ring([N]).sar(1); // uniform in [−2^62, 2^62)
    const got = await truncOpen(x);
    const h = histogram(got.sub(x.sar(F)).toSigned());
    expect([...h.keys()].sort()).to.deep.equal(['0', '1']);
    // The +1 ulp case is the borrow of the low f bits: about half of uniform inputs.
    expect(h.get('1')! / N).to.be.within(0.45, 0.55);
  });

  it('10^5 fixed-point products with |real product| < 2^30 (f=16) are within 1 ulp', async () => {
    const N = 100_000;
    const prg = new Prg(testSeed('mulfx-dist').subarray(0, 16));
    const u = Float64Array.from(prg.ring([2 * N]).data, (v) => Number(v >> 11n) / 2 ** 53);
    const a = Float64Array.from({ length: N }, (_, i) => (u[i]! * 2 - 1) * 32767);
    const b = Float64Array.from({ length: N }, (_, i) => (u[N + i]! * 2 - 1) * 32767); // |a·b| < 2^30
    const ea = encodeFixed(a);
    const eb = encodeFixed(b);
    const outs = await runParties(3, async (s) => {
      const z = await mulFx(s, input(s, 0, [N], s.me === 0 ? ea : undefined), input(s, 1, [N], s.me === 1 ? eb : undefined));
      return (await openMany(s, [z]))[0]!;
    }, { seed: 'mulfx-dist' });
    const exact = ea.mul(eb).sar(F); // the exact ring product fits: |ea·eb| < 2^62
    const d = outs[0]!.sub(exact).toSigned();
    expect(d.every((v) => v === 0n || v === 1n)).to.equal(true);
    const [real, ra, rb] = [decodeFixed(outs[0]!), decodeFixed(ea), decodeFixed(eb)];
    let worst = 0;
    for (let i = 0; i < N; i++) worst = Math.max(worst, Math.abs(real[i]! - ra[i]! * rb[i]!));
    expect(worst).to.be.at.most(2 ** -F); // vs the exact product of the encoded inputs
  });

  it('outside the range (|x| ≥ 2^62, real products ≥ 2^30) it fails by 2^(64−f) with probability ≈ (|x| − 2^62)/2^63', async () => {
    const N = 20_000;
    const lim = 1n << 62n;
    const big = 1n << BigInt(64 - F);
    // x = ±(2^62 + 2^61): failure probability 2^61/2^63 = 1/4 per element.
    for (const sign of [1n, -1n]) {
      const v = sign * (lim + (1n << 61n));
      const x = Ring.fill([N], v);
      const err = (await truncOpen(x, 3, `trunc-out${sign}`)).sub(x.sar(F)).toSigned();
      let fails = 0;
      for (const e of err) {
        if (e === 0n || e === 1n) continue;
        fails++;
        const off = e + sign * big; // above the range the error is −2^(64−f), below it +2^(64−f)
        expect(off === 0n || off === 1n, `error ${e}`).to.equal(true);
      }
      expect(fails / N).to.be.within(0.22, 0.28);
    }
    // Just outside (x = 2^62 + 2^52): rare, silent failures (p = 2^-11) — why callers must stay in range.
    const x = Ring.fill([N], lim + (1n << 52n));
    const err = (await truncOpen(x, 3, 'trunc-just-out')).sub(x.sar(F)).toSigned();
    const fails = err.filter((e) => e !== 0n && e !== 1n).length;
    expect(fails).to.be.within(1, 40); // expected ≈ 9.8
    // At the boundary of the range everything is still within 1 ulp.
    const edge = Ring.concat([Ring.fill([N / 2], lim - 1n), Ring.fill([N / 2], -lim)]);
    const e2 = (await truncOpen(edge, 3, 'trunc-edge')).sub(edge.sar(F)).toSigned();
    expect(e2.every((v) => v === 0n || v === 1n)).to.equal(true);
    // In real terms (f = 16): 32768 · 49152 = 1.5·2^30 comes back off by 2^32 for about 1 element in 4.
    const a = encodeFixed(new Float64Array(1000).fill(32768));
    const b = encodeFixed(new Float64Array(1000).fill(49152));
    const outs = await runParties(3, async (s) => (await openMany(s, [await mulFx(s, input(s, 0, [1000], s.me === 0 ? a : undefined), input(s, 1, [1000], s.me === 1 ? b : undefined))]))[0]!, { seed: 'trunc-real' });
    const wrong = Array.from(decodeFixed(outs[0]!)).filter((v) => Math.abs(v - 32768 * 49152) > 1);
    expect(wrong.length).to.be.within(180, 320);
    wrong.forEach((v) => expect(Math.abs(v - 32768 * 49152)).to.be.closeTo(2 ** 32, 1));
  });
});
