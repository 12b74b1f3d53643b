import { expect } from 'chai';
import { onRecv } from '../helpers/spy.js';
import { Ring } from '../../src/ring/ring.js';
import type { Session } from '../../src/session/session.js';
import type { HmLeak, Pieces } from '../../protocols/offline/hm/replicated.js';
import { input } from '../../protocols/arithmetic/input.js';
import { mul } from '../../protocols/arithmetic/mul.js';
import { beaverMul } from '../helpers/beaver-mul.js';
import { trunc } from '../../protocols/arithmetic/trunc.js';
import { ltz } from '../../protocols/compare/ltz.js';
import { hmSessions } from '../helpers/hm-view.js';

/**
 * The composition attack on hm's interactive items. In hm every Beaver opening shows party i−1
 * the share x_i of the opened operand (it holds the triple piece a_i), so party i−1 knows x_{i−1}
 * and x_i and must never learn x_{i+1}. A truncation pair whose party-1 share of r is known to
 * party 2 breaks that: hm builds r = u + y with y known to parties 1 and 2 and held by party 1
 * as its share, so without a re-randomization party 2 strips r_1 = y from party 1's trunc opening
 * x_1 + r_1, adds x_0 (from a Beaver opening of x, whose mask piece a_0 it holds) and its own
 * x_2, and recovers the secret. This test runs the attack as a curious party 2 would; it must
 * fail on the real protocol (the items' shares are re-randomized by a zero-sharing) and succeed
 * on the 'no-rerandomize' variant, so the test is known to be able to fail. edaBits use the same
 * mask r = u + y, so the attack is also run through a comparison's opening of x + r.
 * (mul itself takes the replicated product in hm, which passes party 2 x'_0 = x_0 + ρ_0, masked
 * by the stream of parties 0 and 1; the attacks take their Beaver opening from beaverMul, as b2a
 * and the lookup sigmoid still open Beaver-style. The last pair of tests runs the same attack
 * through the replicated product's pass: it must fail while the product's zero-sharings are
 * there, even with the trunc pair left un-re-randomized, and succeed without any zero-sharing.)
 */
const N = 4096;
const F = 16;

/** Captures every tensor party 2 receives, by (peer, tag, kind). */
function tap(s: Session): Map<string, Ring> {
  const got = new Map<string, Ring>();
  onRecv(s, (r, peer, tag, kind) => got.set(`${peer}/${tag}/${kind}`, r));
  return got;
}

/** Three hm sessions, party 2 curious (its pieces and received tensors kept), and a secret x < 2^39. */
function curiousParty2(leak?: HmLeak): { pieces: Map<string, Pieces>; ss: Session[]; got: Map<string, Ring>; x: Ring } {
  const pieces = new Map<string, Pieces>();
  const ss = hmSessions(N, leak, (label, p) => { if (!pieces.has(label)) pieces.set(label, p); }, 2);
  const got = tap(ss[2]!);
  const x = new Ring([N]);
  for (let i = 0; i < N; i++) x.data[i] = BigInt.asUintN(64, BigInt(Math.floor((Math.random() - 0.5) * 2 ** 40)));
  return { pieces, ss, got, x };
}

/**
 * Party 0 inputs x; t = trunc(x) and x·x. Returns the fraction of elements where a curious
 * party 2 reconstructs x exactly from its own view. `via` picks the product that shows party 2
 * x_0: a Beaver product (x_0 − a_0, with the piece a_0 party 2 holds) or mul's replicated
 * product (party 0's pass x'_0 = x_0 + ρx_0).
 */
