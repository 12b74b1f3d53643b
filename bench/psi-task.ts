/**
 * Runs inside each party process (runCluster) for bench/psi.ts: party i holds `size` synthetic
 * IDs, a window of one shared universe shifted by i·size/10 (so n parties share
 * size·(1 − (n−1)/10) IDs), runs the ECDH-PSI `reps` times after a barrier and reports each
 * repetition's wall/CPU seconds, bytes sent and rounds (the plaintext reference runs in the
 * parent, bench/psi.ts, so it does not count in the parties' memory).
 */
import type { Session } from '../src/session/session.js';
import { measure, type PartyTiming } from './party-run.js';
import { psi } from '../protocols/psi/ecdh-psi.js';

export interface PsiBenchArgs {
  size: number;
  reps: number;
}

export interface PsiBenchOut {
  reps: PartyTiming[];
  intersection: number;
}

/** Party `me`'s IDs: a shifted window of `cust-<k>`, in a scrambled file order. */
export function benchIds(me: number, size: number): string[] {
  const shift = Math.floor((me * size) / 10);
  return Array.from({ length: size }, (_, i) => `cust-${(((i * 7919) % size) + shift).toString().padStart(9, '0')}`);
}

export async function task(s: Session, raw: unknown): Promise<PsiBenchOut> {
  const { size, reps } = raw as PsiBenchArgs;
  const ids = benchIds(s.me, size);
  const salt = new TextEncoder().encode('bench-psi');
  let intersection = 0;
  const out: PartyTiming[] = [];
  for (let r = 0; r < reps; r++) {
    out.push(await measure(s, async () => {
      intersection = (await psi(s, ids, { salt })).size;
    }));
  }
  return { reps: out, intersection };
}
