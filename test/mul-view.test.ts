import { expect } from 'chai';
import { onRecv, onSend } from './helpers/spy.js';
import { deriveKey } from '../src/crypto/prg.js';
import { MemoryTransport } from '../src/net/memory.js';
import { Ring } from '../src/ring/ring.js';
import { Session } from '../src/session/session.js';
import { DealerPreprocessing } from '../protocols/offline/dealer-client.js';
import { DealerServer } from '../protocols/offline/dealer.js';
import { memoryLinkPair } from '../protocols/offline/dealer-link.js';
import { input } from '../protocols/arithmetic/input.js';
import { mul } from '../protocols/arithmetic/mul.js';
import { beaverCombine, elementwise } from '../protocols/arithmetic/beaver.js';
import type { Chain } from '../protocols/core/chain.js';
import { run } from '../protocols/core/run.js';
import { testSeed } from './helpers/parties.js';

/**
 * View test: what party 1 sees while multiplying x (party 0's) by y (party 2's) must not depend
 * on y. Party 1's own randomness (its dealer seed and its pairwise keys) is fixed across runs;
 * the other parties' randomness is fresh per run. The view (messages received, and the opened
 * values e, f they reconstruct to) is compared between y = 0 and a structured y by a two-sample
 * chi-square test on the top byte. A deliberately leaky multiplication (mask b only 24 bits wide)
 * must fail the same test.
 */
const N = 20_000;
const n = 3;
type MulFn = (s: Session, x: Ring, y: Ring) => Promise<Ring>;

async function viewOfParty1(y: Ring, run: string, mulFn: MulFn): Promise<Ring[]> {
  const fixed = testSeed('view/party1');
  const fresh = testSeed(`view/${run}`);
  const seeds = [0, 1, 2].map((i) => deriveKey(i === 1 ? fixed : fresh, `dealer/${i}`, 32));
  const pairKey = (i: number, j: number) => deriveKey(i === 1 || j === 1 ? fixed : fresh, `pair/${Math.min(i, j)}/${Math.max(i, j)}`);
  const [partyEnd, dealerEnd] = memoryLinkPair();
  new DealerServer({ seeds, link: dealerEnd, predict: false });
  const ts = MemoryTransport.mesh(n);
  const ids = ['p0', 'p1', 'p2'];
  const sessions = ts.map((t, me) => new Session({
    transport: t, ids,
    pairKeys: ids.map((_, j) => (j === me ? undefined : pairKey(me, j))),
    prep: new DealerPreprocessing({ seed: seeds[me]!, me, n, ...(me === n - 1 ? { link: partyEnd } : {}) }),
  }));
  const received: Ring[] = [];
  let sent: Ring | undefined;
  const s1 = sessions[1]!;
  onRecv(s1, (r) => received.push(r));
  onSend(s1, (ring) => (sent = ring)); // party 1's own shares of (e, f), the same to every peer
  const x = Ring.fill([N], 12345n);
  await Promise.all(sessions.map(async (s) => {
    const xs = input(s, 0, [N], s.me === 0 ? x : undefined);
    const ys = input(s, 2, [N], s.me === 2 ? y : undefined);
    return mulFn(s, xs, ys);
  }));
  await Promise.all(sessions.map((s) => s.close()));
  // The view: both received messages and the opened (e, f) they reconstruct to with party 1's shares.
  return [...received, received.reduce((a, b) => a.add(b), sent!)];
}

/** Two-sample chi-square statistic over the top byte of every element of two views. */
function chiSquareTopByte(a: Ring[], b: Ring[]): number {
  const hist = (rs: Ring[]) => {
    const h = new Float64Array(256);
    for (const r of rs) for (const v of r.shr(56).data) h[Number(v)]!++;
    return h;
  };
  const [ha, hb] = [hist(a), hist(b)];
  let chi = 0;
  for (let i = 0; i < 256; i++) if (ha[i]! + hb[i]! > 0) chi += (ha[i]! - hb[i]!) ** 2 / (ha[i]! + hb[i]!);
  return chi;
}
// 255 degrees of freedom: mean 255, sd ≈ 22.6; 400 is beyond 6 sd (p < 10^-8).
const CRITICAL = 400;
const structured = Ring.from(Array.from({ length: N }, (_, i) => BigInt(i % 256) << 56n));

/** Leaky: opens y − b' with b' = b's shares cut to 24 bits, so f's top byte is y's. */
const leakyMul: MulFn = (s, x, y) => run(s, async function* (sc): Chain<Ring> {
  const { a, b, c } = await sc.prep.triple(sc.tag(), x.shape);
  const { add } = yield { add: [x.sub(a), y.sub(b.shr(40))] };
  return beaverCombine(c, add[0]!, y, a, add[1]!, elementwise);
});

describe('view of party 1 during a multiplication', function () {
  this.timeout(60_000);
  async function views(mulFn: MulFn, run: string) {
    const v0 = await viewOfParty1(Ring.zeros([N]), `${run}/a`, mulFn);
    const v1 = await viewOfParty1(structured, `${run}/b`, mulFn);
    return [v0, v1] as const;
  }
  it('is independent of party 2\'s input (chi-square on received values and the opened e, f)', async () => {
    const [v0, v1] = await views(mul, 'real');
    expect(v0.length).to.equal(3);
    expect(chiSquareTopByte(v0, v1)).to.be.below(CRITICAL);
  });
  it('the same test catches a deliberately leaky multiplication', async () => {
    const [v0, v1] = await views(leakyMul, 'leaky');
    expect(chiSquareTopByte(v0, v1)).to.be.above(CRITICAL);
  });
});
