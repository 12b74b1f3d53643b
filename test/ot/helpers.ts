import { Prg } from '../../src/crypto/prg.js';
import { KAPPA, baseOtReceive, baseOtSenderFinish, baseOtSenderStart } from '../../protocols/offline/ot/base-ot.js';
import type { CotReceiverKeys, CotSenderKeys } from '../../protocols/offline/ot/iknp.js';
import { createOtPreprocessing } from '../../protocols/offline/ot/preprocessing.js';
import type { Session } from '../../src/session/session.js';
import { memorySessions, testSeed } from '../helpers/parties.js';

const cache = new Map<string, { send: CotSenderKeys; recv: CotReceiverKeys }>();

/** Extension keys of one ordered pair from real base OTs with seeded randomness (cached per label). */
export function otKeysFor(label: string): { send: CotSenderKeys; recv: CotReceiverKeys } {
  const hit = cache.get(label);
  if (hit) return hit;
  const sp = Prg.fromSeed(testSeed(label), 'ext-sender');
  const rp = Prg.fromSeed(testSeed(label), 'ext-receiver');
  const delta = new Uint32Array(sp.bytes(16).buffer);
  const start = baseOtSenderStart(rp);
  const rec = baseOtReceive(sp, Array.from({ length: KAPPA }, (_, j) => (delta[j >>> 5]! >>> (j & 31)) & 1), start.msg);
  const pairs = baseOtSenderFinish(start.state, rec.msg, KAPPA);
  const keys = { send: { delta, seeds: rec.keys }, recv: { seeds0: pairs.map((p) => p[0]), seeds1: pairs.map((p) => p[1]) } };
  cache.set(label, keys);
  return keys;
}

/** n in-memory sessions, each with the OT preprocessing (seeded per party). */
export function otSessions(n: number, label = 'ot', opts: { maxBatch?: number; firstBatch?: number } = {}): Session[] {
  const ss = memorySessions(n, { seed: label });
  for (const s of ss) s.prep = createOtPreprocessing(s, { seed: testSeed(`${label}/${s.me}`), ...opts });
  return ss;
}

/** Run a body on n OT-preprocessed in-memory parties and close them. */
export async function runOtParties<T>(n: number, body: (s: Session) => Promise<T>, label = 'ot', opts: { maxBatch?: number; firstBatch?: number } = {}): Promise<T[]> {
  const ss = otSessions(n, label, opts);
  try {
    return await Promise.all(ss.map(body));
  } finally {
    await Promise.all(ss.map((s) => s.close()));
  }
}
