import { expect } from 'chai';
import { Ring } from '../src/ring/ring.js';
import { Prg } from '../src/crypto/prg.js';
import { input } from '../protocols/arithmetic/input.js';
import { open } from '../protocols/arithmetic/open.js';
import { and } from '../protocols/binary/and.js';
import { openBinary } from '../protocols/binary/open.js';
import { a2b, a2bCost, csaLayers } from '../protocols/binary/a2b.js';
import { msb, msbCost } from '../protocols/binary/msb.js';
import { b2a } from '../protocols/binary/b2a.js';
import { ltz, ltzCost } from '../protocols/compare/ltz.js';
import { relu, reluCost } from '../protocols/compare/relu.js';
import { eq, ge, gt, le, lt } from '../protocols/compare/compare.js';
import { maxRounds, maxWithIndex } from '../protocols/compare/max.js';
import { sigmoid } from '../protocols/nonlinear/sigmoid.js';
import { exp } from '../protocols/nonlinear/exp.js';
import { InsecureLocalPreprocessing } from './helpers/insecure-prep.js';
import type { Preprocessing } from '../src/session/preprocessing.js';
import { softmax } from '../protocols/nonlinear/softmax.js';
import { andMany } from '../protocols/binary/and.js';
import { isConcordError } from '../src/errors.js';
import { runParties, testSeed } from './helpers/parties.js';
import { createHmPreprocessing } from '../protocols/offline/hm/preprocessing.js';
import type { Session } from '../src/session/session.js';

const EDGES = [0n, 1n, -1n, 1n << 62n, -(1n << 62n), 1n << 63n, (1n << 63n) - 1n, -(1n << 63n) + 1n, 2n, -2n];

/** Edge values followed by seeded random ring elements (some small, some full-width). */
function values(label: string, count: number): Ring {
  const r = new Prg(testSeed(label).subarray(0, 16)).ring([count]);
  const small = r.sar(40);
  const out = new Ring([EDGES.length + 2 * count]);
  out.data.set(Ring.from(EDGES).data, 0);
  out.data.set(r.data, EDGES.length);
  out.data.set(small.data, EDGES.length + count);
  return out;
}

/** Share `x` (owned by party 0) and run `body` on the shares; returns party 0's opened result and stats deltas. */
async function onShares(n: number, x: Ring, body: (s: Session, xs: Ring) => Promise<Ring>): Promise<{ out: Ring; rounds: number[]; bytes: number[][] }> {
  const res = await runParties(n, async (s) => {
    const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
    const before = s.stats();
    const y = await body(s, xs);
    const after = s.stats();
    const out = await open(s, y);
    return { out, rounds: after.rounds - before.rounds, bytes: after.perPeer.map((p, i) => p.bytesSent - before.perPeer[i]!.bytesSent) };
  });
  return { out: res[0]!.out, rounds: res.map((r) => r.rounds), bytes: res.map((r) => r.bytes) };
}

function expectBytes(bytes: number[][], me: (i: number) => number, perPeer: number): void {
  bytes.forEach((row, i) => row.forEach((b, j) => expect(b, `party ${me(i)} → ${j}`).to.equal(j === i ? 0 : perPeer)));
}

describe('binary sharing', () => {
  it('AND of XOR-shared words matches plaintext (n=3)', async () => {
    const prg = new Prg(testSeed('and').subarray(0, 16));
    const x = prg.ring([50]);
    const y = prg.ring([50]);
    const out = await runParties(3, async (s) => {
      const xs = s.me === 0 ? x : Ring.zeros(x.shape);
      const ys = s.me === 2 ? y : Ring.zeros(y.shape);
      return openBinary(s, await and(s, xs, ys));
    });
    for (const o of out) expect(o.equals(x.and(y))).to.equal(true);
  });
  it('csaLayers follows the Wallace tree', () => {
    expect([2, 3, 4, 5, 6, 7, 8, 9].map(csaLayers)).to.deep.equal([0, 1, 2, 3, 3, 4, 4, 4]);
  });
  for (const n of [2, 3, 5]) {
    it(`a2b gives the two's complement bits, rounds and bytes as documented (n=${n})`, async () => {
      const x = values(`a2b${n}`, 40);
      const res = await runParties(n, async (s) => {
        const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
        const before = s.stats();
        const full = await a2b(s, xs);
        const mid = s.stats();
        const low = await a2b(s, xs, 17);
        return { full: await openBinary(s, full), low: await openBinary(s, low), rounds: mid.rounds - before.rounds, bytes: mid.bytesSent - before.bytesSent };
      });
      const cost = a2bCost(n);
      for (const r of res) {
        expect(r.full.equals(x)).to.equal(true);
        expect(r.low.equals(x.and(Ring.fill(x.shape, (1n << 17n) - 1n)))).to.equal(true);
        expect(r.rounds).to.equal(cost.rounds);
        expect(r.bytes).to.equal(cost.bytesPerPeerPerElement * x.size * (n - 1));
      }
    });
  }
  it('b2a converts XOR-shared bits to arithmetic 0/1 (n=3)', async () => {
    const bits = new Prg(testSeed('b2a').subarray(0, 16)).ring([64]).bit(5);
    const out = await runParties(3, async (s) => open(s, await b2a(s, s.me === 1 ? bits : Ring.zeros(bits.shape))));
    for (const o of out) expect(o.equals(bits)).to.equal(true);
  });
});

