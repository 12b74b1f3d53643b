import { inspect } from 'node:util';
import { ConcordError } from '../errors.js';
import { Ring, sameShape, type Shape } from '../ring/ring.js';
import { FRAC_BITS, encodeFixed, decodeFixed } from '../ring/fixed.js';
import type { Session } from '../session/session.js';
import { input } from '../../protocols/arithmetic/input.js';
import { open, revealTo } from '../../protocols/arithmetic/open.js';
import { addPublic } from '../../protocols/arithmetic/linear.js';
import { mul } from '../../protocols/arithmetic/mul.js';
import { matmul } from '../../protocols/arithmetic/matmul.js';
import { trunc } from '../../protocols/arithmetic/trunc.js';
import { mulFx, matmulFx } from '../../protocols/arithmetic/fixed.js';

/**
 * A secret tensor for users: this party's additive share plus its session, with operators that
 * read like the maths. Values are fixed point with `frac` fractional bits (default 16) or, with
 * frac = 0, plain ring integers. Products of two fixed-point secrets are truncated back
 * (probabilistic truncation; correct within 1 ulp while |real product| < 2^(62−2f), 2^30 at f=16).
 *
 * A Secret cannot leak by accident: printing shows only its shape, and coercing it to a number,
 * string or JSON, or using it in a condition that needs a primitive, throws E_USAGE. The only
 * way to a value is an explicit `reveal()` / `revealTo()` — which every party must call.
 *
 *   const x = Secret.input(s, 0, [2, 3], mine);        // party 0 provides `mine`
 *   const w = Secret.input(s, 1, [3, 1], theirs);
 *   const y = await x.matmul(w);                        // 2 rounds (Beaver + truncation)
 *   console.log(await y.add(1.5).reveal());             // Float64Array, on every party
 */
export class Secret {
  readonly #share: Ring;

  private constructor(readonly session: Session, share: Ring, readonly frac: number) {
    this.#share = share;
  }

  /**
   * Secret-share `value` owned by party `owner` (0 bytes on the wire). Every party calls this
   * with the same owner and shape; only the owner passes the value (numbers are fixed-point encoded
   * with `frac` bits; a Ring is taken as already encoded).
   */
  static input(s: Session, owner: number, shape: Shape, value?: ArrayLike<number> | Ring, frac: number = FRAC_BITS): Secret {
    if (!Number.isInteger(owner) || owner < 0 || owner >= s.n) throw new ConcordError('E_USAGE', `Secret.input: owner ${owner} is not a party index in 0..${s.n - 1}`);
    let v: Ring | undefined;
    if (s.me === owner) {
      if (value === undefined) throw new ConcordError('E_USAGE', `Secret.input: party ${s.id} owns this input but passed no value`);
      v = value instanceof Ring ? value : frac > 0 ? encodeFixed(value, shape, frac) : Ring.from(Array.from(value, (x, i) => {
        if (!Number.isSafeInteger(x)) throw new ConcordError('E_RANGE', `Secret.input: value ${x} at index ${i} is not a safe integer (frac = 0 holds ring integers; use frac > 0 for reals)`);
        return BigInt(x);
      }), shape);
    } else if (value !== undefined) {
      throw new ConcordError('E_USAGE', `Secret.input: party ${s.id} passed a value for an input owned by party ${s.ids[owner]}; only the owner provides it`);
    }
    return new Secret(s, input(s, owner, shape, v), frac);
  }

  /** Wrap an existing share (from a protocol) as a Secret. */
  static fromShare(s: Session, share: Ring, frac: number = FRAC_BITS): Secret {
    return new Secret(s, share, frac);
  }

  /** A public constant as a Secret (party 0 holds it; no communication). */
  static constant(s: Session, shape: Shape, value: number, frac: number = FRAC_BITS): Secret {
    const p = encodeConst(value, shape, frac);
    return new Secret(s, s.me === 0 ? p : Ring.zeros(shape), frac);
  }

  get shape(): Shape {
    return this.#share.shape;
  }

  /** This party's own share (for protocols). It is not the secret and reveals nothing alone. */
  get share(): Ring {
    return this.#share;
  }

