import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import type { Session } from '../src/session/session.js';
import { input } from '../protocols/arithmetic/input.js';
import { mul } from '../protocols/arithmetic/mul.js';
import { matmul } from '../protocols/arithmetic/matmul.js';
import { trunc } from '../protocols/arithmetic/trunc.js';
import { mulFx, matmulFx } from '../protocols/arithmetic/fixed.js';
import { maskOperand, maskRows, matmulMasked, matmulMaskedRows } from '../protocols/arithmetic/masked.js';
import { inputSeeded } from '../protocols/arithmetic/input.js';
import { runParties } from './helpers/parties.js';
import { createHmPreprocessing } from '../protocols/offline/hm/preprocessing.js';

/** Bytes each party sent to each peer and rounds while `body` ran (after the inputs were shared). */
async function measure(n: number, body: (s: Session, x: Ring, y: Ring) => Promise<unknown>, xs: number[], ys: number[], opts: Parameters<typeof runParties>[2] = {}) {
  return runParties(n, async (s) => {
    const x = input(s, 0, xs, s.me === 0 ? Ring.zeros(xs) : undefined);
    const y = input(s, 1, ys, s.me === 1 ? Ring.zeros(ys) : undefined);
    const before = s.stats();
    await body(s, x, y);
    const after = s.stats();
    return { perPeer: after.perPeer.map((p, i) => p.bytesSent - before.perPeer[i]!.bytesSent), rounds: after.rounds - before.rounds };
  }, opts);
}
function expectEach(outs: { perPeer: number[]; rounds: number }[], bytesPerPeer: number, rounds: number): void {
  outs.forEach((o, me) => {
    o.perPeer.forEach((b, p) => expect(b, `party ${me} → ${p}`).to.equal(p === me ? 0 : bytesPerPeer));
    expect(o.rounds).to.equal(rounds);
  });
}

/** Party i → party i − 1 sends `toPrev`, party i → i + 1 sends `toNext` (three parties), in `rounds` rounds. */
function expectRing(outs: { perPeer: number[]; rounds: number }[], toPrev: number, toNext: number, rounds: number): void {
  outs.forEach((o, me) => {
    expect(o.perPeer[(me + 2) % 3], `party ${me} → ${(me + 2) % 3}`).to.equal(toPrev);
    expect(o.perPeer[(me + 1) % 3], `party ${me} → ${(me + 1) % 3}`).to.equal(toNext);
    expect(o.rounds).to.equal(rounds);
  });
}

