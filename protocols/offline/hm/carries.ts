/**
 * Carries of a sum u + y on XOR-replicated bit planes (three parties): the carries into two
 * chosen positions (truncation pairs) or into every position (edaBits).
 * [carry-lookahead (G, P) combines: Brent, Kung, "A regular layout for parallel adders", IEEE
 * Trans. Computers 1982; on replicated shares as in ABY3 §5.3; ANDs by rep-and.ts]
 *
 * Recipe: per position k, generate g_k = u_k ∧ y_k and propagate p_k = u_k ⊕ y_k. Node k starts
 * as the span [k, k]; a combine lets node hi absorb node lo, whose span ends just below hi's:
 *   G ← G_hi ⊕ P_hi ∧ G_lo,   P ← P_hi ∧ P_lo
 * (XOR is exact: G_hi and P_hi∧G_lo are never both 1). Once node k's span is [0, k], G_k is the
 * carry into k + 1. A node whose span starts at 0 never absorbs another, so its P is never
 * computed. Every combine of a level goes in one AND round (one message per party).
 * Schedules (levels of combines):
 *   twoCarries(f, n): [0, f) and [f, n) each reduced pairwise side by side, then node n−1 absorbs
 *     node f−1: ⌈log2 max(f, n − f)⌉ + 1 rounds; (f − 1) + (f − 1 − ⌈log2 f⌉) + 2·(n − f − 1)
 *     + 1 ANDs, e.g. 119 for f = 16, n = 63;
 *   allCarries(n): the Brent–Kung prefix (up-sweep, then down-sweep): at most 2⌈log2 n⌉ − 1
 *     rounds, e.g. 10 rounds and 166 ANDs for n = 63.
 * Bytes: 3 bits per AND over all links (rep-and.ts). Security: that of rep-and.ts; nothing is
 * opened.
 */
import { ConcordError } from '../../../src/errors.js';
import { Ring, outputRing } from '../../../src/ring/ring.js';
import type { RepAnd } from './rep-and.js';
import type { Pieces } from './replicated.js';

/** Node `hi` absorbs node `lo` (lo < hi; lo's span ends at hi's start − 1). */
export type Combine = readonly [hi: number, lo: number];

/** Pairwise reduction of nodes [a, b): the levels that leave node b − 1 spanning [a, b − 1]. */
function reduction(a: number, b: number): Combine[][] {
  const levels: Combine[][] = [];
  for (let ids = Array.from({ length: b - a }, (_, i) => a + i); ids.length > 1;) {
    const level: Combine[] = [];
    const next: number[] = [];
    for (let j = 0; j + 1 < ids.length; j += 2) {
      level.push([ids[j + 1]!, ids[j]!]);
      next.push(ids[j + 1]!);
    }
    if (ids.length % 2 === 1) next.push(ids[ids.length - 1]!);
    levels.push(level);
    ids = next;
  }
  return levels;
}

/** Schedule for the carries into f and into n (nodes 0..n−1; 0 ≤ f < n): G_{f−1} and G_{n−1}. */
export function twoCarries(f: number, n: number): Combine[][] {
  const low = reduction(0, f), high = reduction(f, n);
  const levels = Array.from({ length: Math.max(low.length, high.length) }, (_, i) => [...(low[i] ?? []), ...(high[i] ?? [])]);
  if (f > 0) levels.push([[n - 1, f - 1]]);
  return levels;
}

/** Brent–Kung schedule for the carries into every position 1..n (nodes 0..n−1). */
export function allCarries(n: number): Combine[][] {
  const levels: Combine[][] = [];
  let top = 1;
  for (let d = 1; d < n; d *= 2) {
    const level: Combine[] = [];
    for (let k = 2 * d - 1; k < n; k += 2 * d) level.push([k, k - d]);
    if (level.length > 0) levels.push(level);
    top = d;
  }
  for (let d = top / 2; d >= 1; d /= 2) {
    const level: Combine[] = [];
    for (let k = 3 * d - 1; k < n; k += 2 * d) level.push([k, k - d]);
    if (level.length > 0) levels.push(level);
  }
  return levels;
}

