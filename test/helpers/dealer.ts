import { deriveKey } from '../../src/crypto/prg.js';
import { DealerPreprocessing } from '../../protocols/offline/dealer-client.js';
import { DealerServer } from '../../protocols/offline/dealer.js';
import { memoryLinkPair, type DealerLink } from '../../protocols/offline/dealer-link.js';
import { testSeed } from './parties.js';

/** n dealer-mode preprocessings (in memory) and the dealer serving party n−1. */
export function memoryDealer(n: number, label = 'dealer', opts: { predict?: boolean; timeoutMs?: number } = {}): { preps: DealerPreprocessing[]; server: DealerServer; seeds: Uint8Array[]; partyEnd: DealerLink } {
  const seeds = Array.from({ length: n }, (_, i) => deriveKey(testSeed(label), `dealer-seed/${i}`, 32));
  const [partyEnd, dealerEnd] = memoryLinkPair();
  const server = new DealerServer({ seeds, link: dealerEnd, ...(opts.predict !== undefined ? { predict: opts.predict } : {}) });
  const preps = seeds.map((seed, me) => new DealerPreprocessing({ seed, me, n, ...(me === n - 1 ? { link: partyEnd } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) }));
  return { preps, server, seeds, partyEnd };
}
