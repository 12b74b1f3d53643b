import { expect } from 'chai';
import { MemoryTransport } from '../src/net/memory.js';
import { NET_PROFILES, ShapedTransport, netProfileFromEnv, netProfileSpec, parseNetProfile, type NetProfile } from '../src/net/shaper.js';
import type { Message } from '../src/net/transport.js';
import { Ring } from '../src/ring/ring.js';
import { ConcordError, isConcordError } from '../src/errors.js';
import { memoryLinkPair, shapeDealerLink } from '../protocols/offline/dealer-link.js';

function shapedMesh(n: number, p: NetProfile): ShapedTransport[] {
  return MemoryTransport.mesh(n).map((t) => new ShapedTransport(t, p));
}

/** Resolve with the next message (and when it arrived) on a transport. */
function nextMessage(t: ShapedTransport): Promise<{ peer: number; msg: Message; at: number }> {
  return new Promise((resolve) => t.onMessage((peer, msg) => resolve({ peer, msg, at: performance.now() })));
}

describe('bench: network shaper (src/net/shaper.ts)', () => {
  it('parses profiles: lan, wan, custom, none, and rejects nonsense with E_USAGE', () => {
    expect(parseNetProfile('lan')).to.deep.equal({ name: 'lan', rttMs: 0.5, mbps: 1000 });
    expect(parseNetProfile('WAN')).to.deep.equal({ name: 'wan', rttMs: 40, mbps: 100 });
    expect(parseNetProfile('rtt=10,mbps=50')).to.deep.equal({ name: 'custom', rttMs: 10, mbps: 50 });
    expect(parseNetProfile('rtt=3')).to.deep.equal({ name: 'custom', rttMs: 3, mbps: Infinity });
    expect(parseNetProfile('none')).to.equal(undefined);
    for (const bad of ['fast', 'rtt=-1', 'mbps=0', 'rtt=1;mbps=2']) {
      expect(() => parseNetProfile(bad), bad).to.throw().that.satisfies((e: unknown) => isConcordError(e, 'E_USAGE'));
    }
    expect(netProfileFromEnv({ CONCORD_NET: 'wan' })?.rttMs).to.equal(40);
    expect(netProfileFromEnv({})).to.equal(undefined);
    for (const p of [NET_PROFILES.lan!, NET_PROFILES.wan!, { name: 'custom', rttMs: 7, mbps: 12 }, { name: 'custom', rttMs: 2, mbps: Infinity }]) {
      expect(parseNetProfile(netProfileSpec(p))).to.deep.include({ rttMs: p.rttMs, mbps: p.mbps });
    }
  });

  it('adds the one-way latency to every message: a round trip takes the configured RTT (30 ms)', async () => {
    const [a, b] = shapedMesh(2, { name: 'custom', rttMs: 30, mbps: Infinity });
    b!.onMessage((peer, msg) => b!.send(peer, { tag: msg.tag, kind: 'pong', json: 1 }));
    const rtts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const got = nextMessage(a!);
      const t0 = performance.now();
      a!.send(1, { tag: i, kind: 'ping', json: 1 });
      const { at, msg } = await got;
      expect(msg.kind).to.equal('pong');
      rtts.push(at - t0);
    }
    rtts.sort((x, y) => x - y);
    // Lower bound is strict (never early); the upper bound allows a loaded machine.
    expect(rtts[0]).to.be.at.least(29.5);
    expect(rtts[2]).to.be.below(30 + 40);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('honours sub-millisecond LAN latency (0.5 ms RTT) without rounding it up to timer ticks', async () => {
    const [a, b] = shapedMesh(2, NET_PROFILES.lan!);
    b!.onMessage((peer, msg) => b!.send(peer, msg));
    const rtts: number[] = [];
    for (let i = 0; i < 21; i++) {
      const got = nextMessage(a!);
      const t0 = performance.now();
      a!.send(1, { tag: i, kind: 'ping', json: 0 });
      rtts.push((await got).at - t0);
    }
    rtts.sort((x, y) => x - y);
    expect(rtts[0]).to.be.at.least(0.49);
    expect(rtts[10]).to.be.below(5);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('caps bandwidth: 1.25 MB at 100 Mbit/s takes 100 ms, and back-to-back messages queue behind each other', async () => {
    const [a, b] = shapedMesh(2, { name: 'custom', rttMs: 0, mbps: 100 });
    const arrivals: number[] = [];
    const done = new Promise<void>((resolve) =>
      b!.onMessage(() => {
        arrivals.push(performance.now());
        if (arrivals.length === 2) resolve();
      }),
    );
    const t0 = performance.now();
    const big = new Ring([156_250]); // 1.25 MB of payload
    a!.send(1, { tag: 1, kind: '', ring: big });
    a!.send(1, { tag: 2, kind: '', ring: big });
    await done;
    const first = arrivals[0]! - t0;
    const second = arrivals[1]! - t0;
    expect(first).to.be.at.least(99.5);
    expect(first).to.be.below(100 + 60);
    expect(second).to.be.at.least(199.5);
    expect(second).to.be.below(200 + 80);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('keeps message order per link when a large message is followed by small ones', async () => {
    const [a, b] = shapedMesh(2, { name: 'custom', rttMs: 2, mbps: 200 });
    const seen: number[] = [];
    const done = new Promise<void>((resolve) =>
      b!.onMessage((_p, m) => {
        seen.push(m.tag);
        if (seen.length === 40) resolve();
      }),
    );
    for (let i = 0; i < 40; i++) a!.send(1, { tag: i, kind: '', ring: new Ring([i % 7 === 0 ? 20_000 : 1]) });
    await done;
    expect(seen).to.deep.equal(Array.from({ length: 40 }, (_, i) => i));
    await Promise.all([a!.close(), b!.close()]);
  });

  it('delivers a message sent just before the sender closes before reporting the lost peer', async () => {
    const [a, b] = shapedMesh(2, { name: 'custom', rttMs: 20, mbps: Infinity });
    const events: string[] = [];
    const done = new Promise<void>((resolve) => {
      b!.onMessage((_p, m) => events.push(`msg ${m.tag}`));
      b!.onError((e: ConcordError) => {
        events.push(e.code);
        resolve();
      });
    });
    a!.send(1, { tag: 9, kind: '', json: 'last' });
    await a!.close();
    await done;
    expect(events).to.deep.equal(['msg 9', 'E_PEER_LOST']);
    await b!.close();
  });

  it('reports the inner transport stats (payload bytes) unchanged', async () => {
    const [a, b] = shapedMesh(3, { name: 'custom', rttMs: 1, mbps: Infinity });
    const got = nextMessage(b!);
    a!.send(1, { tag: 1, kind: '', ring: new Ring([10]) });
    await got;
    expect(a!.stats()[1]!.bytesSent).to.equal(80);
    expect(b!.stats()[0]!.bytesReceived).to.equal(80);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('shapes the dealer link too: a request and its answer each take the one-way latency, corrections queue at the bandwidth', async () => {
    const [partyEnd, dealerEnd] = memoryLinkPair();
    expect(shapeDealerLink(partyEnd, undefined)).to.equal(partyEnd);
    const shaped = shapeDealerLink(partyEnd, { name: 'custom', rttMs: 40, mbps: 8 });
    const arrivals: Array<{ kind: string; at: number }> = [];
    dealerEnd.onMessage((m) => {
      arrivals.push({ kind: m.kind, at: performance.now() });
      dealerEnd.send({ tag: 1, kind: 'prep/x', ring: new Ring([1250]) }); // 10 kB: 10 ms at 8 Mbit/s
    });
    const answers: number[] = [];
    const both = new Promise<void>((resolve) => shaped.onMessage(() => answers.push(performance.now()) === 2 && resolve()));
    const t0 = performance.now();
    shaped.send({ tag: 0, kind: 'prep/req', json: { need: [], hit: [] } });
    shaped.send({ tag: 0, kind: 'prep/req', json: { need: [], hit: [] } });
    await both;
    expect(arrivals.length).to.equal(2);
    expect(arrivals[0]!.at - t0).to.be.at.least(19); // the request: one way
    expect(answers[0]! - t0).to.be.at.least(49); // 20 + 10 (serialization) + 20
    expect(answers[1]! - t0).to.be.at.least(59); // the second correction queues behind the first: 20 + 10 + 10 + 20
    expect(shaped.stats().bytesReceived).to.equal(20_000);
    await shaped.close?.();
  });

  it('a delayed dealer request to a closed link is the link error, not an exception', async () => {
    const [partyEnd] = memoryLinkPair();
    const broken = { ...partyEnd, send: () => { throw new ConcordError('E_PEER_LOST', 'link closed'); } };
    const shaped = shapeDealerLink(broken, { name: 'custom', rttMs: 10, mbps: Infinity });
    const err = new Promise<ConcordError>((resolve) => shaped.onError(resolve));
    shaped.send({ tag: 0, kind: 'prep/req', json: {} });
    expect(isConcordError(await err, 'E_PEER_LOST')).to.equal(true);
    await shaped.close?.();
  });
});
