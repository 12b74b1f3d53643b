import { expect } from 'chai';
import { DH25519 } from '../src/crypto/noise-suites.js';
import { freePorts } from '../src/cli/cluster.js';
import { ConcordError, isConcordError } from '../src/errors.js';
import { connectParties, type NodeInfo } from '../src/net/mesh.js';
import { Ring } from '../src/ring/ring.js';
import { Session } from '../src/session/session.js';
import { Prg } from '../src/crypto/prg.js';
import { MAX_TRANSPORT_MESSAGE, SEND_HIGH_WATER } from '../src/net/link.js';
import type { WsTransport } from '../src/net/ws-transport.js';
import { spawnSync } from 'node:child_process';
import { memorySessions } from './helpers/parties.js';

async function wsSessions(n: number, timeoutMs = 5000, limits: { maxInboxBytes?: number; maxInboxMessages?: number } = {}): Promise<Session[]> {
  const ports = await freePorts(n);
  const keys = Array.from({ length: n }, () => DH25519.generateKeyPair());
  const parties: NodeInfo[] = keys.map((k, i) => ({ id: `p${i}`, host: '127.0.0.1', port: ports[i]!, publicKey: k.publicKey }));
  const meshes = await Promise.all(parties.map((_, i) => connectParties({ parties, myIndex: i, privateKey: keys[i]!.privateKey, jobHash: 'sess', startupTimeoutMs: 5000 })));
  return meshes.map((m) => new Session({ transport: m.transport, ids: m.ids, pairKeys: m.pairKeys, timeoutMs, ...limits }));
}

const failureOf = (s: Session): Promise<unknown> => new Promise((resolve) => s.onFailure(resolve));

