/**
 * n-party ECDH private set intersection on a ring, with the intersection found by two parties
 * that can link nothing to their own IDs. [Meadows86, HFH99; ring variant: this file]
 *
 * Recipe (k_j: party j's secret key, E_k: X25519 blinding, x25519-group.ts; u(id): salted hash):
 *  0. every party trims its IDs, refuses duplicates (E_DATA naming the row), announces its set
 *     size, and draws a secret uniform permutation π_j of its rows;
 *  1. party i sends E_{k_i}(u(id)) for its rows in π_i order to its ring successor i+1;
 *  2. hops: each party applies its key to every set it receives and passes it on; after n−1 hops
 *     the last one, i−1, holds F_i = E_K(u(S_i)) (K = all keys) in π_i order (16-byte prefixes);
 *  3. the holders of F_2..F_{n−1} send them to the counter C = party 0, which holds F_1 and
 *     computes J = F_1 ∩ … ∩ F_{n−1}; C sends J, sorted, to D = party n−1, which holds F_0;
 *  4. D finds I = J ∩ F_0 and returns, in J's (sorted) order, each element's index in J and its
 *     position in F_0; C sends every other party the positions of I in its set, in that order;
 *     each party maps positions back through its own π to row indices.
 * Output, to every party: its own row indices of the intersection in one agreed order (sorted
 * by the final blinded value) and the intersection size; plus every party's set size.
 * Why nobody links a value to an ID: the values a party receives carry a key set that is never
 * {its own} (a cyclic interval of keys ending just before it), and no party ever learns the
 * fully blinded values of its own rows in order (F_i is held by i−1 in π_i order, which only i
 * knows); only C compares whole sets, and only D compares J with a set.
 * Leakage beyond the output (single semi-honest party, no collusion): C learns the sizes of the
 * intersections of any sub-collection of S_1..S_{n−1}, D learns |S_1 ∩ … ∩ S_{n−1}|; for n = 2
 * nothing. Two colluding parties (e.g. C and an owner i, who knows π_i) learn which of i's IDs
 * each other party holds: the PSI is secure against one party, weaker than the ot offline mode.
 * Rounds: 1 (sizes) + n−1 (hops, pipelined in chunks) + 1 (finals to C) + 1 (J) + 1 (I) + 1
 * (positions) = n + 4. Bytes sent by party j (m_i = set sizes): 32·Σ_{i≠j+1} m_i on the hops,
 * + 16·m_{j+1} if it holds a final set for C, + C: 16·|J| + 4·|I|·(n−1), D: 8·|I|.
 * Curve work per party: one hash per own ID and one X25519 per element of every set (n·m).
 * Security: semi-honest, DDH on Curve25519 and its twist, SHA-256 as a random oracle.
 */
import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { BlindingKey, hashIds, U_BYTES } from './x25519-group.js';
import { secretPermutation } from './shuffle.js';

/** Bytes of a fully blinded value kept for comparison (collisions ≈ (n·m)²/2^129). */
const FINAL_BYTES = 16;
/** Elements per hop message: the pipelining grain (256 KiB). */
export const DEFAULT_CHUNK = 8192;
/** Largest set a party may announce. */
export const MAX_SET = 50_000_000;

/** What `psi` returns to each party. */
export interface PsiResult {
  /** This party's row indices of the intersection, in the agreed order. */
  rows: Uint32Array;
  /** |intersection| (same at every party). */
  size: number;
  /** Every party's set size (public). */
  sizes: number[];
}

export interface PsiOptions {
  /** Salt of the ID hash (the job hash): the same at every party, fresh per job. */
  salt: Uint8Array;
  /** Elements per hop message (default 8192). */
  chunk?: number;
  /** Names row r in errors, e.g. `line ${r + 2}` (default `row ${r + 1}`). Never an ID. */
  describeRow?: (row: number) => string;
  /** Progress lines (no IDs). */
  onProgress?: (line: string) => void;
  /** Fixed key / permutation (tests only; default fresh randomness). */
  key?: BlindingKey;
  permutation?: (m: number) => Uint32Array;
}

