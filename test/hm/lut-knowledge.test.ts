import { expect } from 'chai';
import { onRecv, onSendBytes } from '../helpers/spy.js';
import { Ring } from '../../src/ring/ring.js';
import type { Session } from '../../src/session/session.js';
import type { LutMask, LutSpec } from '../../src/session/preprocessing.js';
import type { HmLeak, Pieces } from '../../protocols/offline/hm/replicated.js';
import { beaverMul } from '../helpers/beaver-mul.js';
import { hmSessions } from '../helpers/hm-view.js';
import { dpfEvalAll, dpfKeyBytes } from '../../protocols/offline/hm/dpf.js';

/**
 * Share knowledge of hm's lookup masks (lut.ts), in the style of share-knowledge.test.ts. In hm
 * a Beaver opening of a shared tensor shows party i−1 party i's share (it holds the triple piece
 * a_i), so party i must never be able to tell party i−1's share apart from uniform, and party
 * i−1 must gain nothing from party i's. Before their zero-sharing, the lookup mask's one-hot
 * shares break both: party 0's share is 0 (party 1 knows it), and party 1's share is its DPF
 * evaluation Y_0 rotated by field_0(y) (party 0 knows Y_0: it holds party 1's root and made the
 * key's public part). Two curious parties run the attacks after
 * one Beaver product of hot_0 with itself (what any protocol using the mask may do):
 *   party 1: hot_0 = 0 (party 0's share, guessed) + its own share + party 2's share (from party
 *            2's opening hot_2 − a_2 and its piece a_2): the whole one-hot, i.e. ρ_0;
 *   party 0: party 1's share (from its opening hot_1 − a_1 and the piece a_1), matched against
 *            the rotations of Y_0: the rotation is field_0(y), so ρ_0 = field_0(u) + field_0(y).
 * Both must fail on the real protocol and succeed on the 'no-rerandomize' variant (which leaves
 * out the zero-sharing), so the test is known to be able to fail.
 */
const N = 256;
const SPEC: LutSpec = { fields: [{ at: 14, bits: 7 }, { at: 17, bits: 7 }], powers: 2, shift: 2 };
const M = 2 ** SPEC.fields[0]!.bits;

interface Observed {
  ss: Session[];
  pieces: Map<string, Pieces>;
  got: Map<string, Ring>;
  sent: Uint8Array[];
  /** Bytes the observer drew from its pairwise streams, by item label and stream. */
  drawn: Map<string, Uint8Array>;
  masks: LutMask[];
  mulTag: number;
  /** ρ_0 per element, from all three parties' shares (the truth the attacks aim at). */
  rho: number[];
}

/** One lookup-mask request and one Beaver product hot_0·hot_0; `observer` curious. */
async function observe(observer: number, leak?: HmLeak): Promise<Observed> {
  const pieces = new Map<string, Pieces>();
  const drawn = new Map<string, Uint8Array>();
  const ss = hmSessions(N, leak, (label, p) => { if (!pieces.has(label)) pieces.set(label, p); }, observer, (label, stream, b) => { if (!drawn.has(`${label}#${stream}`)) drawn.set(`${label}#${stream}`, b.slice()); });
  const got = new Map<string, Ring>();
  onRecv(ss[observer]!, (r, peer, tag, kind) => got.set(`${peer}/${tag}/${kind}`, r));
  const sent: Uint8Array[] = [];
  onSendBytes(ss[0]!, (b) => sent.push(b.slice()));
  const tags: number[] = [];
  const masks = await Promise.all(ss.map(async (s) => {
    const m = await s.prep.lutMask!(s.tag(), N, SPEC);
    // beaverMul takes one tag when it starts (its scope's id, which also names its triple)
    tags.push(s.tag() + 1);
    await beaverMul(s, m.hot[0]!, m.hot[0]!);
    return m;
  }));
  await Promise.all(ss.map((s) => s.close()));
  const hot = masks[0]!.hot[0]!.add(masks[1]!.hot[0]!).add(masks[2]!.hot[0]!);
  const rho = Array.from({ length: N }, (_, i) => hot.data.subarray(i * M, (i + 1) * M).indexOf(1n));
  return { ss, pieces, got, sent, drawn, masks, mulTag: tags[0]!, rho };
}

