import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConcordError } from '../errors.js';
import { Ring, outputRing, sizeOf, type Shape } from '../ring/ring.js';

/**
 * Keystream is made by encrypting zeros in 128 KiB calls and copying each result into place.
 * Measured (64 MiB into a reused buffer): 6.2 GB/s at 128 KiB, 5.2 at 64 KiB and 512 KiB; one
 * update over a whole 8 MiB tensor with no copy is slower (2.3 GB/s vs 4.8) because node:crypto
 * then returns fresh pages that fault in. Fragile: benchmark on any change (`concord bench prg`).
 */
const ZERO_CHUNK = new Uint8Array(1 << 17);

/** Derive an independent 16-byte key from a seed and a label (HKDF-SHA256, RFC 5869). */
export function deriveKey(seed: Uint8Array, label: string, length = 16): Uint8Array {
  if (seed.length < 16) throw new ConcordError('E_INTERNAL', `PRG seed must be at least 16 bytes, got ${seed.length}`);
  return hkdf(sha256, seed, undefined, new TextEncoder().encode(`concord/${label}`), length);
}

/** Per seed, the AES-128-ECB cipher under deriveKey(seed, 'label-key') (labelKey's PRF key, made once). */
const labelRoots = new WeakMap<Uint8Array, Cipher>();

/**
 * A 16-byte key for `label` under `seed`: AES-128_K(SHA-256(label)[0..16)) with K = deriveKey(seed,
 * 'label-key'), derived once per seed object. AES is a pseudo-random function on the hashes, and
 * distinct labels have distinct hashes (SHA-256 is collision resistant), so the keys are
 * independent. Measured: 6–8 µs a key against 21–27 µs for deriveKey (HKDF-SHA256 in JS), in
 * one run: the dealer mode derives one per item and party.
 */
export function labelKey(seed: Uint8Array, label: string): Uint8Array {
  let root = labelRoots.get(seed);
  if (!root) labelRoots.set(seed, (root = createCipheriv('aes-128-ecb', deriveKey(seed, 'label-key'), null).setAutoPadding(false)));
  return root.update(createHash('sha256').update(label).digest().subarray(0, 16));
}

/** Largest stream tag or sub: each has a 32-bit field of the IV. */
export const MAX_STREAM_ID = 0xffffffff;

/** A stream id must fit its 32-bit field exactly: a wrapped id would silently reuse another stream. */
function checkStreamId(what: string, x: number): number {
  if (!Number.isInteger(x) || x < 0 || x > MAX_STREAM_ID) throw new ConcordError('E_RANGE', `PRG stream ${what} ${x} does not fit its 32-bit field (0..${MAX_STREAM_ID}); a wrapped value would reuse another stream's randomness`);
  return x;
}

/**
 * Write the CTR input blocks j = first, …, first + count − 1 of stream (tag, sub) at byte `at`
 * of `v`: bytes 0..3 sub, 4..7 tag, 8..15 the block counter j (big-endian). Block 0 is the
 * stream's IV; CTR block j encrypts IV + j, so AES-ECB over these blocks is the keystream.
 */
function putCounters(v: DataView, at: number, tag: number, sub: number, first: number, count: number): void {
  for (let b = 0; b < count; b++) {
    const o = at + b * 16, c = first + b; // < 2^53: the 64-bit counter as two 32-bit halves
    v.setUint32(o, sub);
    v.setUint32(o + 4, tag);
    v.setUint32(o + 8, Math.floor(c / 2 ** 32));
    v.setUint32(o + 12, c >>> 0);
  }
}

/** 16-byte IV for stream (tag, sub), checked ids, starting at block `block` (see putCounters). */
function streamIv(tag: number, sub: number, block = 0): Uint8Array {
  const iv = new Uint8Array(16);
  putCounters(new DataView(iv.buffer), 0, tag, sub, block, 1);
  return iv;
}

/** Reads up to this many bytes, while a stream has made no CTR cipher, come from its key's shared ECB cipher (see Prg). */
const SMALL_READ = 8 << 10;

