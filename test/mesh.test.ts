import { createServer, type Server } from 'node:net';
import { expect } from 'chai';
import { DH25519 } from '../src/crypto/noise-suites.js';
import type { KeyPair } from '../src/crypto/noise.js';
import { freePorts } from '../src/cli/cluster.js';
import { isConcordError, type ConcordError } from '../src/errors.js';
import { connectNodes, connectParties, type NodeInfo } from '../src/net/mesh.js';
import type { SecureLink } from '../src/net/link.js';
import { acceptsDealerSession } from '../src/net/dealer-session.js';

async function nodes(n: number): Promise<{ infos: NodeInfo[]; keys: KeyPair[] }> {
  const ports = await freePorts(n);
  const keys = Array.from({ length: n }, () => DH25519.generateKeyPair());
  return { keys, infos: keys.map((k, i) => ({ id: `n${i}`, host: '127.0.0.1', port: ports[i]!, publicKey: k.publicKey })) };
}

async function settle<T>(p: Promise<T>): Promise<{ ok?: T; err?: ConcordError }> {
  return p.then(
    (ok) => ({ ok }),
    (err: ConcordError) => ({ err }),
  );
}

function expectCode(err: unknown, code: string, re: RegExp): void {
  expect(isConcordError(err), String(err)).to.equal(true);
  expect((err as ConcordError).code, (err as Error).message).to.equal(code);
  expect((err as Error).message).to.match(re);
}

const closeAll = async (m: Map<string, SecureLink> | undefined) => Promise.all([...(m?.values() ?? [])].map((l) => l.close()));

