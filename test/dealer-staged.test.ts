import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import { isConcordError } from '../src/errors.js';
import type { Message } from '../src/net/transport.js';
import type { StagedTriple, StagedTruncPair, Triple, TruncPair } from '../src/session/preprocessing.js';
import { DealerPreprocessing } from '../protocols/offline/dealer-client.js';
import { dealerCorrection, itemKey, partyShare, type ItemRequest } from '../protocols/offline/dealer-items.js';
import { memoryLinkPair, type DealerLink } from '../protocols/offline/dealer-link.js';
import { mul } from '../protocols/arithmetic/mul.js';
import { matmul } from '../protocols/arithmetic/matmul.js';
import { trunc } from '../protocols/arithmetic/trunc.js';
import { mulFx } from '../protocols/arithmetic/fixed.js';
import { open } from '../protocols/arithmetic/open.js';
import { Prg, deriveKey } from '../src/crypto/prg.js';
import { memorySessions, testSeed } from './helpers/parties.js';

/**
 * Staged dealer items: party n−1's a and b (a truncation pair's r) are its own PRG output, so it
 * can open e and f while the dealer's correction is still on its way. A dealer held by hand
 * answers only when told, so the tests can look between the opening and the correction.
 */

const sumA = (xs: Ring[]): Ring => xs.reduce((a, b) => a.add(b));
const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** n dealer-mode preprocessings and a dealer that answers party n−1's requests only on release(). */
function heldDealer(n: number, label: string) {
  const seeds = Array.from({ length: n }, (_, i) => deriveKey(testSeed(label), `dealer-seed/${i}`, 32));
  const [partyEnd, dealerEnd] = memoryLinkPair();
  const asked: ItemRequest[] = [];
  dealerEnd.onMessage((m: Message) => {
    if (m.kind === 'prep/req') asked.push(...((m.json as { need: ItemRequest[] }).need));
  });
  const answer = (q: ItemRequest): void => dealerEnd.send({ tag: q.tag, kind: `prep/${itemKey(q)}`, ring: dealerCorrection(seeds, q) });
  /** Answer every request made so far (requests travel asynchronously: wait for them first). */
  const release = async (): Promise<void> => {
    await tick(5);
    for (const q of asked.splice(0)) answer(q);
  };
  const preps = seeds.map((seed, me) => new DealerPreprocessing({ seed, me, n, ...(me === n - 1 ? { link: partyEnd as DealerLink } : {}), timeoutMs: 5_000 }));
  return { seeds, preps, asked, answer, release };
}

const isRing = (v: unknown): v is Ring => v instanceof Ring;

