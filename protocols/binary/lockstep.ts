import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { Ring } from '../../src/ring/ring.js';

/**
 * Protocols as step machines, run in lockstep so that independent chains share rounds.
 *
 * A chain is an async generator that yields what it wants opened this round (arithmetic shares
 * to sum, XOR shares to XOR) and receives the opened values. The driver resumes every active
 * chain, sends everything of one round to each peer as ONE message, then receives and hands back
 * the opened values. So k chains running side by side cost max(rounds) rounds — and the
 * session's round counter sees exactly that, because no send of round r+1 happens before all
 * receives of round r.
 *
 * Determinism: chains are resumed one after the other (each runs to its next yield before the
 * next chain resumes), so tags taken inside chains (s.tag(), for preprocessing requests) come in
 * the same order on every party whatever the timing of the preprocessing source.
 */

/** What a chain asks to open in one round. */
export interface Opening {
  add?: Ring[];
  xor?: Ring[];
}
/** The opened values, in the order asked. */
export interface Opened {
  add: Ring[];
  xor: Ring[];
}
/** A protocol written as a sequence of openings, returning T. */
export type Chain<T> = AsyncGenerator<Opening, T, Opened>;

const NONE: Opened = { add: [], xor: [] };

/** Run chains side by side; rounds = the longest chain's. Returns each chain's result. */
export async function lockstep<T extends readonly unknown[]>(s: Session, chains: { [K in keyof T]: Chain<T[K]> }): Promise<T> {
  const cs = chains as unknown as Chain<unknown>[];
  const results: unknown[] = new Array(cs.length);
  const pending: (Opening | undefined)[] = new Array(cs.length);
  const advance = async (i: number, v: Opened): Promise<void> => {
    const st = await cs[i]!.next(v);
    if (st.done) {
      results[i] = st.value;
      pending[i] = undefined;
    } else pending[i] = st.value;
  };
  for (let i = 0; i < cs.length; i++) await advance(i, NONE);
  for (;;) {
    const active = pending.flatMap((o, i) => (o ? [i] : []));
    if (active.length === 0) return results as unknown as T;
    const opened = await exchange(s, active.map((i) => pending[i]!));
    for (let k = 0; k < active.length; k++) await advance(active[k]!, opened[k]!);
  }
}

/** Run one chain to completion. */
export async function runChain<T>(s: Session, chain: Chain<T>): Promise<T> {
  return (await lockstep<[T]>(s, [chain]))[0];
}

/** One round: every opening of every chain goes to each peer in one message. */
async function exchange(s: Session, ops: Opening[]): Promise<Opened[]> {
  const parts: Ring[] = [];
  for (const o of ops) parts.push(...(o.add ?? []), ...(o.xor ?? []));
  const total = parts.reduce((a, p) => a + p.size, 0);
  const mine = new Ring([total]);
  let off = 0;
  for (const p of parts) {
    mine.data.set(p.data, off);
    off += p.size;
  }
  const tag = s.tag();
  for (const p of s.peers) s.send(p, tag, mine, 'ls');
  const theirs = await Promise.all(s.peers.map((p) => s.recv(p, tag, 'ls')));
  theirs.forEach((t, k) => {
    if (t.size !== total) {
      const peer = s.peers[k]!;
      const e = new ConcordError('E_FRAME', `party ${s.ids[peer]} sent ${t.size} words for lockstep round tag ${tag}, expected ${total}; the parties run different protocol code or shapes`, { party: s.ids[peer] });
      s.abort(e); // every party fails now instead of waiting for a timeout
      throw e;
    }
  });
  off = 0;
  return ops.map((o) => {
    const take = (xs: Ring[] | undefined, combine: (a: Ring, b: Ring) => Ring): Ring[] =>
      (xs ?? []).map((x) => {
        let acc = x;
        for (const t of theirs) acc = combine(acc, new Ring(x.shape, t.data.subarray(off, off + x.size)));
        off += x.size;
        return acc;
      });
    const add = take(o.add, (a, b) => a.add(b));
    const xor = take(o.xor, (a, b) => a.xor(b));
    return { add, xor };
  });
}

/**
 * A view of the session whose tag() hands out `count` tags reserved NOW, synchronously, from the
 * real counter. Every top-level protocol of this folder calls it at call time and runs its
 * chains on the view: the tags a protocol uses inside (for preprocessing and for each round)
 * then do not depend on when its preprocessing arrives, so concurrent protocols (Promise.all)
 * agree on tags across parties (DESIGN.md §3). Running out is a bug in the bound: E_INTERNAL.
 */
export function scoped(s: Session, count: number): Session {
  const first = s.tag();
  for (let i = 1; i < count; i++) s.tag();
  let next = first;
  const tag = (): number => {
    if (next >= first + count) throw new ConcordError('E_INTERNAL', `protocol used more than the ${count} tags it reserved (from tag ${first}); raise its bound`);
    return next++;
  };
  return new Proxy(s, {
    get(target, prop) {
      if (prop === 'tag') return tag;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Tags reserved per call by the protocols of this folder: generous, deterministic bounds. */
export const TAGS = {
  /** a2b / msb / ltz / relu / comparisons: ≤ 2·C(n) + 20 for n ≤ 8. */
  compare: 64,
  /** sigmoid, exp, reciprocal, rsqrt. */
  nonlinear: 160,
} as const;
