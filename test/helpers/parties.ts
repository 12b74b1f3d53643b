import { deriveKey } from '../../src/crypto/prg.js';
import { MemoryTransport } from '../../src/net/memory.js';
import { Session } from '../../src/session/session.js';
import type { Preprocessing } from '../../src/session/preprocessing.js';
import { InsecureLocalPreprocessing } from './insecure-prep.js';

/** Deterministic test seed from a label. */
export function testSeed(label: string): Uint8Array {
  return deriveKey(new TextEncoder().encode(`concord-test-seed/${label}`.padEnd(16, '.')), 'seed', 32);
}

/** n in-memory sessions with pairwise keys and (by default) the insecure local preprocessing. */
export function memorySessions(n: number, opts: { seed?: string; prep?: (me: number) => Preprocessing; sessionPrep?: (s: Session) => Preprocessing; timeoutMs?: number } = {}): Session[] {
  const seed = testSeed(opts.seed ?? 'default');
  const ts = MemoryTransport.mesh(n);
  const ids = Array.from({ length: n }, (_, i) => `p${i}`);
  return ts.map((t, me) => {
    const pairKeys = ids.map((_, j) => (j === me ? undefined : deriveKey(seed, `pair/${Math.min(me, j)}/${Math.max(me, j)}`)));
    const prep = opts.prep ? opts.prep(me) : new InsecureLocalPreprocessing(seed, me, n);
    const s = new Session({ transport: t, ids, pairKeys, prep, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
    // preprocessing that runs its own protocol over the session (e.g. the OT offline phase)
    if (opts.sessionPrep) s.prep = opts.sessionPrep(s);
    return s;
  });
}

/** Run the same protocol body on every party concurrently and return each party's result. */
export async function runParties<T>(n: number, body: (s: import('../../src/session/session.js').Session) => Promise<T>, opts: Parameters<typeof memorySessions>[1] = {}): Promise<T[]> {
  const sessions = memorySessions(n, opts);
  try {
    return await Promise.all(sessions.map((s) => body(s)));
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}