describe('mesh over WebSockets on 127.0.0.1', function () {
  this.timeout(20000);

  it('a party that never starts: E_UNREACHABLE within the start-up timeout, naming it', async () => {
    const { infos, keys } = await nodes(3);
    const t0 = Date.now();
    const [a, b] = await Promise.all(
      [0, 1].map((i) => settle(connectParties({ parties: infos, myIndex: i, privateKey: keys[i]!.privateKey, jobHash: 'j', startupTimeoutMs: 1500 }))),
    );
    const took = Date.now() - t0;
    expectCode(a!.err, 'E_UNREACHABLE', /n2 at 127\.0\.0\.1:\d+ \(connection refused\)/);
    expectCode(b!.err, 'E_UNREACHABLE', /n2/);
    expect(a!.err!.message).to.not.match(/n1/);
    expect(took).to.be.lessThan(6000); // 1.5 s start-up timeout + closing the links it had formed
  });

  it('a listener that waits for a dialer that never comes names it too', async () => {
    const { infos, keys } = await nodes(2);
    const r = await settle(connectNodes({ me: infos[1]!, privateKey: keys[1]!.privateKey, peers: [infos[0]!], dials: () => false, jobHash: 'j', startupTimeoutMs: 500 }));
    expectCode(r.err, 'E_UNREACHABLE', /n0 \(it should have dialed us/);
  });

  it('port already in use: E_CONFIG naming the address', async () => {
    const { infos, keys } = await nodes(2);
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(infos[1]!.port, '127.0.0.1', () => r()));
    try {
      const r = await settle(connectNodes({ me: infos[1]!, privateKey: keys[1]!.privateKey, peers: [infos[0]!], dials: () => false, jobHash: 'j', startupTimeoutMs: 2000 }));
      expectCode(r.err, 'E_CONFIG', new RegExp(`n1 cannot listen on 127\\.0\\.0\\.1:${infos[1]!.port}: the address is already in use`));
    } finally {
      blocker.close();
    }
  });

  it('a wrong public key in one side\'s config: E_HANDSHAKE on both, naming the peer', async () => {
    const { infos, keys } = await nodes(2);
    const wrong = { ...infos[1]!, publicKey: DH25519.generateKeyPair().publicKey };
    const [a, b] = await Promise.all([
      settle(connectNodes({ me: infos[0]!, privateKey: keys[0]!.privateKey, peers: [wrong], dials: () => true, jobHash: 'j', startupTimeoutMs: 3000 })),
      settle(connectNodes({ me: infos[1]!, privateKey: keys[1]!.privateKey, peers: [infos[0]!], dials: () => false, jobHash: 'j', startupTimeoutMs: 3000 })),
    ]);
    expectCode(a.err, 'E_HANDSHAKE', /party n1/);
    expectCode(b.err, 'E_HANDSHAKE', /party n0/);
  });

  it('different jobs: E_JOB_MISMATCH on both, naming both hashes', async () => {
    const { infos, keys } = await nodes(2);
    const [a, b] = await Promise.all([
      settle(connectNodes({ me: infos[0]!, privateKey: keys[0]!.privateKey, peers: [infos[1]!], dials: () => true, jobHash: 'hash-a', startupTimeoutMs: 3000 })),
      settle(connectNodes({ me: infos[1]!, privateKey: keys[1]!.privateKey, peers: [infos[0]!], dials: () => false, jobHash: 'hash-b', startupTimeoutMs: 3000 })),
    ]);
    expectCode(a.err, 'E_JOB_MISMATCH', /party n1 runs job hash-b .*this party runs job hash-a/);
    expectCode(b.err, 'E_JOB_MISMATCH', /party n0 runs job hash-a .*this party runs job hash-b/);
  });

  it('a dealer-style node: parties dial it, links carry per-link keys', async () => {
    const { infos, keys } = await nodes(3);
    const [parties, dealer] = [infos.slice(0, 2), infos[2]!];
    const [m0, m1, d] = await Promise.all([
      connectParties({ parties, myIndex: 0, privateKey: keys[0]!.privateKey, jobHash: 'j', dealer, startupTimeoutMs: 3000 }),
      connectParties({ parties, myIndex: 1, privateKey: keys[1]!.privateKey, jobHash: 'j', dealer, startupTimeoutMs: 3000 }),
      connectNodes({ me: dealer, privateKey: keys[2]!.privateKey, peers: parties, dials: () => false, jobHash: 'dealer/none', acceptJob: acceptsDealerSession(parties, dealer), startupTimeoutMs: 3000 }),
    ]);
    expect([...d.keys()].sort()).to.deep.equal(['n0', 'n1']);
    expect(Buffer.from(m0.dealerLink!.exportKey('dealer-seed')).equals(Buffer.from(d.get('n0')!.exportKey('dealer-seed')))).to.equal(true);
    expect(Buffer.from(m0.dealerLink!.prgKey).equals(Buffer.from(m1.dealerLink!.prgKey))).to.equal(false);
    expect(Buffer.from(m0.pairKeys[1]!).equals(Buffer.from(m1.pairKeys[0]!))).to.equal(true);
    const got = new Promise((r) => d.get('n1')!.onMessage((m) => r(m.json)));
    m1.dealerLink!.send({ tag: 1, kind: 'req', json: { n: 5 } });
    expect(await got).to.deep.equal({ n: 5 });
    await Promise.all([m0.transport.close(), m1.transport.close(), m0.dealerLink!.close(), m1.dealerLink!.close(), closeAll(d)]);
  });

  it('ignores a stranger connecting to the port and still forms the mesh', async () => {
    const { infos, keys } = await nodes(2);
    const listening = connectNodes({ me: infos[1]!, privateKey: keys[1]!.privateKey, peers: [infos[0]!], dials: () => false, jobHash: 'j', startupTimeoutMs: 4000 });
    await new Promise((r) => setTimeout(r, 200));
    const { default: WebSocket } = await import('ws');
    const stranger = new WebSocket(`ws://127.0.0.1:${infos[1]!.port}/`);
    await new Promise((r) => stranger.once('open', r));
    stranger.send(Buffer.from('GET / HTTP/1.0'));
    const [a, b] = await Promise.all([
      connectNodes({ me: infos[0]!, privateKey: keys[0]!.privateKey, peers: [infos[1]!], dials: () => true, jobHash: 'j', startupTimeoutMs: 4000 }),
      listening,
    ]);
    expect(a.size + b.size).to.equal(2);
    stranger.terminate();
    await Promise.all([closeAll(a), closeAll(b)]);
  });
});
