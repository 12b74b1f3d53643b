import { expect } from 'chai';
import { Ring } from '../../src/ring/ring.js';
import type { Message, Transport } from '../../src/net/transport.js';
import type { Session } from '../../src/session/session.js';
import { createOtPreprocessing } from '../../protocols/offline/ot/preprocessing.js';
import { memorySessions, testSeed } from '../helpers/parties.js';

/**
 * View test for the offline phase: the bytes party 0 receives while the items are generated
 * must look the same whatever the other parties' secret values are. Parties 1 and 2 run once
 * with all-zero secrets (shares, choice bits, local bits) and once with random ones; party 0's
 * seed is fixed. Both views must be uniform-looking bytes and indistinguishable from each other
 * (chi-square over byte values). The same statistic flags a leaky view (the secrets themselves).
 */

const ZERO = { bytes: (n: number) => new Uint8Array(n), ring: (shape: readonly number[]) => Ring.zeros(shape) };

/** Everything party 0 receives during generation (batch traffic only, not the base OTs). */
async function viewOfParty0(zeroSecrets: boolean): Promise<Uint8Array> {
  const ss = memorySessions(3, { seed: 'view' });
  const got: Uint8Array[] = [];
  for (const s of ss) {
    s.prep = createOtPreprocessing(s, {
      seed: testSeed(`view/${s.me}`),
      prefetch: false,
      ...(zeroSecrets && s.me !== 0 ? { localRandom: () => ZERO } : {}),
    });
    if (s.me === 0) continue;
    const t = (s as unknown as { transport: Transport }).transport;
    const send = t.send.bind(t);
    t.send = (peer: number, msg: Message) => {
      if (peer === 0 && msg.bytes && /^ot\/\d+\//.test(msg.kind) && !msg.kind.startsWith('ot/base')) got.push(msg.bytes.slice());
      send(peer, msg);
    };
  }
  const body = async (s: Session) => {
    await s.prep.triple(s.tag(), [1024]);
    await s.prep.bitTriple(s.tag(), [256]);
    await s.prep.daBits(s.tag(), [8192]);
    await s.prep.truncPair(s.tag(), [128], 16);
    await s.prep.matrixTriple(s.tag(), 4, 6, 5);
  };
  try {
    await Promise.all(ss.map(body));
  } finally {
    await Promise.all(ss.map((s) => s.close()));
  }
  const out = new Uint8Array(got.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const g of got) { out.set(g, o); o += g.length; }
  return out;
}

function histogram(b: Uint8Array): Float64Array {
  const h = new Float64Array(256);
  for (const x of b) h[x]++;
  return h;
}

/** Chi-square of a byte histogram against uniform (255 degrees of freedom: mean 255, sd 22.6). */
function chiUniform(b: Uint8Array): number {
  const h = histogram(b), e = b.length / 256;
  return h.reduce((a, x) => a + (x - e) ** 2 / e, 0);
}

/** Two-sample chi-square between byte histograms (255 degrees of freedom). */
function chiTwo(a: Uint8Array, b: Uint8Array): number {
  const ha = histogram(a), hb = histogram(b);
  const ka = Math.sqrt(b.length / a.length), kb = Math.sqrt(a.length / b.length);
  let c = 0;
  for (let i = 0; i < 256; i++) if (ha[i]! + hb[i]! > 0) c += (ka * ha[i]! - kb * hb[i]!) ** 2 / (ha[i]! + hb[i]!);
  return c;
}

// p ≈ 1e-7 for 255 degrees of freedom: a false alarm essentially never, a leak far above it.
const LIMIT = 420;

describe('OT preprocessing: view of a party does not depend on the others\' secrets', function () {
  this.timeout(120_000);
  it('what party 0 receives is uniform-looking and the same with zero or random secrets at parties 1, 2', async () => {
    const zero = await viewOfParty0(true);
    const rand = await viewOfParty0(false);
    expect(zero.length).to.equal(rand.length);
    expect(zero.length).to.be.above(500_000);
    expect(chiUniform(zero)).to.be.below(LIMIT);
    expect(chiUniform(rand)).to.be.below(LIMIT);
    expect(chiTwo(zero, rand)).to.be.below(LIMIT);
    // a leaky view is caught: the same statistic on structured bytes (the secrets themselves, or a
    // view that carried them in clear for a few percent of its bytes) is far above the limit
    const leaky = rand.slice();
    leaky.fill(0, 0, leaky.length >> 5);
    expect(chiUniform(leaky)).to.be.above(LIMIT * 10);
    expect(chiTwo(leaky, rand)).to.be.above(LIMIT * 10);
  });
});
