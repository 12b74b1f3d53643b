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

/** Per seed object, the key of its labelled streams: deriveKey(seed, 'label-key'), made once. */
const labelRoots = new WeakMap<Uint8Array, Uint8Array>();

function labelRoot(seed: Uint8Array): Uint8Array {
  let root = labelRoots.get(seed);
  if (!root) labelRoots.set(seed, (root = deriveKey(seed, 'label-key')));
  return root;
}

/** Bytes of a labelled stream's nonce: the IV's first 12 bytes, before a 32-bit block counter. */
export const LABEL_NONCE_BYTES = 12;

/**
 * The nonce of the labelled stream `label` (see Prg.labelled): SHA-256(label)'s first 12 bytes.
 * Compute it once per label: every seed's stream of that label uses the same nonce.
 */
export function labelNonce(label: string): Uint8Array {
  return createHash('sha256').update(label).digest().subarray(0, LABEL_NONCE_BYTES);
}

/** Largest stream tag or sub: each has a 32-bit field of the IV. */
export const MAX_STREAM_ID = 0xffffffff;

/** A stream id must fit its 32-bit field exactly: a wrapped id would silently reuse another stream. */
function checkStreamId(what: string, x: number): number {
  if (!Number.isInteger(x) || x < 0 || x > MAX_STREAM_ID) throw new ConcordError('E_RANGE', `PRG stream ${what} ${x} does not fit its 32-bit field (0..${MAX_STREAM_ID}); a wrapped value would reuse another stream's randomness`);
  return x;
}

/**
 * The IV prefix that names a stream within its key, as big-endian 32-bit words: [sub, tag] for a
 * numbered stream (a 64-bit block counter follows), a labelled stream's 12-byte nonce as three
 * words (a 32-bit block counter follows).
 */
type StreamPrefix = readonly number[];

/** Largest byte position in a stream: 2^32 blocks after a 12-byte nonce; 2^53 (JS integers) after [sub, tag]. */
function streamLimit(prefix: StreamPrefix): number {
  return prefix.length === 3 ? 2 ** 36 : Number.MAX_SAFE_INTEGER;
}

/**
 * Write the CTR input blocks j = first, …, first + count − 1 of the stream named by `prefix` at
 * byte `at` of `v`: the prefix's words, then the block counter j big-endian in the remaining
 * bytes (numbered streams: bytes 0..3 sub, 4..7 tag, 8..15 j). Block 0 is the stream's IV;
 * CTR block j encrypts IV + j, so AES-ECB over these blocks is the keystream.
 */
function putCounters(v: DataView, at: number, prefix: StreamPrefix, first: number, count: number): void {
  const labelled = prefix.length === 3;
  for (let b = 0; b < count; b++) {
    const o = at + b * 16, c = first + b; // < 2^53: the 64-bit counter as two 32-bit halves
    v.setUint32(o, prefix[0]!);
    v.setUint32(o + 4, prefix[1]!);
    v.setUint32(o + 8, labelled ? prefix[2]! : Math.floor(c / 2 ** 32));
    v.setUint32(o + 12, c >>> 0);
  }
}

/** 16-byte IV of the stream named by `prefix`, at block `block` (see putCounters). */
function streamIv(prefix: StreamPrefix, block = 0): Uint8Array {
  const iv = new Uint8Array(16);
  putCounters(new DataView(iv.buffer), 0, prefix, block, 1);
  return iv;
}

/** A numbered stream's prefix, ids checked. */
function numbered(tag: number, sub: number): StreamPrefix {
  return [checkStreamId('sub', sub), checkStreamId('tag', tag)];
}

