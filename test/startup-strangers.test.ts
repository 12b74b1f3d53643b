import { expect } from 'chai';
import WebSocket from 'ws';
import { DH25519 } from '../src/crypto/noise-suites.js';
import type { KeyPair } from '../src/crypto/noise.js';
import { freePorts } from '../src/cli/cluster.js';
import { isConcordError, type ConcordError } from '../src/errors.js';
import { acceptHandshake, dialHandshake, StrangerError } from '../src/net/handshake.js';
import { connectNodes, type NodeInfo } from '../src/net/mesh.js';
import type { SecureLink } from '../src/net/link.js';
import { acceptsDealerSession, dealerSessionHash } from '../src/net/dealer-session.js';
import { memoryWirePair } from '../src/net/wire.js';

/**
 * Start-up against strangers (issue 15, findings 1 and 2): before a peer has proved it holds its
 * keys in this session, nothing it sends may stop start-up, blame the peer it names, or take that
 * peer's slot. A recorded message 1 (replay) must never become a link.
 */

async function nodes(n: number): Promise<{ infos: NodeInfo[]; keys: KeyPair[] }> {
  const ports = await freePorts(n);
  const keys = Array.from({ length: n }, () => DH25519.generateKeyPair());
  return { keys, infos: keys.map((k, i) => ({ id: `n${i}`, host: '127.0.0.1', port: ports[i]!, publicKey: k.publicKey })) };
}

/** Record the hello (ids + Noise message 1) that `from` sends to `to` for `job`: what an eavesdropper keeps. */
async function recordHello(from: { id: string; key: KeyPair }, to: { id: string; publicKey: Uint8Array }, job: string): Promise<Uint8Array> {
  const [wa, wb] = memoryWirePair();
  const got = new Promise<Uint8Array>((r) => wb.onData(r));
  const dial = dialHandshake(wa, to, { myId: from.id, myKey: from.key, jobHash: job, deadline: Date.now() + 300 }).catch((e: unknown) => e);
  const hello = await got;
  wb.close(1000, 'recorded');
  await dial;
  return hello;
}

/** Open a raw WebSocket to a node and send bytes; resolves with everything it answers until closed. */
function strangerSends(port: number, bytes: Uint8Array): { answers: Uint8Array[]; closed: Promise<number>; ws: WebSocket } {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  const answers: Uint8Array[] = [];
  ws.on('message', (d: Buffer) => answers.push(new Uint8Array(d)));
  ws.once('open', () => ws.send(bytes));
  ws.on('error', () => {});
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  return { answers, closed, ws };
}

