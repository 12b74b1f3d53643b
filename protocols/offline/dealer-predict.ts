/**
 * Prediction of the dealer's next items (used by dealer.ts to push corrections ahead of need).
 * Training is a loop of steps: every step requests the same kinds and shapes at the same tag
 * offsets, so the item stream has a tag period T (tags per step). Three rules, all cheap:
 *  1. PeriodPredictor learns T and predicts item (t + k·T, same key) for k = 1..depth.
 *  2. Masked triples slide over the rows of the data matrix (mini-batches): their row range
 *     advances by the last observed step and wraps to row 0 at the end (next epoch), so the
 *     last partial batch and the first batch of the next epoch are predicted too.
 *  3. Epochs: an item that does not recur exactly one period after its previous occurrence
 *     (the first step of an epoch, the partial last batch) is "irregular"; the gap between two
 *     irregular occurrences of the same item is the epoch length E, and every irregular item is
 *     predicted E ahead. The gap between two masked triples over row 0 (epoch starts) gives E
 *     already at the start of the second epoch, so from then on epoch boundaries stop waiting.
 * Predictions carry no secret: they are (tag, kind, shape) guesses; wrong ones are dropped.
 */
import { itemKey, type ItemRequest } from './dealer-items.js';

/** Learns the tag period of a repeating item stream and predicts the next occurrence of an item. */
export class PeriodPredictor {
  private period = 0;
  private misses = 0;
  private readonly recent: Array<[number, string]> = [];
  private readonly seen = new Set<string>();
  private readonly lastTags = new Map<string, number[]>();

  constructor(private readonly window = 1024) {}

  /** Current period estimate (0 = none). */
  get T(): number {
    return this.period;
  }

  /** True if item `sig` was observed at `tag` (within the recent window). */
  saw(tag: number, sig: string): boolean {
    return this.seen.has(`${tag}|${sig}`);
  }

  /** Record an item; returns the predicted tag of its next occurrence, or undefined. */
  observe(tag: number, sig: string): number | undefined {
    if (this.period > 0) {
      if (this.seen.has(`${tag - this.period}|${sig}`)) this.misses = 0;
      else this.misses++;
    }
    this.recent.push([tag, sig]);
    this.seen.add(`${tag}|${sig}`);
    if (this.recent.length > this.window) {
      const [t, s] = this.recent.shift()!;
      this.seen.delete(`${t}|${s}`);
    }
    const prev = this.lastTags.get(sig) ?? [];
    if (this.period === 0 || this.misses >= 3) this.estimate(tag, prev);
    prev.push(tag);
    if (prev.length > 8) prev.shift();
    this.lastTags.set(sig, prev);
    return this.period > 0 ? tag + this.period : undefined;
  }

  /**
   * Candidates: the gaps to this item's earlier occurrences and the current period. Score: how
   * many recent items recur one candidate period earlier. The smallest candidate scoring at least
   * 3/4 of the best wins, so steps (not whole epochs, which also recur) set the period.
   */
  private estimate(tag: number, prev: number[]): void {
    const cands = new Set(prev.map((u) => tag - u).filter((p) => p > 0));
    if (this.period > 0) cands.add(this.period);
    const scored = [...cands].map((p) => {
      let score = 0;
      for (const [t, s] of this.recent) if (this.seen.has(`${t - p}|${s}`)) score++;
      return { p, score };
    });
    const best = Math.max(0, ...scored.map((c) => c.score));
    const good = scored.filter((c) => c.score >= 2 && c.score >= 0.75 * best).sort((a, b) => a.p - b.p);
    if (good.length > 0 || this.misses >= 3) {
      this.period = good[0]?.p ?? 0;
      this.misses = 0;
    }
  }
}

/** The item a key stands for, ignoring its tag (and, for masked triples, its row range). */
function signature(q: ItemRequest): string {
  return q.kind === 'masked' ? itemKey({ ...q, tag: 0, start: 0, end: 0 }) : itemKey({ ...q, tag: 0 });
}

