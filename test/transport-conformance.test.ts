import { expect } from 'chai';
import { Prg } from '../src/crypto/prg.js';
import { DH25519 } from '../src/crypto/noise-suites.js';
import { freePorts } from '../src/cli/cluster.js';
import { isConcordError, type ConcordError } from '../src/errors.js';
import { MemoryTransport } from '../src/net/memory.js';
import { connectParties, type NodeInfo } from '../src/net/mesh.js';
import type { Message, Transport } from '../src/net/transport.js';
import { Ring } from '../src/ring/ring.js';
import { testSeed } from './helpers/parties.js';

/** Builds n connected transports of one implementation. */
type Factory = (n: number) => Promise<Transport[]>;

async function wsMesh(n: number): Promise<Transport[]> {
  const ports = await freePorts(n);
  const keys = Array.from({ length: n }, () => DH25519.generateKeyPair());
  const parties: NodeInfo[] = keys.map((k, i) => ({ id: `p${i}`, host: '127.0.0.1', port: ports[i]!, publicKey: k.publicKey }));
  const meshes = await Promise.all(parties.map((_, i) => connectParties({ parties, myIndex: i, privateKey: keys[i]!.privateKey, jobHash: 'conformance', startupTimeoutMs: 5000 })));
  return meshes.map((m) => m.transport);
}

const implementations: [string, Factory][] = [
  ['MemoryTransport', async (n) => MemoryTransport.mesh(n)],
  ['WsTransport (Noise over WebSocket, 127.0.0.1)', wsMesh],
];

/** Collects messages per receiving transport; resolves waits for the k-th message. */
class Inbox {
  readonly got: [number, Message][] = [];
  private waiters: (() => void)[] = [];
  readonly errors: ConcordError[] = [];
  constructor(t: Transport) {
    t.onMessage((p, m) => {
      if (m.tag === 0 && m.kind === 'bye') return;
      this.got.push([p, m]);
      for (const w of this.waiters.splice(0)) w();
    });
    t.onError((e) => {
      this.errors.push(e);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

for (const [name, make] of implementations) {
  describe(`Transport conformance: ${name}`, () => {
    let ts: Transport[];
    let boxes: Inbox[];
    beforeEach(async () => {
      ts = await make(3);
      boxes = ts.map((t) => new Inbox(t));
    });
    afterEach(async () => {
      await Promise.all(ts.map((t) => t.close()));
    });

    for (const size of [1, 1_000_000]) {
      it(`moves a tensor of ${size} elements both directions, bit-exact`, async () => {
        const prg = new Prg(testSeed(`conf-${size}`).subarray(0, 16));
        const x = prg.ring([size]);
        const y = prg.ring([size]);
        ts[0]!.send(1, { tag: 7, kind: 'x', ring: x });
        ts[1]!.send(0, { tag: 7, kind: 'y', ring: y });
        await boxes[1]!.until(() => boxes[1]!.got.length === 1, 'x at party 1', 20000);
        await boxes[0]!.until(() => boxes[0]!.got.length === 1, 'y at party 0', 20000);
        const [p1, m1] = boxes[1]!.got[0]!;
        const [p0, m0] = boxes[0]!.got[0]!;
        expect([p1, m1.tag, m1.kind, p0, m0.tag, m0.kind]).to.deep.equal([0, 7, 'x', 1, 7, 'y']);
        expect(m1.ring!.equals(x)).to.equal(true);
        expect(m0.ring!.equals(y)).to.equal(true);
        expect(ts[0]!.stats()[1]!.bytesSent).to.equal(8 * size);
        expect(ts[1]!.stats()[0]!.bytesReceived).to.equal(8 * size);
      });
    }

    it('moves 2-D tensors, bytes and JSON', async () => {
      const m = new Ring([2, 3], new BigUint64Array([1n, 2n, 3n, 4n, 5n, 2n ** 63n]));
      ts[2]!.send(0, { tag: 1, kind: 'm', ring: m });
      ts[2]!.send(0, { tag: 2, kind: 'b', bytes: Uint8Array.of(0, 255, 7) });
      ts[2]!.send(0, { tag: 3, kind: 'j', json: { step: 1, loss: 0.25, ids: ['a'] } });
      await boxes[0]!.until(() => boxes[0]!.got.length === 3, '3 messages');
      const [[, a], [, b], [, c]] = boxes[0]!.got as [[number, Message], [number, Message], [number, Message]];
      expect(a.ring!.shape).to.deep.equal([2, 3]);
      expect(a.ring!.equals(m)).to.equal(true);
      expect([...b.bytes!]).to.deep.equal([0, 255, 7]);
      expect(c.json).to.deep.equal({ step: 1, loss: 0.25, ids: ['a'] });
    });

    it('keeps the order of messages on a link', async () => {
      for (let i = 0; i < 200; i++) ts[1]!.send(2, { tag: 5, kind: '', ring: Ring.from([i]) });
      await boxes[2]!.until(() => boxes[2]!.got.length === 200, '200 messages');
      expect(boxes[2]!.got.map(([, m]) => Number(m.ring!.get(0)))).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
    });

    it('reports E_PEER_LOST when sending to a peer that has closed', async () => {
      await ts[2]!.close();
      // The close may take a moment to reach party 0: keep sending until the link reports it.
      await boxes[0]!.until(() => {
        if (boxes[0]!.errors.length === 0) ts[0]!.send(2, { tag: 1, kind: '', ring: Ring.from([1]) });
        return boxes[0]!.errors.length > 0;
      }, 'an error');
      expect(isConcordError(boxes[0]!.errors[0], 'E_PEER_LOST'), String(boxes[0]!.errors[0])).to.equal(true);
      expect(boxes[0]!.errors[0]!.message).to.match(/2/);
    });
  });
}
