import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { Prg } from '../src/crypto/prg.js';
import { isConcordError } from '../src/errors.js';
import { chunkFrame, encodeFrame, frameChunks, FrameDecoder, LARGE_CHUNK, MAX_CHUNK, SEPARATE_PAYLOAD_BYTES } from '../src/net/frame.js';
import type { Message } from '../src/net/transport.js';
import { Ring } from '../src/ring/ring.js';
import { testSeed } from './helpers/parties.js';

const packr = new Packr({ useRecords: false });

/** Raw frame bytes from a header array and payload, bypassing the encoder. */
function rawFrame(header: unknown[], payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = packr.pack(header);
  const out = new Uint8Array(4 + h.length + payload.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 4);
  out.set(payload, 4 + h.length);
  return out;
}

function encodeAll(msgs: Message[]): Uint8Array {
  const parts = msgs.flatMap((m) => chunkFrame(encodeFrame(m)));
  return Buffer.concat(parts);
}

function expectFrameError(f: () => unknown, re: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isConcordError(e, 'E_FRAME'), String(e)).to.equal(true);
    expect((e as Error).message).to.match(re);
    return;
  }
  expect.fail('expected an E_FRAME error');
}

describe('frame codec (state machine fed raw bytes)', () => {
  const prg = new Prg(testSeed('frame').subarray(0, 16));
  const msgs: Message[] = [
    { tag: 1, kind: '', ring: prg.ring([3]) },
    { tag: 2, kind: 'o1', ring: prg.ring([40_000]) }, // 320 KB: several chunks
    { tag: 3, kind: 'b', bytes: Uint8Array.of(1, 2, 3) },
    { tag: 4, kind: 'j', json: { a: [1, 'x'], b: null } },
    { tag: 5, kind: 'empty' },
    { tag: 6, kind: 'mat', ring: prg.ring([7, 5]) },
    { tag: 7, kind: 'zero', ring: new Ring([0]) },
  ];

  it('round-trips ring, bytes, json and empty messages whatever the byte split', () => {
    const stream = encodeAll(msgs);
    for (const step of [1, 7, 4096, MAX_CHUNK, stream.length]) {
      const dec = new FrameDecoder();
      const got: Message[] = [];
      for (let off = 0; off < stream.length; off += step) got.push(...dec.push(stream.subarray(off, off + step)));
      expect(got, `split ${step}`).to.have.length(msgs.length);
      got.forEach((g, i) => {
        const m = msgs[i]!;
        expect([g.tag, g.kind]).to.deep.equal([m.tag, m.kind]);
        if (m.ring) expect(g.ring!.equals(m.ring), `ring ${i}`).to.equal(true);
        else expect(g.ring).to.equal(undefined);
        if (m.bytes) expect([...g.bytes!]).to.deep.equal([...m.bytes]);
        expect(g.json).to.deep.equal(m.json);
      });
      expect(dec.idle).to.equal(true);
    }
  });

  it('chunks stay within one Noise message and only the first is a copy', () => {
    const ring = prg.ring([100_000]);
    const chunks = chunkFrame(encodeFrame({ tag: 9, kind: '', ring }));
    expect(chunks.every((c) => c.length <= MAX_CHUNK)).to.equal(true);
    expect(chunks.slice(1).every((c) => c.buffer === ring.data.buffer)).to.equal(true);
  });

  it('large-frame chunks: small frames are one message, big payloads go as views after a head-only message', () => {
    const small = frameChunks(encodeFrame({ tag: 1, kind: '', ring: prg.ring([SEPARATE_PAYLOAD_BYTES / 8]) }));
    expect(small).to.have.length(1);
    for (const elems of [SEPARATE_PAYLOAD_BYTES / 8 + 1, LARGE_CHUNK / 8, LARGE_CHUNK / 8 + 1, 3 * (LARGE_CHUNK / 8) + 5]) {
      const ring = prg.ring([elems]);
      const chunks = frameChunks(encodeFrame({ tag: 2, kind: 'x', ring }));
      expect(chunks.length, `${elems}`).to.equal(1 + Math.ceil((elems * 8) / LARGE_CHUNK));
      expect(chunks.every((c) => c.length <= LARGE_CHUNK)).to.equal(true);
      expect(chunks.slice(1).every((c) => c.buffer === ring.data.buffer), 'payload chunks are views, not copies').to.equal(true);
      // Fed message by message, as the link does: a payload in one message becomes the tensor's buffer as is.
      const dec = new FrameDecoder();
      const plain = chunks.map((c) => Uint8Array.from(c));
      const got = plain.flatMap((c) => dec.push(c));
      expect(got).to.have.length(1);
      expect(got[0]!.ring!.equals(ring), `${elems} elements`).to.equal(true);
      if (plain.length === 2) expect(got[0]!.ring!.data.buffer, 'adopted, not copied').to.equal(plain[1]!.buffer);
      expect(dec.idle).to.equal(true);
    }
  });

  it('a payload pushed as an unaligned or partial buffer is copied, never aliased', () => {
    const ring = prg.ring([SEPARATE_PAYLOAD_BYTES / 8 + 3]);
    const [head, payload] = frameChunks(encodeFrame({ tag: 3, kind: '', ring }));
    const dec = new FrameDecoder();
    expect(dec.push(Uint8Array.from(head!))).to.deep.equal([]);
    const shifted = new Uint8Array(payload!.length + 1).subarray(1);
    shifted.set(payload!);
    const [m] = dec.push(shifted);
    expect(m!.ring!.equals(ring)).to.equal(true);
    expect(m!.ring!.data.buffer).to.not.equal(shifted.buffer);
    shifted.fill(0);
    expect(m!.ring!.equals(ring), 'unaffected by later writes to the pushed bytes').to.equal(true);
  });

  it('rejects a payload announced above the limit before allocating it', () => {
    const dec = new FrameDecoder({ maxFrameBytes: 1024 });
    // Only the header is fed: the error must come before any payload byte arrives.
    expectFrameError(() => dec.push(rawFrame([1, 5, '', 1, 'u64', [2 ** 40 / 8], 2 ** 40])), /2 ?\d* ?bytes announced|more than the limit of 1024/);
    expectFrameError(() => dec.push(Uint8Array.of(0)), /limit/); // stays failed
  });

  it('rejects malformed headers', () => {
    const cases: [Uint8Array, RegExp][] = [
      [Uint8Array.of(0, 0, 0, 0), /header length 0/],
      [Uint8Array.of(0xff, 0xff, 0, 0), /header length 65535/],
      [Uint8Array.of(3, 0, 0, 0, 0xc1, 0xc1, 0xc1), /not valid msgpack|array of 7/],
      [rawFrame([2, 1, '', 0, '', [], 0]), /version 2/],
      [rawFrame([1, -1, '', 0, '', [], 0]), /tag/],
      [rawFrame([1, 1, 5, 0, '', [], 0]), /kind/],
      [rawFrame([1, 1, '', 9, '', [], 0]), /unknown body type 9/],
      [rawFrame([1, 1, '', 1, 'f32', [2], 16]), /dtype/],
      [rawFrame([1, 1, '', 1, 'u64', [3], 16]), /does not match/],
      [rawFrame([1, 1, '', 1, 'u64', [], 0]), /does not match/],
      [rawFrame([1, 1, '', 2, 'u64', [2], 16]), /only tensor frames/],
      [rawFrame([1, 1, '', 0, '', [], 4]), /without body/],
      [rawFrame([1, 1, '', 3, '', [], 3], Uint8Array.of(0x7b, 0x7b, 0x7b)), /JSON body does not parse/],
      [rawFrame({ a: 1 } as unknown as unknown[]), /array of 7/],
    ];
    for (const [bytes, re] of cases) expectFrameError(() => new FrameDecoder().push(bytes), re);
  });

  it('reports a partial frame as not idle (a stream cut mid-frame is detectable)', () => {
    const stream = encodeAll([{ tag: 1, kind: '', ring: prg.ring([1000]) }]);
    const dec = new FrameDecoder();
    expect(dec.push(stream.subarray(0, stream.length - 1))).to.have.length(0);
    expect(dec.idle).to.equal(false);
    expect(dec.push(stream.subarray(stream.length - 1))).to.have.length(1);
    expect(dec.idle).to.equal(true);
  });
});
