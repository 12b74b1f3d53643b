import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { ConcordError } from '../src/errors.js';
import { DH25519 } from '../src/crypto/noise-suites.js';
import { encodeFrame, FrameDecoder } from '../src/net/frame.js';
import { acceptHandshake, dialHandshake, StrangerError } from '../src/net/handshake.js';
import { memoryWirePair } from '../src/net/wire.js';
import { Ring } from '../src/ring/ring.js';
import { parseConsortium } from '../src/config/consortium.js';
import { validateJob } from '../src/ml/job.js';
import { parseCsv } from '../src/ml/csv.js';
import { mulberry32 } from './helpers/ring-gen.js';

/**
 * Seeded fuzzing of everything a stranger or a bad file can feed Concord: the frame decoder, the
 * handshake's first message, and the consortium, job and CSV loaders. Every input must end in a
 * typed ConcordError (or be accepted): never a TypeError/RangeError, a hang or a huge allocation.
 * Bounded: a fixed number of cases per target, a few seconds in all. A failure prints the seed
 * and case number so it can be replayed.
 */

const SEED = 0x15c0ffee;



class Fuzz {
  readonly r: () => number;
  constructor(seed: number) {
    this.r = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
  /** Flip bits, overwrite, insert, delete or truncate. */
  mutate(b: Uint8Array): Uint8Array {
    const out = Array.from(b);
    const k = 1 + this.int(4);
    for (let i = 0; i < k; i++) {
      const at = this.int(out.length + 1);
      switch (this.int(5)) {
        case 0: if (out.length) out[at % out.length] = out[at % out.length]! ^ (1 << this.int(8)); break;
        case 1: if (out.length) out[at % out.length] = this.pick([0, 0xff, 0x7f, 0x80, this.int(256)]); break;
        case 2: out.splice(at, 0, ...this.bytes(1 + this.int(8))); break;
        case 3: out.splice(at, 1 + this.int(8)); break;
        default: out.length = Math.min(out.length, at);
      }
    }
    return Uint8Array.from(out);
  }
  /** A random JSON-ish value, `depth` levels deep at most. */
  value(depth = 2): unknown {
    const kinds = depth > 0 ? 9 : 7;
    switch (this.int(kinds)) {
      case 0: return null;
      case 1: return this.r() < 0.5;
      case 2: return this.pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, 65536, 7101]);
      case 3: return this.pick(['', 'x', 'a'.repeat(300), '127.0.0.1:7101', '0'.repeat(64), '__proto__', 'constructor', '\u0000', 'ot', 'logreg']);
      case 4: return this.pick(['hasOwnProperty', 'valueOf', 'toString', 'isPrototypeOf']);
      case 5: return undefined;
      case 6: return Number.NaN;
      case 7: return Array.from({ length: this.int(4) }, () => this.value(depth - 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(4); i > 0; i--) o[this.pick(['id', 'address', 'publicKey', '__proto__', 'constructor', 'valueOf', 'x'])] = this.value(depth - 1);
        return o;
      }
    }
  }
  /** A structural mutation of a JSON object: drop, replace or add a field (anywhere in the tree). */
  mutateJson(v: unknown): unknown {
    const c = JSON.parse(JSON.stringify(v)) as unknown;
    const walk = (x: unknown): void => {
      if (typeof x !== 'object' || x === null) return;
      const keys = Object.keys(x);
      if (keys.length && this.r() < 0.6) return walk((x as Record<string, unknown>)[this.pick(keys)]);
      const o = x as Record<string, unknown>;
      const op = this.int(3);
      if (op === 0 && keys.length) delete o[this.pick(keys)];
      else if (op === 1 && keys.length) o[this.pick(keys)] = this.value();
      else Object.defineProperty(o, this.pick(['__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'extra', 'toString']), { value: this.value(), enumerable: true, configurable: true, writable: true });
    };
    walk(c);
    // As a file would give it: through JSON text (own "__proto__" keys survive, prototypes do not).
    const text = JSON.stringify(c);
    return text === undefined ? undefined : JSON.parse(text);
  }
}

/** Run f; it may succeed, or throw a ConcordError; anything else fails the test with the case id. */
function typedOrOk(id: string, f: () => unknown): 'ok' | 'error' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof ConcordError)) throw new Error(`${id}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} (not a ConcordError)\n${(e as Error)?.stack}`);
    return 'error';
  }
}

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

