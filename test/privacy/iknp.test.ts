import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Prg } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import { KAPPA } from '../../protocols/offline/ot/base-ot.js';
import { deltaBit, iknpReceive, type CotReceiverKeys } from '../../protocols/offline/ot/iknp.js';
import { elementReceiveStart } from '../../protocols/offline/ot/element-ot.js';
import { otKeysFor } from '../ot/helpers.js';
import { bitFrequencyZ, inputCorrelationZ, Z_LIMIT, type View } from './harness.js';

/**
 * View of the OT-extension SENDER (issue 15, finding 4: "the IKNP message without its PRG pad").
 * The sender's view is Δ, its base-OT seeds k_j^{Δ_j} and the receiver's message u. Besides u
 * itself we give the statistics what the sender can compute from it: v^j = u^j ⊕ G(k_j^{Δ_j})
 * for every column j. In the real protocol v^j = G(k_j^{1−Δ_j}) ⊕ r is uniform; if the
 * receiver drops its pad G(k_j^1), the columns with Δ_j = 0 give v^j = r, the choice bits
 * (the receiver's secret shares in Gilboa products) in clear. Fresh base OTs for every run.
 */

const M = 8192; // OTs per extension (choice bits)
const W = M >>> 5;

/** How a receiver makes its message u from its keys and choice bits. */
type Receive = (keys: CotReceiverKeys, extId: number, choice: Uint32Array, m: number) => { u: Uint8Array };

/** The chunked receiver that element triples, bit triples and daBits use (element-ot.ts). */
const chunked: Receive = (keys, extId, choice, m) => elementReceiveStart(keys, extId, choice, m, 'and', m);

/** The sender's view of one extension with the receiver's choice bits `choice`. */
function senderView(choice: Uint32Array, receive: Receive): View {
  const keys = otKeysFor(`privacy-iknp/${randomUUID()}`);
  const extId = 7;
  const { u } = receive(keys.recv, extId, choice, M);
  const u32 = new Uint32Array(u.buffer, u.byteOffset, u.length >>> 2);
  const v = new Uint32Array(u32.length);
  for (let j = 0; j < KAPPA; j++) {
    const g = new Uint32Array(W);
    new Prg(keys.send.seeds[j]!, extId, 0).fill(new Uint8Array(g.buffer));
    for (let i = 0; i < W; i++) v[j * W + i] = u32[j * W + i]! ^ g[i]!;
  }
  // bits of Δ tell the sender which columns it can unpad with which seed; keep both halves apart
  const rows = (want: number) => {
    const out: number[] = [];
    for (let j = 0; j < KAPPA; j++) if (deltaBit(keys.send.delta, j) === want) out.push(...v.subarray(j * W, (j + 1) * W));
    return Uint32Array.from(out);
  };
  return new Map([
    ['u', { words: u32.slice(), bits: 64 as const }],
    ['v (Δ_j = 0)', { words: rows(0), bits: 64 as const }],
    ['v (Δ_j = 1)', { words: rows(1), bits: 64 as const }],
  ]);
}

const randomChoice = (): Uint32Array => Uint32Array.from({ length: W }, () => Math.floor(Math.random() * 2 ** 32));

/** Leaky variant of the receiver: u^j = G(k_j^0) ⊕ r, the pad G(k_j^1) dropped (tests only). */
const unpadded: Receive = (keys, extId, choice, m) => {
  const w = m >>> 5;
  const u = new Uint32Array(KAPPA * w);
  for (let j = 0; j < KAPPA; j++) {
    const t = new Uint32Array(w);
    new Prg(keys.seeds0[j]!, extId, 0).fill(new Uint8Array(t.buffer));
    for (let i = 0; i < w; i++) u[j * w + i] = t[i]! ^ choice[i]!;
  }
  return { u: new Uint8Array(u.buffer) };
};

function verdict(receive: Receive): number {
  const zero = senderView(new Uint32Array(W), receive);
  const choice = randomChoice();
  const rand = senderView(choice, receive);
  const f = bitFrequencyZ(zero, rand);
  const c = inputCorrelationZ(rand, [new Ring([W / 2], new BigUint64Array(choice.buffer))]);
  return Math.max(f.z, c.z);
}

describe('privacy: the OT-extension sender learns nothing about the choice bits', () => {
  it('real IKNP: u and everything the sender can unpad look the same for zero and random choice bits', () => {
    expect(verdict(iknpReceive)).to.be.below(Z_LIMIT);
  });
  it('real IKNP, chunked (element-ot.ts): the same', () => {
    expect(verdict(chunked)).to.be.below(Z_LIMIT);
  });
  it('the same check flags the IKNP message sent without its PRG pad', () => {
    expect(verdict(unpadded)).to.be.above(Z_LIMIT * 3);
  });
});