describe('communication equals the doc-comment formulas', () => {
  describe('hm (the replicated product)', () => {
    const hm = { sessionPrep: (s: Session) => createHmPreprocessing(s, { prefetch: false }) };
    it('mul sends 2·len·8 bytes to the previous party only, in 1 round; mulFx adds the truncation\'s 8·len to each peer', async () => {
      const len = 1000;
      expectRing(await measure(3, (s, x, y) => mul(s, x, y), [len], [len], hm), 2 * len * 8, 0, 1);
      // the truncation pair comes from hm's batched stream: measure it ready, so only the online rounds count
      const outs = await runParties(3, async (s) => {
        const x = input(s, 0, [len], s.me === 0 ? Ring.zeros([len]) : undefined);
        const y = input(s, 1, [len], s.me === 1 ? Ring.zeros([len]) : undefined);
        await mulFx(s, x, y); // the first call cuts the stream's first batch
        const before = s.stats();
        await mulFx(s, x, y);
        const after = s.stats();
        return { perPeer: after.perPeer.map((p, i) => p.bytesSent - before.perPeer[i]!.bytesSent), rounds: after.rounds - before.rounds };
      }, { sessionPrep: (s: Session) => createHmPreprocessing(s, { prefetch: false, firstBatch: 4096 }) });
      expectRing(outs, 2 * len * 8 + len * 8, len * 8, 2);
    });
    it('matmul n×k·k×m sends 8·(nk + km) to the previous party only, in 1 round (no matrix triple)', async () => {
      expectRing(await measure(3, (s, x, y) => matmul(s, x, y), [30, 20], [20, 10], hm), 8 * (30 * 20 + 20 * 10), 0, 1);
      expectRing(await measure(3, (s, x, y) => matmul(s, x, y, { transA: true }), [20, 30], [20, 10], hm), 8 * (30 * 20 + 20 * 10), 0, 1);
    });
    it('a product as big as several stream windows still sends exactly 2·len·8 to the previous party', async () => {
      const len = 300_000; // 600,000 words: five windows of 2^17
      expectRing(await measure(3, (s, x, y) => mul(s, x, y), [len], [len], hm), 2 * len * 8, 0, 1);
    });
  });

  for (const n of [2, 3, 5]) {
    it(`n=${n}: mul sends 2·len·8 bytes to each peer in 1 round; trunc 8·len; mulFx their sum in 2`, async () => {
      const len = 1000;
      expectEach(await measure(n, (s, x, y) => mul(s, x, y), [len], [len]), 2 * len * 8, 1);
      expectEach(await measure(n, (s, x) => trunc(s, x), [len], [len]), len * 8, 1);
      expectEach(await measure(n, (s, x, y) => mulFx(s, x, y), [len], [len]), 3 * len * 8, 2);
    });
    it(`n=${n}: matmul n×k·k×m sends 8·(nk + km) to each peer in 1 round; matmulFx adds 8·nm`, async () => {
      expectEach(await measure(n, (s, x, y) => matmul(s, x, y), [30, 20], [20, 10]), 8 * (30 * 20 + 20 * 10), 1);
      expectEach(await measure(n, (s, x, y) => matmulFx(s, x, y), [30, 20], [20, 10]), 8 * (30 * 20 + 20 * 10 + 30 * 10), 2);
    });
    it(`n=${n}: a masked operand costs 8·r·k once, then 8·inner·m per product`, async () => {
      const [r, k, m] = [64, 10, 1];
      expectEach(await measure(n, (s, x) => maskOperand(s, x), [r, k], [k, m]), 8 * r * k, 1);
      const outs = await runParties(n, async (s) => {
        const mx = await maskOperand(s, input(s, 0, [r, k], s.me === 0 ? Ring.zeros([r, k]) : undefined));
        const w = input(s, 1, [k, m], s.me === 1 ? Ring.zeros([k, m]) : undefined);
        const g = input(s, 1, [16, m], s.me === 1 ? Ring.zeros([16, m]) : undefined);
        const before = s.stats().bytesSent;
        await matmulMasked(s, mx, w, { start: 16, end: 32 }); // batch forward: inner = k
        await matmulMasked(s, mx, g, { start: 16, end: 32, transpose: true }); // gradient: inner = 16
        return s.stats().bytesSent - before;
      });
      outs.forEach((b) => expect(b).to.equal((n - 1) * 8 * (k * m + 16 * m)));
    });
    it(`n=${n}: masked rows cost nothing up front, then 8·(h·k + inner·m) per first product on a batch and 8·inner·m with its known E_b`, async () => {
      const [r, k, m, h] = [64, 10, 1, 16];
      const outs = await runParties(n, async (s) => {
        const b0 = s.stats();
        const mr = await maskRows(s, inputSeeded(s, 0, [r, k], s.me === 0 ? (a, b) => Ring.zeros([b - a, k]) : undefined));
        const w = input(s, 1, [k, m], s.me === 1 ? Ring.zeros([k, m]) : undefined);
        const g = input(s, 1, [h, m], s.me === 1 ? Ring.zeros([h, m]) : undefined);
        const b1 = s.stats();
        const f = await matmulMaskedRows(s, mr, w, { start: 16, end: 32 });
        const b2 = s.stats();
        await matmulMaskedRows(s, mr, g, { start: 16, end: 32, transpose: true, known: f.e });
        const b3 = s.stats();
        return [b1.bytesSent - b0.bytesSent, b1.rounds - b0.rounds, b2.bytesSent - b1.bytesSent, b2.rounds - b1.rounds, b3.bytesSent - b2.bytesSent, b3.rounds - b2.rounds];
      });
      outs.forEach((o) => expect(o).to.deep.equal([0, 0, (n - 1) * 8 * (h * k + k * m), 1, (n - 1) * 8 * (h * m), 1]));
    });
  }
});