async function attackTruncAndMul(leak?: HmLeak, via: 'beaver' | 'replicated' = 'beaver'): Promise<number> {
  const { pieces, ss, got, x } = curiousParty2(leak);
  const tags: number[] = [];
  const shares = await Promise.all(ss.map(async (s) => {
    const xs = input(s, 0, [N], s.me === 0 ? x : undefined);
    // Each call takes one tag when it starts (its scope's id, which also names its item).
    const base = s.tag();
    const [truncTag, mulTag] = [base + 1, base + 2];
    if (s.me === 2) tags.push(truncTag, mulTag);
    await Promise.all([trunc(s, xs, F), via === 'beaver' ? beaverMul(s, xs, xs) : mul(s, xs, xs)]);
    return xs;
  }));
  await Promise.all(ss.map((s) => s.close()));
  const [truncTag, mulTag] = tags as [number, number];
  const x0 = via === 'beaver'
    // x_0 from party 0's Beaver opening x_0 − a_0: party 2 holds a_0 (its "other" piece)
    ? got.get(`0/${mulTag}/ls0`)!.slice(0, N).add(pieces.get(`triple/${mulTag}/${N}`)!.other)
    : got.get(`0/${mulTag}/ls0p`)!.slice(0, N);
  // x_1 from party 1's trunc opening x_1 + r_1, with r_1 = y = w_2, party 2's own piece
  const label = [...pieces.keys()].find((l) => l.startsWith('trunc/'))!;
  const x1 = got.get(`1/${truncTag}/ls0`)!.sub(pieces.get(label)!.mine);
  const guess = x0.add(x1).add(shares[2]!);
  let hits = 0;
  for (let i = 0; i < N; i++) if (guess.data[i] === x.data[i]) hits++;
  return hits / N;
}

/**
 * The same attack through an edaBit: ltz opens x + 2^63 + r once, r = u + y with party 1's share
 * y unless re-randomized. Party 2 tries every message party 1 sent it as that opening (x_1 + y,
 * or x_1 + 2^63 + y), with x_0 from a Beaver opening of x and its own x_2; returns the best
 * fraction of elements recovered exactly.
 */
async function attackLtzAndMul(leak?: HmLeak): Promise<number> {
  const { pieces, ss, got, x } = curiousParty2(leak);
  const tags: number[] = [];
  const shares = await Promise.all(ss.map(async (s) => {
    const xs = input(s, 0, [N], s.me === 0 ? x : undefined);
    // beaverMul takes one tag when it starts (its scope's id, which also names its triple); ltz after it
    const mulTag = s.tag() + 1;
    if (s.me === 2) tags.push(mulTag);
    await beaverMul(s, xs, xs);
    await ltz(s, xs);
    return xs;
  }));
  await Promise.all(ss.map((s) => s.close()));
  const [mulTag] = tags as [number];
  const x0 = got.get(`0/${mulTag}/ls0`)!.slice(0, N).add(pieces.get(`triple/${mulTag}/${N}`)!.other);
  const y = pieces.get([...pieces.keys()].find((l) => l.startsWith('eda/'))!)!.mine;
  let best = 0;
  for (const [key, msg] of got) {
    if (!key.startsWith('1/') || msg.size < N) continue;
    for (const offset of [0n, 1n << 63n]) {
      const guess = x0.add(msg.reshape([msg.size]).slice(0, N).sub(y).addScalar(offset)).add(shares[2]!);
      let hits = 0;
      for (let i = 0; i < N; i++) if (guess.data[i] === x.data[i]) hits++;
      best = Math.max(best, hits / N);
    }
  }
  return best;
}

describe('hm: no party learns a second share of another party (composition attack on the interactive items)', function () {
  this.timeout(60_000);

  it('a curious party 2 cannot rebuild x from a truncation opening and a Beaver opening', async () => {
    expect(await attackTruncAndMul()).to.be.below(0.01);
  });

  it("leaky control 'no-rerandomize' (item shares left as the construction makes them): the attack recovers every element", async () => {
    expect(await attackTruncAndMul('no-rerandomize')).to.equal(1);
  });

  it('a curious party 2 cannot rebuild x from a comparison opening (edaBit mask) and a Beaver opening', async () => {
    expect(await attackLtzAndMul()).to.be.below(0.01);
  });

  it("leaky control 'no-rerandomize' for edaBits: the comparison attack recovers every element", async () => {
    expect(await attackLtzAndMul('no-rerandomize')).to.equal(1);
  });

  it("the replicated product's pass shows party 2 nothing of x_0, even beside an un-re-randomized trunc opening", async () => {
    expect(await attackTruncAndMul(undefined, 'replicated')).to.be.below(0.01);
    expect(await attackTruncAndMul('no-rerandomize', 'replicated')).to.be.below(0.01);
  });

  it("leaky control 'no-zero-share' (the product's masks gone too): the attack through the pass recovers every element", async () => {
    expect(await attackTruncAndMul('no-zero-share', 'replicated')).to.equal(1);
  });
});
