import { expect } from 'chai';
import type { Session } from '../../src/session/session.js';
import { jointColumnStats } from '../../src/ml/joint-stats.js';
import { bitFrequencyZ, collectView, MODES, poolViews, positionalFrequencyZ, Z_LIMIT, type View } from './harness.js';

/**
 * View test of the joint standardization statistics (src/ml/joint-stats.ts, over wideSum). Its declared outputs are the mean
 * and std of every column over the UNION of the rows, so the view may depend on the union but not
 * on who holds which row. Two settings with the same union: B swaps one row between parties 1
 * and 2 (row counts unchanged). Party 0's views over fresh-randomness runs must have the same
 * per-bit frequencies; a leaky variant in which each party sends its own counts and sums unmasked
 * (the totals stay right) must be flagged.
 */

const D = 32;
const ROWS = 5;
const RUNS = 40;

/** Fixed data (a small LCG), rows of D values in [−8, 8) at 1/64 resolution. */
function rowsFor(seed: number): Float64Array {
  let x = seed;
  return Float64Array.from({ length: ROWS * D }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return ((x >>> 8) % 1024) / 64 - 8;
  });
}
const BASE = [rowsFor(1), rowsFor(2), rowsFor(3)];
// Columns of the union sum to zero, so the mean is 0 and every square is exact in fixed point: the
// declared output is then bit-identical however the rows are split (with an inexact mean, each
// party's rounding of its own Σ(x − mean)² would make the opened total differ in its last bit).
for (let j = 0; j < D; j++) {
  let sum = 0;
  for (const [p, r] of BASE.entries()) for (let i = 0; i < ROWS; i++) if (!(p === 2 && i === ROWS - 1)) sum += r[i * D + j]!;
  BASE[2]![(ROWS - 1) * D + j] = -sum;
}
/** Setting B: row 0 of parties 1 and 2 swapped. */
function swapped(): Float64Array[] {
  const [a, b, c] = BASE.map((r) => r.slice());
  const r1 = b!.slice(0, D), r2 = c!.slice(0, D);
  b!.set(r2, 0);
  c!.set(r1, 0);
  return [a!, b!, c!];
}

/** The body: the real joint statistics on this party's rows (columns as Float64Arrays). */
type Stats = (s: Session, rows: Float64Array) => Promise<unknown>;

const columns = (x: Float64Array): Float64Array[] => Array.from({ length: D }, (_, j) => Float64Array.from({ length: ROWS }, (_, i) => x[i * D + j]!));
const NAMES = Array.from({ length: D }, (_, j) => `c${j}`);

const real: Stats = (s, x) => jointColumnStats(s, columns(x), 3 * ROWS, NAMES);

/**
 * Leaky variant (tests only): the same protocol with every pairwise PRG stream replaced by zeros,
 * so each party sends its own vector unmasked: the opened totals (the declared output) stay
 * right, but party 0 receives the others' own counts and sums.
 */
const leaky: Stats = (s, x) => {
  (s as unknown as { pairPrg: () => { bytes: (n: number) => Uint8Array } }).pairPrg = () => ({ bytes: (n: number) => new Uint8Array(n) });
  return jointColumnStats(s, columns(x), 3 * ROWS, NAMES);
};

async function views(data: Float64Array[], mode: (typeof MODES)[number], fn: Stats): Promise<View[]> {
  const vs: View[] = [];
  for (let r = 0; r < RUNS; r++) vs.push(await collectView({ mode, secrets: [], body: async (s: Session) => fn(s, data[s.me]!) }));
  return vs;
}

/** Both statistics: pooled per-bit frequencies and per-position frequencies over the runs. */
async function compare(mode: (typeof MODES)[number], fn: Stats): Promise<{ z: number; where: string }> {
  const [a, b] = [await views(BASE, mode, fn), await views(swapped(), mode, fn)];
  const pooled = bitFrequencyZ(poolViews(a), poolViews(b));
  const positional = positionalFrequencyZ(a, b);
  return pooled.z > positional.z ? pooled : positional;
}

describe('privacy: the joint standardization reveals the union\'s mean and std, not who holds which row', function () {
  this.timeout(120_000);
  for (const mode of MODES) {
    it(`joint column statistics (${mode}): the same view when two parties swap a row`, async () => {
      const z = await compare(mode, real);
      expect(z.z, z.where).to.be.below(Z_LIMIT);
    });
  }
  it('the same check flags a variant that opens each party\'s own sums', async () => {
    const z = await compare('dealer', leaky);
    expect(z.z, z.where).to.be.above(Z_LIMIT);
  });
  it('(sanity) both settings have the same declared output', async () => {
    const { runParties } = await import('../helpers/parties.js');
    const outs = await Promise.all([BASE, swapped()].map((data) => runParties(3, (s) => jointColumnStats(s, columns(data[s.me]!), 3 * ROWS, NAMES))));
    expect(outs[0]![0]).to.deep.equal(outs[1]![0]);
  });
});
