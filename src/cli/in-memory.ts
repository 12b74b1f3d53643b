import { randomBytes } from 'node:crypto';
import { ConcordError, isConcordError } from '../errors.js';
import { MemoryTransport } from '../net/memory.js';
import { Session } from '../session/session.js';
import { createOtPreprocessing } from '../../protocols/offline/ot/preprocessing.js';
import { createHmPreprocessing } from '../../protocols/offline/hm/preprocessing.js';
import { defaultOffline, resolveOffline } from './prep.js';

/**
 * An in-memory cluster for trying things: n parties in this one process, wired by in-memory
 * transports instead of Noise/WebSocket links, each with its own Session and (by default) a
 * dealer-free offline phase (hm for three parties, ot otherwise). The protocols run exactly as between real processes, but one
 * process holds every party's shares, so this is for experiments and tests, never for real data:
 * real organizations use `connectParty` (one process each, over the encrypted mesh).
 */

/** Options of an in-memory cluster. */
export interface InMemoryOptions {
  /** Offline phase: 'hm' (default for 3 parties; replicated randomness), 'ot' (default otherwise; pairwise oblivious transfer) or 'none'. */
  offline?: 'hm' | 'ot' | 'none';
  /** Party ids (default p0..p{n−1}). */
  ids?: readonly string[];
  /** Wait for one message before a session aborts (ms; default 30 s). */
  timeoutMs?: number;
}

/** n connected in-memory Sessions with fresh random pairwise keys and the chosen offline phase. */
export function memorySessions(n: number, opts: InMemoryOptions = {}): Session[] {
  if (!Number.isInteger(n) || n < 2 || n > 8) throw new ConcordError('E_USAGE', `an in-memory cluster has 2..8 parties, got ${n}`);
  const ids = opts.ids ? [...opts.ids] : Array.from({ length: n }, (_, i) => `p${i}`);
  if (ids.length !== n || new Set(ids).size !== n) throw new ConcordError('E_USAGE', `an in-memory cluster of ${n} parties needs ${n} distinct ids, got ${JSON.stringify(ids)}`);
  const offline = opts.offline ?? defaultOffline(n);
  if (offline !== 'hm' && offline !== 'ot' && offline !== 'none') throw new ConcordError('E_USAGE', `in-memory offline mode must be "hm", "ot" or "none", got "${String(offline)}" (the dealer needs its own process: use runCluster)`);
  if (offline === 'hm') resolveOffline('hm', n, 'in-memory cluster');
  // keys[i][j] = keys[j][i]: the pairwise PRG key a Noise handshake would give parties i and j.
  const keys = ids.map(() => ids.map((): Uint8Array | undefined => undefined));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) keys[i]![j] = keys[j]![i] = new Uint8Array(randomBytes(16));
  return MemoryTransport.mesh(n).map((t, me) => {
    const s = new Session({ transport: t, ids, pairKeys: keys[me]!, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
    if (offline === 'ot') s.prep = createOtPreprocessing(s);
    if (offline === 'hm') s.prep = createHmPreprocessing(s);
    return s;
  });
}

/**
 * Run `task` as every party of a fresh in-memory cluster, concurrently, and return each party's
 * result in party order. A party that fails aborts the others (they fail with its cause instead
 * of waiting for a timeout); every session is closed at the end.
 */
export async function runInMemory<T>(n: number, task: (s: Session) => Promise<T>, opts: InMemoryOptions = {}): Promise<T[]> {
  const sessions = memorySessions(n, opts);
  try {
    return await Promise.all(
      sessions.map(async (s) => {
        try {
          return await task(s);
        } catch (e) {
          s.abort(isConcordError(e) ? e : new ConcordError('E_INTERNAL', `party ${s.id}: ${e instanceof Error ? e.message : String(e)}`));
          throw e;
        }
      }),
    );
  } finally {
    await Promise.all(sessions.map((s) => s.close().catch(() => {})));
  }
}