describe('staged dealer items (the correction follows the opening)', () => {
  it('party n−1 gets a and b at once and c when the correction arrives: the same item as triple()', async () => {
    const n = 3;
    const { seeds, preps, asked, release } = heldDealer(n, 'staged-items');
    const q: ItemRequest = { kind: 'triple', tag: 1, shape: [40] };
    const staged = await Promise.all(preps.map((p) => p.stagedTriple(1, [40])));
    await tick();
    expect(asked.map(itemKey)).to.deep.equal([itemKey(q)]);
    expect(staged.slice(0, n - 1).every((t) => isRing(t.c))).to.equal(true);
    const last = staged[n - 1]!;
    expect(last.c).to.be.instanceOf(Promise);
    let settled = false;
    void (last.c as Promise<Ring>).then(() => (settled = true));
    await tick();
    expect(settled).to.equal(false); // nothing arrived, so c cannot exist yet
    const whole = partyShare(seeds[n - 1]!, q, dealerCorrection(seeds, q)) as Triple;
    expect(last.a.equals(whole.a) && last.b.equals(whole.b)).to.equal(true);
    await release();
    const c = await last.c;
    expect(c.equals(whole.c)).to.equal(true);
    const cs = await Promise.all(staged.map((t) => t.c));
    expect(sumA(staged.map((t) => t.a)).mul(sumA(staged.map((t) => t.b))).equals(sumA(cs))).to.equal(true);
    // The staged and the whole form name one item: asking for it again is refused.
    const again = await preps[n - 1]!.triple(1, [40]).then(() => undefined, (e: unknown) => e);
    expect(String((again as Error).message)).to.match(/requested twice/);
  });

  it('matrix triples and truncation pairs stage the same way and reconstruct', async () => {
    for (const n of [2, 3, 5]) {
      const { preps, release } = heldDealer(n, `staged-kinds-${n}`);
      const mt: StagedTriple[] = await Promise.all(preps.map((p) => p.stagedMatrixTriple(2, 4, 3, 5)));
      const tp: StagedTruncPair[] = await Promise.all(preps.map((p) => p.stagedTruncPair(3, [200], 16)));
      expect(mt[n - 1]!.c).to.be.instanceOf(Promise);
      expect(tp[n - 1]!.rTop).to.be.instanceOf(Promise);
      await release();
      const c = await Promise.all(mt.map((t) => t.c));
      expect(sumA(mt.map((t) => t.a)).matmul(sumA(mt.map((t) => t.b))).equals(sumA(c))).to.equal(true);
      const r = sumA(tp.map((p) => p.r));
      const low = await Promise.all(tp.map((p) => p.rLowShifted));
      const top = await Promise.all(tp.map((p) => p.rTop));
      expect(sumA(low).equals(r.shl(1).shr(17))).to.equal(true);
      expect(sumA(top).equals(r.shr(63))).to.equal(true);
    }
  });

  it('a correction pushed ahead gives the whole item at once (no promise to await)', async () => {
    const n = 3;
    const { preps, answer } = heldDealer(n, 'staged-hit');
    const q: ItemRequest = { kind: 'triple', tag: 4, shape: [8] };
    answer(q); // the dealer's push, before anyone asks
    await tick();
    const t = await preps[n - 1]!.stagedTriple(4, [8]);
    expect(isRing(t.c)).to.equal(true);
    expect(preps[n - 1]!.stats()).to.include({ hits: 1, waits: 0 });
  });

  // Only possible with staging: the others finish a one-round protocol on party n−1's opened share
  // while the dealer has not answered party n−1 at all.
  for (const [name, body] of [
    ['mul', (x: Ring, y: Ring, s: Parameters<typeof mul>[0]) => mul(s, x, y)],
    ['matmul', (x: Ring, y: Ring, s: Parameters<typeof mul>[0]) => matmul(s, x.reshape([6, 6]), y.reshape([6, 6]))],
    ['trunc', (x: Ring, _y: Ring, s: Parameters<typeof mul>[0]) => trunc(s, x, 16)],
  ] as const) {
    it(`${name}: parties 0..n−2 finish before the dealer answers; party n−1 finishes after; the result is the plaintext's`, async () => {
      const n = 3;
      const { preps, release } = heldDealer(n, `staged-${name}`);
      const sessions = memorySessions(n, { seed: `staged-${name}`, prep: (me) => preps[me]! });
      const prg = new Prg(deriveKey(testSeed(`staged-${name}-data`), 'x'));
      // Small signed values so trunc is in range; shares: party 0 holds the value, the others 0.
      const xs = prg.ring([36]).sar(40), ys = prg.ring([36]).sar(40);
      const done: boolean[] = new Array<boolean>(n).fill(false);
      const outs = sessions.map((s) => {
        const own = (v: Ring): Ring => (s.me === 0 ? v : Ring.zeros(v.shape));
        return body(own(xs), own(ys), s).then((z) => {
          done[s.me] = true;
          return z;
        });
      });
      await tick(100);
      expect(done).to.deep.equal([true, true, false]);
      await release();
      const zs = await Promise.all(outs);
      const got = await Promise.all(sessions.map((s, i) => open(s, zs[i]!)));
      const want = name === 'mul' ? xs.mul(ys) : name === 'matmul' ? xs.reshape([6, 6]).matmul(ys.reshape([6, 6])) : xs.sar(16);
      if (name === 'trunc') {
        // Probabilistic truncation: within one unit of the floor.
        const d = got[0]!.sub(want).toSigned();
        expect(d.every((v) => v === 0n || v === 1n)).to.equal(true);
      } else expect(got[0]!.equals(want)).to.equal(true);
      await Promise.all(sessions.map((s) => s.close()));
    });
  }

  it('mulFx (product then truncation) is correct with corrections that come late', async () => {
    const n = 3;
    const { preps, release } = heldDealer(n, 'staged-mulfx');
    const sessions = memorySessions(n, { seed: 'staged-mulfx', prep: (me) => preps[me]! });
    const xs = Ring.from([3n << 16n, -(5n << 15n), 0n, -1n, 1n << 20n]);
    const ys = Ring.from([7n << 14n, 3n << 16n, -(1n << 16n), -1n, 1n << 18n]);
    const outs = sessions.map((s) => mulFx(s, s.me === 0 ? xs : Ring.zeros([5]), s.me === 0 ? ys : Ring.zeros([5])));
    const pump = setInterval(() => void release(), 5); // the dealer answers each batch 5 ms late
    const zs = await Promise.all(outs).finally(() => clearInterval(pump));
    const got = (await Promise.all(sessions.map((s, i) => open(s, zs[i]!))))[0]!.toSigned();
    const want = xs.toSigned().map((x, i) => (x * ys.toSigned()[i]!) >> 16n);
    got.forEach((v, i) => expect(Number(v - want[i]!)).to.be.within(0, 1));
    await Promise.all(sessions.map((s) => s.close()));
  });

  it('a correction that fails after the opening rejects the protocol at party n−1 (no unhandled rejection)', async () => {
    const n = 3;
    const { preps } = heldDealer(n, 'staged-fail');
    const sessions = memorySessions(n, { seed: 'staged-fail', prep: (me) => preps[me]! });
    const x = Ring.from([1n, 2n, 3n]);
    const outs = sessions.map((s) => mul(s, x, x).then(() => undefined, (e: unknown) => e));
    await tick(50);
    await preps[n - 1]!.close(); // the dealer is gone: the waiting correction fails
    const errs = await Promise.all(outs);
    expect(errs[0]).to.equal(undefined);
    expect(errs[1]).to.equal(undefined);
    expect(isConcordError(errs[n - 1], 'E_ABORTED')).to.equal(true);
    await tick(20);
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  });
});

// Keep type imports used (the shapes the test reconstructs).
export type _Used = TruncPair;
