import { expect } from 'chai';
import WebSocket, { WebSocketServer } from 'ws';
import { freePorts } from '../src/cli/cluster.js';
import { WsWire, wholeMessage, memoryWirePair } from '../src/net/wire.js';

/** A WsWire on the server end of a loopback WebSocket, and the raw client socket. */
async function wsPair(): Promise<{ wire: WsWire; client: WebSocket; close: () => void }> {
  const [port] = await freePorts(1);
  const server = new WebSocketServer({ host: '127.0.0.1', port: port!, perMessageDeflate: false });
  const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise((resolve) => client.once('open', resolve));
  const wire = new WsWire(await accepted);
  return { wire, client, close: () => (client.terminate(), server.close()) };
}

const bytes = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

describe('wires: a message sent as data + tail is one message', () => {
  it('WsWire: data + tail goes out as one WebSocket message of two fragments and arrives apart; other fragmentations arrive joined', async () => {
    const { wire, client, close } = await wsPair();
    const got: [Uint8Array, Uint8Array | undefined][] = [];
    const want = 4;
    const done = new Promise<void>((resolve) => wire.onData((d, t) => (got.push([d, t]), got.length === want && resolve())));
    // Raw client frames: one whole message; body + 16-byte tail; three fragments; body + 5-byte tail.
    client.send(bytes(10, 1));
    client.send(bytes(100, 2), { fin: false });
    client.send(bytes(16, 3), { fin: true });
    client.send(bytes(3, 4), { fin: false });
    client.send(bytes(4, 5), { fin: false });
    client.send(bytes(16, 6), { fin: true });
    client.send(bytes(7, 7), { fin: false });
    client.send(bytes(5, 8), { fin: true });
    await done;
    expect(got.map(([d, t]) => [d.length, t?.length])).to.deep.equal([[10, undefined], [100, 16], [23, undefined], [12, undefined]]);
    expect([...got[2]![0]]).to.deep.equal([...bytes(3, 4), ...bytes(4, 5), ...bytes(16, 6)]);
    expect([...wholeMessage(...got[1]!)]).to.deep.equal([...bytes(100, 2), ...bytes(16, 3)]);
    // And the wire's own data + tail: the peer (a plain WebSocket) receives one message body ‖ tail.
    const recv = new Promise<Buffer>((resolve) => client.once('message', (m) => resolve(m as Buffer)));
    wire.send(bytes(50, 9), bytes(16, 10));
    expect([...(await recv)]).to.deep.equal([...bytes(50, 9), ...bytes(16, 10)]);
    close();
  });

  it('memory wire: data + tail arrives as one joined message (taps see whole messages)', async () => {
    const seen: number[] = [];
    const [a, b] = memoryWirePair((_, d) => (seen.push(d.length), [d]));
    const got = new Promise<[Uint8Array, Uint8Array | undefined]>((resolve) => b.onData((d, t) => resolve([d, t])));
    a.send(bytes(20, 1), bytes(16, 2));
    const [d, t] = await got;
    expect(t).to.equal(undefined);
    expect([...d]).to.deep.equal([...bytes(20, 1), ...bytes(16, 2)]);
    expect(seen).to.deep.equal([36]);
  });
});
