import { Prg, deriveKey } from '../../src/crypto/prg.js';
import { Ring, type Shape } from '../../src/ring/ring.js';
import type { DaBits, Preprocessing, Triple, TruncPair } from '../../src/session/preprocessing.js';

/**
 * INSECURE, TESTS ONLY: every party derives every item in full from one common seed and keeps
 * its own share. Any party could compute all shares. Never reachable from the CLI.
 */
export class InsecureLocalPreprocessing implements Preprocessing {
  readonly mode = 'insecure-local (tests only)';
  readonly trust = 'INSECURE: every party can compute every share; unit tests only';

  constructor(private readonly seed: Uint8Array, private readonly me: number, private readonly n: number) {}

  private prg(tag: number, sub: number): Prg {
    return new Prg(deriveKey(this.seed, 'insecure-prep'), tag, sub);
  }

  /** Additive shares of `value`: parties 0..n−2 take PRG streams, the last one the difference. */
  private share(value: Ring, tag: number, stream: number): Ring {
    let last = value;
    let mine: Ring | undefined;
    for (let i = 0; i < this.n - 1; i++) {
      const s = this.prg(tag, 1000 * (stream + 1) + i).ring(value.shape);
      if (i === this.me) mine = s;
      last = last.sub(s);
    }
    return mine ?? last;
  }

  /** XOR shares of `value`. */
  private xorShare(value: Ring, tag: number, stream: number): Ring {
    let last = value;
    let mine: Ring | undefined;
    for (let i = 0; i < this.n - 1; i++) {
      const s = this.prg(tag, 1000 * (stream + 1) + i).ring(value.shape);
      if (i === this.me) mine = s;
      last = last.xor(s);
    }
    return mine ?? last;
  }

  async triple(tag: number, shape: Shape): Promise<Triple> {
    const a = this.prg(tag, 1).ring(shape);
    const b = this.prg(tag, 2).ring(shape);
    return { a: this.share(a, tag, 1), b: this.share(b, tag, 2), c: this.share(a.mul(b), tag, 3) };
  }

  async matrixTriple(tag: number, n: number, k: number, m: number): Promise<Triple> {
    const a = this.prg(tag, 1).ring([n, k]);
    const b = this.prg(tag, 2).ring([k, m]);
    return { a: this.share(a, tag, 1), b: this.share(b, tag, 2), c: this.share(a.matmul(b), tag, 3) };
  }

  async truncPair(tag: number, shape: Shape, f: number): Promise<TruncPair> {
    const r = this.prg(tag, 1).ring(shape);
    const rLow = r.shl(1).shr(1);
    return { r: this.share(r, tag, 1), rLowShifted: this.share(rLow.shr(f), tag, 2), rTop: this.share(r.shr(63), tag, 3) };
  }

  async bitTriple(tag: number, shape: Shape): Promise<Triple> {
    const a = this.prg(tag, 1).ring(shape);
    const b = this.prg(tag, 2).ring(shape);
    return { a: this.xorShare(a, tag, 1), b: this.xorShare(b, tag, 2), c: this.xorShare(a.and(b), tag, 3) };
  }

  async daBits(tag: number, shape: Shape): Promise<DaBits> {
    const bits = this.prg(tag, 1).ring(shape).bit(0);
    return { arith: this.share(bits, tag, 1), bin: this.xorShare(bits, tag, 2) };
  }

  async close(): Promise<void> {}
}