describe('fuzz: every malformed input ends in a typed ConcordError', function () {
  this.timeout(60_000);

  it('frame decoder: mutated and random frames, in random splits (bounded memory)', () => {
    const f = new Fuzz(SEED);
    const valid = [
      encodeFrame({ tag: 3, kind: 'k', ring: Ring.from([1n, 2n, 3n]) }),
      encodeFrame({ tag: 9, kind: 'data', json: { ok: true, rows: 5, features: ['a', 'b'] } }),
      encodeFrame({ tag: 1, kind: 'b', bytes: new Uint8Array(40).fill(9) }),
      encodeFrame({ tag: 0, kind: 'bye' }),
    ].map((e) => Uint8Array.from([...e.head, ...e.payload]));
    const heads = (): unknown => f.pick([
      [1, f.int(2 ** 32), 'k', f.int(5), f.pick(['u64', '', 'f32']), f.pick([[], [f.int(1e9)], [2, 3], [-1], [1.5]]), f.pick([0, 8, 24, 2 ** 30, 2 ** 31, 2 ** 53, -8])],
      f.value(3),
      [1, 1, 'k', 3, '', [], f.pick([2, 5, 1 << 20, (1 << 20) + 1])],
    ]);
    const before = process.memoryUsage().arrayBuffers;
    const counts = { ok: 0, error: 0 };
    for (let i = 0; i < 3000; i++) {
      let input: Uint8Array;
      const mode = f.int(3);
      if (mode === 0) input = f.mutate(f.pick(valid));
      else if (mode === 1) {
        const h = packr.pack(heads());
        input = new Uint8Array(4 + h.length + f.int(64));
        new DataView(input.buffer).setUint32(0, f.r() < 0.9 ? h.length : f.int(2 ** 32), true);
        input.set(h, 4);
        input.set(f.bytes(input.length - 4 - h.length), 4 + h.length);
      } else input = f.bytes(f.int(200));
      const dec = new FrameDecoder();
      counts[typedOrOk(`frame case ${i} (seed ${SEED})`, () => {
        for (let off = 0; off < input.length; ) {
          const n = 1 + f.int(64);
          dec.push(input.slice(off, off + n));
          off += n;
        }
      })]++;
      expect(process.memoryUsage().arrayBuffers - before, `frame case ${i}: memory`).to.be.below(64 << 20);
    }
    expect(counts.error).to.be.above(1000); // the fuzzer does reach the checks
    expect(counts.ok).to.be.above(50);
  });

  it('handshake: mutated and random first messages never become a link and never escape as a non-Concord error', async () => {
    const f = new Fuzz(SEED + 1);
    const A = DH25519.generateKeyPair();
    const B = DH25519.generateKeyPair();
    // one real hello to mutate
    const [wa, wb] = memoryWirePair();
    const got = new Promise<Uint8Array>((r) => wb.onData(r));
    const dial = dialHandshake(wa, { id: 'bob', publicKey: B.publicKey }, { myId: 'alice', myKey: A, jobHash: 'j', deadline: Date.now() + 200 }).catch(() => undefined);
    const hello = await got;
    wb.close(1000, 'done');
    await dial;
    const cases = Array.from({ length: 400 }, (_, i) => {
      const mode = f.int(3);
      if (mode === 0) return f.mutate(hello);
      if (mode === 1) return Uint8Array.from([0x43, 1, ...f.bytes(f.int(120))]);
      return f.bytes(f.int(150));
    });
    const t0 = Date.now();
    const outcomes = await Promise.all(cases.map(async (bytes, i) => {
      const [att, bob] = memoryWirePair();
      att.send(bytes);
      const deadline = Date.now() + 1500;
      try {
        await acceptHandshake(bob, (id) => (id === 'alice' ? { id, publicKey: A.publicKey } : undefined), () => ({ myId: 'bob', myKey: B, jobHash: 'j', deadline }), deadline);
        return `case ${i}: became a link`;
      } catch (e) {
        if (!(e instanceof StrangerError)) return `case ${i}: ${(e as Error)?.constructor?.name}: ${(e as Error).message}`;
        return 'stranger';
      } finally {
        att.close(1000, 'end');
      }
    }));
    expect(outcomes.filter((o) => o !== 'stranger')).to.deep.equal([]);
    expect(Date.now() - t0).to.be.below(10_000);
  });

  it('consortium, job and CSV loaders: mutated files end in E_CONFIG / E_DATA, never a TypeError', () => {
    const f = new Fuzz(SEED + 2);
    const key = (c: string) => c.repeat(64);
    const consortium = {
      consortium: 'demo',
      parties: [
        { id: 'a', address: '127.0.0.1:7101', publicKey: key('1') },
        { id: 'b', address: '127.0.0.1:7102', publicKey: key('2') },
      ],
      dealer: { id: 'dealer', address: '127.0.0.1:7100', publicKey: key('3') },
    };
    const job = { name: 'j', model: 'logreg', epochs: 3, batchSize: 8, lr: 0.5, recipients: ['a'], features: ['x', 'y'], offline: 'ot' };
    let errors = 0;
    for (let i = 0; i < 1500; i++) {
      const c = f.r() < 0.8 ? f.mutateJson(consortium) : f.mutateJson([f.value(3)]);
      if (typedOrOk(`consortium case ${i} (seed ${SEED + 2})`, () => parseConsortium(c, 'c.json')) === 'error') errors++;
      const j = f.r() < 0.8 ? f.mutateJson(job) : f.mutateJson([f.value(3)]);
      if (typedOrOk(`job case ${i} (seed ${SEED + 2})`, () => validateJob(j, 'job.json')) === 'error') errors++;
      // text-level mutations of the JSON too (the loaders' JSON.parse step is covered by the file readers)
      const text = new TextDecoder().decode(f.mutate(new TextEncoder().encode(JSON.stringify(job))));
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue;
      }
      typedOrOk(`job text case ${i}`, () => validateJob(parsed, 'job.json'));
    }
    expect(errors).to.be.above(1000);
    const csv = 'x,y,label\n1,2,0\n3.5,-4e2,1\n0,0,1\n';
    let csvErrors = 0;
    for (let i = 0; i < 1500; i++) {
      const text = f.r() < 0.8 ? new TextDecoder().decode(f.mutate(new TextEncoder().encode(csv))) : Array.from({ length: f.int(6) }, () => Array.from({ length: f.int(5) }, () => f.pick(['1', '', 'label', 'x', 'nan', '1e999', '0', '__proto__', '"a,b"', ' '])).join(',')).join(f.pick(['\n', '\r\n', '\r']));
      if (typedOrOk(`csv case ${i} (seed ${SEED + 2})`, () => parseCsv(text, 'd.csv', f.pick(['label', '__proto__', 'x']))) === 'error') csvErrors++;
    }
    expect(csvErrors).to.be.above(500);
  });
});
