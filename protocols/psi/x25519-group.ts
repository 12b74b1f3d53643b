/**
 * The commutative blinding of ECDH-PSI on the Montgomery u-line of Curve25519 (RFC 7748 X25519),
 * computed by node:crypto (OpenSSL), over whole batches of 32-byte u-coordinates.
 *
 *   hash:   u(id) = SHA-256("concord/psi/1" ‖ salt ‖ 0x00 ‖ utf8(id)) with bit 255 cleared
 *   blind:  E_k(u) = X25519(k, u) = x([clamp(k)]·P) for either point P with x(P) = u
 *
 * Why this is sound for PSI (the choice over ristretto255 is argued in README.md "Vertical jobs"):
 *  - every u in [0, 2^255) is the x-coordinate of a point on the curve E or on its quadratic twist
 *    E'; the Montgomery ladder computes x([k]P) correctly on both (RFC 7748 §5; Curve25519 is
 *    twist-secure: #E = 8·ℓ, #E' = 4·ℓ', ℓ and ℓ' prime of 252–253 bits);
 *  - commutativity: x([a]·[b]P) = x([b]·[a]P), and x(Q) fixes Q up to sign, with [a](−Q) = −[a]Q,
 *    so E_a(E_b(u)) = E_b(E_a(u)) for every u: all parties reach the same value whatever the order;
 *  - clamping makes every scalar a multiple of 8 (and sets bit 254), so the first blinding kills
 *    the small-order component of P: afterwards every value lies in the prime-order subgroup of
 *    E or E', where k ↦ [k]Q is a bijection (k ≠ 0 mod ℓ, ℓ'). Two IDs collide only if their
 *    hashed points differ by a torsion point or a sign: probability ≈ 16·m²/2^255;
 *  - a small-order u (probability 12/2^255 for a hashed ID) would give the all-zero output,
 *    which OpenSSL rejects: that surfaces as E_INTERNAL rather than a silent collision;
 *  - blinded values are pseudo-random to anyone lacking one of the keys applied to them, under
 *    DDH in those prime-order groups with SHA-256 as a random oracle (the usual DH-PSI argument,
 *    Huberman, Franklin, Hogg, EC 1999; Meadows, S&P 1986).
 * No inverse scalars are ever needed (the protocol never unblinds), which is what lets the twist
 * points in: an inverse would differ between the orders ℓ and ℓ'.
 *
 * Cost: one OpenSSL X25519 plus one KeyObject import per element (node:crypto has no batch API;
 * the JWK import measured 6× cheaper than the DER one). Allocations: one small object per
 * element inside node:crypto; the input and output batches are single Uint8Arrays.
 */
import { createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { ConcordError } from '../../src/errors.js';

/** Bytes of one u-coordinate. */
export const U_BYTES = 32;

const DOMAIN = new TextEncoder().encode('concord/psi/1');

/** A party's secret blinding key (never leaves the process; never logged). */
export class BlindingKey {
  private readonly key: KeyObject;

  /** `scalar`: 32 secret bytes (clamped by X25519 itself); default fresh randomness. */
  constructor(scalar: Uint8Array = randomBytes(32)) {
    if (scalar.length !== 32) throw new RangeError(`"scalar" expected 32 bytes, got length=${scalar.length}`);
    const x = Buffer.from(x25519.getPublicKey(scalar)).toString('base64url');
    this.key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(scalar).toString('base64url'), x }, format: 'jwk' });
  }

  /** E_k of every 32-byte u in `us` (length a multiple of 32), written to `out` (may be `us`). */
  blindInto(us: Uint8Array, out: Uint8Array = new Uint8Array(us.length)): Uint8Array {
    if (us.length % U_BYTES !== 0 || out.length !== us.length) throw new RangeError(`blind: expected batches of 32-byte values, got ${us.length} → ${out.length} bytes`);
    const jwk = { kty: 'OKP', crv: 'X25519', x: '' };
    const spec = { key: jwk, format: 'jwk' as const };
    const args = { privateKey: this.key, publicKey: this.key };
    const b = Buffer.from(us.buffer, us.byteOffset, us.length);
    for (let o = 0; o < us.length; o += U_BYTES) {
      jwk.x = b.toString('base64url', o, o + U_BYTES);
      args.publicKey = createPublicKey(spec);
      let v: Buffer;
      try {
        v = diffieHellman(args);
      } catch (e) {
        throw new ConcordError('E_INTERNAL', `psi: X25519 rejected a value (a small-order point: probability 2^-250 for honest inputs; a peer may have sent garbage): ${(e as Error).message}`);
      }
      out.set(v, o);
    }
    return out;
  }
}

/** u(id) for each id, salted (the job hash): one 32-byte value per id, in order. */
export function hashIds(ids: readonly string[], salt: Uint8Array, from = 0, to = ids.length): Uint8Array {
  const out = new Uint8Array((to - from) * U_BYTES);
  const zero = new Uint8Array([0]);
  for (let i = from; i < to; i++) {
    const h = createHash('sha256').update(DOMAIN).update(salt).update(zero).update(ids[i]!, 'utf8').digest();
    h[31]! &= 0x7f; // X25519 ignores bit 255 (RFC 7748 §5): clear it so equal inputs are equal bytes
    out.set(h, (i - from) * U_BYTES);
  }
  return out;
}
