import { ConcordError } from '../errors.js';
import type { Session } from '../session/session.js';

/**
 * Before a vertical job's PSI, the parties agree on the layout (1 round, small JSON): each party
 * announces whether its table loaded, its feature column names (never values) and whether it
 * holds the label column. Exactly one party must hold the label; every party must keep at least
 * one feature column; no column name may be at two parties (the model names weights by column).
 * Any failure stops every party with one E_DATA naming the party at fault.
 */
export interface VerticalAnnouncement {
  ok: boolean;
  features: string[];
  hasLabel: boolean;
  /** Whether this party was given test rows (all parties or none). */
  hasTest: boolean;
  problem?: string;
}

/** The agreed layout: every party's feature columns (index = party) and the label party. */
export interface VerticalLayout {
  features: string[][];
  labelParty: number;
}

/** A layout error: its message names parties and columns only, so peers may see it whole. */
function layoutError(message: string, party?: string): ConcordError {
  return new ConcordError('E_DATA', message, { ...(party !== undefined ? { party } : {}), shareable: message });
}

function parse(v: unknown, from: string): VerticalAnnouncement {
  const o = v as Partial<VerticalAnnouncement> | null;
  const valid = typeof o === 'object' && o !== null && typeof o.ok === 'boolean' && typeof o.hasLabel === 'boolean' && typeof o.hasTest === 'boolean' &&
    Array.isArray(o.features) && o.features.length <= 100_000 && o.features.every((x) => typeof x === 'string' && x.length <= 200) &&
    (o.problem === undefined || typeof o.problem === 'string');
  if (!valid) throw new ConcordError('E_FRAME', `party ${from} sent a malformed data announcement`, { party: from });
  return { ok: o.ok!, features: o.features!, hasLabel: o.hasLabel!, hasTest: o.hasTest!, ...(o.problem !== undefined ? { problem: o.problem.slice(0, 500) } : {}) };
}

/** Exchange announcements and check the layout (see above). `label` names the label column in errors. */
export async function agreeOnVerticalLayout(s: Session, mine: VerticalAnnouncement, label: string): Promise<VerticalLayout> {
  const tag = s.tag();
  for (const p of s.peers) s.sendJson(p, tag, mine, 'vertical-layout');
  const all: VerticalAnnouncement[] = [];
  all[s.me] = mine;
  await Promise.all(s.peers.map(async (p) => {
    all[p] = parse(await s.recvJson(p, tag, 'vertical-layout'), s.ids[p]!);
  }));
  const failed = all.findIndex((a, p) => !a.ok && p !== s.me);
  if (!mine.ok) throw layoutError(`this party (${s.id}) could not load its data: ${mine.problem ?? ''}`, s.id);
  if (failed >= 0) throw layoutError(`party ${s.ids[failed]} could not load its training data: ${all[failed]!.problem ?? 'no reason given'}; training did not start`, s.ids[failed]!);
  const holders = all.map((a, p) => (a.hasLabel ? p : -1)).filter((p) => p >= 0);
  if (holders.length === 0) throw layoutError(`no party's file has the label column "${label}"; in a vertical job exactly one party holds the labels`);
  if (holders.length > 1) throw layoutError(`the label column "${label}" is in the files of ${holders.map((p) => s.ids[p]).join(' and ')}; in a vertical job exactly one party holds the labels (drop the column at the others)`, s.ids[holders[1]!]!);
  const empty = all.findIndex((a) => a.features.length === 0);
  if (empty >= 0) throw layoutError(`party ${s.ids[empty]} has no feature columns left besides the ID and the label; every party of a vertical job contributes at least one column`, s.ids[empty]!);
  const owner = new Map<string, number>();
  all.forEach((a, p) => a.features.forEach((c) => {
    const q = owner.get(c);
    if (q !== undefined) throw layoutError(`column "${c}" is at both ${s.ids[q]} and ${s.ids[p]}; in a vertical job each column belongs to one party (rename or drop one)`, s.ids[p]!);
    owner.set(c, p);
  }));
  const noTest = all.findIndex((a) => a.hasTest !== mine.hasTest);
  if (noTest >= 0) {
    const without = mine.hasTest ? noTest : s.me;
    throw layoutError(`party ${s.ids[without]} has no --test file while others have one; in a vertical job the test rows are scored jointly, so give every party its columns of the test rows, or none`, s.ids[without]!);
  }
  return { features: all.map((a) => a.features), labelParty: holders[0]! };
}
