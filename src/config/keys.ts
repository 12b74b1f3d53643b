import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { writePrivateFile } from './private-file.js';
import { ConcordError } from '../errors.js';
import { DH25519 } from '../crypto/noise-suites.js';
import type { KeyPair } from '../crypto/noise.js';

/**
 * Key files written by `concord keygen` (mode 0600, never committed):
 *
 *   {"type":"concord-x25519-key","version":1,"privateKey":"<64 hex>","publicKey":"<64 hex>"}
 *
 * `privateKey` is the raw 32-byte X25519 scalar; `publicKey` is X25519(privateKey, 9) and is
 * what goes into the consortium file. Loading checks the file mode (no group/other access),
 * the format, and that the public key matches the private key.
 */

export const KEY_FILE_TYPE = 'concord-x25519-key';
const HEX64 = /^[0-9a-f]{64}$/;

/** Lower-case hex of bytes. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Bytes of a 64-hex-character key, or undefined if malformed. */
export function parseHexKey(s: unknown): Uint8Array | undefined {
  if (typeof s !== 'string' || !HEX64.test(s.toLowerCase())) return undefined;
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** A fresh X25519 key pair. */
export function generateKey(): KeyPair {
  return DH25519.generateKeyPair();
}

/** Serialized key file content. */
export function keyFileText(k: KeyPair): string {
  return JSON.stringify({ type: KEY_FILE_TYPE, version: 1, privateKey: toHex(k.privateKey), publicKey: toHex(k.publicKey) }) + '\n';
}

/**
 * Write a key file with mode 0600; refuses an existing file unless `force`. A new file is
 * created 0600 from the start (O_EXCL: never through a symlink); with `force` the new file is
 * renamed over the old one (a symlink there is replaced, not followed; the old mode does not matter).
 */
export function writeKeyFile(file: string, k: KeyPair, force = false): void {
  try {
    if (force) {
      writePrivateFile(file, keyFileText(k));
      return;
    }
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, keyFileText(k));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST' && !force) throw new ConcordError('E_KEY', `key file ${file} already exists; refusing to overwrite a key (use --force to replace it)`);
    throw new ConcordError('E_KEY', `cannot create key file ${file}: ${err.message}`);
  }
}

/** Read and check a key file written by keygen. */
export function readKeyFile(file: string): KeyPair {
  let text: string;
  try {
    if (process.platform !== 'win32') {
      const mode = statSync(file).mode & 0o777;
      if (mode & 0o077) throw new ConcordError('E_KEY', `key file ${file} is accessible by other users (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${file}`);
    }
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ConcordError) throw e;
    throw new ConcordError('E_KEY', `cannot read key file ${file}: ${(e as Error).message}; create one with concord keygen --out ${file}`);
  }
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ConcordError('E_KEY', `key file ${file} is not JSON; it must be a file written by concord keygen`);
  }
  if (typeof j !== 'object' || j === null || j.type !== KEY_FILE_TYPE || j.version !== 1) {
    throw new ConcordError('E_KEY', `key file ${file}: "type" must be "${KEY_FILE_TYPE}" and "version" 1; it must be a file written by concord keygen`);
  }
  const privateKey = parseHexKey(j.privateKey);
  if (!privateKey) throw new ConcordError('E_KEY', `key file ${file}: "privateKey" must be 64 hex characters`);
  const publicKey = DH25519.publicKey(privateKey);
  if (j.publicKey !== undefined && j.publicKey !== toHex(publicKey)) {
    throw new ConcordError('E_KEY', `key file ${file}: "publicKey" does not belong to "privateKey"; the file is corrupt, generate a new key`);
  }
  return { privateKey, publicKey };
}
