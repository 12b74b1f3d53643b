import { expect } from 'chai';
import { ConcordError, isConcordError } from '../src/errors.js';
import { DH25519 } from '../src/crypto/noise-suites.js';
import type { KeyPair } from '../src/crypto/noise.js';
import { acceptHandshake, dialHandshake, PROTOCOL_VERSION, type LinkSetup } from '../src/net/handshake.js';
import { MAX_TRANSPORT_MESSAGE, SEND_HIGH_WATER, type SecureLink } from '../src/net/link.js';
import { LARGE_CHUNK } from '../src/net/frame.js';
import type { Message } from '../src/net/transport.js';
import { memoryWirePair, type WireTap, type Wire } from '../src/net/wire.js';
import { Prg } from '../src/crypto/prg.js';
import { Ring } from '../src/ring/ring.js';

const A = DH25519.generateKeyPair();
const B = DH25519.generateKeyPair();
const C = DH25519.generateKeyPair();

interface Pair {
  wa: Wire;
  wb: Wire;
  a?: SecureLink;
  b?: SecureLink;
  errA?: unknown;
  errB?: unknown;
}

/** Handshake "alice" (dialer) with "bob" (listener) over in-memory wires. */
async function connect(o: { aKey?: KeyPair; bKey?: KeyPair; aThinksB?: Uint8Array; bThinksA?: Uint8Array; jobA?: string; jobB?: string; tap?: WireTap; maxFrameBytes?: number } = {}): Promise<Pair> {
  const [wa, wb] = memoryWirePair(o.tap);
  const deadline = Date.now() + 2000;
  const setup = (myId: string, myKey: KeyPair, job: string): LinkSetup => ({ myId, myKey, jobHash: job, deadline, ...(o.maxFrameBytes ? { limits: { maxFrameBytes: o.maxFrameBytes } } : {}) });
  const out: Pair = { wa, wb };
  await Promise.all([
    dialHandshake(wa, { id: 'bob', publicKey: o.aThinksB ?? B.publicKey }, setup('alice', o.aKey ?? A, o.jobA ?? 'job1')).then(
      (l) => (out.a = l),
      (e: unknown) => (out.errA = e),
    ),
    acceptHandshake(wb, (id) => (id === 'alice' ? { id, publicKey: o.bThinksA ?? A.publicKey } : undefined), () => setup('bob', o.bKey ?? B, o.jobB ?? 'job1'), deadline).then(
      (l) => (out.b = l),
      (e: unknown) => (out.errB = e),
    ),
  ]);
  return out;
}

function nextMessage(l: SecureLink): Promise<Message> {
  return new Promise((resolve) => l.onMessage(resolve));
}
function nextError(l: SecureLink): Promise<ConcordError> {
  return new Promise((resolve) => l.onError(resolve));
}

function expectErr(e: unknown, code: string, re: RegExp): void {
  expect(isConcordError(e), String(e)).to.equal(true);
  expect((e as ConcordError).code, (e as Error).message).to.equal(code);
  expect((e as Error).message).to.match(re);
}

