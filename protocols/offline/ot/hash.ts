/**
 * Correlation-robust hash for OT extension from fixed-key AES, batched through node:crypto.
 * H(x) = π(σ(x)) ⊕ σ(x) with π = AES-128 under a public key and σ(xL‖xR) = (xL ⊕ xR ‖ xL),
 * the MMO^σ construction shown circular-correlation-robust in the random-permutation model by
 * Guo, Katz, Wang, Yu, "Efficient and Secure Multiparty Computation from Fixed-Key Block
 * Ciphers", IEEE S&P 2020, §7. The key is derived per extension (public), separating domains.
 * Longer outputs (vector OLE messages) hash x ⊕ γ_c for public distinct offsets γ_c, which is a
 * query the CCR game allows. One AES block per 128 output bits; the whole batch is one cipher call.
 */
import { createCipheriv } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';

/** The public AES key of the hash for one extension (domain separation by extension id). */
export function ccrKey(extId: number): Uint8Array {
  const label = new TextEncoder().encode(`concord/ot/ccr/${extId}`);
  return sha256(label).subarray(0, 16);
}

/** An Int32Array over a Buffer, copying only if the Buffer is not 4-byte aligned. */
function words(buf: Buffer): Int32Array {
  if (buf.byteOffset % 4 === 0) return new Int32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
  return new Int32Array(new Uint8Array(buf).buffer);
}

/** σ(x ⊕ γ_c) for every input block and offset, into a fresh Buffer (int32 loops: no heap numbers). */
function sigma(x: Uint32Array, count: number, per: number): { buf: Buffer; s: Int32Array } {
  const xi = new Int32Array(x.buffer, x.byteOffset, count * 4);
  const buf = Buffer.allocUnsafe(count * per * 16);
  const s = words(buf);
  if (per === 1) {
    for (let k = 0; k < 4 * count; k += 4) {
      const w0 = xi[k]!, w1 = xi[k + 1]!, w2 = xi[k + 2]!, w3 = xi[k + 3]!;
      s[k] = w2;
      s[k + 1] = w3;
      s[k + 2] = w0 ^ w2;
      s[k + 3] = w1 ^ w3;
    }
    return { buf, s };
  }
  for (let k = 0, o = 0; k < count; k++) {
    const w0 = xi[4 * k]!, w1 = xi[4 * k + 1]!, w2 = xi[4 * k + 2]!, w3 = xi[4 * k + 3]!;
    for (let c = 0; c < per; c++, o += 4) {
      const v2 = w2 ^ c;
      s[o] = v2;
      s[o + 1] = w3;
      s[o + 2] = w0 ^ v2;
      s[o + 3] = w1 ^ w3;
    }
  }
  return { buf, s };
}

/** π(y) ⊕ y for the σ-images in `buf` (one cipher call for the whole batch). */
function mmo(key: Uint8Array, buf: Buffer, s: Int32Array): Uint32Array {
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  const out = words(cipher.update(buf));
  for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ s[i]!;
  return new Uint32Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Hash `count` 128-bit blocks x_k (4 words each), each XORed with `delta` if given, into
 * `per` output blocks per input (offsets γ_c = c in word 2). Output: count·per·4 words, input-major.
 */
export function ccrHash(key: Uint8Array, x: Uint32Array, count: number, per = 1, delta?: Uint32Array): Uint32Array {
  const { buf, s } = sigma(x, count, per);
  if (delta) xorSigma(s, delta);
  return mmo(key, buf, s);
}

/** XOR σ(Δ) into every block of σ-images (σ is linear: σ(x ⊕ Δ) = σ(x) ⊕ σ(Δ)). */
function xorSigma(s: Int32Array, delta: Uint32Array): void {
  const d0 = delta[2]! | 0, d1 = delta[3]! | 0, d2 = (delta[0]! ^ delta[2]!) | 0, d3 = (delta[1]! ^ delta[3]!) | 0;
  for (let i = 0; i < s.length; i += 4) {
    s[i] = s[i]! ^ d0;
    s[i + 1] = s[i + 1]! ^ d1;
    s[i + 2] = s[i + 2]! ^ d2;
    s[i + 3] = s[i + 3]! ^ d3;
  }
}

/** Both sender hashes at once: [H(x_k ⊕ γ_c), H(x_k ⊕ Δ ⊕ γ_c)], sharing the σ pass. */
export function ccrHashPair(key: Uint8Array, x: Uint32Array, count: number, per: number, delta: Uint32Array): [Uint32Array, Uint32Array] {
  const { buf, s } = sigma(x, count, per);
  const buf1 = Buffer.from(buf);
  const s1 = words(buf1);
  xorSigma(s1, delta);
  return [mmo(key, buf, s), mmo(key, buf1, s1)];
}
