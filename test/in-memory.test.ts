import { expect } from 'chai';
import { ConcordError, memorySessions, runInMemory, Secret, type Session } from '../src/index.js';

describe('runInMemory: every party in one process (for trying things)', function () {
  this.timeout(60_000);

  it('three parties multiply with the default offline phase (hm for three); each has its own id and fresh pairwise keys', async () => {
    const out = await runInMemory(3, async (s: Session) => {
      const x = Secret.input(s, 0, [3], s.me === 0 ? [1.5, -2, 0] : undefined);
      const y = Secret.input(s, 2, [3], s.me === 2 ? [4, 0.25, -7] : undefined);
      const z = await x.mul(y);
      return { id: s.id, prep: s.prep.mode, z: Array.from((await z.reveal()) as Float64Array) };
    });
    expect(out.map((o) => [o.id, o.prep])).to.deep.equal([['p0', 'hm'], ['p1', 'hm'], ['p2', 'hm']]);
    for (const o of out) o.z.forEach((v, i) => expect(v).to.be.closeTo([6, -0.5, 0][i]!, 2 ** -15));
    // ot on request, and for two parties by default; hm refused for n ≠ 3
    const ot = await runInMemory(3, async (s: Session) => s.prep.mode, { offline: 'ot' });
    expect(ot).to.deep.equal(['ot', 'ot', 'ot']);
    expect(await runInMemory(2, async (s: Session) => s.prep.mode)).to.deep.equal(['ot', 'ot']);
    expect(() => memorySessions(2, { offline: 'hm' })).to.throw(ConcordError, /"hm" needs exactly 3 parties/);
  });

  it('a party that fails stops the others at once with its cause, not after a timeout', async () => {
    const t0 = Date.now();
    const err = await runInMemory(3, async (s) => {
      if (s.me === 1) throw new ConcordError('E_DATA', 'party p1 has no rows');
      await Secret.input(s, 0, [1], s.me === 0 ? [1] : undefined).reveal();
      return s.me;
    }, { timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'E_DATA');
    expect(Date.now() - t0).to.be.lessThan(5_000);
  });

  it('bad options are E_USAGE', () => {
    expect(() => memorySessions(1)).to.throw(ConcordError, /2..8 parties, got 1/);
    expect(() => memorySessions(3, { ids: ['a', 'a', 'b'] })).to.throw(ConcordError, /3 distinct ids/);
    expect(() => memorySessions(3, { offline: 'dealer' as 'ot' })).to.throw(ConcordError, /use runCluster/);
  });
});