/** One AES-128-ECB cipher per key, shared by every stream of it: ECB keeps no state between whole blocks. */
const ecbCiphers = new WeakMap<Uint8Array, Cipher>();
function ecbOf(key: Uint8Array): Cipher {
  let c = ecbCiphers.get(key);
  if (!c) ecbCiphers.set(key, (c = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false)));
  return c;
}

/** Counter blocks of one small read (at most SMALL_READ bytes from any offset: SMALL_READ / 16 + 1 blocks), reused: ECB reads them before returning. */
const COUNTERS = new Uint8Array(SMALL_READ + 32);
const COUNTER_VIEW = new DataView(COUNTERS.buffer);

/** AES_k(IV_{tag,sub} + j) for the CTR blocks j in [first, first + count): the stream's keystream blocks, computed directly (count ≤ SMALL_READ / 16 + 1). */
function counterBlocks(key: Uint8Array, tag: number, sub: number, first: number, count: number): Uint8Array {
  putCounters(COUNTER_VIEW, 0, tag, sub, first, count);
  return ecbOf(key).update(COUNTERS.subarray(0, count * 16));
}

/**
 * Deterministic pseudo-random generator: AES-128-CTR keystream from node:crypto.
 * A key gives 2^64 independent streams named (tag, sub); each stream reads sequentially.
 *
 * Setting up a CTR cipher costs ~5–10 µs, as much as 100 KiB of keystream, and a small protocol
 * step draws a few hundred bytes from each of its items' streams. So a stream makes its CTR
 * cipher only at its first read above SMALL_READ bytes; until then each read encrypts the counter
 * blocks it covers with the key's shared ECB cipher. Both give the same bytes (CTR block j is
 * AES_k(IV + j)); tests check it.
 */
export class Prg {
  private cipher: Cipher | undefined;
  /** Bytes of the stream read so far (from its start), while no CTR cipher exists. */
  private pos: number;
  private readonly tag: number;
  private readonly sub: number;

  /** The stream (tag, sub) of `key`, read from its first word, or from word `word` (CTR seeks: nothing before it is made). */
  constructor(private readonly key: Uint8Array, tag = 0, sub = 0, word = 0) {
    if (key.length !== 16) throw new ConcordError('E_INTERNAL', `PRG key must be 16 bytes, got ${key.length}`);
    if (!(Number.isSafeInteger(word) && word >= 0)) throw new ConcordError('E_INTERNAL', `PRG word offset must be a non-negative integer, got ${word}`);
    this.tag = checkStreamId('tag', tag);
    this.sub = checkStreamId('sub', sub);
    this.pos = word * 8;
  }

  /** The stream's CTR cipher, made at the current position (an AES block holds two words: skip into it). */
  private ctr(): Cipher {
    if (this.cipher) return this.cipher;
    const c = createCipheriv('aes-128-ctr', this.key, streamIv(this.tag, this.sub, Math.floor(this.pos / 16)));
    if (this.pos % 16) c.update(ZERO_CHUNK.subarray(0, this.pos % 16));
    return (this.cipher = c);
  }

  /** The next n keystream bytes as a view of a fresh buffer, without a CTR cipher (n ≤ SMALL_READ). */
  private small(n: number): Uint8Array {
    const skip = this.pos % 16, first = Math.floor(this.pos / 16);
    const ks = counterBlocks(this.key, this.tag, this.sub, first, Math.ceil((skip + n) / 16));
    this.pos += n;
    return ks.subarray(skip, skip + n);
  }
  /** A PRG on the stream derived from `seed` and `label`. */
  static fromSeed(seed: Uint8Array, label: string): Prg {
    return new Prg(deriveKey(seed, label));
  }

  /** Next n keystream bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    this.fill(out);
    return out;
  }

  /** Overwrite `buf` with the next keystream bytes. */
  fill(buf: Uint8Array): void {
    if (!this.cipher && buf.length <= SMALL_READ) {
      buf.set(this.small(buf.length));
      return;
    }
    const cipher = this.ctr();
    for (let off = 0; off < buf.length; off += ZERO_CHUNK.length) {
      const len = Math.min(ZERO_CHUNK.length, buf.length - off);
      const ks = cipher.update(ZERO_CHUNK.subarray(0, len));
      buf.set(ks, off);
    }
  }