describe('Session over the WebSocket mesh: failure handling', function () {
  this.timeout(20000);

  it('pairwise PRGs agree at both ends of every link', async () => {
    const ss = await wsSessions(3);
    for (const s of ss) for (const p of s.peers) expect(s.pairPrg(p, 5).ring([4]).equals(ss[p]!.pairPrg(s.me, 5).ring([4]))).to.equal(true);
    expect(ss[0]!.pairPrg(1, 5).ring([4]).equals(ss[0]!.pairPrg(2, 5).ring([4]))).to.equal(false);
    await Promise.all(ss.map((s) => s.close()));
  });

  it('a receive from a peer that closed cleanly fails at once with E_PEER_LOST (no timeout wait)', async () => {
    const ss = await wsSessions(2, 10000);
    const t0 = Date.now();
    const waiting = ss[0]!.recv(1, ss[0]!.tag()).then(
      () => undefined,
      (e: unknown) => e,
    );
    await ss[1]!.close();
    const err = await waiting;
    expect(isConcordError(err, 'E_PEER_LOST'), String(err)).to.equal(true);
    expect((err as Error).message).to.match(/party p1 closed the session while this party still waits/);
    expect(Date.now() - t0).to.be.lessThan(3000);
    await ss[0]!.close();
  });

  it('a peer that closes cleanly while a preprocessing batch made ahead (hm/…) still waits for it fails only that wait; the session goes on', async () => {
    const ss = await wsSessions(3, 10000);
    const tag = ss[0]!.tag();
    const ahead = ss[0]!.recvBytes(1, tag, 'hm/17/and6').then(() => undefined, (e: unknown) => e);
    const online = ss[0]!.recv(1, ss[0]!.tag(), 'ls0');
    ss[1]!.send(0, tag + 1, Ring.from([7n]), 'ls0');
    expect((await online).get(0)).to.equal(7n);
    await ss[1]!.close();
    const err = await ahead;
    expect(isConcordError(err, 'E_PEER_LOST'), String(err)).to.equal(true);
    // Still usable with party 2, and a send to the gone party is dropped, not an error.
    ss[0]!.send(1, ss[0]!.tag(), Ring.from([1n]), 'hm/18/x');
    const t = ss[0]!.tag();
    ss[2]!.send(0, t, Ring.from([5n]));
    expect((await ss[0]!.recv(2, t)).get(0)).to.equal(5n);
    // (An online step's wait on a party that leaves still aborts the session: the test above.)
    await Promise.all([ss[0]!.close(), ss[2]!.close()]);
  });

  it('early messages within the bound wait for their receive; more unawaited messages than the bound abort with E_FRAME naming the sender', async () => {
    const ss = await wsSessions(2, 5000, { maxInboxMessages: 8 });
    const [a, b] = [ss[0]!, ss[1]!];
    const tags = Array.from({ length: 8 }, () => b.tag());
    tags.forEach((t, i) => b.send(0, t, Ring.from([BigInt(i)])));
    await new Promise((r) => setTimeout(r, 100)); // all eight are in a's inbox, nobody awaits them yet
    for (const [i, t] of tags.entries()) expect((await a.recv(1, t)).get(0)).to.equal(BigInt(i));
    const failed = failureOf(a);
    for (let i = 0; i < 9; i++) b.send(0, b.tag(), Ring.from([1]));
    const err = await failed;
    expect(isConcordError(err, 'E_FRAME'), String(err)).to.equal(true);
    expect((err as Error).message).to.match(/party p1 sent 9 messages \(72 bytes\) that no protocol step has asked for yet, more than the limit of 8 messages/);
    const told = await failureOf(b);
    expect(isConcordError(told, 'E_ABORTED'), String(told)).to.equal(true);
    await Promise.all(ss.map((s) => s.close()));
  });

  it('the byte bound of the inbox holds too: a large unawaited tensor aborts, one within the bound is kept', async () => {
    const ss = await wsSessions(2, 5000, { maxInboxBytes: 1 << 20 });
    const [a, b] = [ss[0]!, ss[1]!];
    const ok = b.tag();
    b.send(0, ok, new Ring([(1 << 20) / 8]));
    await new Promise((r) => setTimeout(r, 100));
    expect((await a.recv(1, ok)).size).to.equal((1 << 20) / 8);
    const failed = failureOf(a);
    b.send(0, b.tag(), new Ring([(1 << 20) / 8 + 1]));
    const err = await failed;
    expect(isConcordError(err, 'E_FRAME'), String(err)).to.equal(true);
    expect((err as Error).message).to.match(/party p1 sent 1 messages \(1048584 bytes\)/);
    await Promise.all(ss.map((s) => s.close()));
  });

  it('send backpressure over a real socket: a receiver that stops reading keeps the sender\'s ciphertext bounded; flush() waits for it, then everything arrives', async () => {
    const ss = await wsSessions(2, 10000);
    const [a, b] = [ss[0]!, ss[1]!];
    const ws = (s: Session): WsTransport => (s as unknown as { transport: WsTransport }).transport;
    const toB = ws(a).link(1);
    ws(b).link(0).pauseReading(true);
    const x = new Prg(new Uint8Array(16).fill(5)).ring([(1 << 20) / 8]);
    const count = 64; // 64 MiB: far more than the kernel's socket buffers hold
    const tags = Array.from({ length: count }, () => a.tag());
    let peak = 0;
    for (const t of tags) {
      a.send(1, t, x);
      peak = Math.max(peak, toB.buffered);
    }
    let flushed = false;
    const flush = a.flush().then(() => (flushed = true));
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 10));
      peak = Math.max(peak, toB.buffered);
    }
    expect(flushed, 'flush waits while the receiver does not read').to.equal(false);
    expect(peak, `peak ${peak} bytes buffered`).to.be.at.most(SEND_HIGH_WATER + MAX_TRANSPORT_MESSAGE);
    expect(toB.queued).to.be.greaterThan(count * (1 << 20) - 16 * (1 << 20) - 1); // the kernel holds at most a few MiB
    ws(b).link(0).pauseReading(false);
    for (const t of tags) expect((await b.recv(0, t)).equals(x)).to.equal(true);
    await flush;
    expect(toB.queued).to.equal(0);
    await Promise.all(ss.map((s) => s.close()));
  });

  it('flush() never hangs: a receiver that never reads ends it with E_TIMEOUT; a peer that dies under it ends it with that failure', async () => {
    const ws = (s: Session): WsTransport => (s as unknown as { transport: WsTransport }).transport;
    const x = new Prg(new Uint8Array(16).fill(6)).ring([(1 << 20) / 8]);
    const stuffed = async (timeoutMs: number): Promise<[Session, Session]> => {
      const ss = await wsSessions(2, timeoutMs);
      ws(ss[1]!).link(0).pauseReading(true);
      for (let i = 0; i < 64; i++) ss[0]!.send(1, ss[0]!.tag(), x); // far more than the socket buffers
      return ss as [Session, Session];
    };
    const [a, b] = await stuffed(800);
    const t0 = Date.now();
    const e1 = await a.flush().then(() => undefined, (e: unknown) => e);
    expect(isConcordError(e1) && e1.code, String(e1)).to.equal('E_TIMEOUT');
    expect(Date.now() - t0).to.be.within(700, 5000);
    await Promise.all([a.close(), b.close()]).catch(() => {});

    const [c, d] = await stuffed(30_000);
    const pending = c.flush().then(() => undefined, (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    d.abort(new ConcordError('E_ABORTED', 'test: the peer stops'));
    const e2 = await pending;
    expect(isConcordError(e2), String(e2)).to.equal(true);
    expect((e2 as ConcordError).code).to.not.equal('E_TIMEOUT');
    await Promise.all([c.close(), d.close()]).catch(() => {});
  });

  it('messages sent before a clean close are still received', async () => {
    const ss = await wsSessions(2);
    const tag = ss[1]!.tag();
    ss[1]!.send(0, tag, Ring.from([7]));
    await ss[1]!.close();
    expect((await ss[0]!.recv(1, tag)).get(0)).to.equal(7n);
    await ss[0]!.close();
  });

  it('an abort on one party reaches the others with its peer-safe reason only (never the local message)', async () => {
    const ss = await wsSessions(3);
    const waits = [0, 1].map((i) => ss[i]!.recv(2, 99).then(() => undefined, (e: unknown) => e));
    const { ConcordError } = await import('../src/errors.js');
    ss[2]!.abort(new ConcordError('E_DATA', '/home/clinic/patients.csv: line 3, column "card": "4111-1111-1111-1111" is not a number', { shareable: 'line 3, column "card": a cell is not a number' }));
    for (const w of waits) {
      const e = await w;
      expect(isConcordError(e, 'E_ABORTED'), String(e)).to.equal(true);
      expect((e as Error).message).to.match(/party p2 aborted the session: line 3, column "card": a cell is not a number/);
      expect((e as Error).message).to.not.match(/4111|patients|clinic/);
    }
    await Promise.all(ss.map((s) => s.close()));
  });

  it('an abort with a data, range or internal error and no shareable form sends only its code', async () => {
    const ss = await wsSessions(2);
    const wait = ss[0]!.recv(1, 99).then(() => undefined, (e: unknown) => e);
    const { ConcordError } = await import('../src/errors.js');
    ss[1]!.abort(new ConcordError('E_RANGE', 'value 123456.75 of row 17 at /srv/data.csv is too large'));
    const e = (await wait) as Error;
    expect(e.message).to.match(/party p1 aborted the session: it stopped with E_RANGE/);
    expect(e.message).to.not.match(/123456|row 17|srv/);
    await Promise.all(ss.map((s) => s.close()));
  });

  it('one watchdog times out each receive timeoutMs after it began, not after the first one; once nothing waits, it does not hold the process open', async () => {
    const ss = memorySessions(2, { timeoutMs: 300 });
    const first = ss[0]!.recv(1, 1);
    await new Promise((r) => setTimeout(r, 100));
    const t1 = performance.now();
    const second = ss[0]!.recv(1, 2).then(() => undefined, (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    ss[1]!.send(0, 1, Ring.from([7])); // the first receive ends well before its deadline
    expect((await first).get(0)).to.equal(7n);
    const err = await second;
    const waited = performance.now() - t1;
    expect(isConcordError(err, 'E_TIMEOUT'), String(err)).to.equal(true);
    expect((err as Error).message).to.match(/no message from p1 within 300 ms \(tag 2\)/);
    expect(waited, 'the second receive waited its own 300 ms').to.be.within(280, 2000);
    // A process whose receives have all ended exits on its own (a 60 s watchdog must not keep it).
    const helpers = new URL('./helpers/parties.js', import.meta.url).href;
    const ring = new URL('../src/ring/ring.js', import.meta.url).href;
    const script = `const { memorySessions } = await import(${JSON.stringify(helpers)}); const { Ring } = await import(${JSON.stringify(ring)});
      const ss = memorySessions(2, { timeoutMs: 60000 }); const p = ss[0].recv(1, 1); ss[1].send(0, 1, Ring.from([1])); await p; console.log('done');`;
    const t0 = performance.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    expect(child.stdout.trim(), child.stderr).to.equal('done');
    expect(child.status, 'exit code (null: killed after 15 s)').to.equal(0);
    expect(performance.now() - t0).to.be.below(15_000);
  });

  it('a timeout keeps its cause even when notifying a peer that already left fails', async () => {
    const ss = await wsSessions(3, 400);
    await ss[2]!.close();
    await new Promise((r) => setTimeout(r, 100));
    const err = await ss[0]!.recv(1, 5).then(() => undefined, (e: unknown) => e);
    expect(isConcordError(err, 'E_TIMEOUT'), String(err)).to.equal(true);
    expect(ss[0]!.error!.code).to.equal('E_TIMEOUT');
    expect(ss[0]!.error!.message).to.match(/no message from p1 within 400 ms/);
    const e1 = await ss[1]!.recv(0, 6).then(() => undefined, (e: unknown) => e);
    expect(isConcordError(e1, 'E_ABORTED'), String(e1)).to.equal(true);
    expect((e1 as Error).message).to.match(/party p0 aborted the session: no message from p1/);
    await Promise.all([ss[0]!.close(), ss[1]!.close()]);
  });
});
