import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Prg, PrgMatrix, deriveKey, labelNonce } from '../src/crypto/prg.js';
import { encodeFrame } from '../src/net/frame.js';
import { PROTOCOL_VERSION } from '../src/net/handshake.js';
import { Ring } from '../src/ring/ring.js';
import { DEALER_SEED_LABEL, dealerCorrection, encodeBatch, itemKey, lutRequest, maskValue, partyShare, type ItemRequest } from '../protocols/offline/dealer-items.js';
import { ItemPrgs, hmSeeds, labelHash } from '../protocols/offline/hm/replicated.js';
import { memorySessions } from './helpers/parties.js';

/**
 * PROTOCOL_VERSION (src/net/handshake.ts) names everything parties and the dealer must derive
 * alike: parties that expand an item or lay out a frame differently compute wrong results
 * without any error, and the handshake refuses a version mismatch only if the version changes
 * whenever such a derivation does. So this test digests fixed outputs of each derivation (PRG
 * streams, dealer items and corrections, hm item streams and seeds, frames, correction
 * batches) and pins the digest to the version: a change to any of them fails here until
 * PROTOCOL_VERSION is bumped and the new digest is recorded for it.
 */
const PINNED: Record<string, string> = {
  'concord/3': '5daa52a5637595e54fca23184014c66daf0b5edd0f66656215b53b3af5443b96',
};

const SEED = new TextEncoder().encode('protocol version pin, 32 bytes..');
const KEY = Uint8Array.from({ length: 16 }, (_, i) => 200 - i * 7);

/** Every tensor of an item share (or any nested value) in a fixed order, as bytes. */
function* tensors(v: unknown): Generator<Uint8Array> {
  if (v instanceof Ring) yield new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  else if (Array.isArray(v)) for (const x of v) yield* tensors(x);
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.rows === 'function' && Array.isArray(o.shape)) yield* tensors((o.rows as (a: number, b: number) => Ring)(0, (o.shape as number[])[0]!));
    else for (const k of Object.keys(o).sort()) yield* tensors(o[k]);
  }
}

function derivationDigest(): string {
  const h = createHash('sha256');
  const put = (label: string, b: Uint8Array): void => {
    h.update(`${label}:${b.length}:`);
    h.update(b);
  };
  // PRG: keys from seeds, numbered streams (with a word offset), labelled streams, matrix rows.
  put('deriveKey', deriveKey(SEED, 'pair/0/1'));
  put('deriveKey32', deriveKey(SEED, `${DEALER_SEED_LABEL}/2`, 32));
  put('numbered', new Prg(KEY, 5, 7).bytes(100));
  put('numbered@3', new Prg(KEY, 0xffffffff, 1, 3).bytes(40));
  put('labelled', Prg.labelled(SEED, labelNonce('item/triple/1/4')).bytes(100));
  put('gather', tensors(new PrgMatrix(KEY, 9, 2, [20, 3]).gather([7, 0, 19])).next().value!);
  // Dealer items: every kind's shares for three parties (party 2 with the dealer's correction).
  const seeds = [0, 1, 2].map((i) => deriveKey(SEED, `${DEALER_SEED_LABEL}/${i}`, 32));
  const items: ItemRequest[] = [
    { kind: 'triple', tag: 1, shape: [4] },
    { kind: 'matrix', tag: 2, n: 2, k: 3, m: 2 },
    { kind: 'trunc', tag: 3, shape: [3], f: 16 },
    { kind: 'bit', tag: 4, shape: [3] },
    { kind: 'dabit', tag: 5, shape: [3] },
    { kind: 'edabit', tag: 6, shape: [3] },
    lutRequest(7, 2, { fields: [{ at: 3, bits: 2 }], powers: 1, shift: 1 }),
    { kind: 'mask', tag: 8, shape: [4, 2] },
    { kind: 'masked', tag: 9, maskTag: 8, maskShape: [4, 2], start: 1, end: 3, transpose: false, m: 2 },
  ];
  for (const q of items) {
    const corr = dealerCorrection(seeds, q, (tag, shape) => maskValue(seeds, tag, shape));
    put(`correction ${itemKey(q)}`, tensors(corr).next().value!);
    seeds.forEach((s, i) => {
      let j = 0;
      for (const t of tensors(partyShare(s, q, i === 2 && q.kind !== 'mask' ? corr : undefined))) put(`share ${i} ${itemKey(q)} ${j++}`, t);
    });
  }
  put('batch', encodeBatch(['triple/1/2', 'trunc/2/1/f16'], [Ring.from([1, 2]), Ring.from([3n, 2n ** 64n - 1n])], 4));
  // hm: the seeds a session derives, item streams (pieces and zero-sharings), label hashes.
  const ss = memorySessions(3, { seed: 'protocol-version' });
  const hs = hmSeeds(ss[1]!);
  put('hm seeds', Buffer.concat([hs.prev, hs.next]));
  put('pairPrg', ss[0]!.pairPrg(2, 11, 3).bytes(48));
  const p = new ItemPrgs(hs, 12, labelHash('triple/12/5'));
  put('hm pieces', Buffer.concat([...tensors(p.pieces([5]))]));
  put('hm zero', tensors(p.zero([5])).next().value!);
  put('hm xor zero', tensors(p.zero([5], true)).next().value!);
  put('labelHash', new Uint8Array(Uint32Array.from(['', 'triple/1/64', 'dabit/9/100'].map(labelHash)).buffer));
  // Frames: a tensor, bytes, JSON and an empty message.
  for (const m of [{ tag: 3, kind: 'k', ring: Ring.from([1, 2, 3]) }, { tag: 4, kind: 'b', bytes: Uint8Array.of(9, 8) }, { tag: 0, kind: 'prep/req', json: { need: [], hit: [] } }, { tag: 7, kind: '' }]) {
    const f = encodeFrame(m);
    put(`frame ${m.tag}`, Buffer.concat([f.head, f.payload]));
  }
  return h.digest('hex');
}

describe('protocol version', () => {
  it('pins a digest of every shared derivation to PROTOCOL_VERSION (a derivation changed without a version bump fails here)', () => {
    const got = derivationDigest();
    expect(derivationDigest(), 'deterministic').to.equal(got);
    expect(PINNED[PROTOCOL_VERSION], `the derivations' digest is ${got}, and no digest is pinned for ${PROTOCOL_VERSION}, or a different one. If a derivation or frame layout changed on purpose, bump PROTOCOL_VERSION in src/net/handshake.ts and pin this digest for the new version; otherwise the change breaks compatibility between parties of one version`).to.equal(got);
  });
});
