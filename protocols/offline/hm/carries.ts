/**
 * Carries of a sum u + y into chosen bit positions, on XOR-replicated bit planes (three parties).
 * [carry-lookahead (G, P) reduction, Brent–Kung style, as in the a2b adders of ABY3 §5.3;
 * ANDs by rep-and.ts]
 *
 * Recipe: per position k, generate g_k = u_k ∧ y_k and propagate p_k = u_k ⊕ y_k. The carry into
 * position b out of [a, b) is G of the segment, reduced pairwise (lo, hi) level by level:
 *   G = G_hi ⊕ P_hi ∧ G_lo,   P = P_hi ∧ P_lo
 * (XOR is exact: G_hi and P_hi∧G_lo are never both 1). For the carries into f and into n, the
 * segments [0, f) and [f, n) are reduced side by side (their ANDs share a message per level), and
 * then carry_n = G_[f,n) ⊕ P_[f,n) ∧ carry_f. The lowest node of [0, f) never needs its P.
 * Rounds: ⌈log2 max(f, n − f)⌉ + 1 (the final AND; none when f = 0).
 * ANDs per item: (f − 1) + (f − 1 − ⌈log2 f⌉) + 2·(n − f − 1) + 1, e.g. 119 for f = 16, n = 63,
 * i.e. 357 bits over all links (rep-and.ts). Security: that of rep-and.ts; nothing is opened.
 */
import { Ring } from '../../../src/ring/ring.js';
import { gatherRep, rowsRep, stackRep, xorRep, type RepAnd } from './rep-and.js';
import type { Pieces } from './replicated.js';

/** One segment being reduced: G and P of its nodes, one row per node (P row 0 unused when !lowP). */
interface Segment {
  g: Pieces;
  p: Pieces;
  /** Whether the lowest node's P is wanted (false for the segment starting at position 0). */
  lowP: boolean;
}

const rowsOf = (x: Pieces): number => x.mine.shape[0]!;

/** Reduce every segment to one node, all segments' ANDs of a level in one round. */
async function reduce(and: RepAnd, segs: Segment[]): Promise<Segment[]> {
  while (segs.some((sg) => rowsOf(sg.g) > 1)) {
    // per segment: pairs (2j, 2j+1); operands of the G terms, then of the wanted P terms
    const left: Pieces[] = [], right: Pieces[] = [];
    const plan = segs.map((sg) => {
      const pairs = Math.floor(rowsOf(sg.g) / 2);
      if (pairs === 0) return { pairs, pFrom: 0 };
      const lo = Array.from({ length: pairs }, (_, j) => 2 * j), hi = lo.map((j) => j + 1);
      const pHi = gatherRep(sg.p, hi);
      left.push(pHi);
      right.push(gatherRep(sg.g, lo));
      const pFrom = sg.lowP ? 0 : 1; // pair 0 of a bottom segment: its P is never used
      if (pairs > pFrom) {
        left.push(rowsRep(pHi, pFrom, pairs));
        right.push(gatherRep(sg.p, lo.slice(pFrom)));
      }
      return { pairs, pFrom };
    });
    const z = await and.and(stackRep(left), stackRep(right));
    let at = 0;
    segs = segs.map((sg, i) => {
      const { pairs, pFrom } = plan[i]!;
      if (pairs === 0) return sg;
      const n = rowsOf(sg.g);
      const hi = Array.from({ length: pairs }, (_, j) => 2 * j + 1);
      let g = xorRep(gatherRep(sg.g, hi), rowsRep(z, at, at + pairs));
      at += pairs;
      let p: Pieces;
      const pz = rowsRep(z, at, at + pairs - pFrom);
      at += pairs - pFrom;
      p = pFrom === 0 ? pz : stackRep([rowsRep(sg.p, 0, 1), pz]); // placeholder row 0, never read
      if (n % 2 === 1) { // the odd top node moves up unchanged
        g = stackRep([g, rowsRep(sg.g, n - 1, n)]);
        p = stackRep([p, rowsRep(sg.p, n - 1, n)]);
      }
      return { g, p, lowP: sg.lowP };
    });
  }
  return segs;
}

/**
 * Replicated shares of the carries into positions f and n of u + y (bits 0..n−1), from g = u ∧ y
 * and p = u ⊕ y as bit planes [n, words]. 0 ≤ f < n. Each result is one plane [1, words].
 */
export async function carries(and: RepAnd, g: Pieces, p: Pieces, f: number): Promise<{ intoF: Pieces; intoN: Pieces }> {
  const n = rowsOf(g);
  const high: Segment = { g: rowsRep(g, f, n), p: rowsRep(p, f, n), lowP: true };
  if (f === 0) {
    const [top] = await reduce(and, [high]);
    const zero = { mine: Ring.zeros(top!.g.mine.shape), other: Ring.zeros(top!.g.mine.shape) };
    return { intoF: zero, intoN: top!.g };
  }
  const [low, top] = await reduce(and, [{ g: rowsRep(g, 0, f), p: rowsRep(p, 0, f), lowP: false }, high]);
  const t = await and.and(top!.p, low!.g);
  return { intoF: low!.g, intoN: xorRep(top!.g, t) };
}
