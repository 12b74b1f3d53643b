import { expect } from 'chai';
import { onRecvBytes } from './helpers/spy.js';
import { deriveKey } from '../src/crypto/prg.js';
import { MemoryTransport } from '../src/net/memory.js';
import { Session } from '../src/session/session.js';
import { wideSum } from '../protocols/arithmetic/wide-sum.js';
import { testSeed } from './helpers/parties.js';

/**
 * View test of the joint statistics' sum (protocols/arithmetic/wide-sum.ts): what party 1 receives
 * must not depend on how the total splits between parties 0 and 2 (the total is the declared
 * output). Party 1's pairwise keys are fixed across runs, the others' fresh. Byte 61 (bits 488–495) of every
 * received 512-bit element is compared between the split (0, 0) and a structured split (v, −v) by
 * a two-sample chi-square test. A leaky variant whose masks are only 256 bits wide must fail it.
 */
const N = 3000;
type SumFn = (s: Session, v: readonly bigint[]) => Promise<bigint[]>;

async function viewOfParty1(v0: bigint[], v2: bigint[], run: string, sum: SumFn): Promise<Uint8Array[]> {
  const fixed = testSeed('wsum-view/party1');
  const fresh = testSeed(`wsum-view/${run}`);
  const pairKey = (i: number, j: number) => deriveKey(i === 1 || j === 1 ? fixed : fresh, `pair/${Math.min(i, j)}/${Math.max(i, j)}`);
  const ids = ['p0', 'p1', 'p2'];
  const sessions = MemoryTransport.mesh(3).map((t, me) => new Session({ transport: t, ids, pairKeys: ids.map((_, j) => (j === me ? undefined : pairKey(me, j))) }));
  const received: Uint8Array[] = [];
  onRecvBytes(sessions[1]!, (b) => received.push(b));
  const inputs = [v0, new Array<bigint>(N).fill(0n), v2];
  const outs = await Promise.all(sessions.map((s) => sum(s, inputs[s.me]!)));
  await Promise.all(sessions.map((s) => s.close()));
  expect(outs[1]).to.deep.equal(v0.map((x, i) => x + v2[i]!));
  return received;
}

/** Two-sample chi-square over byte 61 (bits 488–495, below the 2^500 input bound) of every 64-byte element. */
function chiSquareTopByte(a: Uint8Array[], b: Uint8Array[]): number {
  const hist = (bs: Uint8Array[]) => {
    const h = new Float64Array(256);
    for (const m of bs) for (let i = 61; i < m.length; i += 64) h[m[i]!]!++;
    return h;
  };
  const [ha, hb] = [hist(a), hist(b)];
  let chi = 0;
  for (let i = 0; i < 256; i++) if (ha[i]! + hb[i]! > 0) chi += (ha[i]! - hb[i]!) ** 2 / (ha[i]! + hb[i]!);
  return chi;
}
const CRITICAL = 400; // 255 degrees of freedom: mean 255, sd ≈ 22.6

/** The real recipe with masks only 256 bits wide: the top bits of each share are the value's. */
const leakySum: SumFn = async (s, mine) => {
  const MOD = 1n << 512n;
  const tag = s.tag();
  const toBig = (b: Uint8Array, i: number) => { let v = 0n; for (let t = 31; t >= 0; t--) v = (v << 8n) | BigInt(b[i * 32 + t]!); return v; };
  const share = mine.map((v) => (v + MOD) % MOD);
  for (const j of s.peers) {
    const out = s.pairPrg(j, tag, s.me).bytes(32 * mine.length);
    const inn = s.pairPrg(j, tag, j).bytes(32 * mine.length);
    for (let i = 0; i < share.length; i++) share[i] = (share[i]! - toBig(out, i) + toBig(inn, i) + MOD) % MOD;
  }
  const bytes = new Uint8Array(64 * mine.length);
  share.forEach((v, i) => { for (let t = 0; t < 64; t++) { bytes[i * 64 + t] = Number(v & 0xffn); v >>= 8n; } });
  for (const p of s.peers) s.sendBytes(p, tag, bytes, 'wsum');
  const got = await Promise.all(s.peers.map((p) => s.recvBytes(p, tag, 'wsum')));
  return share.map((v, i) => {
    let t = v;
    for (const g of got) { let x = 0n; for (let k = 63; k >= 0; k--) x = (x << 8n) | BigInt(g[i * 64 + k]!); t = (t + x) % MOD; }
    return t >= MOD / 2n ? t - MOD : t;
  });
};

describe('wideSum view (party 1 learns nothing beyond the total)', function () {
  this.timeout(60_000);
  const zeros = new Array<bigint>(N).fill(0n);
  // Structured split with the same total (0): v at party 0, −v at party 2, v spread over bits 488–495.
  const v = Array.from({ length: N }, (_, i) => BigInt(i % 256) << 488n);
  const neg = v.map((x) => -x);

  it('the view of the real protocol does not depend on the split of the total', async () => {
    const a = await viewOfParty1(zeros, zeros, 'a', wideSum);
    const b = await viewOfParty1(v, neg, 'b', wideSum);
    expect(chiSquareTopByte(a, b)).to.be.below(CRITICAL);
  });

  it('a leaky variant (256-bit masks) fails the same test', async () => {
    const a = await viewOfParty1(zeros, zeros, 'a', leakySum);
    const b = await viewOfParty1(v, neg, 'b', leakySum);
    expect(chiSquareTopByte(a, b)).to.be.above(CRITICAL);
  });
});