  /** XOR the next keystream bytes into `buf` in place (CTR encryption of buf: no keystream buffer of its own). */
  xorInto(buf: Uint8Array): void {
    if (!this.cipher && buf.length <= SMALL_READ) {
      const ks = this.small(buf.length);
      for (let i = 0; i < buf.length; i++) buf[i]! ^= ks[i]!;
      return;
    }
    const cipher = this.ctr();
    for (let off = 0; off < buf.length; off += ZERO_CHUNK.length) {
      const len = Math.min(ZERO_CHUNK.length, buf.length - off);
      buf.set(cipher.update(buf.subarray(off, off + len)), off);
    }
  }

  /** A uniformly random ring tensor. */
  ring(shape: Shape): Ring {
    const out = outputRing(shape); // fill writes every byte
    this.fill(new Uint8Array(out.data.buffer, out.data.byteOffset, sizeOf(shape) * 8));
    return out;
  }
}

/**
 * A uniform r×k matrix that is the stream (tag, sub) of `key` read as `new Prg(key, tag, sub).ring([r, k])`,
 * made row block by row block on demand: a reusable mask of a 200,000 × 31 training matrix would
 * otherwise hold 50 MB per party for the whole run. `post` (a privacy test's leak) maps each block.
 */
export class PrgMatrix {
  readonly shape: readonly [number, number];

  constructor(private readonly key: Uint8Array, private readonly tag: number, private readonly sub: number, shape: Shape, private readonly post?: (rows: Ring) => Ring) {
    if (shape.length !== 2) throw new ConcordError('E_SHAPE', `PrgMatrix: needs a 2-D shape, got [${shape.join('×')}]`);
    this.shape = [shape[0]!, shape[1]!];
  }

  /** Rows [start, end) (a fresh tensor; E_SHAPE out of range). */
  rows(start: number, end: number): Ring {
    const [r, k] = this.shape;
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= r)) {
      throw new ConcordError('E_SHAPE', `PrgMatrix: rows [${start}, ${end}) out of range for ${r} rows`);
    }
    const out = new Prg(this.key, this.tag, this.sub, start * k).ring([end - start, k]);
    return this.post ? this.post(out) : out;
  }

  /**
   * Rows idx[0], idx[1], … as one tensor, equal to rows(i, i + 1) for each. One AES-ECB call over
   * the CTR counter blocks the rows cover (CTR block j is AES_k(IV + j)): scattered rows of a
   * mini-batch cost one cipher set-up, not one each (~4.7 µs a row).
   */
  gather(idx: ArrayLike<number>): Ring {
    const [r, k] = this.shape;
    const h = idx.length;
    const out = new Ring([h, k]);
    if (h === 0 || k === 0) return this.post ? this.post(out) : out;
    // A row spans at most ⌈k/2⌉ + 1 blocks (odd k: rows start mid-block every other row).
    const span = Math.floor(k / 2) + 1;
    const ctr = new Uint8Array(h * span * 16);
    const v = new DataView(ctr.buffer);
    const sub = checkStreamId('sub', this.sub);
    const tag = checkStreamId('tag', this.tag);
    for (let i = 0; i < h; i++) {
      const t = idx[i]!;
      if (!(Number.isInteger(t) && 0 <= t && t < r)) throw new ConcordError('E_SHAPE', `PrgMatrix: row ${t} out of range for ${r} rows`);
      putCounters(v, i * span * 16, tag, sub, Math.floor((t * k) / 2), span);
    }
    const ks = ecbOf(this.key).update(ctr);
    const bytes = new Uint8Array(out.data.buffer, out.data.byteOffset, h * k * 8);
    for (let i = 0; i < h; i++) {
      const skip = ((idx[i]! * k) % 2) * 8;
      bytes.set(ks.subarray(i * span * 16 + skip, i * span * 16 + skip + k * 8), i * k * 8);
    }
    return this.post ? this.post(out) : out;
  }
}