/** The share of hot_0 that `from` opened in the product, as the observer reads it (opening + its piece a_from). */
function openedShare(o: Observed, from: number): Ring {
  const opening = o.got.get(`${from}/${o.mulTag}/ls0`)!;
  const a = o.pieces.get(`triple/${o.mulTag}/${N}x${M}`)!.other;
  return opening.reshape([opening.size]).slice(0, N * M).reshape([N, M]).add(a);
}

/** Party 1's attack: the fraction of elements whose ρ_0 it reads off hot_0 = 0 + hot_1 + hot_2. */
async function party1Attack(leak?: HmLeak): Promise<number> {
  const o = await observe(1, leak);
  const guess = o.masks[1]!.hot[0]!.add(openedShare(o, 2));
  let hits = 0;
  for (let i = 0; i < N; i++) {
    const row = guess.data.subarray(i * M, (i + 1) * M);
    if (row.indexOf(1n) === o.rho[i] && row.every((v, j) => v === (j === o.rho[i] ? 1n : 0n))) hits++;
  }
  return hits / N;
}

/** Party 0's attack: the fraction of elements whose ρ_0 it finds by matching party 1's share against rotations of Y_0. */
async function party0Attack(leak?: HmLeak): Promise<number> {
  const o = await observe(0, leak);
  const share1 = openedShare(o, 1);
  // Party 1's evaluation of field 0's tree (block 0: the one-hot), from its root (the first draw
  // on party 0's stream with party 1) and the key's public part party 0 sent it.
  const label = [...o.pieces.keys()].find((l) => l.startsWith('lut/'))!;
  const roots1 = o.drawn.get(`${label}#next`)!.subarray(0, 16 * N);
  const tree0 = o.sent[0]!.subarray(0, N * dpfKeyBytes(SPEC.fields[0]!.bits, 1 + SPEC.powers));
  const m = dpfEvalAll(roots1, 0, tree0, N, SPEC.fields[0]!.bits, 1 + SPEC.powers)[0]!;
  const lut = o.pieces.get(label)!;
  const u0 = lut.mine.add(lut.other).shr(SPEC.fields[0]!.at);
  let hits = 0;
  for (let i = 0; i < N; i++) {
    const mrow = m.subarray(i * M, (i + 1) * M), srow = share1.data.subarray(i * M, (i + 1) * M);
    for (let sh = 0; sh < M; sh++) {
      if (srow[sh] !== mrow[0]) continue; // rotated right by sh: srow[j] = mrow[(j − sh) mod M]
      if (!srow.every((v, j) => v === mrow[(j - sh + M) % M])) continue;
      if ((Number(u0.data[i]! % BigInt(M)) + sh) % M === o.rho[i]) hits++;
      break;
    }
  }
  return hits / N;
}

describe('hm lookup masks: no party learns another party\'s one-hot share (Beaver-opening attacks)', function () {
  this.timeout(60_000);

  it('a curious party 1 cannot read ρ_0 off its share, party 2\'s opened share and a guessed party-0 share', async () => {
    expect(await party1Attack()).to.be.below(0.01);
  });

  it("leaky control 'no-rerandomize': party 1 reads every ρ_0 (party 0's share is 0)", async () => {
    expect(await party1Attack('no-rerandomize')).to.equal(1);
  });

  it('a curious party 0 cannot predict party 1\'s share from its message m (no rotation of m matches)', async () => {
    expect(await party0Attack()).to.be.below(0.01);
  });

  it("leaky control 'no-rerandomize': party 0 finds field_0(y), hence every ρ_0, from party 1's opened share", async () => {
    expect(await party0Attack('no-rerandomize')).to.equal(1);
  });
});
