/**
 * Runs inside each party process (runCluster) for bench/offline.ts: builds its own OT or hm
 * preprocessing on the session (prefetch off, so each repetition measures generation alone),
 * runs the set-up once (timed apart: the base OTs for ot, nothing for hm), then generates the requested items `reps` times after
 * a one-element barrier. Reports per repetition: wall seconds, CPU seconds, bytes sent, rounds.
 */
import type { Session } from '../src/session/session.js';
import { measure as measureIn, type PartyTiming } from './party-run.js';
import { createOtPreprocessing } from '../protocols/offline/ot/preprocessing.js';
import { createHmPreprocessing } from '../protocols/offline/hm/preprocessing.js';

export interface OfflineBenchArgs {
  kind: 'triples' | 'matrix' | 'bits' | 'dabits' | 'trunc';
  size: number;
  reps: number;
  /** Which dealer-free mode generates the items (default ot). */
  mode?: 'ot' | 'hm';
}

/** One timed repetition (the shared bench timing). */
export type OfflineTiming = PartyTiming;

export interface OfflineBenchOut {
  setup: OfflineTiming;
  reps: OfflineTiming[];
}

export async function task(s: Session, raw: unknown): Promise<OfflineBenchOut> {
  const { kind, size, reps, mode } = raw as OfflineBenchArgs;
  // Batches no larger than one request, so no repetition is served from items left over by the
  // set-up or a previous repetition (which measured 0 bytes for sizes below the batch size).
  const batch = Math.max(1, Math.min(16384, size));
  const prep = mode === 'hm'
    ? createHmPreprocessing(s, { prefetch: false, maxBatch: batch, firstBatch: batch })
    : createOtPreprocessing(s, { prefetch: false, maxBatch: batch, firstBatch: 1, matrixBatch: 1 });
  const measure = (body: () => Promise<unknown>): Promise<OfflineTiming> => measureIn(s, body);
  const one = (): Promise<unknown> => {
    switch (kind) {
      case 'triples': return prep.triple(s.tag(), [size]);
      case 'matrix': return prep.matrixTriple(s.tag(), size, size, size);
      case 'bits': return prep.bitTriple(s.tag(), [size]);
      case 'dabits': return prep.daBits(s.tag(), [size]);
      case 'trunc': return prep.truncPair(s.tag(), [size], 16);
    }
  };
  const setup = await measure(() => prep.triple(s.tag(), [1]));
  await measure(one); // warm-up: JIT, first allocation of the big buffers
  const out: OfflineTiming[] = [];
  for (let i = 0; i < reps; i++) out.push(await measure(one));
  await prep.close();
  return { setup, reps: out };
}
