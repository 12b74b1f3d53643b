import { ConcordError } from '../errors.js';
import type { Session } from '../session/session.js';

/**
 * Before training, the parties agree on the shape of the joint data (1 round, small JSON):
 * every party announces whether its data loaded, its row count (public in horizontal
 * partitioning) and its feature column names (never values). Any party that failed, or whose
 * columns differ, stops everyone with one E_DATA error naming that party and the problem.
 */

/** What a party announces about its own data. */
export interface DataAnnouncement {
  ok: boolean;
  rows: number;
  features: string[];
  label: string;
  /** Why loading failed (no cell contents), when !ok. */
  problem?: string;
}

/** An agreement error: composed only of party ids, column names and peer-safe problems, so it may be relayed. */
function agreeError(msg: string, party?: string): ConcordError {
  return new ConcordError('E_DATA', msg, { ...(party !== undefined ? { party } : {}), shareable: msg });
}

function parseAnnouncement(v: unknown, from: string): DataAnnouncement {
  const o = v as Partial<DataAnnouncement> | null;
  const valid = typeof o === 'object' && o !== null && typeof o.ok === 'boolean' && Number.isInteger(o.rows) && o.rows! >= 0 && o.rows! <= 1e8 &&
    Array.isArray(o.features) && o.features.length <= 100_000 && o.features.every((x) => typeof x === 'string') && typeof o.label === 'string' &&
    (o.problem === undefined || typeof o.problem === 'string');
  if (!valid) throw new ConcordError('E_FRAME', `party ${from} sent a malformed data announcement`, { party: from });
  return { ok: o.ok!, rows: o.rows!, features: o.features!, label: o.label!, ...(o.problem !== undefined ? { problem: o.problem.slice(0, 500) } : {}) };
}

/**
 * Exchange announcements; returns every party's row count (index = party). Throws (after
 * telling nobody anything beyond the announcement) if any party failed or the columns differ.
 * A party whose own data failed still calls this with ok = false so the others learn why.
 */
export async function agreeOnData(s: Session, mine: DataAnnouncement): Promise<number[]> {
  const tag = s.tag();
  for (const p of s.peers) s.sendJson(p, tag, mine, 'data');
  const all: DataAnnouncement[] = [];
  const got = await Promise.all(s.peers.map(async (p) => [p, parseAnnouncement(await s.recvJson(p, tag, 'data'), s.ids[p]!)] as const));
  all[s.me] = mine;
  for (const [p, a] of got) all[p] = a;
  const failed = all.map((a, p) => [a, p] as const).filter(([a, p]) => !a.ok && p !== s.me);
  if (failed.length > 0) {
    const [a, p] = failed[0]!;
    throw agreeError(`party ${s.ids[p]} could not load its training data: ${a.problem ?? 'no reason given'}; training did not start`, s.ids[p]!);
  }
  if (!mine.ok) throw agreeError(`this party (${s.id}) could not load its training data: ${mine.problem ?? ''}`, s.id);
  for (let p = 0; p < s.n; p++) {
    const a = all[p]!;
    if (p === s.me) continue;
    if (a.label !== mine.label) throw agreeError(`party ${s.ids[p]} uses label column "${a.label}", this party "${mine.label}"`, s.ids[p]!);
    const missing = mine.features.find((c) => !a.features.includes(c));
    const extra = a.features.find((c) => !mine.features.includes(c));
    if (missing !== undefined || extra !== undefined || a.features.length !== mine.features.length) {
      const what = missing !== undefined ? `has no column "${missing}"` : extra !== undefined ? `has an extra column "${extra}"` : 'has the columns in a different order';
      throw agreeError(`party ${s.ids[p]} ${what} (its columns differ from this party's ${mine.features.length} columns); all parties must hold the same columns`, s.ids[p]!);
    }
    if (a.features.some((c, j) => c !== mine.features[j])) throw agreeError(`party ${s.ids[p]} has the same columns in a different order; reorder its CSV or list "features" in the job`, s.ids[p]!);
  }
  const counts = all.map((a) => a.rows);
  if (counts.reduce((x, y) => x + y, 0) === 0) throw agreeError('no party has any training rows');
  return counts;
}