/** ANDs a schedule costs per item (G terms plus the P terms of spans not starting at 0). */
export function scheduleAnds(levels: readonly (readonly Combine[])[], n: number): number {
  const start = Array.from({ length: n }, (_, k) => k);
  let ands = 0;
  for (const level of levels) {
    for (const [, lo] of level) ands += start[lo]! > 0 ? 2 : 1;
    for (const [hi, lo] of level) start[hi] = start[lo]!;
  }
  return ands;
}

/**
 * Run a schedule on the planes g, p ([n, words] each, row k = position k) and return every
 * node's G, as the rows of one [n, words] sharing (row k = node k); nodes the schedule never
 * touches keep g_k. G and P are updated in place, row by row, so a level costs its two AND
 * operands and the AND's output, not a tensor per node: p and g.other are consumed, g.mine is
 * copied first (it is what this party sent in g's AND round, and a link under backpressure may
 * still hold it unencrypted, src/net/link.ts).
 */
export async function runCarries(and: RepAnd, g: Pieces, p: Pieces, levels: readonly (readonly Combine[])[]): Promise<Pieces> {
  const [n, words] = g.mine.shape as [number, number];
  const G = { mine: g.mine.clone(), other: g.other }, P = p;
  const start = Array.from({ length: n }, (_, k) => k);
  // The operands of every level are picked into one scratch per side, sized for the widest level:
  // an AND reads them once, before its round's await (rep-and.ts), so the next level may reuse them.
  const widest = Math.max(0, ...levels.map((level) => level.length + level.filter(([, lo]) => lo > 0).length));
  const scratch = Array.from({ length: 4 }, () => outputRing([widest * words]));
  for (const level of levels) {
    const his = new Set(level.map(([hi]) => hi));
    for (const [hi, lo] of level) {
      if (!(lo < hi && hi < n && start[hi] === lo + 1 && !his.has(lo))) throw new ConcordError('E_INTERNAL', `carry schedule: node ${hi} cannot absorb node ${lo} in this level`);
    }
    const withP = level.filter(([, lo]) => start[lo]! > 0);
    const z = await and.and(
      pickRows([...level.map(([hi]) => [P, hi] as const), ...withP.map(([hi]) => [P, hi] as const)], words, scratch[0]!, scratch[1]!),
      pickRows([...level.map(([, lo]) => [G, lo] as const), ...withP.map(([, lo]) => [P, lo] as const)], words, scratch[2]!, scratch[3]!),
    );
    // His and los of a level are disjoint, so the rows read above are not the rows written here.
    level.forEach(([hi, lo], i) => {
      for (const side of ['mine', 'other'] as const) {
        const row = rowView(G[side], hi, words);
        Ring.combine('xor', [row, rowView(z[side], i, words)], row);
      }
      start[hi] = start[lo]!;
    });
    withP.forEach(([hi], i) => {
      for (const side of ['mine', 'other'] as const) P[side].data.set(rowView(z[side], level.length + i, words).data, hi * words);
    });
  }
  return G;
}

/** Row k of a [rows, words] tensor as a view (no copy). */
function rowView(x: Ring, k: number, words: number): Ring {
  return new Ring([1, words], x.data.subarray(k * words, (k + 1) * words));
}

/** The listed rows of the listed sharings, stacked into one [picks, words] sharing held in the scratch tensors' first rows. */
function pickRows(picks: readonly (readonly [Pieces, number])[], words: number, mineAt: Ring, otherAt: Ring): Pieces {
  const size = picks.length * words;
  const mine = new Ring([picks.length, words], mineAt.data.subarray(0, size)), other = new Ring([picks.length, words], otherAt.data.subarray(0, size)); // every row is copied in
  picks.forEach(([x, k], i) => {
    mine.data.set(x.mine.data.subarray(k * words, (k + 1) * words), i * words);
    other.data.set(x.other.data.subarray(k * words, (k + 1) * words), i * words);
  });
  return { mine, other };
}
