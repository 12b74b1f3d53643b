import { expect } from 'chai';
import { DH25519 } from '../src/crypto/noise-suites.js';
import type { KeyPair } from '../src/crypto/noise.js';
import { freePorts } from '../src/cli/cluster.js';
import { isConcordError, type ConcordError } from '../src/errors.js';
import { acceptHandshake, dialHandshake, type LinkSetup } from '../src/net/handshake.js';
import { connectParties, type NodeInfo } from '../src/net/mesh.js';
import { memoryWirePair, type WireTap } from '../src/net/wire.js';
import { WsTransport } from '../src/net/ws-transport.js';
import { LARGE_CHUNK } from '../src/net/frame.js';
import { Prg } from '../src/crypto/prg.js';
import { Ring } from '../src/ring/ring.js';
import { Session } from '../src/session/session.js';
import { CHUNK_WORDS } from '../protocols/core/exchange.js';
import { run } from '../protocols/core/run.js';
import type { Chain, Opened } from '../protocols/core/chain.js';
import { revealTo } from '../protocols/arithmetic/open.js';
import { mul } from '../protocols/arithmetic/mul.js';
import { InsecureLocalPreprocessing } from './helpers/insecure-prep.js';
import { memorySessions, testSeed } from './helpers/parties.js';

/** Shares of every party for one opening: arithmetic tensors (sum), XOR tensors (xor), at sizes around the chunk. */
function shares(n: number, label: string): { add: Ring[][]; xor: Ring[][]; sums: Ring[]; xors: Ring[] } {
  const p = new Prg(testSeed(label).subarray(0, 16));
  // Larger than one chunk, straddling chunk edges: the window holding the end of one tensor and
  // the start of the next is a copy, the others are views.
  const addShapes = [[CHUNK_WORDS + 7], [3], [2, 2 * CHUNK_WORDS / 4 + 1]];
  const xorShapes = [[CHUNK_WORDS - 5], [1]];
  const make = (shapes: number[][]): Ring[][] => Array.from({ length: n }, () => shapes.map((sh) => p.ring(sh)));
  const add = make(addShapes);
  const xor = make(xorShapes);
  // Edge values at the chunk boundaries of the first tensor: 0, −1, 2^63 on every party.
  for (const t of add) for (const i of [0, CHUNK_WORDS - 1, CHUNK_WORDS, CHUNK_WORDS + 6]) t[0]!.data[i] = [0n, (1n << 64n) - 1n, 1n << 63n, 1n][i % 4]!;
  const sums = addShapes.map((_, j) => add.slice(1).reduce((acc, t) => acc.add(t[j]!), add[0]![j]!));
  const xors = xorShapes.map((_, j) => xor.slice(1).reduce((acc, t) => acc.xor(t[j]!), xor[0]![j]!));
  return { add, xor, sums, xors };
}

const openAll = (s: Session, add: Ring[], xor: Ring[]): Promise<Opened> =>
  run(s, async function* (): Chain<Opened> {
    return yield { add, xor };
  });

async function wsSessions(n: number, seed: string): Promise<Session[]> {
  const ports = await freePorts(n);
  const keys = Array.from({ length: n }, () => DH25519.generateKeyPair());
  const parties: NodeInfo[] = keys.map((k, i) => ({ id: `p${i}`, host: '127.0.0.1', port: ports[i]!, publicKey: k.publicKey }));
  const meshes = await Promise.all(parties.map((_, i) => connectParties({ parties, myIndex: i, privateKey: keys[i]!.privateKey, jobHash: 'stream', startupTimeoutMs: 5000 })));
  return meshes.map((m, i) => new Session({ transport: m.transport, ids: m.ids, pairKeys: m.pairKeys, prep: new InsecureLocalPreprocessing(testSeed(seed), i, n), timeoutMs: 10_000 }));
}

/** Two sessions over one secure link on in-memory wires, with an attacker hook on the wire. */
async function tappedPair(tap: WireTap): Promise<Session[]> {
  const [wa, wb] = memoryWirePair(tap);
  const [ka, kb]: KeyPair[] = [DH25519.generateKeyPair(), DH25519.generateKeyPair()];
  const deadline = Date.now() + 2000;
  const setup = (myId: string, myKey: KeyPair): LinkSetup => ({ myId, myKey, jobHash: 'j', deadline });
  const [a, b] = await Promise.all([
    dialHandshake(wa, { id: 'bob', publicKey: kb!.publicKey }, setup('alice', ka!)),
    acceptHandshake(wb, (id) => (id === 'alice' ? { id, publicKey: ka!.publicKey } : undefined), () => setup('bob', kb!), deadline),
  ]);
  const ids = ['alice', 'bob'];
  const ts = [new WsTransport(0, ids, new Map([['bob', a]])), new WsTransport(1, ids, new Map([['alice', b]]))];
  return ts.map((t) => new Session({ transport: t, ids, pairKeys: t.pairKeys, timeoutMs: 5000 }));
}

