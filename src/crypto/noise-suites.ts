import { createCipheriv, createDecipheriv } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { blake2b, blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { NoiseError, NOISE_TAG_LEN, type KeyPair, type NoiseCipher, type NoiseDh, type NoiseHash, type NoiseSuite } from './noise.js';

/**
 * Concrete Noise primitives (rev 34 §12): 25519 via @noble/curves, AESGCM and ChaChaPoly via
 * node:crypto (OpenSSL), SHA256 / BLAKE2s / BLAKE2b via @noble/hashes.
 */

/** §12.1 DH 25519. getSharedSecret rejects low-order points (all-zero output). */
export const DH25519: NoiseDh = {
  name: '25519',
  dhLen: 32,
  generateKeyPair(): KeyPair {
    const { secretKey, publicKey } = x25519.keygen();
    return { privateKey: secretKey, publicKey };
  },
  publicKey: (priv) => x25519.getPublicKey(priv),
  dh: (priv, pub) => x25519.getSharedSecret(priv, pub),
};

/** 12-byte nonce: 4 zero bytes then the counter, big-endian for AESGCM (§12.4), little-endian for ChaChaPoly (§12.3). */
function nonceBytes(n: number, bigEndian: boolean): Buffer {
  const iv = Buffer.alloc(12);
  const hi = Math.floor(n / 0x1_0000_0000);
  const lo = n >>> 0;
  if (bigEndian) {
    iv.writeUInt32BE(hi, 4);
    iv.writeUInt32BE(lo, 8);
  } else {
    iv.writeUInt32LE(lo, 4);
    iv.writeUInt32LE(hi, 8);
  }
  return iv;
}

function nodeCipher(name: 'AESGCM' | 'ChaChaPoly'): NoiseCipher {
  const alg = name === 'AESGCM' ? 'aes-256-gcm' : 'chacha20-poly1305';
  const be = name === 'AESGCM';
  return {
    name,
    encrypt(k, n, ad, plaintext) {
      const c = createCipheriv(alg as 'aes-256-gcm', k, nonceBytes(n, be), { authTagLength: NOISE_TAG_LEN });
      if (ad.length) c.setAAD(ad);
      const out = Buffer.allocUnsafe(plaintext.length + NOISE_TAG_LEN);
      // update() may return fewer bytes than given for block ciphers in general; GCM/ChaCha stream, but stay exact.
      const body = c.update(plaintext);
      body.copy(out, 0);
      const fin = c.final();
      fin.copy(out, body.length);
      c.getAuthTag().copy(out, body.length + fin.length);
      return out;
    },
    encryptSplit(k, n, ad, plaintext) {
      const c = createCipheriv(alg as 'aes-256-gcm', k, nonceBytes(n, be), { authTagLength: NOISE_TAG_LEN });
      if (ad.length) c.setAAD(ad);
      const body = c.update(plaintext);
      const fin = c.final();
      return [fin.length === 0 ? body : Buffer.concat([body, fin]), c.getAuthTag()];
    },
    decrypt(k, n, ad, ciphertext) {
      const bodyLen = ciphertext.length - NOISE_TAG_LEN;
      return decryptSplit(k, n, ad, ciphertext.subarray(0, bodyLen), ciphertext.subarray(bodyLen));
    },
    decryptSplit,
  };
  function decryptSplit(k: Uint8Array, n: number, ad: Uint8Array, body: Uint8Array, tag: Uint8Array): Uint8Array {
    const d = createDecipheriv(alg as 'aes-256-gcm', k, nonceBytes(n, be), { authTagLength: NOISE_TAG_LEN });
    if (ad.length) d.setAAD(ad);
    d.setAuthTag(tag);
    const plain = d.update(body);
    try {
      const fin = d.final();
      return fin.length === 0 ? plain : Buffer.concat([plain, fin]);
    } catch {
      throw new NoiseError('decrypt', 'authentication failed: the message was tampered with, replayed, reordered or encrypted under another key');
    }
  }
}

/** §12.4 AESGCM. */
export const AESGCM: NoiseCipher = nodeCipher('AESGCM');
/** §12.3 ChaChaPoly. */
export const CHACHAPOLY: NoiseCipher = nodeCipher('ChaChaPoly');

type NobleHash = typeof sha256 | typeof blake2s | typeof blake2b;
function nobleHash(name: string, h: NobleHash, hashLen: number): NoiseHash {
  return {
    name,
    hashLen,
    hash: (data) => h(data),
    hmac: (key, data) => hmac(h, key, data),
  };
}

/** §12.5 SHA256. */
export const SHA256: NoiseHash = nobleHash('SHA256', sha256, 32);
/** §12.7 BLAKE2s. */
export const BLAKE2S: NoiseHash = nobleHash('BLAKE2s', blake2s, 32);
/** §12.8 BLAKE2b. */
export const BLAKE2B: NoiseHash = nobleHash('BLAKE2b', blake2b, 64);

/** The suite Concord runs: Noise_KK_25519_AESGCM_SHA256. */
export const CONCORD_SUITE: NoiseSuite = { dh: DH25519, cipher: AESGCM, hash: SHA256 };
