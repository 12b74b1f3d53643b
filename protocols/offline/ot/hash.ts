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

/** A Uint32Array over a Buffer, copying only if the Buffer is not 4-byte aligned. */
function words(buf: Buffer): Uint32Array {
  if (buf.byteOffset % 4 === 0) return new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
  return new Uint32Array(new Uint8Array(buf).buffer);
}

/**
 * Hash `count` 128-bit blocks x_k (4 words each), each XORed with `delta` if given, into
 * `per` output blocks per input (offsets γ_c = c in word 2). Output: count·per·4 words, input-major.
 */
export function ccrHash(key: Uint8Array, x: Uint32Array, count: number, per = 1, delta?: Uint32Array): Uint32Array {
  const d0 = delta ? delta[0]! : 0, d1 = delta ? delta[1]! : 0, d2 = delta ? delta[2]! : 0, d3 = delta ? delta[3]! : 0;
  const inBuf = Buffer.allocUnsafe(count * per * 16);
  const s = words(inBuf);
  for (let k = 0, o = 0; k < count; k++) {
    const w0 = x[4 * k]! ^ d0, w1 = x[4 * k + 1]! ^ d1, w2 = x[4 * k + 2]! ^ d2, w3 = x[4 * k + 3]! ^ d3;
    for (let c = 0; c < per; c++, o += 4) {
      const v2 = w2 ^ c;
      s[o] = v2;
      s[o + 1] = w3;
      s[o + 2] = w0 ^ v2;
      s[o + 3] = w1 ^ w3;
    }
  }
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  const out = words(cipher.update(inBuf));
  for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ s[i]!;
  return out;
}