describe('streamed openings (protocols/core/exchange.ts)', function () {
  this.timeout(30_000);

  it('the chunk is one large-frame transport message of payload', () => {
    expect(CHUNK_WORDS * 8).to.equal(LARGE_CHUNK);
  });

  for (const n of [2, 3]) {
    it(`n=${n}, memory transport: add and xor tensors above one chunk open to the plain sums; one round, 8 B per word, one message per chunk`, async () => {
      const ss = memorySessions(n, { seed: `stream-${n}` });
      const { add, xor, sums, xors } = shares(n, `stream-${n}`);
      const before = ss.map((s) => s.stats());
      const opened = await Promise.all(ss.map((s, i) => openAll(s, add[i]!, xor[i]!)));
      const words = [...add[0]!, ...xor[0]!].reduce((a, t) => a + t.size, 0);
      for (const [i, o] of opened.entries()) {
        o.add.forEach((r, j) => expect(r.equals(sums[j]!), `party ${i} add ${j}`).to.equal(true));
        o.xor.forEach((r, j) => expect(r.equals(xors[j]!), `party ${i} xor ${j}`).to.equal(true));
        expect(o.add.map((r) => r.shape)).to.deep.equal(add[0]!.map((t) => t.shape));
        const st = ss[i]!.stats();
        expect(st.rounds - before[i]!.rounds).to.equal(1);
        expect(st.bytesSent - before[i]!.bytesSent).to.equal(8 * words * (n - 1));
        expect(st.messagesSent - before[i]!.messagesSent).to.equal(Math.ceil(words / CHUNK_WORDS) * (n - 1));
      }
      await Promise.all(ss.map((s) => s.close()));
    });
  }

  it('n=3, real WebSocket mesh: a streamed opening, a streamed reveal to one party and a streamed mul equal plaintext', async () => {
    const ss = await wsSessions(3, 'stream-ws');
    const { add, xor, sums, xors } = shares(3, 'stream-ws');
    const opened = await Promise.all(ss.map((s, i) => openAll(s, add[i]!, xor[i]!)));
    for (const o of opened) {
      o.add.forEach((r, j) => expect(r.equals(sums[j]!)).to.equal(true));
      o.xor.forEach((r, j) => expect(r.equals(xors[j]!)).to.equal(true));
    }
    const revealed = await Promise.all(ss.map((s, i) => revealTo(s, add[i]![0]!, [2])));
    expect(revealed[0]).to.equal(undefined);
    expect(revealed[1]).to.equal(undefined);
    expect(revealed[2]!.equals(sums[0]!)).to.equal(true);
    // mul on inputs shared as (x, 0, 0) and (0, y, 0): the opened product is x·y.
    const len = 2 * CHUNK_WORDS + 3;
    const p = new Prg(testSeed('stream-ws-mul').subarray(0, 16));
    const [x, y] = [p.ring([len]), p.ring([len])];
    const zero = new Ring([len]);
    const z = await Promise.all(ss.map((s, i) => mul(s, i === 0 ? x : zero, i === 1 ? y : zero)));
    const zo = await Promise.all(ss.map((s, i) => openAll(s, [z[i]!], [])));
    for (const o of zo) expect(o.add[0]!.equals(x.mul(y))).to.equal(true);
    await Promise.all(ss.map((s) => s.close()));
  });

  it('a peer whose streamed opening has another length fails every party with E_FRAME, not a timeout', async () => {
    const ss = memorySessions(2, { seed: 'stream-len', timeoutMs: 5000 });
    const t0 = Date.now();
    const res = await Promise.allSettled([openAll(ss[0]!, [new Ring([CHUNK_WORDS + 10])], []), openAll(ss[1]!, [new Ring([CHUNK_WORDS + 11])], [])]);
    for (const r of res) {
      expect(r.status).to.equal('rejected');
      const e = (r as PromiseRejectedResult).reason as ConcordError;
      expect(isConcordError(e), String(e)).to.equal(true);
      expect(['E_FRAME', 'E_ABORTED']).to.include(e.code);
    }
    expect(res.some((r) => ((r as PromiseRejectedResult).reason as ConcordError).code === 'E_FRAME')).to.equal(true);
    expect(Date.now() - t0).to.be.lessThan(3000);
    await Promise.all(ss.map((s) => s.close()));
  });

  it('a corrupted chunk in flight aborts the link with E_FRAME at the receiver; the sender\'s session fails too', async () => {
    let big = 0;
    const ss = await tappedPair((from, d) => {
      // The second 1 MiB chunk alice sends: flip one ciphertext byte.
      if (from === 'a' && d.length > LARGE_CHUNK && ++big === 2) {
        const t = Uint8Array.from(d);
        t[1000]! ^= 0x01;
        return [t];
      }
      return [d];
    });
    const x = new Prg(testSeed('stream-corrupt').subarray(0, 16)).ring([3 * CHUNK_WORDS]);
    const res = await Promise.allSettled(ss.map((s) => openAll(s, [x], [])));
    const errs = res.map((r) => (r.status === 'rejected' ? (r.reason as ConcordError) : undefined));
    expect(isConcordError(errs[1]), String(errs[1])).to.equal(true);
    expect(errs[1]!.code).to.equal('E_FRAME');
    expect(errs[1]!.message).to.match(/party alice.*authentication failed/);
    expect(big).to.be.at.least(2);
    // Alice may have all of bob's chunks already; she still learns that the link is gone.
    const aliceFailure = await Promise.race([new Promise<ConcordError>((resolve) => ss[0]!.onFailure(resolve)), new Promise((r) => setTimeout(r, 3000))]);
    expect(isConcordError(aliceFailure), String(aliceFailure)).to.equal(true);
    await Promise.all(ss.map((s) => s.close()));
  });
  describe('replicated passes (Opening.pass, three parties)', () => {
    const passAll = (s: Session, pass: Ring[], add: Ring[] = []): Promise<Opened> =>
      run(s, async function* (): Chain<Opened> {
        return yield { add, xor: [], pass };
      });
    // Shapes around the window size: the first and last windows straddle tensors.
    const shapes = [[CHUNK_WORDS - 3], [5], [2, CHUNK_WORDS / 2 + 9], [1]];

    for (const where of ['memory', 'mesh'] as const) {
      it(`each party gets the next party's tensors in place, windows and all, beside an opening in the same round (${where})`, async () => {
        const ss = where === 'memory' ? memorySessions(3, { seed: 'pass' }) : await wsSessions(3, 'pass-ws');
        const p = new Prg(testSeed('pass-data').subarray(0, 16));
        const mine = ss.map(() => shapes.map((sh) => p.ring(sh)));
        const opening = ss.map(() => p.ring([7]));
        const before = ss.map((s) => s.stats());
        const got = await Promise.all(ss.map((s, i) => passAll(s, mine[i]!, [opening[i]!])));
        got.forEach((o, i) => {
          const next = (i + 1) % 3;
          expect(o.pass!.map((r) => r.shape)).to.deep.equal(shapes);
          o.pass!.forEach((r, k) => expect(r.equals(mine[next]![k]!), `party ${i}, tensor ${k}`).to.equal(true));
          expect(o.add[0]!.equals(opening[0]!.add(opening[1]!).add(opening[2]!))).to.equal(true);
          const after = ss[i]!.stats();
          const words = shapes.reduce((a, sh) => a + sh.reduce((x, y) => x * y, 1), 0);
          expect(after.perPeer[(i + 2) % 3]!.bytesSent - before[i]!.perPeer[(i + 2) % 3]!.bytesSent).to.be.at.least(8 * (words + 7));
          expect(after.rounds - before[i]!.rounds).to.equal(1);
        });
        await Promise.all(ss.map((s) => s.close()));
      });
    }

    for (const len of [10, CHUNK_WORDS + 10]) {
      it(`a party passing another length (${len > CHUNK_WORDS ? 'streamed' : 'one message'}) fails every session with E_FRAME, not a timeout`, async () => {
        const ss = memorySessions(3, { seed: `pass-len-${len}`, timeoutMs: 5000 });
        const failures = ss.map((s) => new Promise<ConcordError>((resolve) => s.onFailure(resolve)));
        const t0 = Date.now();
        // Party 1 passes one word more: party 0 (its receiver) and party 1 (which expects that
        // length from party 2) fail the round; party 2's round was consistent, its session is
        // aborted by theirs.
        const res = await Promise.allSettled(ss.map((s, i) => passAll(s, [new Ring([i === 1 ? len + 1 : len])])));
        for (const i of [0, 1]) {
          expect(res[i]!.status, `party ${i}`).to.equal('rejected');
          const e = (res[i] as PromiseRejectedResult).reason as ConcordError;
          expect(isConcordError(e), String(e)).to.equal(true);
          expect(['E_FRAME', 'E_ABORTED']).to.include(e.code);
        }
        const all = await Promise.race([Promise.all(failures), new Promise<undefined>((r) => setTimeout(r, 3000))]);
        expect(all, 'every session reports a failure').to.not.equal(undefined);
        for (const e of all!) expect(isConcordError(e), String(e)).to.equal(true);
        const frame = [0, 1].map((i) => (res[i] as PromiseRejectedResult).reason as ConcordError).find((e) => e.code === 'E_FRAME');
        expect(frame?.message).to.match(/party p1 sent \d+ words for .*round ls0p/);
        expect(Date.now() - t0).to.be.lessThan(3000);
        await Promise.all(ss.map((s) => s.close()));
      });
    }
  });
});
