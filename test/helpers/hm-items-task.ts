import { Ring } from '../../src/ring/ring.js';
import type { Session } from '../../src/session/session.js';
import { openMany } from '../../protocols/arithmetic/open.js';
import { openBinaryMany } from '../../protocols/binary/open.js';
import type { LutSpec } from '../../src/session/preprocessing.js';
import { checkLutContract } from './lut-check.js';

/**
 * Cluster task (and in-memory body) for test/hm/*.test.ts: requests every item kind of the
 * attached preprocessing, reconstructs each one explicitly (a test-only reveal through the
 * ordinary open protocols) and checks its defining relation: c = a·b, C = A·B for matrix triples
 * and for masked triples over row slices and transposes of one mask, bitwise c = a ∧ b, daBits'
 * arithmetic bit = XOR bit, truncation pairs r = r_low + 2^63·r_top with [r_low >> f] exact for
 * several f, lookup masks against the LutMask contract (lut-check.ts), and that the opened
 * randomness looks uniform (bit frequencies). Several requests
 * of one shape (batch boundaries) and concurrent mixed requests are included.
 */
export interface HmItemsResult {
  failures: string[];
  checked: number;
  mode: string;
}

/** Fraction of set bits over all 64-bit elements. */
export function onesFraction(r: Ring): number {
  let c = 0;
  for (const v of r.data) {
    let x = v;
    while (x) { x &= x - 1n; c++; }
  }
  return c / (r.size * 64);
}

