import { expect } from 'chai';
import { Ring } from '../../src/ring/ring.js';
import type { Session } from '../../src/session/session.js';
import type { HmLeak, Pieces } from '../../protocols/offline/hm/replicated.js';
import { input } from '../../protocols/arithmetic/input.js';
import { mul } from '../../protocols/arithmetic/mul.js';
import { trunc } from '../../protocols/arithmetic/trunc.js';
import { unpackRows } from '../../protocols/offline/hm/bitpack.js';
import { truncWidths } from '../../protocols/offline/hm/trunc.js';
import { hmSessions } from '../helpers/hm-view.js';

/**
 * The composition attack on hm's interactive items. In hm every Beaver opening shows party i−1
 * the share x_i of the opened operand (it holds the triple piece a_i), so party i−1 knows x_{i−1}
 * and x_i and must never learn x_{i+1}. A truncation pair or daBit whose party-0 share is known
 * to party 1 (the conversion message m is party 0's raw share) breaks that: party 1 then computes
 * party 0's share of trunc's output from public values, learns party 2's share when the output is
 * multiplied, and so recovers the secret. This test runs the attack as a curious party 1 would;
 * it must fail on the real protocol (the items' shares are re-randomized by a zero-sharing) and
 * succeed on the 'no-rerandomize' variant, so the test is known to be able to fail.
 */
const N = 4096;
const F = 16;
const M64 = (1n << 64n) - 1n;


/** Captures every tensor party 1 receives and sends, by (peer, tag, kind) and (tag, kind). */
function tap(s: Session): { got: Map<string, Ring>; sent: Map<string, Ring> } {
  const got = new Map<string, Ring>(), sent = new Map<string, Ring>();
  const recv = s.recv.bind(s);
  s.recv = async (peer, tag, kind = '') => {
    const r = await recv(peer, tag, kind);
    got.set(`${peer}/${tag}/${kind}`, r);
    return r;
  };
  // hm's conversion message travels packed (bitpack.ts): keep it unpacked, each row mod 2^width
  const recvBytes = s.recvBytes.bind(s);
  s.recvBytes = async (peer, tag, kind = '') => {
    const b = await recvBytes(peer, tag, kind);
    got.set(`${peer}/${tag}/${kind}`, unpackRows(b, truncWidths(F), N));
    return b;
  };
  const send = s.send.bind(s);
  s.send = (peer, tag, ring, kind = '') => {
    sent.set(`${tag}/${kind}`, ring);
    send(peer, tag, ring, kind);
  };
  return { got, sent };
}

/**
 * Party 0 inputs x; t = trunc(x); then t·t. Returns the fraction of elements where a curious
 * party 1 reconstructs t exactly from its own view.
 */
async function attackTruncThenMul(leak?: HmLeak): Promise<number> {
  const pieces = new Map<string, Pieces>();
  const ss = hmSessions(N, leak, (label, p) => { if (!pieces.has(label)) pieces.set(label, p); });
  const { got, sent } = tap(ss[1]!);
  const x = new Ring([N]);
  for (let i = 0; i < N; i++) x.data[i] = BigInt.asUintN(64, BigInt(Math.floor((Math.random() - 0.5) * 2 ** 40)));
  const tags: number[] = [];
  const outs = await Promise.all(ss.map(async (s) => {
    const xs = input(s, 0, [N], s.me === 0 ? x : undefined);
    const truncTag = s.tag(), mulTag = s.tag();
    if (s.me === 1) tags.push(truncTag, mulTag);
    const t = await trunc(s, xs, F, truncTag);
    await mul(s, t, t, mulTag);
    return t;
  }));
  await Promise.all(ss.map((s) => s.close()));
  const [truncTag, mulTag] = tags as [number, number];
  const truth = outs[0]!.add(outs[1]!).add(outs[2]!);
  // party 0's shares of the truncation pair, as the conversion message m shows them to party 1
  const m = got.get(`0/${truncTag}/hm/1`)!.reshape([64, N]);
  const r0Top = m.slice(63, 64).reshape([N]);
  let r0LowShifted = new Ring([N]);
  for (let k = F; k < 63; k++) r0LowShifted = r0LowShifted.add(m.slice(k, k + 1).reshape([N]).scale(1n << BigInt(k - F)));
  // the public opening c of the truncation, and party 0's local finish of trunc replayed on it
  const c = got.get(`0/${truncTag}/o`)!.add(got.get(`2/${truncTag}/o`)!).add(sent.get(`${truncTag}/o`)!);
  const cTop = c.shr(63);
  const w0 = r0Top.sub(cTop.mul(r0Top).scale(2n)).add(cTop);
  const t0 = w0.scale(1n << BigInt(63 - F)).sub(r0LowShifted).add(c.shl(1).shr(F + 1)).addScalar(-(1n << BigInt(62 - F)) & M64);
  // the Beaver opening of t·t: party 2 sends t_2 − a_2, and party 1 holds a_2 (its "other" piece)
  const a = pieces.get(`triple/${mulTag}/${N}`)!;
  const t2 = got.get(`2/${mulTag}/o`)!.slice(0, N).add(a.other);
  const guess = t0.add(outs[1]!).add(t2);
  // The packed message gives party 0's r_low >> f and r_top up to bit 63 (each row travels cut to
  // the bits its weight needs), so the reconstruction is compared mod 2^63.
  let hits = 0;
  for (let i = 0; i < N; i++) if (((guess.data[i]! ^ truth.data[i]!) << 1n) % (1n << 64n) === 0n) hits++;
  return hits / N;
}

describe('hm: no party learns a second share of another party (composition attack on the interactive items)', function () {
  this.timeout(60_000);

  it('a curious party 1 cannot rebuild trunc(x) from the conversion message and a later Beaver opening', async () => {
    expect(await attackTruncThenMul()).to.be.below(0.01);
  });

  it("leaky control 'no-rerandomize' (item shares left as the conversion makes them): the attack recovers every element", async () => {
    expect(await attackTruncThenMul('no-rerandomize')).to.equal(1);
  });
});
