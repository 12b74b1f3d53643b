import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { childNodeArgs, runCluster, runClusterDetailed } from '../src/cli/cluster.js';
import type { NetTaskArgs } from './helpers/net-task.js';

const task = new URL('./helpers/net-task.js', import.meta.url).href;
const args = (a: NetTaskArgs): NetTaskArgs => a;

describe('runCluster: real party processes on 127.0.0.1', function () {
  this.timeout(60000);

  it('three processes form the mesh, exchange 1 and 10^6 elements both ways, and exit cleanly', async () => {
    const run = await runClusterDetailed({ parties: 3, task, args: args({ mode: 'exchange', sizes: [1, 1_000_000] }), timeoutMs: 30000 });
    const out = run.parties;
    expect(out.map((o) => o.exitCode), out.map((o) => o.stderr).join('\n')).to.deep.equal([0, 0, 0]);
    out.forEach((o, i) => {
      expect(o.result).to.deep.equal({ checked: 4, me: i, id: `p${i}` });
      expect(o.stats!.bytesSent).to.equal(2 * 8 * (1 + 1_000_000));
      expect(o.stats!.bytesReceived).to.equal(2 * 8 * (1 + 1_000_000));
      expect(o.stats!.rounds).to.equal(2);
      expect(o.maxRssKiB).to.be.greaterThan(0);
      expect(o.stderr).to.equal('');
    });
  });

  it('killing one process mid-exchange makes the others exit non-zero with E_PEER_LOST naming it', async () => {
    const t0 = Date.now();
    const out = await runCluster({ parties: 3, task, args: args({ mode: 'kill', sizes: [1000], victim: 2, afterRounds: 3 }), timeoutMs: 20000, recvTimeoutMs: 5000 });
    expect(out[2]!.signal).to.equal('SIGKILL');
    for (const o of out.slice(0, 2)) {
      expect(o.exitCode, o.stderr).to.equal(1);
      expect(o.stderr).to.match(/error E_PEER_LOST: .*lost the connection to party p2/);
    }
    expect(Date.now() - t0).to.be.lessThan(15000);
  });

  it('a run exceeding timeoutMs kills every child', async () => {
    const out = await runCluster({ parties: 2, task, args: args({ mode: 'hang', sizes: [] }), timeoutMs: 2500 });
    for (const o of out) {
      expect(o.exitCode).to.not.equal(0);
      expect(o.stderr).to.match(/killed: the run exceeded timeoutMs = 2500/);
    }
  });

  it('a task module without a task export fails with one clear error', async () => {
    const out = await runCluster({ parties: 2, task: new URL('./helpers/parties.js', import.meta.url).href, timeoutMs: 20000 });
    for (const o of out) {
      expect(o.exitCode).to.equal(1);
      expect(o.stderr).to.match(/E_USAGE: task module .* does not export a function "task/);
    }
  });
});

describe('cluster children: node flags', () => {
  it('single-threaded GC on hosts of up to 4 cores, V8 default above; this node accepts the flag', () => {
    expect(childNodeArgs(1)).to.deep.equal(['--single-threaded-gc']);
    expect(childNodeArgs(4)).to.deep.equal(['--single-threaded-gc']);
    expect(childNodeArgs(5)).to.deep.equal([]);
    const r = spawnSync(process.execPath, [...childNodeArgs(2), '-e', 'process.exit(7)']);
    expect(r.status, String(r.stderr)).to.equal(7);
  });
});
