import { appendFileSync } from 'node:fs';
import { ConcordError } from '../errors.js';
import { loadConsortium, dealerNode } from '../config/consortium.js';
import { readKeyFile } from '../config/keys.js';
import { connectNodes } from '../net/mesh.js';
import { acceptsDealerSession } from '../net/dealer-session.js';
import { DEALER_TRUST, DealerServer } from '../../protocols/offline/dealer.js';
import { DEALER_SEED_LABEL } from '../../protocols/offline/dealer-items.js';
import { parseArgs, required, intFlag } from './args.js';
import type { Command } from './args.js';

/**
 * `concord dealer --config <consortium.json> --key <file> [--json] [--startup-timeout ms] [--idle-timeout ms]`:
 * accept a Noise link from every party (parties dial the dealer), derive one seed per party from
 * its link, serve party n−1's corrections until every party has closed, then exit 0. A session
 * in which no party sends anything for --idle-timeout (default 10 min) ends with E_TIMEOUT.
 * Prints its trust assumption first. With --json the last stdout line is its counters.
 */
export const command: Command = {
  summary: 'dealer',
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, ['config', 'key', 'startup-timeout', 'idle-timeout'], ['json'], 'dealer');
    const configFile = required(args, 'config', 'dealer');
    const keyFile = required(args, 'key', 'dealer');
    const startupTimeoutMs = intFlag(args, 'startup-timeout', 30_000, 100, 3_600_000, 'dealer');
    const idleTimeoutMs = intFlag(args, 'idle-timeout', 600_000, 100, 86_400_000, 'dealer');
    const consortium = loadConsortium(configFile);
    const key = readKeyFile(keyFile);
    const me = dealerNode(consortium, key, keyFile);
    // CONCORD_DEALER_LOG=<file> also appends the log to a file (the cluster harnesses keep stderr).
    const logFile = process.env.CONCORD_DEALER_LOG;
    const log = (line: string): void => {
      process.stderr.write(`[dealer] ${line}\n`);
      if (logFile) appendFileSync(logFile, `[dealer] ${line}\n`);
    };
    process.stdout.write(`offline: dealer — ${DEALER_TRUST}\n`);
    // Links are bound to this consortium and to the parties' job (src/net/dealer-session.ts).
    const accept = acceptsDealerSession(consortium.parties, me);
    const links = await connectNodes({ me, privateKey: key.privateKey, peers: consortium.parties, dials: () => false, jobHash: 'dealer/none', acceptJob: accept, startupTimeoutMs, log });
    const parties = consortium.parties.map((p) => links.get(p.id)!);
    const first = parties[0]!;
    const odd = parties.find((l) => l.session !== first.session);
    if (odd) {
      await Promise.all(parties.map((l) => l.close()));
      throw new ConcordError('E_JOB_MISMATCH', `parties ${first.peerId} and ${odd.peerId} named different jobs on their dealer links (${first.session.split('/').pop()!.slice(0, 16)}… vs ${odd.session.split('/').pop()!.slice(0, 16)}…); every party must run the same job file`, { party: odd.peerId });
    }
    const seeds = parties.map((l) => l.exportKey(DEALER_SEED_LABEL, 32));
    const t0 = performance.now();
    let server!: DealerServer;
    const outcome = await new Promise<ConcordError | undefined>((resolve) => {
      server = new DealerServer({ seeds, link: parties[parties.length - 1]!, attach: false, onFail: (e) => resolve(e), ...(logFile ? { trace: (ev, q) => appendFileSync(logFile, `${ev} ${JSON.stringify(q)}\n`) } : {}) });
      let open = parties.length;
      // Every wait on the network is bounded: a session where no party says anything for this long is stuck.
      let idle: NodeJS.Timeout | undefined;
      const touch = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => resolve(new ConcordError('E_TIMEOUT', `no party sent the dealer anything for ${idleTimeoutMs} ms; the parties are stuck or gone (raise --idle-timeout for long pauses)`)), idleTimeoutMs);
        idle.unref();
      };
      touch();
      parties.forEach((l, i) => {
        const last = i === parties.length - 1;
        l.onMessage((m) => {
          touch();
          if (m.tag === 0 && m.kind === 'bye') {
            if (--open === 0) resolve(undefined);
          } else if (last) server.handle(m);
          else resolve(new ConcordError('E_FRAME', `party ${l.peerId} sent the dealer an unexpected message (kind "${m.kind}"); only the last party talks to the dealer`, { party: l.peerId }));
        });
        l.onError((e) => resolve(e));
      });
    });
    const stats = server.stats();
    await Promise.all(parties.map((l) => l.close()));
    if (outcome) throw outcome;
    const summary = { dealer: me.id, parties: parties.length, seconds: (performance.now() - t0) / 1000, ...stats };
    log(`done: ${JSON.stringify(summary)}`);
    if (args.switches.has('json')) process.stdout.write(JSON.stringify(summary) + '\n');
    return 0;
  },
};