describe('binary ANDs and comparisons in hm (the replicated AND)', () => {
  const hm = { sessionPrep: (s: Session) => createHmPreprocessing(s, { prefetch: false }) };
  it('AND matches plaintext on edge and random words, 16·words to the previous party only, 1 round', async () => {
    const prg = new Prg(testSeed('hm-and').subarray(0, 16));
    const x = Ring.concat([Ring.from(EDGES), prg.ring([300])]), y = Ring.concat([Ring.from(EDGES).not(), prg.ring([300])]);
    const out = await runParties(3, async (s) => {
      const xs = s.me === 0 ? x : Ring.zeros(x.shape);
      const ys = s.me === 2 ? y : Ring.zeros(y.shape);
      const before = s.stats();
      const z = await and(s, xs, ys);
      const after = s.stats();
      return { z: await openBinary(s, z), rounds: after.rounds - before.rounds, perPeer: after.perPeer.map((p, i) => p.bytesSent - before.perPeer[i]!.bytesSent) };
    }, hm);
    out.forEach((o, me) => {
      expect(o.z.equals(x.and(y))).to.equal(true);
      expect(o.rounds).to.equal(1);
      expect(o.perPeer[(me + 2) % 3], `party ${me} → previous`).to.equal(16 * x.size);
      expect(o.perPeer[(me + 1) % 3], `party ${me} → next`).to.equal(0);
    });
  });
  for (const k of [63, 20]) {
    it(`ltz (k=${k}) matches the sign bit; rounds as documented; the carry tree's bytes to the previous party only`, async () => {
      const all = values(`hm-ltz${k}`, 200);
      const x = k === 63 ? all : Ring.from(all.toSigned().map((v) => ((v % (1n << 20n)) + (1n << 20n)) % (1n << 21n) - (1n << 20n)));
      const res = await runParties(3, async (s) => {
        const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
        await ltz(s, Ring.zeros(x.shape), k); // the first call cuts the items' first batches
        const before = s.stats();
        const y = await ltz(s, xs, k);
        const after = s.stats();
        return { out: await open(s, y), rounds: after.rounds - before.rounds, perPeer: after.perPeer.map((p, i) => p.bytesSent - before.perPeer[i]!.bytesSent) };
      }, { sessionPrep: (s: Session) => createHmPreprocessing(s, { prefetch: false, firstBatch: 4096 }) });
      const cost = ltzCost(3, x.size, k);
      res.forEach((r, me) => {
        expect(r.out.equals(x.shr(63))).to.equal(true);
        expect(r.rounds).to.equal(cost.rounds);
        expect(r.perPeer[(me + 2) % 3], `party ${me} → previous`).to.equal(cost.bytesPerPeer);
        expect(r.perPeer[(me + 1) % 3], `party ${me} → next`).to.equal(cost.bytesPerPeer - cost.andBytes);
      });
    });
  }
  it('relu and a2b match plaintext (edges and random values)', async () => {
    const x = values('hm-relu', 100);
    const keep = x.toSigned().filter((v) => v !== -(1n << 63n));
    const xs = Ring.from(keep);
    const out = await runParties(3, async (s) => {
      const sh = input(s, 0, xs.shape, s.me === 0 ? xs : undefined);
      const { y } = await relu(s, sh);
      return { y: await open(s, y), b: await openBinary(s, await a2b(s, sh)) };
    }, hm);
    const want = Ring.from(keep.map((v) => (v > 0n ? v : 0n)));
    for (const o of out) {
      expect(o.y.equals(want)).to.equal(true);
      expect(o.b.equals(xs)).to.equal(true);
    }
  });
});