/** Test-only variants of the protocol (psi/leaky.ts); never reachable from the CLI. */
export type PsiVariant = 'secure' | 'unshuffled';

/** Run the PSI over `ids` (this party's ID column, one per row). See the recipe above. */
export function psi(s: Session, ids: readonly string[], o: PsiOptions): Promise<PsiResult> {
  return psiVariant(s, ids, o, 'secure');
}

/** The protocol, with the variant switch the view test's leaky control uses. */
export async function psiVariant(s: Session, ids: readonly string[], o: PsiOptions, variant: PsiVariant): Promise<PsiResult> {
  const tag = s.tag();
  try {
    return await run(s, tag, ids, o, variant);
  } catch (e) {
    if (e instanceof ConcordError) s.abort(e);
    throw e;
  }
}

async function run(s: Session, tag: number, rawIds: readonly string[], o: PsiOptions, variant: PsiVariant): Promise<PsiResult> {
  const { n, me } = s;
  const next = (me + 1) % n;
  const prev = (me + n - 1) % n;
  const chunk = o.chunk ?? DEFAULT_CHUNK;
  const say = o.onProgress ?? (() => {});
  let ids: string[] = [];
  let problem: ConcordError | undefined;
  try {
    ids = normalizeIds(rawIds, o.describeRow ?? ((r) => `row ${r + 1}`));
  } catch (e) {
    if (!(e instanceof ConcordError)) throw e;
    problem = e;
  }
  const sizes = await announceSizes(s, tag, problem ? { ok: false, size: 0, problem: problem.message } : { ok: true, size: ids.length });
  if (problem) throw problem;
  const key = o.key ?? new BlindingKey();
  const m = ids.length;
  const pi = variant === 'unshuffled' ? Uint32Array.from({ length: m }, (_, i) => i) : (o.permutation ?? secretPermutation)(m);
  const chunks = (i: number) => Math.ceil(sizes[i]! / chunk);

  // 1. my own set, blinded once, in π order, chunk by chunk (hash → blind → send).
  const own = (async () => {
    const order: string[] = new Array(m);
    for (let r = 0; r < m; r++) order[r] = ids[pi[r]!]!;
    for (let c = 0; c < chunks(me); c++) {
      const v = key.blindInto(hashIds(order, o.salt, c * chunk, Math.min(m, (c + 1) * chunk)));
      s.sendBytes(next, tag, v, `hop/${me}/${c}`);
      await yieldToNetwork();
    }
    say(`psi: own ${m} IDs blinded and sent`);
  })();

  // 2. hops: set i = me − h arrives from prev after h − 1 other hops; the last hop keeps F_i.
  const held = next; // the set whose fully blinded values this party ends with
  const final = new Uint8Array(sizes[held]! * FINAL_BYTES);
  const hops = Array.from({ length: n - 1 }, (_, k) => k + 1).map(async (h) => {
    const i = (me - h + n) % n;
    for (let c = 0; c < chunks(i); c++) {
      const len = Math.min(chunk, sizes[i]! - c * chunk);
      const got = await s.recvBytes(prev, tag, `hop/${i}/${c}`);
      if (got.length !== len * U_BYTES) throw frameError(s, prev, `hop chunk of ${got.length} bytes, expected ${len * U_BYTES}`);
      const v = key.blindInto(got);
      if (h < n - 1) s.sendBytes(next, tag, v, `hop/${i}/${c}`);
      else for (let t = 0; t < len; t++) final.set(v.subarray(t * U_BYTES, t * U_BYTES + FINAL_BYTES), (c * chunk + t) * FINAL_BYTES);
      await yieldToNetwork();
    }
  });
  await Promise.all([own, ...hops]);
  say('psi: hops done');

  // 3–4. C = 0 and D = n − 1 find the intersection; everyone else hands its final set to C.
  const C = 0, D = n - 1;
  let positions: Uint32Array;
  if (me === C) {
    const finals: Uint8Array[] = [];
    finals[held] = final; // held = 1
    await Promise.all(Array.from({ length: n - 2 }, (_, k) => k + 2).map(async (i) => {
      const f = await s.recvBytes(i - 1, tag, 'final');
      if (f.length !== sizes[i]! * FINAL_BYTES) throw frameError(s, i - 1, `final set of ${f.length} bytes, expected ${sizes[i]! * FINAL_BYTES}`);
      finals[i] = f;
    }));
    const { values: J, where } = intersectAt(finals, sizes, n);
    s.sendBytes(D, tag, J, 'J');
    const got = await s.recvBytes(D, tag, 'I');
    if (got.length % 8 !== 0) throw frameError(s, D, `an intersection list of ${got.length} bytes`);
    const pairs = new Uint32Array(got.slice().buffer);
    const size = pairs.length / 2;
    if (!Number.isInteger(size) || size > where.length) throw frameError(s, D, `intersection list of ${got.length} bytes`);
    const pos0 = new Uint32Array(size);
    const perOwner = Array.from({ length: n }, () => new Uint32Array(size));
    for (let t = 0; t < size; t++) {
      const j = pairs[2 * t]!, p0 = pairs[2 * t + 1]!;
      if (j >= where.length || p0 >= m || (t > 0 && j <= pairs[2 * t - 2]!)) throw frameError(s, D, 'an intersection entry out of range or out of order');
      pos0[t] = p0;
      for (let i = 1; i < n; i++) perOwner[i]![t] = where[j]![i]!;
    }
    for (let i = 1; i < n; i++) s.sendBytes(i, tag, new Uint8Array(perOwner[i]!.buffer), 'positions');
    positions = pos0;
  } else {
    if (held >= 2) s.sendBytes(C, tag, final, 'final'); // parties 1..n−2 hold F_2..F_{n−1}; D holds F_0
    if (me === D) {
      const J = await s.recvBytes(C, tag, 'J');
      if (J.length % FINAL_BYTES !== 0 || J.length / FINAL_BYTES > Math.min(...sizes.slice(1))) throw frameError(s, C, `J of ${J.length} bytes`);
      s.sendBytes(C, tag, new Uint8Array(matchWith(J, final).buffer), 'I');
    }
    const got = await s.recvBytes(C, tag, 'positions');
    if (got.length % 4 !== 0) throw frameError(s, C, `positions of ${got.length} bytes`);
    positions = new Uint32Array(got.slice().buffer);
    if (positions.some((p) => p >= m)) throw frameError(s, C, 'a position beyond this party\'s set');
  }
  const size = positions.length;
  if (size === 0) throw dataError(`the parties share no IDs: the private set intersection of ${n} sets of ${sizes.join(' / ')} IDs is empty; check that every party uses the same ID column and format`);
  say(`psi: intersection of ${size} IDs`);
  return { rows: positions.map((p) => pi[p]!), size, sizes };
}