/** A labelled stream's prefix: its nonce as three words. */
function labelled(nonce: Uint8Array): StreamPrefix {
  if (nonce.length !== LABEL_NONCE_BYTES) throw new ConcordError('E_INTERNAL', `a labelled PRG stream needs a ${LABEL_NONCE_BYTES}-byte nonce, got ${nonce.length}`);
  const v = new DataView(nonce.buffer, nonce.byteOffset, LABEL_NONCE_BYTES);
  return [v.getUint32(0), v.getUint32(4), v.getUint32(8)];
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

/** AES_k(IV + j) for the CTR blocks j in [first, first + count) of the stream named by `prefix`: its keystream blocks, computed directly (count ≤ SMALL_READ / 16 + 1). */
function counterBlocks(key: Uint8Array, prefix: StreamPrefix, first: number, count: number): Uint8Array {
  putCounters(COUNTER_VIEW, 0, prefix, first, count);
  return ecbOf(key).update(COUNTERS.subarray(0, count * 16));
}

/**
 * Deterministic pseudo-random generator: AES-128-CTR keystream from node:crypto.
 * A key gives 2^64 independent numbered streams (tag, sub), and labelled streams (Prg.labelled);
 * each stream reads sequentially.
 *
 * Setting up a CTR cipher costs ~5–10 µs, as much as 100 KiB of keystream, and a small protocol
 * step draws a few hundred bytes from each of its items' streams. So a stream makes its CTR
 * cipher only at its first read above SMALL_READ bytes; until then each read encrypts the counter
 * blocks it covers with the key's shared ECB cipher. Both give the same bytes (CTR block j is
 * AES_k(IV + j)); tests check it.
 */
export class Prg {
  private cipher: Cipher | undefined;
  /** Bytes of the stream read so far (from its start). */
  private pos: number;
  private readonly prefix: StreamPrefix;
  /** Keystream made ahead by readAhead, from byte aheadPos of the stream. */
  private ahead: Uint8Array | undefined;
  private aheadPos = 0;

  /** The stream (tag, sub) of `key`, read from its first word, or from word `word` (CTR seeks: nothing before it is made). */
  constructor(key: Uint8Array, tag?: number, sub?: number, word?: number);
  constructor(private readonly key: Uint8Array, tag = 0, sub = 0, word = 0, prefix?: StreamPrefix) {
    if (key.length !== 16) throw new ConcordError('E_INTERNAL', `PRG key must be 16 bytes, got ${key.length}`);
    if (!(Number.isSafeInteger(word) && word >= 0)) throw new ConcordError('E_INTERNAL', `PRG word offset must be a non-negative integer, got ${word}`);
    this.prefix = prefix ?? numbered(tag, sub);
    this.pos = word * 8;
  }

  /**
   * The labelled stream of `nonce` (labelNonce(label)) under `seed`, from word `word`: AES-128-CTR
   * under deriveKey(seed, 'label-key') with IV nonce ‖ 32-bit block counter. One key and one ECB
   * cipher serve every label of a seed, so a new label costs no key derivation and no cipher
   * set-up (the dealer mode names one stream per item and party: a fresh key per item cost
   * ~25 µs each, see DealerServer). Distinct labels get distinct streams unless two of q labels'
   * 96-bit nonces collide (probability < q²/2^97); a stream holds 2^32 blocks (64 GiB).
   */
  static labelled(seed: Uint8Array, nonce: Uint8Array, word = 0): Prg {
    return prgAt(labelRoot(seed), labelled(nonce), word);
  }

  /** Throws E_RANGE unless n more bytes stay inside the stream. */
  private advance(n: number): void {
    if (this.pos + n > streamLimit(this.prefix)) throw new ConcordError('E_RANGE', `PRG stream exhausted: a read of ${n} bytes at byte ${this.pos} passes its end (${streamLimit(this.prefix)} bytes); split the item`);
  }

  /** The stream's CTR cipher, made at the current position (an AES block holds two words: skip into it). */
  private ctr(): Cipher {
    if (this.cipher) return this.cipher;
    const c = createCipheriv('aes-128-ctr', this.key, streamIv(this.prefix, Math.floor(this.pos / 16)));
    if (this.pos % 16) c.update(ZERO_CHUNK.subarray(0, this.pos % 16));
    return (this.cipher = c);
  }

  /** The next n keystream bytes as a view of a fresh buffer, without a CTR cipher (n ≤ SMALL_READ). */
  private small(n: number): Uint8Array {
    const a = this.ahead;
    let ks: Uint8Array;
    if (a && this.pos >= this.aheadPos && this.pos + n <= this.aheadPos + a.length) {
      const from = this.pos - this.aheadPos;
      ks = a.subarray(from, from + n);
      if (from + n === a.length) this.ahead = undefined; // all served
    } else {
      ks = this.keystreamAt(n);
    }
    this.pos += n;
    return ks;
  }

  /** Keystream bytes [pos, pos + n) from the key's shared ECB cipher, without moving pos (n ≤ SMALL_READ). */
  private keystreamAt(n: number): Uint8Array {
    const skip = this.pos % 16;
    return counterBlocks(this.key, this.prefix, Math.floor(this.pos / 16), Math.ceil((skip + n) / 16)).subarray(skip, skip + n);
  }

  /**
   * Hint that the next n bytes will be read in small pieces (an item's several components, a
   * product's three zero-sharings): they are made now in one AES call and served from it. Each
   * ECB call costs ~2–5 µs whatever its size at these lengths, and a small hm product read six.
   * Ignored above SMALL_READ bytes or once the stream has its CTR cipher; the bytes are the same.
   */
  readAhead(n: number): void {
    if (this.cipher || n <= 0 || n > SMALL_READ || this.pos + n > streamLimit(this.prefix)) return;
    this.ahead = this.keystreamAt(n);
    this.aheadPos = this.pos;
  }

  /**
   * Bytes [byte, byte + n) of the numbered stream (tag, sub) under each of `keys`, handed to
   * out(j, keystream) in key order (byte a multiple of 16). IKNP expands its 128 seeds over the
   * same extension stream: the counter blocks are the same for every key, so they are built once
   * and each key's shared ECB cipher encrypts them (CTR block j is AES_k(IV + j)), with no CTR
   * cipher set up per key and extension. The keystream view is valid only during the call.
   */
  static sameRange(keys: readonly Uint8Array[], tag: number, sub: number, byte: number, n: number, out: (j: number, keystream: Uint8Array) => void): void {
    if (byte % 16 !== 0) throw new ConcordError('E_INTERNAL', `Prg.sameRange: byte ${byte} is not a multiple of 16`);
    const blocks = Math.ceil(n / 16);
    const counters = new Uint8Array(blocks * 16);
    putCounters(new DataView(counters.buffer), 0, numbered(tag, sub), byte / 16, blocks);
    keys.forEach((key, j) => out(j, ecbOf(key).update(counters).subarray(0, n)));
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
    this.advance(buf.length);
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
    this.pos += buf.length;
  }

  /** XOR the next keystream bytes into `buf` in place (CTR encryption of buf: no keystream buffer of its own). */
  xorInto(buf: Uint8Array): void {
    this.advance(buf.length);
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
    this.pos += buf.length;
  }

  /** A uniformly random ring tensor. */
  ring(shape: Shape): Ring {
    const out = outputRing(shape); // fill writes every byte
    this.fill(new Uint8Array(out.data.buffer, out.data.byteOffset, sizeOf(shape) * 8));
    return out;
  }
}

/** The stream named by `prefix` under `key`, from word `word` (the constructor's hidden form). */
function prgAt(key: Uint8Array, prefix: StreamPrefix, word: number): Prg {
  return new (Prg as unknown as new (k: Uint8Array, t: number, s: number, w: number, p: StreamPrefix) => Prg)(key, 0, 0, word, prefix);
}

/**
 * A uniform r×k matrix that is the stream (tag, sub) of `key` read as `new Prg(key, tag, sub).ring([r, k])`
 * (or a labelled stream, PrgMatrix.labelled), made row block by row block on demand: a reusable
 * mask of a 200,000 × 31 training matrix would otherwise hold 50 MB per party for the whole run.
 * `post` (a privacy test's leak) maps each block.
 */
export class PrgMatrix {
  readonly shape: readonly [number, number];
  private readonly prefix: StreamPrefix;

  constructor(key: Uint8Array, tag: number, sub: number, shape: Shape, post?: (rows: Ring) => Ring);
  constructor(private readonly key: Uint8Array, tag: number, sub: number, shape: Shape, private readonly post?: (rows: Ring) => Ring, prefix?: StreamPrefix) {
    if (shape.length !== 2) throw new ConcordError('E_SHAPE', `PrgMatrix: needs a 2-D shape, got [${shape.join('×')}]`);
    this.shape = [shape[0]!, shape[1]!];
    this.prefix = prefix ?? numbered(tag, sub);
    if (this.shape[0] * this.shape[1] * 8 > streamLimit(this.prefix)) throw new ConcordError('E_RANGE', `PrgMatrix: ${this.shape.join('×')} words pass the end of a PRG stream`);
  }

  /** The matrix read from the labelled stream `nonce` under `seed` (see Prg.labelled). */
  static labelled(seed: Uint8Array, nonce: Uint8Array, shape: Shape, post?: (rows: Ring) => Ring): PrgMatrix {
    const M = PrgMatrix as unknown as new (k: Uint8Array, t: number, s: number, sh: Shape, p: ((rows: Ring) => Ring) | undefined, x: StreamPrefix) => PrgMatrix;
    return new M(labelRoot(seed), 0, 0, shape, post, labelled(nonce));
  }

  /** Rows [start, end) (a fresh tensor; E_SHAPE out of range). */
  rows(start: number, end: number): Ring {
    const [r, k] = this.shape;
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= r)) {
      throw new ConcordError('E_SHAPE', `PrgMatrix: rows [${start}, ${end}) out of range for ${r} rows`);
    }
    const out = prgAt(this.key, this.prefix, start * k).ring([end - start, k]);
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
    for (let i = 0; i < h; i++) {
      const t = idx[i]!;
      if (!(Number.isInteger(t) && 0 <= t && t < r)) throw new ConcordError('E_SHAPE', `PrgMatrix: row ${t} out of range for ${r} rows`);
      putCounters(v, i * span * 16, this.prefix, Math.floor((t * k) / 2), span);
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
