import { expect } from 'chai';
import { onSend, onSendBytes } from './helpers/spy.js';
import { Ring } from '../src/ring/ring.js';
import type { Session } from '../src/session/session.js';
import { input } from '../protocols/arithmetic/input.js';
import { mul } from '../protocols/arithmetic/mul.js';
import { matmul } from '../protocols/arithmetic/matmul.js';
import { mulFx } from '../protocols/arithmetic/fixed.js';
import { maskOperand, matmulMasked } from '../protocols/arithmetic/masked.js';
import { trunc } from '../protocols/arithmetic/trunc.js';
import { ltz } from '../protocols/compare/ltz.js';
import { a2b } from '../protocols/binary/a2b.js';
import { b2a } from '../protocols/binary/b2a.js';
import { sigmoid } from '../protocols/nonlinear/sigmoid.js';
import { freshSessions, MODES } from './privacy/harness.js';
import { fileURLToPath } from 'node:url';
import { readCsv, selectRows } from '../src/ml/csv.js';
import { shardSizes } from '../src/ml/partition.js';
import { trainSecure } from '../src/ml/train.js';
import { secureOps } from '../src/ml/nonlinear.js';

const DATA = fileURLToPath(new URL('../../parties/data/', import.meta.url));

/** Spy on everything the sessions send: [the sent object, a copy made at send time, where]. */
function keepSent(ss: Session[]): [Ring | Uint8Array, Ring | Uint8Array, string][] {
  const sent: [Ring | Uint8Array, Ring | Uint8Array, string][] = [];
  ss.forEach((s, i) => {
    onSend(s, (r, peer, tag, kind) => sent.push([r, r.clone(), `party ${i} → ${peer}, tag ${tag}, ${kind}`]));
    onSendBytes(s, (b, peer, tag, kind) => sent.push([b, b.slice(), `party ${i} → ${peer}, tag ${tag}, ${kind} (bytes)`]));
  });
  return sent;
}

function expectUnchanged(sent: [Ring | Uint8Array, Ring | Uint8Array, string][]): void {
  expect(sent.length).to.be.above(20);
  for (const [now, then, where] of sent) {
    const same = now instanceof Ring ? now.equals(then as Ring) : Buffer.from(now).equals(Buffer.from(then as Uint8Array));
    expect(same, where).to.equal(true);
  }
}

/**
 * A link under backpressure keeps what a party sent as plaintext views until the socket drains
 * (src/net/link.ts), so no protocol may write into a tensor or byte buffer after sending it. The
 * in-memory transport copies at send and would hide such a write; this test keeps everything
 * each party sends, with a copy taken at send time, and checks after the run that nothing
 * changed. Every offline mode, with its item batches (hm's carry circuits update planes in
 * place; a write into the sent AND output was a real bug, fixed in 9b078ed).
 */
describe('no tensor or byte buffer changes after it is sent (links may hold plaintext under backpressure)', function () {
  this.timeout(120_000);

  for (const mode of MODES) {
    it(`mul, matmul, mulFx, the masked matmul, trunc, ltz, a2b, b2a and sigmoid (${mode})`, async () => {
      const N = 3000;
      const ss = freshSessions(mode, 3, 'none');
      const sent = keepSent(ss);
      const x = Ring.from(Array.from({ length: N }, (_, i) => BigInt(i * 7919 - 10_000_000)));
      await Promise.all(ss.map(async (s) => {
        const xs = input(s, 0, [N], s.me === 0 ? x : undefined);
        const m = input(s, 1, [30, 100], s.me === 1 ? Ring.fill([30, 100], 3n << 16n) : undefined);
        await mul(s, xs, xs);
        await matmul(s, m, m, { transB: true });
        await mulFx(s, xs, xs);
        const w = input(s, 2, [100, 4], s.me === 2 ? Ring.fill([100, 4], 5n) : undefined);
        const mx = await maskOperand(s, m);
        await matmulMasked(s, mx, w, { start: 10, end: 30 });
        await trunc(s, xs, 16);
        await ltz(s, xs);
        await a2b(s, xs);
        await b2a(s, s.me === 0 ? Ring.fill([64], 1n) : Ring.zeros([64]));
        await sigmoid(s, xs);
      }));
      await Promise.all(ss.map((s) => s.close()));
      expectUnchanged(sent);
    });
  }

  for (const [mode, maskData] of [['hm', 'once'], ['dealer', 'perBatch']] as const) {
    it(`training: two epochs of logistic regression on the bundled data (${mode}, maskData ${maskData})`, async () => {
      const bc = readCsv(`${DATA}/breast_cancer.csv`, 'label');
      const sizes = shardSizes(bc.rows, 3);
      const ss = freshSessions(mode, 3, 'none');
      const sent = keepSent(ss);
      await Promise.all(ss.map(async (s) => {
        const off = sizes.slice(0, s.me).reduce((a, b) => a + b, 0);
        const mine = selectRows(bc, Array.from({ length: sizes[s.me]! }, (_, i) => off + i));
        await trainSecure(s, mine, sizes, { arch: { kind: 'logreg', features: bc.features.length, hidden: 0 }, hp: { epochs: 2, batchSize: 64, lr: 0.5, momentum: 0, positiveWeight: 1, seed: 1 }, fracBits: 16, features: bc.features, label: 'label', recipients: [0], revealLoss: false, ops: secureOps, maskData });
      }));
      await Promise.all(ss.map((s) => s.close()));
      expectUnchanged(sent);
    });
  }
});