/** An E_DATA error whose message (rows, sizes, party ids; never an ID) peers may see whole. */
function dataError(message: string): ConcordError {
  return new ConcordError('E_DATA', message, { shareable: message });
}

/** Trim every ID; E_DATA naming both rows at the first duplicate, and at an empty ID. */
export function normalizeIds(raw: readonly string[], describeRow: (row: number) => string): string[] {
  const seen = new Map<string, number>();
  const out = new Array<string>(raw.length);
  for (let r = 0; r < raw.length; r++) {
    const id = raw[r]!.trim();
    if (id === '') throw dataError(`${describeRow(r)}: empty ID; every row needs an ID`);
    const first = seen.get(id);
    if (first !== undefined) throw dataError(`${describeRow(r)}: duplicate ID (the same as ${describeRow(first)} after trimming spaces); IDs must be unique within a party's file`);
    seen.set(id, r);
    out[r] = id;
  }
  return out;
}

/** Exchange {ok, size}: every party's set size, or E_DATA naming the party that failed. */
async function announceSizes(s: Session, tag: number, mine: { ok: boolean; size: number; problem?: string }): Promise<number[]> {
  for (const p of s.peers) s.sendJson(p, tag, mine, 'sizes');
  const sizes: number[] = [];
  sizes[s.me] = mine.size;
  const failed: string[] = [];
  await Promise.all(s.peers.map(async (p) => {
    const v = (await s.recvJson(p, tag, 'sizes')) as { ok?: unknown; size?: unknown; problem?: unknown } | null;
    if (typeof v !== 'object' || v === null || typeof v.ok !== 'boolean' || !Number.isInteger(v.size) || (v.size as number) < 0 || (v.size as number) > MAX_SET) {
      throw frameError(s, p, 'a malformed set-size announcement');
    }
    if (!v.ok) failed.push(`party ${s.ids[p]}: ${typeof v.problem === 'string' ? v.problem.slice(0, 300) : 'its IDs could not be read'}`);
    sizes[p] = v.size as number;
  }));
  if (!mine.ok) return sizes;
  if (failed.length > 0) throw dataError(`${failed[0]}; the set intersection did not start`);
  const empty = sizes.findIndex((z) => z === 0);
  if (empty >= 0) throw dataError(`party ${s.ids[empty]} has no IDs, so the set intersection is empty`);
  return sizes;
}