describe('ltz and relu', () => {
  for (const n of [2, 3, 5]) {
    it(`ltz matches the sign bit on edges and random values, with documented rounds/bytes (n=${n})`, async () => {
      const x = values(`ltz${n}`, 100);
      const { out, rounds, bytes } = await onShares(n, x, ltz);
      expect(out.equals(x.shr(63))).to.equal(true);
      const cost = ltzCost(n, x.size);
      expect(rounds.every((r) => r === cost.rounds), `rounds ${rounds} vs ${cost.rounds}`).to.equal(true);
      expectBytes(bytes, (i) => i, cost.bytesPerPeer);
    });
    it(`relu returns max(x,0) and d = (x > 0) (n=${n})`, async () => {
      const x = values(`relu${n}`, 100);
      const keep = x.toSigned().map((v, i) => [v, i] as const).filter(([v]) => v !== -(1n << 63n));
      const xs = Ring.from(keep.map(([v]) => v));
      const res = await runParties(n, async (s) => {
        const sh = input(s, 0, xs.shape, s.me === 0 ? xs : undefined);
        const before = s.stats();
        const { y, d } = await relu(s, sh);
        const after = s.stats();
        return { y: await open(s, y), d: await open(s, d), rounds: after.rounds - before.rounds, bytes: after.bytesSent - before.bytesSent };
      });
      const sx = xs.toSigned();
      const cost = reluCost(n, xs.size);
      for (const r of res) {
        expect(r.y.toSigned()).to.deep.equal(sx.map((v) => (v > 0n ? v : 0n)));
        expect(r.d.toSigned()).to.deep.equal(sx.map((v) => (v > 0n ? 1n : 0n)));
        expect(r.rounds).to.equal(cost.rounds);
        expect(r.bytes).to.equal(cost.bytesPerPeer * (n - 1));
      }
    });
  }
  for (const n of [2, 3, 5]) {
    it(`ltz with a known bound |x| < 2^k: exact on the range edges and random values, rounds and bytes as documented (n=${n})`, async () => {
      const ks = [1, 2, 5, 16, 17, 32, 33, 46, 62, 63];
      const prg = new Prg(testSeed(`ltzk${n}`).subarray(0, 16));
      for (const k of ks) {
        const lim = 1n << BigInt(k);
        const edges = [-lim, -lim + 1n, -1n, 0n, 1n, lim - 1n, lim / 2n, -lim / 2n];
        // Random values inside [−2^k, 2^k): the low k + 1 bits of random words, sign-extended.
        const rnd = prg.ring([200]).shl(63 - k).sar(63 - k);
        const x = Ring.concat([Ring.from(edges), rnd], 0);
        const { out, rounds, bytes } = await onShares(n, x, (s, xs) => ltz(s, xs, k));
        expect(out.equals(x.shr(63)), `k=${k}`).to.equal(true);
        const cost = ltzCost(n, x.size, k);
        expect(rounds.every((r) => r === cost.rounds), `k=${k}: rounds ${rounds} vs ${cost.rounds}`).to.equal(true);
        expect(cost.rounds).to.equal(2 + (k === 1 ? 0 : Math.ceil(Math.log2(k))));
        expectBytes(bytes, (i) => i, cost.bytesPerPeer);
      }
    });
  }
  it('the bound matters: a value outside −2^k ≤ x < 2^k can come out wrong (the range statement is tight)', async () => {
    const k = 8;
    const x = Ring.from([1n << 8n, (1n << 9n) + 5n, -(1n << 8n) - 1n]); // 2^8 wraps to "negative", −2^8 − 1 to "positive"
    const { out } = await onShares(3, x, (s, xs) => ltz(s, xs, k));
    expect(out.toSigned()).to.deep.equal([1n, 0n, 0n]);
  });
  it('ltz costs the same rounds for n = 2, 3, 5 and its bytes per peer do not grow with n', () => {
    const c = [2, 3, 5, 8].map((n) => ltzCost(n, 1 << 16));
    expect(new Set(c.map((x) => x.rounds)).size).to.equal(1);
    expect(new Set(c.map((x) => x.bytesPerPeer)).size).to.equal(1);
    expect(c[0]!.bytesPerPeer / (1 << 16)).to.be.within(39, 40);
  });
  for (const len of [1, 2, 63, 64, 65, 129]) {
    it(`msb with the packed carry tree over ${len} element(s) (n=3), bytes as documented`, async () => {
      const x = values(`msb${len}`, 64).slice(0, len);
      const res = await runParties(3, async (s) => {
        const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
        const b0 = s.stats().bytesSent;
        const m = await msb(s, xs);
        const bytes = s.stats().bytesSent - b0;
        return { m: await openBinary(s, m), bytes };
      });
      for (const r of res) {
        expect(r.m.equals(x.shr(63))).to.equal(true);
        expect(r.bytes).to.equal(2 * msbCost(3, len).bytesPerPeer);
      }
    });
  }
  it('msb of a 2-D tensor keeps its shape', async () => {
    const x = Ring.from([-3n, 4n, 0n, -1n, 7n, -8n], [2, 3]);
    const out = await runParties(2, async (s) => openBinary(s, await msb(s, input(s, 0, x.shape, s.me === 0 ? x : undefined))));
    expect(out[0]!.shape).to.deep.equal([2, 3]);
    expect(out[0]!.equals(x.shr(63))).to.equal(true);
  });
});