export async function task(s: Session, args: { count?: number } = {}): Promise<HmItemsResult> {
  const failures: string[] = [];
  let checked = 0;
  const check = (ok: boolean, what: string): void => {
    checked++;
    if (!ok) failures.push(what);
  };
  const count = args.count ?? 20_000;

  // element triples, several requests of mixed shapes concurrently
  const ts = await Promise.all([[count], [7], [30, 40], [1]].map((sh) => s.prep.triple(s.tag(), sh)));
  for (const [i, t] of ts.entries()) {
    const [a, b, c] = await openMany(s, [t.a, t.b, t.c]);
    check(c!.equals(a!.mul(b!)), `triple ${i}: c = a·b`);
    if (i === 0) check(Math.abs(onesFraction(a!) - 0.5) < 0.01 && Math.abs(onesFraction(c!) - 0.5) < 0.01, 'triple: a and c uniform-looking');
    if (i === 0) check(!t.a.equals(a!), 'triple: a share is not the value');
  }

  // matrix triples, both orientations, repeated shape
  const ms = await Promise.all([[3, 4, 5], [7, 3, 2], [7, 3, 2], [1, 64, 1]].map(([n, k, m]) => s.prep.matrixTriple(s.tag(), n!, k!, m!)));
  const mOpened: Ring[] = [];
  for (const [i, t] of ms.entries()) {
    const [a, b, c] = await openMany(s, [t.a, t.b, t.c]);
    check(c!.equals(a!.matmul(b!)), `matrix triple ${i}: C = A·B`);
    mOpened.push(b!);
  }
  check(!mOpened[1]!.equals(mOpened[2]!), 'matrix triples of one shape differ');

  // masks and masked triples: full, row slices, transposes (the training loop's uses)
  const maskTag = s.tag();
  const aShare = await s.prep.matrixMask(maskTag, [50, 6]);
  const uses = [{ m: 1 }, { start: 10, end: 26, m: 1 }, { start: 10, end: 26, transpose: true, m: 1 }, { start: 10, end: 26, m: 1 }, { start: 0, end: 50, transpose: true, m: 3 }];
  const mts = [];
  for (const u of uses) mts.push(await s.prep.maskedTriple(maskTag, s.tag(), u));
  const [A] = await openMany(s, [aShare.rows(0, 50)]);
  const ops = [A!, A!.slice(10, 26), A!.slice(10, 26).transpose(), A!.slice(10, 26), A!.transpose()];
  const bs: Ring[] = [];
  for (const [i, t] of mts.entries()) {
    const [b, c] = await openMany(s, [t.b, t.c]);
    check(c!.equals(ops[i]!.matmul(b!)), `masked triple ${i}: C = op(A)·B`);
    bs.push(b!);
  }
  check(!bs[1]!.equals(bs[3]!), 'masked triples of one use differ');

  // bit triples
  const bt = await s.prep.bitTriple(s.tag(), [count]);
  const [ba, bb, bc] = await openBinaryMany(s, [bt.a, bt.b, bt.c]);
  check(bc!.equals(ba!.and(bb!)), 'bit triple: c = a AND b');
  check(Math.abs(onesFraction(ba!) - 0.5) < 0.01, 'bit triple: a uniform-looking');

  // daBits: several requests (batch boundaries, prefetch), mixed with truncation pairs
  for (const n of [count, 300, 300, 5]) {
    const d = await s.prep.daBits(s.tag(), [n]);
    const [arith] = await openMany(s, [d.arith]);
    const [bin] = await openBinaryMany(s, [d.bin]);
    check(arith!.equals(bin!) && bin!.equals(bin!.bit(0)), `daBits (${n}): arithmetic bit = XOR bit`);
    if (n === count) {
      const mean = Number(arith!.sum().get(0)) / n;
      check(Math.abs(mean - 0.5) < 0.02, `daBits: mean ${mean} near 1/2`);
    }
  }

  // edaBits: all 64 bits, and only the low 21 (the arithmetic r stays uniform)
  for (const bits of [64, 21]) {
    const e = await s.prep.edaBits(s.tag(), [count], bits);
    const [arith] = await openMany(s, [e.arith]);
    const [bin] = await openBinaryMany(s, [e.bin]);
    const m = Ring.fill([count], bits === 64 ? -1n : (1n << BigInt(bits)) - 1n);
    check(arith!.and(m).equals(bin!.and(m)), `edaBits (${bits} bits): arithmetic r = XOR word on the low bits`);
    check(Math.abs(onesFraction(arith!) - 0.5) < 0.01, `edaBits (${bits} bits): r uniform-looking`);
  }

  // truncation pairs for several f and shapes, repeated
  for (const [f, shape] of [[16, [count]], [16, [64, 1]], [16, [64, 1]], [13, [33]], [1, [100]], [48, [100]], [0, [65]], [62, [70]], [31, [1]], [32, [129]]] as const) {
    const p = await s.prep.truncPair(s.tag(), shape, f);
    const [r, lo, top] = await openMany(s, [p.r, p.rLowShifted, p.rTop]);
    check(r!.shape.join() === shape.join(), `trunc f=${f}: shape`);
    check(top!.equals(r!.shr(63)), `trunc f=${f}: r_top = bit 63 of r`);
    check(lo!.equals(r!.shl(1).shr(1 + f)), `trunc f=${f}: r_low >> f exact`);
    if (shape[0] === count) check(Math.abs(onesFraction(r!) - 0.5) < 0.01, 'trunc: r uniform-looking');
  }

  // lookup masks (a mode may lack them): the sigmoid's spec, and one top field with powers 3
  const luts: Array<[number, LutSpec]> = [[400, { fields: [{ at: 14, bits: 7 }, { at: 17, bits: 7 }], powers: 2, shift: 2 }], [30, { fields: [{ at: 54, bits: 10 }], powers: 3, shift: 0 }]];
  for (const [len, spec] of s.prep.lutMask ? luts : []) {
    const m = await s.prep.lutMask!(s.tag(), len, spec);
    const [r, ...rest] = await openMany(s, [m.r, ...m.hot, ...m.pow]);
    const shapes = [...m.hot, ...m.pow].map((t) => t.shape);
    const opened = rest.map((t, i) => t.reshape(shapes[i]!));
    const { failures: bad } = checkLutContract(spec, len, r!.reshape([len]), opened.slice(0, spec.fields.length), opened.slice(spec.fields.length), 1);
    check(bad.length === 0, `lutMask (${len}, ${spec.fields.length} fields): ${bad[0]}`);
    if (len === 400) check(Math.abs(onesFraction(r!) - 0.5) < 0.02, 'lutMask: R uniform-looking');
  }
  return { failures, checked, mode: s.prep.mode };
}