  /** Sum with a secret of the same shape, or a public number (no communication). */
  add(b: Secret | number): Secret {
    if (typeof b === 'number') return this.wrap(addPublic(this.session, this.#share, encodeConst(b, this.shape, this.frac)));
    return this.wrap(this.#share.add(this.same(b, 'add').#share));
  }

  /** Difference (no communication). */
  sub(b: Secret | number): Secret {
    return typeof b === 'number' ? this.add(-b) : this.wrap(this.#share.sub(this.same(b, 'sub').#share));
  }

  /** Additive inverse (no communication). */
  neg(): Secret {
    return this.wrap(this.#share.neg());
  }

  /**
   * Multiply by a public number. Integers are exact and local; other reals are encoded with
   * `frac` bits and the product truncated (1 round).
   */
  async scale(k: number): Promise<Secret> {
    if (Number.isSafeInteger(k)) return this.wrap(this.#share.scale(BigInt(k)));
    if (this.frac === 0) throw new ConcordError('E_USAGE', `scale: ${k} is not an integer and this secret holds ring integers (frac = 0)`);
    const kk = encodeConst(k, [1], this.frac).get(0);
    return this.wrap(await trunc(this.session, this.#share.scale(kk), this.frac));
  }

  /** Element-wise product; fixed-point secrets are truncated back to `frac` bits (2 rounds, else 1). */
  async mul(b: Secret): Promise<Secret> {
    const o = this.same(b, 'mul');
    if (this.frac === 0) return this.wrap(await mul(this.session, this.#share, o.#share));
    return this.wrap(await mulFx(this.session, this.#share, o.#share, this.frac));
  }

  /** Matrix product (2-D); fixed point truncated back (2 rounds, else 1). */
  async matmul(b: Secret, opts: { transA?: boolean; transB?: boolean } = {}): Promise<Secret> {
    this.sameSession(b, 'matmul');
    if (b.frac !== this.frac) throw new ConcordError('E_USAGE', `matmul: fractional bits differ (${this.frac} and ${b.frac})`);
    if (this.frac === 0) return this.wrap(await matmul(this.session, this.#share, b.#share, opts));
    return this.wrap(await matmulFx(this.session, this.#share, b.#share, { ...opts, f: this.frac }));
  }

  /** Open to every party: decoded reals for fixed point, signed bigints for frac = 0 (1 round). */
  async reveal(): Promise<Float64Array | bigint[]> {
    return this.decode(await open(this.session, this.#share));
  }

  /** Open only to the listed parties (ids or indices); the others get undefined (1 round). */
  async revealTo(recipients: readonly (string | number)[]): Promise<Float64Array | bigint[] | undefined> {
    const idx = recipients.map((r) => {
      const i = typeof r === 'number' ? r : this.session.ids.indexOf(r);
      if (!Number.isInteger(i) || i < 0 || i >= this.session.n) throw new ConcordError('E_USAGE', `revealTo: unknown recipient ${String(r)} (parties: ${this.session.ids.join(', ')})`);
      return i;
    });
    const r = await revealTo(this.session, this.#share, idx);
    return r === undefined ? undefined : this.decode(r);
  }

  toString(): string {
    return `Secret[${this.shape.join('×')}]`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
  /** Refuses: a secret has no number value until revealed. */
  valueOf(): never {
    throw coercion('a number');
  }
  [Symbol.toPrimitive](hint: string): never {
    throw coercion(hint === 'string' ? 'a string' : 'a primitive value');
  }
  /** Refuses: serialising a secret would be a leak waiting to happen. */
  toJSON(): never {
    throw coercion('JSON');
  }

  private decode(r: Ring): Float64Array | bigint[] {
    return this.frac > 0 ? decodeFixed(r, this.frac) : r.toSigned();
  }
  private wrap(share: Ring): Secret {
    return new Secret(this.session, share, this.frac);
  }
  private sameSession(b: Secret, op: string): void {
    if (!(b instanceof Secret)) throw new ConcordError('E_USAGE', `${op}: expected a Secret`);
    if (b.session !== this.session) throw new ConcordError('E_USAGE', `${op}: the two secrets belong to different sessions`);
  }
  private same(b: Secret, op: string): Secret {
    this.sameSession(b, op);
    if (!sameShape(this.shape, b.shape)) throw new ConcordError('E_SHAPE', `${op}: shapes [${this.shape.join('×')}] and [${b.shape.join('×')}] differ`);
    if (b.frac !== this.frac) throw new ConcordError('E_USAGE', `${op}: fractional bits differ (${this.frac} and ${b.frac})`);
    return b;
  }
}

/** Reveal a secret to every party: `await reveal(x)` reads like `await x.reveal()`. */
export function reveal(x: Secret): Promise<Float64Array | bigint[]> {
  return x.reveal();
}

function encodeConst(v: number, shape: Shape, frac: number): Ring {
  if (frac === 0) {
    if (!Number.isSafeInteger(v)) throw new ConcordError('E_USAGE', `constant ${v} is not an integer and the secret holds ring integers (frac = 0)`);
    return Ring.fill(shape, BigInt(v));
  }
  return Ring.fill(shape, encodeFixed([v], [1], frac).get(0));
}

function coercion(what: string): ConcordError {
  return new ConcordError('E_USAGE', `a Secret cannot be converted to ${what}: its value is secret-shared; call \`await x.reveal()\` (or revealTo) explicitly to open it`);
}