describe('comparisons and max', () => {
  const signed = (r: Ring): bigint[] => r.toSigned();
  for (const n of [2, 3, 5]) {
    it(`lt/le/gt/ge/eq of two secrets and of a secret and a public tensor (n=${n})`, async () => {
      const prg = new Prg(testSeed(`cmp${n}`).subarray(0, 16));
      const xv = prg.ring([60]).sar(2);
      const yv = prg.ring([60]).sar(2);
      // Ties and near-ties, and values at ±2^61 (differences stay below 2^63).
      const x = Ring.concat([xv, Ring.from([5n, -5n, 0n, 1n << 61n, -(1n << 61n), 7n])]);
      const y = Ring.concat([yv, Ring.from([5n, -4n, 0n, -(1n << 61n), -(1n << 61n), 8n])]);
      const res = await runParties(n, async (s) => {
        const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
        const ys = input(s, n - 1, y.shape, s.me === n - 1 ? y : undefined);
        const outs = await Promise.all([lt(s, xs, ys), le(s, xs, ys), gt(s, xs, ys), ge(s, xs, ys), eq(s, xs, ys), lt(s, xs, { public: y }), ge(s, xs, { public: 5n }), eq(s, xs, { public: y })]);
        return Promise.all(outs.map((o) => open(s, o)));
      });
      const a = signed(x);
      const b = signed(y);
      const bit = (f: (u: bigint, v: bigint) => boolean, bb: bigint[] | bigint): bigint[] => a.map((u, i) => (f(u, Array.isArray(bb) ? bb[i]! : bb) ? 1n : 0n));
      const want = [bit((u, v) => u < v, b), bit((u, v) => u <= v, b), bit((u, v) => u > v, b), bit((u, v) => u >= v, b), bit((u, v) => u === v, b), bit((u, v) => u < v, b), bit((u, v) => u >= v, 5n), bit((u, v) => u === v, b)];
      for (const r of res) r.forEach((o, k) => expect(signed(o), `op ${k}`).to.deep.equal(want[k]));
    });
  }
  for (const [n, shape, axis] of [[3, [5, 7], 1], [2, [8, 4], 0], [5, [9], undefined], [3, [1, 3], 0]] as const) {
    it(`max/argmax over [${shape.join('×')}] axis ${axis ?? 'all'} (n=${n}) with documented rounds`, async () => {
      const size = shape.reduce((p: number, d: number) => p * d, 1);
      const base = new Prg(testSeed(`max${n}${size}`).subarray(0, 16)).ring([size]).sar(20);
      base.data[1] = base.data[0]!; // a tie: the lower index wins
      const x = base.reshape(shape);
      const res = await runParties(n, async (s) => {
        const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
        const r0 = s.stats().rounds;
        const { values, indices } = await maxWithIndex(s, xs, axis);
        const rounds = s.stats().rounds - r0;
        return { v: await open(s, values), i: await open(s, indices), rounds };
      });
      const vals = x.toSigned();
      const [rows, cols] = shape.length === 1 ? [1, shape[0]] : shape;
      const groups: bigint[][] = [];
      if (shape.length === 1) groups.push(vals);
      else if (axis === 1) for (let r = 0; r < rows!; r++) groups.push(vals.slice(r * cols!, (r + 1) * cols!));
      else for (let c = 0; c < cols!; c++) groups.push(Array.from({ length: rows! }, (_, r) => vals[r * cols! + c]!));
      const m = groups[0]!.length;
      for (const r of res) {
        expect(signed(r.v)).to.deep.equal(groups.map((g) => g.reduce((p, q) => (q > p ? q : p))));
        expect(signed(r.i)).to.deep.equal(groups.map((g) => BigInt(g.findIndex((q) => q === g.reduce((p, z) => (z > p ? z : p))))));
        expect(r.rounds).to.equal(maxRounds(n, m));
      }
    });
  }
});

