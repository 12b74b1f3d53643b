import { Ring } from '../../src/ring/ring.js';
import type { Session } from '../../src/session/session.js';
import { mul } from '../../protocols/arithmetic/mul.js';

/** Cluster task: one multiplication, then the last party (the dealer's client) is SIGKILLed. */
export async function task(s: Session): Promise<unknown> {
  await mul(s, Ring.zeros([10]), Ring.zeros([10]));
  if (s.me === s.n - 1) process.kill(process.pid, 'SIGKILL');
  await mul(s, Ring.zeros([10]), Ring.zeros([10]));
  return 'unreachable for the others: the last party is gone';
}
