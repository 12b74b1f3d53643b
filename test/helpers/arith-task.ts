import { Prg, deriveKey } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import type { Session } from '../../src/session/session.js';
import { input } from '../../protocols/arithmetic/input.js';
import { openMany } from '../../protocols/arithmetic/open.js';
import { mul } from '../../protocols/arithmetic/mul.js';
import { matmul } from '../../protocols/arithmetic/matmul.js';
import { trunc } from '../../protocols/arithmetic/trunc.js';
import { maskOperand, matmulMasked } from '../../protocols/arithmetic/masked.js';
import { mulFx, matmulFx } from '../../protocols/arithmetic/fixed.js';
import { encodeFixed, decodeFixed } from '../../src/ring/fixed.js';
import { DealerPreprocessing } from '../../protocols/offline/dealer-client.js';

/**
 * Cluster task for the arithmetic mesh test (real party processes via runCluster): every protocol
 * on seeded inputs (party 0 owns X, party 1 owns Y), checked against plaintext inside the task
 * (the seed is public to the test), over `steps` repetitions so the dealer's prefetch can learn.
 */
export interface ArithTaskArgs {
  seed: string;
  steps: number;
}

const EDGE = Ring.from([0n, 1n, -1n, 1n << 63n, (1n << 63n) - 1n]);

export async function task(s: Session, raw: unknown): Promise<unknown> {
  const { seed, steps } = raw as ArithTaskArgs;
  const prg = new Prg(deriveKey(new TextEncoder().encode(seed.padEnd(16, '.')), 'arith-task'));
  const x = Ring.concat([prg.ring([995]), EDGE]);
  const y = Ring.concat([prg.ring([995]), EDGE.neg()]);
  const A = prg.ring([40, 12]);
  const B = prg.ring([12, 6]);
  const G = prg.ring([10, 6]);
  const T = prg.ring([1000]).sar(2);
  const own = (owner: number, v: Ring) => input(s, owner, v.shape, s.me === owner ? v : undefined);
  const failures: string[] = [];
  const mx = await maskOperand(s, own(0, A));
  for (let i = 0; i < steps; i++) {
    const [m, p, q, g, t] = await Promise.all([
      mul(s, own(0, x), own(1, y)),
      matmul(s, own(0, A), own(1, B)),
      matmulMasked(s, mx, own(1, B), { start: 10, end: 30 }),
      matmulMasked(s, mx, own(1, G), { start: 30, end: 40, transpose: true }),
      trunc(s, own(0, T), 16),
    ]);
    const [om, op, oq, og, ot] = await openMany(s, [m, p, q, g, t]);
    if (!om!.equals(x.mul(y))) failures.push(`mul step ${i}`);
    if (!op!.equals(A.matmul(B))) failures.push(`matmul step ${i}`);
    if (!oq!.equals(A.slice(10, 30).matmul(B))) failures.push(`masked step ${i}`);
    if (!og!.equals(A.slice(30, 40).matmul(G, { transA: true }))) failures.push(`masked transposed step ${i}`);
    if (!ot!.sub(T.sar(16)).toSigned().every((d) => d === 0n || d === 1n)) failures.push(`trunc step ${i}`);
  }
  // Fixed point: products of values in (−100, 100) at f = 16.
  const u = Float64Array.from(prg.ring([24]).data, (v) => (Number(v >> 11n) / 2 ** 53 - 0.5) * 200);
  const P = encodeFixed(u.subarray(0, 12), [3, 4]);
  const Q = encodeFixed(u.subarray(12, 24), [4, 3]);
  const [fm, fe] = await Promise.all([matmulFx(s, own(0, P), own(1, Q)), mulFx(s, own(0, P), own(1, Q.transpose()))]);
  const [om, oe] = (await openMany(s, [fm, fe])).map((r) => decodeFixed(r));
  const [dp, dq] = [decodeFixed(P), decodeFixed(Q)];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    let want = 0;
    for (let k = 0; k < 4; k++) want += dp[i * 4 + k]! * dq[k * 3 + j]!;
    if (Math.abs(om![i * 3 + j]! - want) > 2 ** -16) failures.push(`matmulFx [${i},${j}]`);
  }
  const dqt = decodeFixed(Q.transpose());
  oe!.forEach((v, i) => { if (Math.abs(v - dp[i]! * dqt[i]!) > 2 ** -16) failures.push(`mulFx ${i}`); });
  const prep = s.prep instanceof DealerPreprocessing ? s.prep.stats() : undefined;
  return { failures, prep, mode: s.prep.mode };
}