/** Insecure test preprocessing whose items arrive after party-dependent random delays. */
function jittery(me: number, n: number): Preprocessing {
  const inner = new InsecureLocalPreprocessing(testSeed('jitter'), me, n);
  const rnd = new Prg(testSeed(`jitter/${me}`).subarray(0, 16));
  const delay = <T>(p: Promise<T>): Promise<T> => {
    const ms = rnd.bytes(1)[0]! % 7;
    return p.then((v) => new Promise<T>((r) => setTimeout(() => r(v), ms)));
  };
  return {
    mode: inner.mode,
    trust: inner.trust,
    triple: (t, sh) => delay(inner.triple(t, sh)),
    matrixTriple: (t, a, b, c) => delay(inner.matrixTriple(t, a, b, c)),
    truncPair: (t, sh, f) => delay(inner.truncPair(t, sh, f)),
    bitTriple: (t, sh) => delay(inner.bitTriple(t, sh)),
    daBits: (t, sh) => delay(inner.daBits(t, sh)),
    edaBits: (t, sh, b) => delay(inner.edaBits(t, sh, b)),
    close: () => inner.close(),
  } as Preprocessing;
}

describe('concurrent protocols', () => {
  it('ltz, relu, sigmoid, max and exp run side by side (Promise.all) with preprocessing arriving at different times on each party', async () => {
    const x = values('concurrent', 40);
    const fx = Ring.from([-3n << 16n, 0n, 1n << 15n, 5n << 16n]);
    const out = await runParties(3, async (s) => {
      const xs = input(s, 0, x.shape, s.me === 0 ? x : undefined);
      const fs = input(s, 1, fx.shape, s.me === 1 ? fx : undefined);
      const [l, r, sg, m, e] = await Promise.all([ltz(s, xs), relu(s, fs), sigmoid(s, fs), maxWithIndex(s, fs), exp(s, fs)]);
      return Promise.all([open(s, l), open(s, r.y), open(s, sg), open(s, m.values), open(s, e)]);
    }, { prep: (me) => jittery(me, 3) });
    for (const [l, y, sg, m, e] of out) {
      expect(l!.equals(x.shr(63))).to.equal(true);
      expect(y!.toSigned()).to.deep.equal([0n, 0n, 1n << 15n, 5n << 16n]);
      expect(Math.abs(Number(sg!.toSigned()[0]!) / 65536 - 1 / (1 + Math.exp(3)))).to.be.below(1e-3);
      expect(m!.toSigned()).to.deep.equal([5n << 16n]);
      expect(Math.abs(Number(e!.toSigned()[1]!) / 65536 - 1)).to.be.below(1e-3);
    }
  });
});

describe('errors', () => {
  async function code(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (e) {
      return isConcordError(e) ? e.code : `not a ConcordError: ${String(e)}`;
    }
    return 'no error';
  }
  it('bad arguments fail with a stable code before any message is sent', async () => {
    const res = await runParties(2, async (s) => {
      const x = Ring.zeros([2, 2]);
      const codes = [
        await code(sigmoid(s, x, 30)),
        await code(exp(s, x, 25)),
        await code(a2b(s, x, 65)),
        await code(maxWithIndex(s, Ring.zeros([0, 3]), 0)),
        await code(softmax(s, new Ring([2, 2, 2]))),
        await code(andMany(s, [x], [])),
        await code(lt(s, x, Ring.zeros([3]))),
      ];
      return { codes, sent: s.stats().bytesSent };
    });
    for (const r of res) {
      expect(r.codes).to.deep.equal(['E_RANGE', 'E_RANGE', 'E_RANGE', 'E_SHAPE', 'E_SHAPE', 'E_INTERNAL', 'E_SHAPE']);
      expect(r.sent).to.equal(0);
    }
  });
  it('parties running different sizes fail with E_FRAME naming the peer, not a hang', async () => {
    const res = await runParties(2, async (s) => code(ltz(s, Ring.zeros([s.me === 0 ? 3 : 4]))), { timeoutMs: 5000 });
    expect(res).to.include('E_FRAME');
  });
});
