import { expect } from 'chai';
import { onSend } from '../helpers/spy.js';
import { Ring } from '../../src/ring/ring.js';
import type { Session } from '../../src/session/session.js';
import { input } from '../../protocols/arithmetic/input.js';
import { mul } from '../../protocols/arithmetic/mul.js';
import { matmul } from '../../protocols/arithmetic/matmul.js';
import { trunc } from '../../protocols/arithmetic/trunc.js';
import { ltz } from '../../protocols/compare/ltz.js';
import { a2b } from '../../protocols/binary/a2b.js';
import { hmSessions } from '../helpers/hm-view.js';

/**
 * A link under backpressure keeps what a party sent as plaintext views until the socket drains
 * (src/net/link.ts), so no protocol may write into a tensor after sending it. The in-memory
 * transport copies at send and would hide such a write; this test keeps every tensor each party
 * sends, with a copy taken at send time, and checks after the run that none changed. It runs
 * the hm paths that update planes and shares in place (the carry circuits of truncation pairs
 * and edaBits) and the replicated product and AND.
 */
describe('hm: no tensor changes after it is sent (links may hold plaintext under backpressure)', function () {
  this.timeout(60_000);

  it('mul, matmul, trunc, ltz and a2b, with their item batches', async () => {
    const N = 3000;
    const ss = hmSessions(N, undefined, () => undefined);
    const sent: [Ring, Ring, string][] = [];
    ss.forEach((s: Session, i) => onSend(s, (r, peer, tag, kind) => sent.push([r, r.clone(), `party ${i} → ${peer}, tag ${tag}, ${kind}`])));
    const x = Ring.from(Array.from({ length: N }, (_, i) => BigInt(i * 7919 - 10_000_000)));
    await Promise.all(ss.map(async (s) => {
      const xs = input(s, 0, [N], s.me === 0 ? x : undefined);
      const m = input(s, 1, [30, 100], s.me === 1 ? Ring.fill([30, 100], 3n) : undefined);
      await mul(s, xs, xs);
      await matmul(s, m, m, { transB: true });
      await trunc(s, xs, 16);
      await ltz(s, xs);
      await a2b(s, xs);
    }));
    await Promise.all(ss.map((s) => s.close()));
    expect(sent.length).to.be.above(20);
    for (const [now, then, where] of sent) expect(now.equals(then), where).to.equal(true);
  });
});
