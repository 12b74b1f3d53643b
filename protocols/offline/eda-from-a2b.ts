import { randomBytes } from 'node:crypto';
import { ConcordError } from '../../src/errors.js';
import { Ring, sizeOf, type Shape } from '../../src/ring/ring.js';
import type { Session } from '../../src/session/session.js';
import type { EdaBits } from '../../src/session/preprocessing.js';
import { a2bStep } from '../binary/a2b.js';
import { run } from '../core/run.js';

/**
 * edaBits by a binary adder over the parties' own random shares: the generic construction for
 * offline modes without a native one (a mode replaces it by its own generator later). [EGKRS20 §5: edaBits from each party's random input summed in a binary
 * circuit; here the circuit is a2b's carry-save layers and Kogge–Stone adder]. Used by hm, whose
 * bit triples cost no communication (ot composes daBits instead: eda-from-dabits.ts).
 *
 * Every party draws its arithmetic share r_i uniformly from its own randomness, so r = Σ r_i is
 * uniform as soon as one party is honest and nobody learns it. a2b (protocols/binary/a2b.ts)
 * turns these shares into XOR shares of r's low `bits` bits, with the mode's own bit triples:
 * C(n) + 1 + ⌈log2(bits − 1)⌉ rounds and 16·(n − 2) + 32·⌈log2(bits − 1)⌉ bytes per element and
 * peer, paid in the offline phase (before the comparison's own rounds when prefetched).
 * Security: a2b opens only Beaver-masked words; r never appears in clear.
 *
 * Tags and messages: the adder runs on a view of the session whose tags come from a space no
 * online protocol reaches (2^31 + 32·index + i, i < 32: the adder's call scope and its bit triples; `index` counts the mode's edaBits
 * requests, which every party makes in the same order), so its messages and the bit triples it
 * requests never collide with any other's, and still fit hm's 32-bit PRG stream field.
 */
export function edaBitsByAdder(s: Session, index: number, shape: Shape, bits = 64): Promise<EdaBits> {
  if (!Number.isInteger(bits) || bits < 1 || bits > 64) return Promise.reject(new ConcordError('E_RANGE', `edaBits: bits=${bits} outside 1..64`));
  const len = sizeOf(shape);
  if (len === 0) return Promise.resolve({ arith: Ring.zeros(shape), bin: Ring.zeros(shape) });
  const arith = new Ring([len]);
  new Uint8Array(arith.data.buffer, arith.data.byteOffset, 8 * len).set(randomBytes(8 * len));
  // Started now, synchronously: the adder's bit triples are requested in call order on every party.
  const t = privateTags(s, index);
  return run(t, (sc) => a2bStep(sc, arith, bits)).then((bin) => ({ arith: arith.reshape(shape), bin: bin.reshape(shape) }));
}

/** Tags of the reserved space: 2^31 + 32·index + i (a2b takes 2·C(n) + 14 ≤ 22 tags for n ≤ 8). */
const BASE = 2 ** 31;
const PER_REQUEST = 32;

/** A view of the session whose tag() counts through the reserved tags of one request. */
function privateTags(s: Session, index: number): Session {
  if (BASE + PER_REQUEST * (index + 1) > 2 ** 32) throw new ConcordError('E_INTERNAL', `edaBits: request ${index} beyond the reserved tag space (2^26 requests per session)`);
  let next = 0;
  const tagFn = (): number => {
    if (next >= PER_REQUEST) throw new ConcordError('E_INTERNAL', `edaBits: the adder used more than ${PER_REQUEST} tags`);
    return BASE + PER_REQUEST * index + next++;
  };
  return new Proxy(s, {
    get(target, prop) {
      if (prop === 'tag') return tagFn;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
