import { ConcordError } from '../../src/errors.js';
import type { Ring } from '../../src/ring/ring.js';

/**
 * Protocols as step machines (chains), so that independent protocols share rounds.
 *
 * A chain is an async generator that yields what it wants opened this round (arithmetic shares
 * to sum, XOR shares to XOR) and receives the opened values; it returns its result. A chain
 * never sends or receives itself: the runner (run.ts) turns each yielded opening into one
 * message per peer (exchange.ts). `lockstep` runs several chains side by side as one chain:
 * k chains cost max(rounds) rounds, and everything of one round travels as one message.
 * Chains compose by `yield*` (sequence) and `lockstep` (parallel); every protocol of protocols/
 * is written as a chain, and its async form is the same chain under the runner.
 */

/** What a chain asks to open in one round. */
export interface Opening {
  /** Arithmetic shares opened to every party (summed). */
  add?: Ring[];
  /** XOR shares opened to every party (XORed). */
  xor?: Ring[];
  /** Arithmetic shares of one tensor opened only to the listed parties. */
  reveal?: { x: Ring; to: readonly number[] };
  /**
   * Tensors passed to the previous party (me − 1 mod n); the next party's tensors of the same
   * shapes come back in `Opened.pass`. The neighbour step of replicated sharing (three parties):
   * nothing is summed, and the other peer receives none of it.
   */
  pass?: Ring[];
}
/** The opened values, in the order asked. */
export interface Opened {
  add: Ring[];
  xor: Ring[];
  /** The revealed tensor, at its recipients only. */
  revealed?: Ring;
  /** The next party's passed tensors, in the order asked (present when the opening passed any). */
  pass?: Ring[];
}
/** A protocol written as a sequence of openings, returning T. */
export type Chain<T> = AsyncGenerator<Opening, T, Opened>;

/** What a chain receives before its first opening. */
export const NONE: Opened = { add: [], xor: [] };

/**
 * Run chains side by side as one chain: each round opens what every unfinished chain asks, in one
 * opening; rounds = the longest chain's. Returns each chain's result. All chains start at once,
 * in order, so each requests its preprocessing while the call starts (scope.ts).
 */
export async function* lockstep<T extends readonly unknown[]>(chains: { [K in keyof T]: Chain<T[K]> }): Chain<T> {
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
  await Promise.all(cs.map((_, i) => advance(i, NONE)));
  for (;;) {
    const active = pending.flatMap((o, i) => (o ? [i] : []));
    if (active.length === 0) return results as unknown as T;
    const asked = active.map((i) => pending[i]!);
    if (asked.some((o) => o.reveal)) throw new ConcordError('E_INTERNAL', 'lockstep: a reveal to some parties cannot share a round with other chains');
    const pass = asked.flatMap((o) => o.pass ?? []);
    // Only passes this round: no opening at all (an empty one would still send a message to every peer).
    const opens = pass.length === 0 || asked.some((o) => o.add !== undefined || o.xor !== undefined);
    const opened = yield { ...(opens ? { add: asked.flatMap((o) => o.add ?? []), xor: asked.flatMap((o) => o.xor ?? []) } : {}), ...(pass.length ? { pass } : {}) };
    let a = 0;
    let x = 0;
    let p = 0;
    await Promise.all(active.map((i, k) => {
      const o = asked[k]!;
      const na = o.add?.length ?? 0;
      const nx = o.xor?.length ?? 0;
      const np = o.pass?.length ?? 0;
      const part: Opened = { add: opened.add.slice(a, a + na), xor: opened.xor.slice(x, x + nx) };
      if (o.pass) part.pass = (opened.pass ?? []).slice(p, p + np);
      a += na;
      x += nx;
      p += np;
      return advance(i, part);
    }));
  }
}
