import { ConcordError } from '../errors.js';
import type { Consortium } from '../config/consortium.js';
import type { SecureLink } from '../net/link.js';
import type { Preprocessing } from '../session/preprocessing.js';
import type { Session } from '../session/session.js';
import { DealerPreprocessing } from '../../protocols/offline/dealer-client.js';
import { DEALER_SEED_LABEL } from '../../protocols/offline/dealer-items.js';
import { createOtPreprocessing } from '../../protocols/offline/ot/preprocessing.js';

/** Offline modes a party process can run. 'none': no preprocessing (tasks that need none). */
export type OfflineMode = 'none' | 'dealer' | 'ot';

/** Everything a preprocessing source may need, built by the party/worker process. */
export interface PrepContext {
  session: Session;
  consortium: Consortium;
  /** The Noise link to the dealer (mode 'dealer' only; parties dial the dealer). */
  dealerLink?: SecureLink;
  /** Progress and trust lines go here (stderr in party processes). Never secrets. */
  log: (line: string) => void;
}

/**
 * The one switch from an offline mode to its Preprocessing. Each mode's owner fills in its
 * branch (dealer: protocols/offline/dealer*, ot: protocols/offline/ot/*). The returned source
 * prints its trust assumption through ctx.log when it starts.
 */
export async function createPreprocessing(mode: OfflineMode, ctx: PrepContext): Promise<Preprocessing | undefined> {
  switch (mode) {
    case 'none':
      return undefined;
    case 'dealer':
    {
      // Seed from the Noise link to the dealer (same label at the dealer, never sent); only the
      // last party exchanges messages with the dealer (protocols/offline/dealer-client.ts).
      if (!ctx.dealerLink) throw new ConcordError('E_CONFIG', `${ctx.consortium.file}: offline mode "dealer" needs a "dealer" entry in the consortium file and a link to it`);
      const s = ctx.session;
      return new DealerPreprocessing({ seed: ctx.dealerLink.exportKey(DEALER_SEED_LABEL, 32), me: s.me, n: s.n, link: ctx.dealerLink, timeoutMs: s.timeoutMs, log: ctx.log });
    }
    case 'ot':
      // Dealer-free: pairwise OT over the session's own links (base OTs run on the first request).
      return createOtPreprocessing(ctx.session);
    default:
      throw new ConcordError('E_USAGE', `unknown offline mode "${String(mode)}" (expected none, dealer or ot)`);
  }
}
