import { ConcordError } from '../errors.js';
import type { Consortium } from '../config/consortium.js';
import type { SecureLink } from '../net/link.js';
import type { NetProfile } from '../net/shaper.js';
import type { Preprocessing } from '../session/preprocessing.js';
import type { Session } from '../session/session.js';
import { DealerPreprocessing } from '../../protocols/offline/dealer-client.js';
import { DEALER_SEED_LABEL } from '../../protocols/offline/dealer-items.js';
import { shapeDealerLink } from '../../protocols/offline/dealer-link.js';
import { createOtPreprocessing } from '../../protocols/offline/ot/preprocessing.js';
import { createHmPreprocessing } from '../../protocols/offline/hm/preprocessing.js';

/** Offline modes a party process can run. 'none': no preprocessing (tasks that need none). */
export type OfflineMode = 'none' | 'dealer' | 'ot' | 'hm';

/** The modes that produce correlated randomness, as users name them (job field `offline`, `--offline`). */
export const OFFLINE_MODES = ['hm', 'ot', 'dealer'] as const;

/** The default mode for n parties: hm for three (honest majority, no dealer), ot otherwise. */
export function defaultOffline(n: number): 'hm' | 'ot' {
  return n === 3 ? 'hm' : 'ot';
}

/**
 * The mode a job's `offline` field means for n parties ("auto" = defaultOffline), or E_CONFIG
 * when the mode cannot run with n parties (hm needs exactly three). `where` names the source.
 */
export function resolveOffline(mode: string, n: number, where: string): 'hm' | 'ot' | 'dealer' {
  const m = mode === 'auto' ? defaultOffline(n) : mode;
  if (m !== 'hm' && m !== 'ot' && m !== 'dealer') throw new ConcordError('E_CONFIG', `${where}: unknown offline mode "${mode}" (expected auto, hm, ot or dealer)`);
  if (m === 'hm' && n !== 3) {
    throw new ConcordError('E_CONFIG', `${where}: offline mode "hm" needs exactly 3 parties, but there are ${n}; with ${n} parties use "ot" (no dealer, secure against n−1 colluding parties) or "dealer" (needs a neutral dealer)`);
  }
  return m;
}

/** Everything a preprocessing source may need, built by the party/worker process. */
export interface PrepContext {
  session: Session;
  consortium: Consortium;
  /** The Noise link to the dealer (mode 'dealer' only; parties dial the dealer). */
  dealerLink?: SecureLink;
  /** The simulated network of the session's links (benchmarks), applied to the dealer link as well. */
  net?: NetProfile;
  /** Progress and trust lines go here (stderr in party processes). Never secrets. */
  log: (line: string) => void;
}

/**
 * The one switch from an offline mode to its Preprocessing. Each mode's owner fills in its
 * branch (dealer: protocols/offline/dealer*, ot: protocols/offline/ot/*, hm: protocols/offline/hm/*). The returned source
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
      // Under a simulated network the dealer is one more host: its link is shaped too (only the last party uses it).
      const link = s.me === s.n - 1 ? shapeDealerLink(ctx.dealerLink, ctx.net) : ctx.dealerLink;
      return new DealerPreprocessing({ seed: ctx.dealerLink.exportKey(DEALER_SEED_LABEL, 32), me: s.me, n: s.n, link, timeoutMs: s.timeoutMs, log: ctx.log });
    }
    case 'ot':
      // Dealer-free: pairwise OT over the session's own links (base OTs run on the first request).
      return createOtPreprocessing(ctx.session);
    case 'hm':
      // Three parties, honest majority: replicated randomness from the pairwise keys (E_CONFIG for n ≠ 3).
      resolveOffline('hm', ctx.session.n, ctx.consortium.file);
      return createHmPreprocessing(ctx.session);
    default:
      throw new ConcordError('E_USAGE', `unknown offline mode "${String(mode)}" (expected none, dealer, ot or hm)`);
  }
}