/** Rules 1–3 over the observed item stream. */
export class ItemPredictor {
  private readonly period = new PeriodPredictor();
  private readonly rows = new Map<string, { start: number; step: number }>();
  private readonly irregular = new Map<string, number[]>();
  private readonly votes = new Map<number, number>();
  /** Last irregular occurrence of each item (re-predicted once the epoch length is known). */
  private readonly lastIrregular = new Map<string, ItemRequest>();
  /** Tag of the last masked triple over row 0, per signature (an epoch starts there). */
  private readonly epochStart = new Map<string, number>();

  constructor(private readonly depth = 2) {}

  /** The current step period (0 = unknown). */
  get T(): number {
    return this.period.T;
  }

  /**
   * Rule 3 one epoch early: a masked triple over row 0 starts an epoch, so the gap between two of
   * them is the epoch length E. E gets two votes, and every item last seen irregular (e.g. the
   * previous epoch's partial last batch) is predicted E after that occurrence.
   */
  private epochFromRows(q: ItemRequest, sig: string): ItemRequest[] {
    const u = this.epochStart.get(sig);
    this.epochStart.set(sig, q.tag);
    if (u === undefined || q.tag <= u) return [];
    const e = q.tag - u;
    this.votes.set(e, (this.votes.get(e) ?? 0) + 2);
    const out: ItemRequest[] = [];
    for (const p of this.lastIrregular.values()) if (p.tag + e > q.tag) out.push({ ...p, tag: p.tag + e });
    return out;
  }

  /** Record an observed item; returns the items predicted to follow it. */
  observe(q: ItemRequest): ItemRequest[] {
    if (q.kind === 'mask') return [];
    const sig = signature(q);
    const out: ItemRequest[] = [];
    let step = 0;
    if (q.kind === 'masked') {
      const prev = this.rows.get(sig);
      const delta = prev ? q.start - prev.start : 0;
      step = delta > 0 ? delta : (prev?.step ?? 0);
      this.rows.set(sig, { start: q.start, step });
    }
    if (q.kind === 'masked' && q.start === 0) out.push(...this.epochFromRows(q, sig));
    const next = this.period.observe(q.tag, sig);
    if (next !== undefined) {
      const T = next - q.tag;
      let p: ItemRequest = q;
      for (let k = 1; k <= this.depth; k++) {
        p = { ...advanceRows(p, step), tag: q.tag + k * T };
        out.push(p);
      }
    }
    const T = next === undefined ? 0 : next - q.tag;
    if (T === 0 || !this.period.saw(q.tag - T, sig)) {
      // Irregular: vote for the gaps to this item's earlier irregular occurrences (epoch length).
      const prev = this.irregular.get(sig) ?? [];
      for (const u of prev) if (q.tag - u > T) this.votes.set(q.tag - u, (this.votes.get(q.tag - u) ?? 0) + 1);
      prev.push(q.tag);
      if (prev.length > 4) prev.shift();
      this.irregular.set(sig, prev);
      this.lastIrregular.set(sig, q);
      if (this.lastIrregular.size > 1024) this.lastIrregular.delete(this.lastIrregular.keys().next().value!);
      if (this.votes.size > 256) this.votes.clear();
      let best = 0;
      let epoch = 0;
      for (const [gap, v] of this.votes) if (v > best || (v === best && gap < epoch)) [best, epoch] = [v, gap];
      if (best >= 2) out.push({ ...q, tag: q.tag + epoch });
    }
    return out;
  }
}

/** A masked triple's row range one step later (wrapping to the first batch); other items unchanged. */
function advanceRows(q: ItemRequest, step: number): ItemRequest {
  if (q.kind !== 'masked' || step <= 0) return q;
  const rows = q.maskShape[0]!;
  const start = q.start + step;
  if (start >= rows) return { ...q, start: 0, end: Math.min(step, rows) };
  return { ...q, start, end: Math.min(q.end + step, rows) };
}
