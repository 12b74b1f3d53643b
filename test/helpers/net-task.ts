import { Prg, deriveKey } from '../../src/crypto/prg.js';
import type { Session } from '../../src/session/session.js';

/**
 * Cluster task for the network tests (runs inside real party processes via runCluster).
 *   exchange: every party sends every other party a seeded tensor of each size and checks
 *             what it receives against the same seed; returns the number of tensors checked.
 *   kill:     like exchange in a loop; party `victim` SIGKILLs itself after `afterRounds` rounds.
 *   hang:     never returns (for the harness timeout).
 */
export interface NetTaskArgs {
  mode: 'exchange' | 'kill' | 'hang';
  sizes: number[];
  victim?: number;
  afterRounds?: number;
  rounds?: number;
}

const SEED = deriveKey(new TextEncoder().encode('concord-net-task-seed'), 'net-task', 32);

function expected(from: number, to: number, round: number, size: number) {
  return new Prg(deriveKey(SEED, `t/${from}/${to}/${size}`), round).ring([size]);
}

async function exchange(s: Session, sizes: number[], round: number): Promise<number> {
  let checked = 0;
  for (const size of sizes) {
    const tag = s.tag();
    for (const p of s.peers) s.send(p, tag, expected(s.me, p, round, size));
    for (const p of s.peers) {
      const got = await s.recv(p, tag);
      if (!got.equals(expected(p, s.me, round, size))) throw new Error(`tensor of ${size} from party ${p} differs`);
      checked++;
    }
  }
  return checked;
}

export async function task(s: Session, raw: unknown): Promise<unknown> {
  const args = raw as NetTaskArgs;
  if (args.mode === 'hang') return new Promise(() => setInterval(() => {}, 1000));
  if (args.mode === 'exchange') return { checked: await exchange(s, args.sizes, 0), me: s.me, id: s.id };
  let checked = 0;
  for (let r = 0; r < (args.rounds ?? 1000); r++) {
    if (s.me === args.victim && r === (args.afterRounds ?? 1)) process.kill(process.pid, 'SIGKILL');
    checked += await exchange(s, args.sizes, r);
  }
  return { checked };
}
