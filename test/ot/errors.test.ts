import { expect } from 'chai';
import type { Message, Transport } from '../../src/net/transport.js';
import type { Session } from '../../src/session/session.js';
import { isConcordError } from '../../src/errors.js';
import { otSessions } from './helpers.js';

/** Rewrite what party `from` sends: `edit` may return a replacement body for matching kinds. */
function tamper(s: Session, kind: RegExp, edit: (b: Uint8Array) => Uint8Array): void {
  const t = (s as unknown as { transport: Transport }).transport;
  const send = t.send.bind(t);
  t.send = (peer: number, msg: Message) => send(peer, msg.bytes && kind.test(msg.kind) ? { ...msg, bytes: edit(msg.bytes) } : msg);
}

async function outcomes(ss: Session[], body: (s: Session) => Promise<unknown>): Promise<unknown[]> {
  try {
    return await Promise.all(ss.map((s) => body(s).then(() => 'ok', (e: unknown) => e)));
  } finally {
    await Promise.all(ss.map((s) => s.close()));
  }
}

describe('OT preprocessing: malformed peer messages abort with one clear error', function () {
  this.timeout(60_000);
  it('a truncated extension message: E_FRAME naming the sender; the other party is told (E_ABORTED)', async () => {
    const ss = otSessions(2, 'err-u');
    tamper(ss[1]!, /^ot\/\d+\/u$/, (b) => b.subarray(0, b.length - 16));
    const [r0, r1] = await outcomes(ss, (s) => s.prep.triple(s.tag(), [100]));
    expect(isConcordError(r0, 'E_FRAME'), String(r0)).to.equal(true);
    expect((r0 as Error).message).to.match(/party p1 sent \d+ bytes for OT message ot\/\d+\/u/);
    expect(isConcordError(r1, 'E_ABORTED') || isConcordError(r1, 'E_FRAME'), String(r1)).to.equal(true);
  });

  it('an invalid base-OT point: E_FRAME naming the party', async () => {
    const ss = otSessions(2, 'err-base');
    tamper(ss[0]!, /^ot\/base\/S$/, (b) => new Uint8Array(b.length).fill(0xff));
    const [, r1] = await outcomes(ss, (s) => s.prep.bitTriple(s.tag(), [10]));
    expect(isConcordError(r1, 'E_FRAME'), String(r1)).to.equal(true);
    expect((r1 as Error).message).to.match(/base OTs with party p0: .*ristretto255/);
  });
});
