import { Prg, deriveKey } from '../../src/crypto/prg.js';
import { Ring } from '../../src/ring/ring.js';
import { decodeFixed, encodeFixed } from '../../src/ring/fixed.js';
import type { Session } from '../../src/session/session.js';
import { input } from '../../protocols/arithmetic/input.js';
import { openMany } from '../../protocols/arithmetic/open.js';
import { ltz, ltzCost } from '../../protocols/compare/ltz.js';
import { relu } from '../../protocols/compare/relu.js';
import { sigmoid, sigmoidCost, usesLookup } from '../../protocols/nonlinear/sigmoid.js';

/**
 * Cluster task for the comparison mesh test (real party processes via runCluster): ltz, relu and
 * sigmoid on seeded inputs owned by party 0, checked against plaintext inside the task (the seed
 * is public to the test). Returns the failures (empty when all agree) and the measured rounds.
 */
export interface CompareTaskArgs {
  seed: string;
}

const EDGE = Ring.from([0n, 1n, -1n, 1n << 62n, -(1n << 62n), 1n << 63n, (1n << 63n) - 1n, 2n]);

export async function task(s: Session, raw: unknown): Promise<unknown> {
  const { seed } = raw as CompareTaskArgs;
  const prg = new Prg(deriveKey(new TextEncoder().encode(seed.padEnd(16, '.')), 'compare-task'));
  const x = Ring.concat([prg.ring([500]), prg.ring([492]).sar(40), EDGE]);
  const grid = Array.from({ length: 801 }, (_, i) => -10 + i / 40);
  const xf = encodeFixed(grid);
  const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
  const fs = input(s, 0, xf.shape, s.me === 0 ? xf : undefined);
  const failures: string[] = [];
  const r0 = s.stats().rounds;
  const lt = await ltz(s, xs);
  const ltzRounds = s.stats().rounds - r0;
  // The bounded-range ltz on values inside −2^40 ≤ x < 2^40 (the sar(40) part and the small edges).
  const small = x.sar(24);
  const ltb = await ltz(s, input(s, 0, small.shape, s.me === 0 ? small : undefined), 40);
  const { y, d } = await relu(s, xs);
  const r1 = s.stats().rounds;
  const sg = await sigmoid(s, fs);
  const sigmoidRounds = s.stats().rounds - r1;
  const [ltO, yO, dO, sgO, ltbO] = (await openMany(s, [lt, y, d, sg, ltb])) as [Ring, Ring, Ring, Ring, Ring];
  if (!ltbO.equals(small.shr(63))) failures.push('ltz with bound 2^40');
  const sx = x.toSigned();
  if (!ltO.equals(x.shr(63))) failures.push('ltz');
  // relu's one documented exception: −2^63 (its own negation) is skipped.
  const MIN = -(1n << 63n);
  if (yO.toSigned().some((v, i) => sx[i] !== MIN && v !== (sx[i]! > 0n ? sx[i]! : 0n))) failures.push('relu y');
  if (dO.toSigned().some((v, i) => sx[i] !== MIN && v !== (sx[i]! > 0n ? 1n : 0n))) failures.push('relu d');
  const sv = decodeFixed(sgO);
  const err = grid.reduce((m, g, i) => Math.max(m, Math.abs(sv[i]! - 1 / (1 + Math.exp(-g)))), 0);
  if (!(err < 1e-3)) failures.push(`sigmoid error ${err}`);
  if (ltzRounds !== ltzCost(s.n, x.size).rounds) failures.push(`ltz rounds ${ltzRounds}`);
  if (sigmoidRounds !== sigmoidCost(s.n, xf.size, false, usesLookup(s.prep)).rounds) failures.push(`sigmoid rounds ${sigmoidRounds}`);
  return { failures, mode: s.prep.mode, ltzRounds, sigmoidRounds };
}
