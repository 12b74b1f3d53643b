import type { Session } from '../../src/session/session.js';
import { NONE, type Chain, type Opening } from './chain.js';
import { exchange } from './exchange.js';
import { Scope } from './scope.js';

/**
 * The runner: one protocol call as a promise. Opens the call's scope now (synchronously, so
 * concurrent calls agree on tags across parties), starts the chain — it requests its
 * preprocessing — seals the scope, then plays the chain's rounds through exchange.
 * `chain` must not call a runner itself: sub-protocols compose as chains (`yield*`, lockstep).
 */
export function run<T>(s: Session, chain: (sc: Scope) => Chain<T>): Promise<T> {
  const sc = new Scope(s);
  let it: Chain<T>;
  let first: Promise<IteratorResult<Opening, T>>;
  try {
    it = chain(sc);
    first = it.next(NONE);
  } catch (e) {
    return Promise.reject(e as Error);
  } finally {
    sc.seal();
  }
  return drive(sc, it, first);
}

/** The async form of a chain-writing protocol: `(s, ...args)` runs `step(scope, ...args)`. */
export function runner<A extends unknown[], T>(step: (sc: Scope, ...args: A) => Chain<T>): (s: Session, ...args: A) => Promise<T> {
  return (s, ...args) => run(s, (sc) => step(sc, ...args));
}

async function drive<T>(sc: Scope, it: Chain<T>, first: Promise<IteratorResult<Opening, T>>): Promise<T> {
  let st = await first;
  while (!st.done) st = await it.next(await exchange(sc, st.value));
  return st.value;
}