/**
 * At C: J = the values present in every final set F_1..F_{n−1}, sorted by value, each with its
 * position in every set (where[t][i]).
 */
function intersectAt(finals: Uint8Array[], sizes: number[], n: number): { values: Uint8Array; where: number[][] } {
  const maps = finals.map((f, i) => (i >= 2 ? indexOf(f, sizes[i]!) : undefined));
  const hits: { key: string; where: number[] }[] = [];
  const f1 = Buffer.from(finals[1]!.buffer, finals[1]!.byteOffset, finals[1]!.length);
  outer: for (let p = 0; p < sizes[1]!; p++) {
    const key = f1.toString('latin1', p * FINAL_BYTES, (p + 1) * FINAL_BYTES);
    const where = [0, p];
    for (let i = 2; i < n; i++) {
      const q = maps[i]!.get(key);
      if (q === undefined) continue outer;
      where.push(q);
    }
    hits.push({ key, where });
  }
  hits.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const values = new Uint8Array(hits.length * FINAL_BYTES);
  hits.forEach((h, t) => values.set(Buffer.from(h.key, 'latin1'), t * FINAL_BYTES));
  return { values, where: hits.map((h) => h.where) };
}

/** At D: [index in J, position in F_0] for every element of J found in F_0, in J's order. */
function matchWith(J: Uint8Array, f0: Uint8Array): Uint32Array {
  const map = indexOf(f0, f0.length / FINAL_BYTES);
  const jb = Buffer.from(J.buffer, J.byteOffset, J.length);
  const out: number[] = [];
  for (let t = 0; t < J.length / FINAL_BYTES; t++) {
    const p = map.get(jb.toString('latin1', t * FINAL_BYTES, (t + 1) * FINAL_BYTES));
    if (p !== undefined) out.push(t, p);
  }
  return Uint32Array.from(out);
}

/** value → position for a set of 16-byte values. */
function indexOf(f: Uint8Array, count: number): Map<string, number> {
  const b = Buffer.from(f.buffer, f.byteOffset, f.length);
  const map = new Map<string, number>();
  for (let p = 0; p < count; p++) map.set(b.toString('latin1', p * FINAL_BYTES, (p + 1) * FINAL_BYTES), p);
  return map;
}

/** Let the event loop move frames (and timers) between CPU-heavy chunks. */
function yieldToNetwork(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function frameError(s: Session, peer: number, what: string): ConcordError {
  return new ConcordError('E_FRAME', `party ${s.ids[peer]} sent ${what} during the set intersection`, { party: s.ids[peer]! });
}
