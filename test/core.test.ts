import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ring } from '../src/ring/ring.js';
import { isConcordError } from '../src/errors.js';
import { lockstep, type Chain } from '../protocols/core/chain.js';
import { prefetch } from '../protocols/core/prefetch.js';
import { run, runner } from '../protocols/core/run.js';
import type { Scope } from '../protocols/core/scope.js';
import { runParties } from './helpers/parties.js';
import { input } from '../protocols/arithmetic/input.js';
import { mulStep } from '../protocols/arithmetic/mul.js';
import { openStep } from '../protocols/arithmetic/open.js';
import { ltzCost, ltzStep } from '../protocols/compare/ltz.js';

/**
 * The protocol runtime (protocols/core): rounds shared by lockstep, one message per peer per
 * round, tags taken only while a call starts, no tag budget.
 */

/** A chain of `rounds` openings of [me + 1] (sum over n parties: n(n+1)/2 each time). */
async function* counting(sc: Scope, rounds: number): Chain<bigint[]> {
  const out: bigint[] = [];
  for (let r = 0; r < rounds; r++) {
    const { add } = yield { add: [Ring.from([BigInt(sc.me + 1)])] };
    out.push(add[0]!.data[0]!);
  }
  return out;
}

describe('protocol runtime (core)', () => {
  it('lockstep: chains of 1, 3 and 2 rounds cost 3 rounds, one message per peer per round, each gets its own values', async () => {
    const res = await runParties(3, async (s) => {
      const before = { ...s.stats() };
      const [a, b, c] = await run(s, (sc) => lockstep<[bigint[], bigint[], bigint[]]>([counting(sc, 1), counting(sc, 3), counting(sc, 2)]));
      const after = s.stats();
      return { a, b, c, rounds: after.rounds - before.rounds, messages: after.messagesSent - before.messagesSent, bytes: after.bytesSent - before.bytesSent };
    });
    for (const r of res) {
      expect(r.a).to.deep.equal([6n]);
      expect(r.b).to.deep.equal([6n, 6n, 6n]);
      expect(r.c).to.deep.equal([6n, 6n]);
      expect(r.rounds).to.equal(3);
      expect(r.messages).to.equal(3 * 2); // 3 rounds × 2 peers
      expect(r.bytes).to.equal((3 + 2 + 1) * 8 * 2); // 6 words opened in all, to 2 peers
    }
  });

  it('protocols of different folders compose: ltz and a Beaver mul in lockstep cost ltz\'s rounds and give both results', async () => {
    const x = Ring.from([5n, -3n, 0n, -(1n << 63n)]);
    const y = Ring.from([7n, 11n, -2n, 3n]);
    const res = await runParties(3, async (s) => {
      const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
      const ys = input(s, 1, y.shape, s.me === 1 ? y : undefined);
      const before = s.stats().rounds;
      const [l, p] = await run(s, (sc) => lockstep<[Ring, Ring]>([ltzStep(sc, xs), mulStep(sc, xs, ys)]));
      const rounds = s.stats().rounds - before;
      const [lo, po] = await run(s, (sc) => openStep(sc, [l, p]));
      return { lo: lo!.toSigned(), po: po!.toSigned(), rounds };
    });
    for (const r of res) {
      expect(r.lo).to.deep.equal([0n, 1n, 0n, 1n]);
      expect(r.po).to.deep.equal([35n, -33n, 0n, BigInt.asIntN(64, -(1n << 63n) * 3n)]);
      expect(r.rounds).to.equal(ltzCost(3, 4).rounds);
    }
  });

  it('a scope holds exactly the tags its call takes: 1000 preprocessing tags in one call (no budget)', async () => {
    const res = await runParties(2, async (s) => {
      const first = s.tag();
      const tags = await run(s, async function* (sc): Chain<number[]> {
        const ts = Array.from({ length: 1000 }, () => sc.tag());
        yield* counting(sc, 1);
        return ts;
      });
      return { first, tags, next: s.tag() };
    });
    for (const r of res) {
      expect(r.tags[0]).to.equal(r.first + 1); // the scope's own id names its first item
      expect(new Set(r.tags).size).to.equal(1000);
      expect(r.next).to.equal(r.first + 1001);
    }
  });

  it('a tag taken after the call started fails with E_INTERNAL every time, whatever the timing', async () => {
    const late = runner(async function* (sc): Chain<number> {
      yield* counting(sc, 1);
      return sc.tag(); // a protocol bug: this tag would depend on when other calls start
    });
    const codes = await runParties(2, async (s) => {
      try {
        await late(s);
        return 'no error';
      } catch (e) {
        return isConcordError(e) ? `${e.code}: ${e.message}` : String(e);
      }
    });
    for (const c of codes) expect(c).to.match(/^E_INTERNAL: a protocol requested a tag after its call had started/);
  });

  it('concurrent calls agree on tags across parties when their preprocessing arrives in a different order on each', async () => {
    // Each call requests an item at start and waits for it a party-dependent time before its round.
    const call = runner(async function* (sc, k: number): Chain<[number, number]> {
      const a = sc.tag();
      const ms = (sc.me * 7 + k * 3) % 5;
      await prefetch(new Promise<void>((r) => setTimeout(r, ms)));
      const b = yield* counting(sc, 1 + (k % 3));
      return [a, b.length];
    });
    const res = await runParties(3, (s) => Promise.all(Array.from({ length: 12 }, (_, k) => call(s, k))));
    expect(res[1]).to.deep.equal(res[0]);
    expect(res[2]).to.deep.equal(res[0]);
    expect(new Set(res[0]!.map(([a]) => a)).size).to.equal(12);
  });

  it('a synchronous error while a call starts rejects its promise (it does not throw)', async () => {
    const bad = runner((sc, x: Ring): Chain<bigint[]> => {
      if (x.size === 0) throw new Error('empty');
      return counting(sc, 1);
    });
    const [p] = await runParties(2, async (s) => {
      const pr = bad(s, new Ring([0]));
      expect(pr).to.be.instanceOf(Promise);
      return pr.then(() => 'resolved', (e: Error) => e.message);
    });
    expect(p).to.equal('empty');
  });

  it('one style: no protocol of arithmetic/, binary/, compare/ or nonlinear/ sends, receives or takes a session tag itself', () => {
    const root = fileURLToPath(new URL('../../protocols/', import.meta.url));
    // wide-sum.ts sums in Z_2^512 (bytes on the wire, not ring words) and input.ts sends nothing.
    const outside = new Set(['arithmetic/wide-sum.ts', 'arithmetic/input.ts']);
    const found: string[] = [];
    for (const dir of ['arithmetic', 'binary', 'compare', 'nonlinear']) {
      for (const f of readdirSync(root + dir).filter((n) => n.endsWith('.ts'))) {
        if (outside.has(`${dir}/${f}`)) continue;
        const text = readFileSync(`${root}${dir}/${f}`, 'utf8');
        for (const m of text.matchAll(/\.(send|recv|sendBytes|recvBytes|sendJson|recvJson)\(|session\.tag\(|\bscoped\(|With\(/g)) found.push(`${dir}/${f}: ${m[0]}`);
      }
    }
    expect(found).to.deep.equal([]);
  });
});
