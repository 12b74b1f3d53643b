import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import type { Preprocessing } from '../../src/session/preprocessing.js';

/** What local share arithmetic needs to know of a party: its index (party 0 adds public terms). */
export interface Party {
  readonly me: number;
}

/**
 * The tags of one protocol call (DESIGN.md §3), given explicitly to every chain instead of the
 * Session itself.
 *
 * Every party must name each message and each preprocessing item of a call the same way, even
 * when calls run concurrently (Promise.all) and preprocessing arrives at different times. So:
 *  - a scope takes its name `id` from the session counter when the call begins, synchronously;
 *  - every round message of the call goes under (id, `ls<k>`) for its k-th round: rounds need no
 *    tags of their own, however many there are;
 *  - preprocessing tags come from `tag()`, which draws from the session counter only while the
 *    call is still starting (the runner seals the scope once the chain's synchronous start has
 *    run). A chain requests ALL its preprocessing then (see prefetch.ts and the `*Prep` helpers
 *    of each protocol), which is also what lets the source serve a protocol in one batch.
 * There is no budget to size or overrun: a scope holds exactly the tags its call took. A draw
 * after the start is a bug in the protocol's code (its tag would depend on timing), reported as
 * E_INTERNAL on its first run, whatever the data — every protocol's tests exercise it.
 */
export class Scope implements Party {
  readonly session: Session;
  readonly me: number;
  readonly n: number;
  readonly ids: readonly string[];
  readonly peers: readonly number[];
  /** The call's name: the first tag it took; it also names the call's first preprocessing item. */
  readonly id: number;
  private idUsed = false;
  private sealed = false;
  private rounds = 0;

  /** Open a scope for a call that begins now (takes one tag from the session, synchronously). */
  constructor(session: Session) {
    this.session = session;
    this.me = session.me;
    this.n = session.n;
    this.ids = session.ids;
    this.peers = session.peers;
    this.id = session.tag();
  }

  /** The session's preprocessing source. */
  get prep(): Preprocessing {
    return this.session.prep;
  }

  /** A fresh tag for a preprocessing item; only while the call is starting (see the class comment). */
  tag(): number {
    if (this.sealed) {
      throw new ConcordError('E_INTERNAL', `a protocol requested a tag after its call had started (scope ${this.id}); its tags would then depend on timing: request the preprocessing when the chain starts (protocols/core/prefetch.ts)`);
    }
    if (!this.idUsed) {
      this.idUsed = true;
      return this.id;
    }
    return this.session.tag();
  }

  /** Close the scope to new tags: the call's synchronous start is over. */
  seal(): void {
    this.sealed = true;
  }

  /** The message kind of the call's next round: `ls0`, `ls1`, … under the tag `id`. */
  nextRound(): string {
    return `ls${this.rounds++}`;
  }
}