describe('secure link (Noise KK over a wire)', () => {
  it('connects, derives the same PRG key at both ends, and moves messages both ways', async () => {
    const p = await connect();
    expect(p.errA ?? p.errB).to.equal(undefined);
    expect(Buffer.from(p.a!.prgKey).toString('hex')).to.equal(Buffer.from(p.b!.prgKey).toString('hex'));
    expect(p.a!.prgKey).to.have.length(16);
    expect(Buffer.from(p.a!.exportKey('x')).equals(Buffer.from(p.b!.exportKey('x')))).to.equal(true);
    expect(Buffer.from(p.a!.exportKey('x')).equals(Buffer.from(p.a!.exportKey('y')))).to.equal(false);
    const r = Ring.from([1n, 2n, 2n ** 64n - 1n]);
    const gotB = nextMessage(p.b!);
    p.a!.send({ tag: 3, kind: 'k', ring: r });
    const m = await gotB;
    expect(m.ring!.equals(r)).to.equal(true);
    const gotA = nextMessage(p.a!);
    p.b!.send({ tag: 4, kind: '', json: { ok: true } });
    expect((await gotA).json).to.deep.equal({ ok: true });
    expect(p.a!.stats().bytesSent).to.equal(24);
    await Promise.all([p.a!.close(), p.b!.close()]);
  });

  it('a wrong static key for the listener fails on both sides with E_HANDSHAKE naming the peer', async () => {
    const p = await connect({ aThinksB: C.publicKey });
    expectErr(p.errB, 'E_HANDSHAKE', /party alice/);
    expectErr(p.errA, 'E_HANDSHAKE', /party bob/);
  });

  it('a wrong static key for the dialer fails on both sides with E_HANDSHAKE naming the peer', async () => {
    const p = await connect({ bThinksA: C.publicKey });
    expectErr(p.errB, 'E_HANDSHAKE', /party alice/);
    expectErr(p.errA, 'E_HANDSHAKE', /party bob/);
  });

  it('a dialer holding another private key fails with E_HANDSHAKE', async () => {
    const p = await connect({ aKey: C });
    expectErr(p.errB, 'E_HANDSHAKE', /party alice failed the Noise handshake/);
    expectErr(p.errA, 'E_HANDSHAKE', /party bob/);
  });

  it('a job mismatch fails on both sides with E_JOB_MISMATCH naming both hashes', async () => {
    const p = await connect({ jobA: 'aaaa', jobB: 'bbbb' });
    expectErr(p.errA, 'E_JOB_MISMATCH', /party bob runs job bbbb.*this party runs job aaaa/);
    expectErr(p.errB, 'E_JOB_MISMATCH', /party alice runs job aaaa.*this party runs job bbbb/);
    // the message names the protocol version of each side, so a version mismatch reads as one
    expect((p.errA as Error).message).to.include(`(${PROTOCOL_VERSION})`);
  });

  /** Connect with a tap that lets the first `pass` transport messages from alice through, then calls `attack`. */
  async function attacked(attack: (d: Uint8Array, seen: Uint8Array[]) => Uint8Array[], count = 3, ring: (i: number) => Ring = (i) => Ring.from([BigInt(i)])): Promise<{ errB: ConcordError; received: number }> {
    let fromA = 0;
    const seen: Uint8Array[] = [];
    const tap: WireTap = (from, d) => {
      if (from !== 'a') return [d];
      fromA++;
      if (fromA <= 2) return [d]; // hello / handshake message 1, key confirmation
      seen.push(d);
      return seen.length === 2 ? attack(d, seen) : [d];
    };
    const p = await connect({ tap });
    let received = 0;
    p.b!.onMessage(() => received++);
    const err = nextError(p.b!);
    for (let i = 0; i < count; i++) p.a!.send({ tag: i + 1, kind: '', ring: ring(i) });
    const errB = await err;
    await p.a!.close();
    return { errB, received };
  }

  it('a tampered byte aborts the link with E_FRAME naming the peer', async () => {
    const { errB, received } = await attacked((d) => {
      const t = Uint8Array.from(d);
      t[5]! ^= 0x40;
      return [t];
    });
    expectErr(errB, 'E_FRAME', /party alice.*authentication failed/);
    expect(received).to.equal(1);
  });

  it('a replayed message aborts the link with E_FRAME', async () => {
    const { errB, received } = await attacked((d, seen) => [seen[0]!, d]);
    expectErr(errB, 'E_FRAME', /party alice.*(tampered|replayed)/);
    expect(received).to.equal(1);
  });

  it('reordered messages abort the link with E_FRAME', async () => {
    let held: Uint8Array | undefined;
    const { errB } = await attacked((d) => {
      held = d;
      return [];
    }, 3);
    expect(held).to.not.equal(undefined);
    expectErr(errB, 'E_FRAME', /party alice/);
  });

  it('a truncated message aborts the link with E_FRAME', async () => {
    const { errB } = await attacked((d) => [d.subarray(0, d.length - 3)]);
    expectErr(errB, 'E_FRAME', /party alice/);
  });

  it('a message shorter than the AEAD tag aborts the link with E_FRAME', async () => {
    const { errB } = await attacked(() => [Uint8Array.of(1, 2, 3)]);
    expectErr(errB, 'E_FRAME', /shorter than the 16-byte tag/);
  });

  it('a frame announcing more than the limit aborts the link with E_FRAME', async () => {
    const p = await connect({ maxFrameBytes: 1000 });
    const err = nextError(p.b!);
    p.a!.send({ tag: 1, kind: '', ring: new Ring([1000]) });
    expectErr(await err, 'E_FRAME', /party alice.*more than the limit of 1000/);
    await p.a!.close();
  });

  describe('large-frame variant (transport messages of up to 1 MiB)', () => {
    const prg = new Prg(new Uint8Array(16).fill(7));
    /** 2 MiB + 8 bytes: a head-only message, then payload messages of 1 MiB, 1 MiB and 8 bytes. */
    const big = (): Ring => prg.ring([LARGE_CHUNK / 4 + 1]);

    it('moves tensors around the chunk boundaries bit-exact, in order, with messages of at most 1 MiB + tag', async () => {
      let largest = 0;
      const p = await connect({ tap: (_from, d) => ((largest = Math.max(largest, d.length)), [d]) });
      const sizes = [1, 8191, 8192, 8193, LARGE_CHUNK / 8 - 1, LARGE_CHUNK / 8, LARGE_CHUNK / 8 + 1, 3 * (LARGE_CHUNK / 8) + 5];
      const sent = sizes.map((n) => prg.ring([n]));
      const got: Message[] = [];
      const all = new Promise<void>((resolve) => p.b!.onMessage((m) => got.push(m) === sent.length && resolve()));
      sent.forEach((r, i) => p.a!.send({ tag: i + 1, kind: 'o', ring: r }));
      await all;
      got.forEach((m, i) => {
        expect(m.tag).to.equal(i + 1);
        expect(m.ring!.equals(sent[i]!), `${sizes[i]} elements`).to.equal(true);
      });
      expect(largest).to.equal(LARGE_CHUNK + 16);
      await Promise.all([p.a!.close(), p.b!.close()]);
    });

    it('a small message goes to the wire as one buffer (one WebSocket frame); a 1 MiB payload message as body and tag apart', async () => {
      const p = await connect();
      const calls: [number, number | undefined][] = [];
      const send = p.wa.send.bind(p.wa);
      p.wa.send = (d, t) => {
        calls.push([d.length, t?.length]);
        send(d, t);
      };
      const sent = [prg.ring([64]), prg.ring([8192]), big()];
      const got: Message[] = [];
      const all = new Promise<void>((resolve) => p.b!.onMessage((m) => got.push(m) === sent.length && resolve()));
      sent.forEach((r, i) => p.a!.send({ tag: i + 1, kind: 'o', ring: r }));
      await all;
      got.forEach((m, i) => expect(m.ring!.equals(sent[i]!)).to.equal(true));
      // 64 and 8192 words (a small frame: head and payload in one message) joined with the tag; the 2 MiB tensor: a joined head,
      // then two 1 MiB bodies with their tags apart, then its last 8 bytes joined.
      expect(calls.map(([, t]) => t ?? 0)).to.deep.equal([0, 0, 0, 16, 16, 0]);
      expect(calls.slice(3, 5).map(([d]) => d)).to.deep.equal([LARGE_CHUNK, LARGE_CHUNK]);
      await Promise.all([p.a!.close(), p.b!.close()]);
    });

    it('a tampered byte inside a 1 MiB payload message aborts the link with E_FRAME', async () => {
      const { errB, received } = await attacked((d) => {
        expect(d.length).to.equal(LARGE_CHUNK + 16);
        const t = Uint8Array.from(d);
        t[700_000]! ^= 1;
        return [t];
      }, 2, big);
      expectErr(errB, 'E_FRAME', /party alice.*authentication failed/);
      expect(received).to.equal(0);
    });

    it('a replayed, dropped or truncated payload message aborts the link with E_FRAME', async () => {
      for (const attack of [(d: Uint8Array, seen: Uint8Array[]) => [seen[0]!, d], () => [], (d: Uint8Array) => [d.subarray(0, d.length - 100)]]) {
        const { errB, received } = await attacked(attack, 2, big);
        expectErr(errB, 'E_FRAME', /party alice/);
        expect(received).to.equal(0);
      }
    });

    it('a message above 1 MiB + tag aborts the link with E_FRAME before decryption', async () => {
      const { errB } = await attacked((d) => [Buffer.concat([d, Uint8Array.of(0)])], 2, big);
      expectErr(errB, 'E_FRAME', new RegExp(`exceeds the transport limit of ${MAX_TRANSPORT_MESSAGE}`));
    });
  });

  it('backpressure: a receiver that stops reading holds the sender to a bounded amount of ciphertext, and everything arrives once it reads again', async () => {
    const p = await connect();
    const ring = new Prg(new Uint8Array(16).fill(9)).ring([(1 << 20) / 8]); // 1 MiB
    const count = 48;
    const got: Message[] = [];
    const all = new Promise<void>((resolve) => p.b!.onMessage((m) => got.push(m) === count && resolve()));
    p.wb.pause(true);
    let drained = false;
    let peak = 0;
    for (let i = 0; i < count; i++) {
      p.a!.send({ tag: i + 1, kind: '', ring });
      peak = Math.max(peak, p.wa.buffered);
    }
    void p.a!.drain().then(() => (drained = true));
    for (let t = 0; t < 20; t++) {
      await new Promise((r) => setImmediate(r));
      peak = Math.max(peak, p.wa.buffered);
    }
    // Without backpressure all 48 MiB would be ciphertext in the wire's buffer by now.
    const bound = SEND_HIGH_WATER + MAX_TRANSPORT_MESSAGE;
    expect(peak, `peak buffered ${peak}`).to.be.at.most(bound);
    expect(p.a!.queued, 'the rest waits as plaintext views').to.be.at.least(count * ring.size * 8 - bound);
    expect(drained).to.equal(false);
    expect(got.length).to.equal(0);
    p.wb.pause(false);
    await all;
    await p.a!.drain();
    expect(p.a!.queued).to.equal(0);
    expect(got.map((m) => m.tag)).to.deep.equal(Array.from({ length: count }, (_, i) => i + 1));
    expect(got.every((m) => m.ring!.equals(ring))).to.equal(true);
    await Promise.all([p.a!.close(), p.b!.close()]);
  });

  it('a clean close reaches the peer as "bye", without an error', async () => {
    const p = await connect();
    const errs: unknown[] = [];
    p.b!.onError((e) => errs.push(e));
    const bye = nextMessage(p.b!);
    p.a!.send({ tag: 1, kind: 'last', bytes: Uint8Array.of(9) });
    const first = await bye;
    expect(first.kind).to.equal('last');
    const second = nextMessage(p.b!);
    await p.a!.close();
    expect((await second).kind).to.equal('bye');
    await new Promise((r) => setTimeout(r, 20));
    expect(errs).to.deep.equal([]);
    expect(p.b!.peerClosed).to.equal(true);
    // Sending to a peer that left is an error, reported once.
    const err = nextError(p.b!);
    p.b!.send({ tag: 2, kind: '', bytes: Uint8Array.of(1) });
    expectErr(await err, 'E_PEER_LOST', /party alice/);
  });
});
