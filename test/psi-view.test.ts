import { expect } from 'chai';
import { onRecvBytes } from './helpers/spy.js';
import { Prg } from '../src/crypto/prg.js';
import type { Session } from '../src/session/session.js';
import { BlindingKey, hashIds, U_BYTES } from '../protocols/psi/x25519-group.js';
import { psi, type PsiOptions, type PsiResult } from '../protocols/psi/ecdh-psi.js';
import { psiUnshuffled } from '../protocols/psi/leaky.js';
import { memorySessions, testSeed } from './helpers/parties.js';

/**
 * View tests of the PSI: what a party receives must not depend on the IDs outside the
 * intersection (the set sizes and the intersection held fixed). Two worlds differ only in WHICH
 * of party 1's non-intersection rows party 2 also holds (rows 0..149 or rows 150..299 of its
 * file). The counter (party 0) sees whole final sets: from its view it tries to tell the worlds
 * apart by the mean file position of the rows that sets 1 and 2 share outside the intersection.
 * With the secret shuffle that statistic is the same in both worlds; the leaky control (the real
 * protocol with the shuffle switched off, psi/leaky.ts) must fail the same test. Party 1 (a hop
 * party) must never receive a value it can compute from its own IDs and key, in either world.
 */
const SALT = new TextEncoder().encode('view-job');
const M = 400, COMMON = 100, SHARED = 150;
type PsiFn = (s: Session, ids: readonly string[], o: PsiOptions) => Promise<PsiResult>;

function seededPermutation(label: string): (m: number) => Uint32Array {
  return (m) => {
    const prg = new Prg(testSeed(label).slice(0, 16));
    const p = Uint32Array.from({ length: m }, (_, i) => i);
    for (let i = m - 1; i > 0; i--) {
      const j = Number(prg.ring([1]).data[0]! % BigInt(i + 1));
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  };
}

function world(w: 'A' | 'B'): string[][] {
  const common = Array.from({ length: COMMON }, (_, i) => `common-${i}`);
  const own1 = Array.from({ length: M - COMMON }, (_, i) => `p1-${i}`);
  const shared = w === 'A' ? own1.slice(0, SHARED) : own1.slice(SHARED, 2 * SHARED);
  const fill = (who: string, k: number) => Array.from({ length: k }, (_, i) => `${who}-only-${i}`);
  return [
    [...fill('p0', M - COMMON), ...common],
    [...own1, ...common], // party 1: its own rows first, the common ones last
    [...common, ...shared, ...fill('p2', M - COMMON - SHARED)],
  ];
}

interface View {
  received: { peer: number; kind: string; bytes: Uint8Array }[];
  result: PsiResult;
}

const keyOf = (i: number) => new BlindingKey(testSeed(`psi-view/key/${i}`));

async function viewOf(observer: number, w: 'A' | 'B', fn: PsiFn): Promise<View> {
  const sets = world(w);
  const sessions = memorySessions(3, { timeoutMs: 10_000 });
  const received: View['received'] = [];
  const so = sessions[observer]!;
  onRecvBytes(so, (bytes, peer, _tag, kind) => received.push({ peer, kind, bytes }));
  try {
    const out = await Promise.all(sessions.map((s, i) => fn(s, sets[i]!, { salt: SALT, chunk: 64, key: keyOf(i), permutation: seededPermutation(`psi-view/pi/${i}`) })));
    return { received, result: out[observer]! };
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

/** The counter's distinguisher: mean position (in set 1's sent order) of values shared by sets 1 and 2 outside the intersection. */
function counterStatistic(v: View): number {
  const stage1 = Buffer.concat(v.received.filter((r) => r.peer === 2 && r.kind.startsWith('hop/1/')).map((r) => r.bytes));
  const f1 = keyOf(0).blindInto(new Uint8Array(stage1));
  const final2 = v.received.find((r) => r.kind === 'final')!.bytes;
  const set2 = new Set<string>();
  for (let p = 0; p < final2.length / 16; p++) set2.add(Buffer.from(final2.subarray(p * 16, p * 16 + 16)).toString('hex'));
  const positions: number[] = [];
  for (let p = 0; p < M; p++) if (set2.has(Buffer.from(f1.subarray(p * U_BYTES, p * U_BYTES + 16)).toString('hex'))) positions.push(p);
  expect(positions.length).to.equal(COMMON + SHARED); // the counter does learn |S1 ∩ S2| (documented)
  const mean = positions.reduce((a, b) => a + b, 0) / positions.length;
  return mean / M;
}

describe('psi view: a party\'s view does not depend on the IDs outside the intersection', function () {
  this.timeout(60_000);

  it('the counter cannot tell which non-intersection rows sets 1 and 2 share (secure), but can without the shuffle (leaky control)', async () => {
    const secure = [counterStatistic(await viewOf(0, 'A', psi)), counterStatistic(await viewOf(0, 'B', psi))];
    const leaky = [counterStatistic(await viewOf(0, 'A', psiUnshuffled)), counterStatistic(await viewOf(0, 'B', psiUnshuffled))];
    // Secure: both worlds give a mean position near 1/2 (sd ≈ 0.02). Leaky: rows 0..149 vs 150..299.
    expect(Math.abs(secure[0]! - secure[1]!), `secure ${secure.join(' vs ')}`).to.be.below(0.1);
    expect(Math.abs(leaky[0]! - leaky[1]!), `leaky ${leaky.join(' vs ')}`).to.be.above(0.1);
  });

  it('a hop party receives the same kinds and sizes in both worlds, and never a value it can compute from its own IDs', async () => {
    const sets = world('A');
    const mine = hashIds(sets[1]!, SALT);
    const derivable = new Set<string>();
    const blinded = keyOf(1).blindInto(mine);
    for (let p = 0; p < M; p++) {
      derivable.add(Buffer.from(mine.subarray(p * 32, p * 32 + 16)).toString('hex'));
      derivable.add(Buffer.from(blinded.subarray(p * 32, p * 32 + 16)).toString('hex'));
    }
    const views = [await viewOf(1, 'A', psi), await viewOf(1, 'B', psi)];
    const shape = (v: View) => v.received.map((r) => `${r.peer}:${r.kind}:${r.bytes.length}`).sort();
    expect(shape(views[0]!)).to.deep.equal(shape(views[1]!));
    for (const v of views) {
      let matches = 0;
      for (const r of v.received) {
        if (!r.kind.startsWith('hop/')) continue;
        for (let p = 0; p < r.bytes.length / 32; p++) if (derivable.has(Buffer.from(r.bytes.subarray(p * 32, p * 32 + 16)).toString('hex'))) matches++;
      }
      expect(matches).to.equal(0);
      expect(v.result.size).to.equal(COMMON);
    }
  });
});