const closeAll = async (m: Map<string, SecureLink>) => Promise.all([...m.values()].map((l) => l.close()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('start-up tolerates strangers', function () {
  this.timeout(20_000);

  it('a replayed message 1 is answered but never becomes a link (in-memory: no key confirmation)', async () => {
    const A = DH25519.generateKeyPair();
    const B = DH25519.generateKeyPair();
    const hello = await recordHello({ id: 'alice', key: A }, { id: 'bob', publicKey: B.publicKey }, 'job1');
    const [attacker, bob] = memoryWirePair();
    const answers: Uint8Array[] = [];
    attacker.onData((d) => answers.push(d));
    attacker.send(hello);
    const r = await acceptHandshake(bob, (id) => (id === 'alice' ? { id, publicKey: A.publicKey } : undefined), () => ({ myId: 'bob', myKey: B, jobHash: 'job1', deadline: Date.now() + 2000 }), Date.now() + 2000)
      .then(() => 'linked', (e: unknown) => e);
    await sleep(20);
    expect(answers.length, 'the listener answers message 2 (it cannot tell a replay yet)').to.equal(1);
    expect(r).to.be.instanceOf(StrangerError);
    expect((r as StrangerError).kind).to.equal('confirm');
    // and a forged "confirmation" (the attacker does not hold the session keys) fails too
    const [att2, bob2] = memoryWirePair();
    att2.send(hello);
    att2.onData(() => att2.send(new Uint8Array(33).fill(7)));
    const r2 = await acceptHandshake(bob2, (id) => (id === 'alice' ? { id, publicKey: A.publicKey } : undefined), () => ({ myId: 'bob', myKey: B, jobHash: 'job1', deadline: Date.now() + 2000 }), Date.now() + 2000)
      .then(() => 'linked', (e: unknown) => e);
    expect(r2).to.be.instanceOf(StrangerError);
    expect((r2 as Error).message).to.match(/failed its key confirmation/);
  });

  it('a replayed message 1 of the same job, sent first, does not block the real peer', async () => {
    const { infos, keys } = await nodes(2);
    const hello = await recordHello({ id: 'n0', key: keys[0]! }, infos[1]!, 'j');
    const logs: string[] = [];
    const listening = connectNodes({ me: infos[1]!, privateKey: keys[1]!.privateKey, peers: [infos[0]!], dials: () => false, jobHash: 'j', startupTimeoutMs: 6000, log: (l) => logs.push(l) });
    await sleep(150);
    const replay = strangerSends(infos[1]!.port, hello);
    await sleep(300); // the replay is now waiting for its (impossible) key confirmation
    expect(replay.answers.length, 'message 2 went to the replayer').to.equal(1);
    const [a, b] = await Promise.all([
      connectNodes({ me: infos[0]!, privateKey: keys[0]!.privateKey, peers: [infos[1]!], dials: () => true, jobHash: 'j', startupTimeoutMs: 6000 }),
      listening,
    ]);
    expect(a.size).to.equal(1);
    expect(b.size).to.equal(1);
    // the link is the real peer's: messages flow both ways
    const got = new Promise((r) => b.get('n0')!.onMessage((m) => r(m.json)));
    a.get('n1')!.send({ tag: 1, kind: 'x', json: { hi: 1 } });
    expect(await got).to.deep.equal({ hi: 1 });
    expect(await replay.closed, 'the pending replay is dropped once start-up is done').to.be.a('number');
    await Promise.all([closeAll(a), closeAll(b)]);
  });

  it('a replay alone never becomes a link: start-up ends at its deadline without blaming the named peer', async () => {
    const { infos, keys } = await nodes(2);
    const hello = await recordHello({ id: 'n0', key: keys[0]! }, infos[1]!, 'j');
    const t0 = Date.now();
    const p = connectNodes({ me: infos[1]!, privateKey: keys[1]!.privateKey, peers: [infos[0]!], dials: () => false, jobHash: 'j', startupTimeoutMs: 1200 }).then(
      (m) => m,
      (e: ConcordError) => e,
    );
    await sleep(150);
    strangerSends(infos[1]!.port, hello);
    const r = await p;
    expect(isConcordError(r), String(r)).to.equal(true);
    const e = r as ConcordError;
    expect(Date.now() - t0).to.be.at.least(1100);
    expect(e.code).to.equal('E_UNREACHABLE');
    expect(e.message).to.match(/n0: a connection claiming to be party n0 (answered message 1 but )?never confirmed its keys/);
  });

  it('a garbage hello naming a real peer does not stop start-up, and is not blamed on that peer', async () => {
    const { infos, keys } = await nodes(2);
    const logs: string[] = [];
    const listening = connectNodes({ me: infos[1]!, privateKey: keys[1]!.privateKey, peers: [infos[0]!], dials: () => false, jobHash: 'j', startupTimeoutMs: 6000, log: (l) => logs.push(l) });
    await sleep(150);
    const ids = [0x43, 1, 2, ...Buffer.from('n0'), 2, ...Buffer.from('n1')];
    const strangers = [0, 1, 2].map((k) => strangerSends(infos[1]!.port, Uint8Array.from([...ids, ...new Uint8Array(48 + k).fill(0x5a)])));
    const codes = await Promise.all(strangers.map((s) => s.closed));
    expect(codes.every((c) => c === 4001), String(codes)).to.equal(true);
    const [a, b] = await Promise.all([
      connectNodes({ me: infos[0]!, privateKey: keys[0]!.privateKey, peers: [infos[1]!], dials: () => true, jobHash: 'j', startupTimeoutMs: 6000 }),
      listening,
    ]);
    expect(a.size + b.size).to.equal(2);
    expect(logs.filter((l) => /ignored a connection that did not authenticate/.test(l))).to.have.length(3);
    expect(logs.join('\n')).to.match(/start-up ignored 3 unauthenticated connections/);
    await Promise.all([closeAll(a), closeAll(b)]);
  });

  it('a stranger answering at a peer\'s address with garbage does not stop the dialer; the real peer is linked once it listens', async () => {
    const { infos, keys } = await nodes(2);
    const { WebSocketServer } = await import('ws');
    const fake = new WebSocketServer({ host: '127.0.0.1', port: infos[1]!.port });
    fake.on('connection', (ws) => ws.on('message', () => ws.send(new Uint8Array(48).fill(1))));
    const dialing = connectNodes({ me: infos[0]!, privateKey: keys[0]!.privateKey, peers: [infos[1]!], dials: () => true, jobHash: 'j', startupTimeoutMs: 8000 });
    await sleep(400);
    await new Promise<void>((r) => fake.close(() => r()));
    for (const c of fake.clients) c.terminate();
    await sleep(100);
    const [a, b] = await Promise.all([dialing, connectNodes({ me: infos[1]!, privateKey: keys[1]!.privateKey, peers: [infos[0]!], dials: () => false, jobHash: 'j', startupTimeoutMs: 6000 })]);
    expect(a.size + b.size).to.equal(2);
    await Promise.all([closeAll(a), closeAll(b)]);
  });

  it('dealer links are bound to the consortium and the job: another consortium\'s hash is refused', () => {
    const k = () => DH25519.generateKeyPair().publicKey;
    const parties = [0, 1].map((i) => ({ id: `p${i}`, host: '127.0.0.1', port: 7000 + i, publicKey: k() }));
    const dealer = { id: 'dealer', host: '127.0.0.1', port: 7009, publicKey: k() };
    const accept = acceptsDealerSession(parties, dealer);
    expect(accept(dealerSessionHash(parties, dealer, 'abc123'))).to.equal(true);
    expect(accept('dealer')).to.equal(false);
    const other = [parties[0]!, { ...parties[1]!, port: 7005 }];
    expect(accept(dealerSessionHash(other, dealer, 'abc123'))).to.equal(false);
    expect(dealerSessionHash(parties, dealer, 'a')).to.not.equal(dealerSessionHash(parties, dealer, 'b'));
  });
});

