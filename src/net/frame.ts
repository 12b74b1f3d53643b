import { Packr } from 'msgpackr';
import { ConcordError } from '../errors.js';
import { Ring } from '../ring/ring.js';
import type { Message } from './transport.js';

/**
 * Frame codec: how a `Message` becomes bytes inside Noise transport messages.
 *
 *   frame   = headLen:u32le  head:msgpack[headLen]  payload[payloadLen]
 *   head    = [version=1, tag:uint, kind:str, body:0|1|2|3, dtype:'u64'|'', shape:uint[], payloadLen:uint]
 *   body    = 0 none, 1 ring (payload = raw little-endian u64 elements), 2 bytes, 3 json (UTF-8 JSON text)
 *
 * The concatenated plaintexts of a link's transport messages form a stream of frames; a frame
 * may span many messages (up to LARGE_CHUNK = 1 MiB of plaintext each on a link, see
 * `frameChunks` and src/net/link.ts; `chunkFrame` cuts to any size, e.g. Noise's 65519); the
 * encoder starts every frame in a fresh message, the decoder does not rely on it.
 * The decoder is an explicit state machine (`FrameDecoder.push(bytes)`), strict and
 * length-capped: a header longer than `maxHeaderBytes` or a payload announcing more than
 * `maxFrameBytes` is E_FRAME before any allocation. Memory follows the bytes that arrived, not
 * the length a peer announced: a payload above EAGER_PAYLOAD_BYTES is kept as the received chunks
 * until half of it is in, and only then gets its own buffer (so a peer that announces 1 GiB and
 * sends 10 bytes costs 10 bytes; every byte is still copied once).
 */

/** Largest plaintext in one Noise transport message (65535 − 16-byte tag). */
export const MAX_CHUNK = 65535 - 16;
/**
 * Largest plaintext of one transport message on a link after the handshake (the large-frame
 * variant, src/net/link.ts): 1 MiB. Big enough that the per-message costs (an AEAD context, a
 * WebSocket frame, a socket write) vanish next to the bytes; small enough that the sender's
 * encryption, the transfer and the receiver's decryption of a large tensor overlap.
 */
export const LARGE_CHUNK = 1 << 20;
/** Payloads above this many bytes travel in transport messages of their own (not copied next to the header). */
export const SEPARATE_PAYLOAD_BYTES = 1 << 16;
/** Default cap on one frame's payload: 1 GiB (2^27 ring elements). */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 30;
/** Default cap on a frame header. */
export const DEFAULT_MAX_HEADER_BYTES = 4096;
/**
 * Cap on JSON payloads: control traffic only (data announcements, dealer requests, aborts), a few
 * KiB in practice; 1 MiB leaves room for ~10^4 column names and bounds JSON.parse to ~0.1 s.
 */
export const DEFAULT_MAX_JSON_BYTES = 1 << 20;
/** Payloads up to this size get their buffer when the header arrives (bounded eager allocation). */
export const EAGER_PAYLOAD_BYTES = 1 << 20;

const FRAME_VERSION = 1;
const BODY_NONE = 0;
const BODY_RING = 1;
const BODY_BYTES = 2;
const BODY_JSON = 3;

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Tensor payloads are the raw bytes of BigUint64Array, which are little-endian only on LE hosts.
  throw new ConcordError('E_INTERNAL', 'Concord needs a little-endian host (tensor bytes are sent as-is)');
}

/** Limits of a decoder; defaults above. */
export interface FrameLimits {
  maxFrameBytes?: number;
  maxHeaderBytes?: number;
  maxJsonBytes?: number;
}

/** An encoded frame: a small head (length + header) and the payload view (not copied for ring/bytes). */
export interface EncodedFrame {
  head: Uint8Array;
  payload: Uint8Array;
}

/** Encode a message into head + payload. Ring and bytes payloads are views, not copies. */
export function encodeFrame(msg: Message): EncodedFrame {
  let body = BODY_NONE;
  let dtype = '';
  let shape: readonly number[] = [];
  let payload: Uint8Array = new Uint8Array(0);
  if (msg.ring) {
    body = BODY_RING;
    dtype = 'u64';
    shape = msg.ring.shape;
    const d = msg.ring.data;
    payload = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  } else if (msg.bytes) {
    body = BODY_BYTES;
    payload = msg.bytes;
  } else if (msg.json !== undefined) {
    body = BODY_JSON;
    let text: string;
    try {
      text = JSON.stringify(msg.json);
    } catch (e) {
      throw new ConcordError('E_INTERNAL', `message (tag ${msg.tag}, ${msg.kind}) has a JSON body that cannot be encoded: ${(e as Error).message}`);
    }
    payload = textEncoder.encode(text);
  }
  const header = packr.pack([FRAME_VERSION, msg.tag, msg.kind, body, dtype, shape, payload.length]);
  // Pooled (node's 8 KiB slabs): the head is plaintext read once by the AEAD, never exposed as
  // a tensor, and a fresh ArrayBuffer per message is most of what the young-generation GC sweeps.
  const head = Buffer.allocUnsafe(4 + header.length);
  head.writeUInt32LE(header.length, 0);
  head.set(header, 4);
  return { head, payload };
}

/**
 * Split a frame into plaintext chunks of at most `max` bytes. Only the first chunk is copied
 * (head + start of payload); the rest are views into the payload.
 */
export function chunkFrame(f: EncodedFrame, max = MAX_CHUNK): Uint8Array[] {
  const firstPayload = Math.min(f.payload.length, max - f.head.length);
  const first = Buffer.allocUnsafe(f.head.length + firstPayload); // pooled when small, as the head (encodeFrame); every byte is written
  first.set(f.head, 0);
  first.set(f.payload.subarray(0, firstPayload), f.head.length);
  const out: Uint8Array[] = [first];
  for (let off = firstPayload; off < f.payload.length; off += max) out.push(f.payload.subarray(off, Math.min(off + max, f.payload.length)));
  return out;
}

/**
 * The plaintexts of the large-frame variant: a frame whose head and payload fit in one
 * `max`-byte message goes as one (the payload copied next to the head: small frames, one AEAD
 * message each); a payload above SEPARATE_PAYLOAD_BYTES goes as views of at most `max` bytes
 * after a head-only message, so it is never copied before encryption, and the receiver can keep
 * a single-message payload's decrypted buffer as the tensor itself (FrameDecoder).
 */
export function frameChunks(f: EncodedFrame, max = LARGE_CHUNK): Uint8Array[] {
  if (f.payload.length <= SEPARATE_PAYLOAD_BYTES || f.head.length + f.payload.length <= 0) return chunkFrame(f, max);
  const out: Uint8Array[] = [f.head];
  for (let off = 0; off < f.payload.length; off += max) out.push(f.payload.subarray(off, Math.min(off + max, f.payload.length)));
  return out;
}

const EMPTY = new Uint8Array(0);

const frameError = (what: string): ConcordError => new ConcordError('E_FRAME', `malformed frame: ${what}`);

type State = 'len' | 'header' | 'payload';

/**
 * Streaming frame decoder. Feed it plaintext bytes in any split; it returns complete messages.
 * After an error it stays failed (every later push throws the same error).
 */
export class FrameDecoder {
  private state: State = 'len';
  private readonly lenBuf = new Uint8Array(4);
  private need = 4;
  private have = 0;
  private headerBuf: Uint8Array = EMPTY;
  private pending: { tag: number; kind: string; body: number; shape: number[] } | undefined;
  private payload: Uint8Array = EMPTY;
  /** Received payload pieces (views of the pushed bytes) while `payload` is not yet allocated. */
  private pieces: Uint8Array[] = [];
  private failed: ConcordError | undefined;
  private readonly maxFrame: number;
  private readonly maxHeader: number;
  private readonly maxJson: number;

  constructor(limits: FrameLimits = {}) {
    this.maxFrame = limits.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxHeader = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.maxJson = limits.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
  }

  /** True if no frame is partly received (a clean place for the stream to end). */
  get idle(): boolean {
    return this.state === 'len' && this.have === 0 && !this.failed;
  }

  /**
   * Consume bytes; returns the messages completed by them. Throws E_FRAME on malformed input.
   * The decoder may keep views of `bytes` (a whole payload: `bytes` itself, as the message's
   * tensor): do not modify them after.
   */
  push(bytes: Uint8Array): Message[] {
    if (this.failed) throw this.failed;
    const out: Message[] = [];
    try {
      let off = 0;
      while (off < bytes.length) {
        const n = Math.min(this.need - this.have, bytes.length - off);
        const src = bytes.subarray(off, off + n);
        if (this.state === 'len') this.lenBuf.set(src, this.have);
        else if (this.state === 'header') this.takeHeader(src);
        else this.takePayload(src, n === bytes.length);
        this.have += n;
        off += n;
        if (this.have === this.need) this.advance(out);
      }
    } catch (e) {
      this.failed = e instanceof ConcordError ? e : frameError(String((e as Error).message));
      throw this.failed;
    }
    return out;
  }

  private advance(out: Message[]): void {
    for (;;) {
      if (this.state === 'len') {
        const len = new DataView(this.lenBuf.buffer).getUint32(0, true);
        if (len === 0 || len > this.maxHeader) throw frameError(`header length ${len} outside 1..${this.maxHeader}`);
        this.headerBuf = EMPTY;
        this.goto('header', len);
        return;
      }
      if (this.state === 'header') {
        const payloadLen = this.parseHeader();
        this.headerBuf = EMPTY; // may be a view of a pushed buffer: do not keep it
        this.payload = EMPTY;
        this.goto('payload', payloadLen);
        if (payloadLen > 0) return;
        continue;
      }
      out.push(this.finish());
      this.goto('len', 4);
      return;
    }
  }

  /**
   * Payload bytes: a whole payload arriving as one pushed buffer (a decrypted transport message
   * of its own), 8-aligned, becomes the payload itself (no copy); otherwise they are copied into
   * the payload's buffer, allocated at once up to EAGER_PAYLOAD_BYTES and above that only when
   * half the frame is in (kept as pieces until then).
   */
  private takePayload(src: Uint8Array, whole: boolean): void {
    if (this.payload.length === 0) {
      if (whole && this.have === 0 && src.length === this.need && src.byteOffset % 8 === 0) {
        this.payload = src;
        return;
      }
      if (this.need <= EAGER_PAYLOAD_BYTES) this.payload = allocPayload(this.need);
    }
    if (this.payload.length > 0) {
      this.payload.set(src, this.have);
      return;
    }
    this.pieces.push(src);
    if (2 * (this.have + src.length) < this.need) return;
    this.payload = allocPayload(this.need);
    let o = 0;
    for (const p of this.pieces) {
      this.payload.set(p, o);
      o += p.length;
    }
    this.pieces = [];
  }

  /** Header bytes: a header that arrives whole is parsed from the pushed bytes (no copy), a split one is gathered. */
  private takeHeader(src: Uint8Array): void {
    if (this.have === 0 && src.length === this.need) {
      this.headerBuf = src;
      return;
    }
    if (this.headerBuf.length === 0) this.headerBuf = new Uint8Array(this.need);
    this.headerBuf.set(src, this.have);
  }

  private goto(state: State, need: number): void {
    this.state = state;
    this.need = need;
    this.have = 0;
  }

  private parseHeader(): number {
    let h: unknown;
    try {
      h = packr.unpack(this.headerBuf);
    } catch (e) {
      throw frameError(`header is not valid msgpack (${(e as Error).message})`);
    }
    if (!Array.isArray(h) || h.length !== 7) throw frameError('header must be an array of 7 fields');
    const [version, tag, kind, body, dtype, shape, payloadLen] = h as unknown[];
    if (version !== FRAME_VERSION) throw frameError(`frame version ${String(version)}, expected ${FRAME_VERSION}`);
    if (!isUint(tag)) throw frameError('tag must be a non-negative integer');
    if (typeof kind !== 'string' || kind.length > 256) throw frameError('kind must be a string of at most 256 characters');
    if (body !== BODY_NONE && body !== BODY_RING && body !== BODY_BYTES && body !== BODY_JSON) throw frameError(`unknown body type ${String(body)}`);
    if (!isUint(payloadLen)) throw frameError('payload length must be a non-negative integer');
    if (payloadLen > this.maxFrame) throw frameError(`payload of ${payloadLen} bytes announced, more than the limit of ${this.maxFrame} bytes`);
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every(isUint)) throw frameError('shape must be an array of at most 8 non-negative integers');
    const dims = shape as number[];
    if (body === BODY_RING) {
      if (dtype !== 'u64') throw frameError(`tensor dtype "${String(dtype)}", expected "u64"`);
      let elems = 1;
      for (const d of dims) elems *= d;
      if (dims.length === 0 || elems * 8 !== payloadLen) throw frameError(`tensor shape [${dims.join(',')}] does not match a payload of ${payloadLen} bytes`);
    } else if (dtype !== '' || dims.length !== 0) {
      throw frameError('only tensor frames carry dtype and shape');
    }
    if (body === BODY_NONE && payloadLen !== 0) throw frameError('a frame without body has a payload');
    if (body === BODY_JSON && payloadLen > this.maxJson) throw frameError(`JSON payload of ${payloadLen} bytes exceeds ${this.maxJson}`);
    this.pending = { tag, kind, body, shape: dims };
    return payloadLen;
  }

  private finish(): Message {
    const p = this.pending!;
    this.pending = undefined;
    const msg: Message = { tag: p.tag, kind: p.kind };
    if (p.body === BODY_RING) {
      msg.ring = new Ring(p.shape, new BigUint64Array(this.payload.buffer, this.payload.byteOffset, this.payload.length / 8));
    } else if (p.body === BODY_BYTES) {
      msg.bytes = new Uint8Array(this.payload.buffer, this.payload.byteOffset, this.payload.length); // plain Uint8Array: slice() copies
    } else if (p.body === BODY_JSON) {
      try {
        msg.json = JSON.parse(textDecoder.decode(this.payload));
      } catch (e) {
        throw frameError(`JSON body does not parse (${(e as Error).message})`);
      }
    }
    this.payload = EMPTY;
    return msg;
  }
}

/** Not zero-filled: every byte is written before the message is delivered. Own ArrayBuffer, offset 0: 8-aligned for BigUint64Array. */
function allocPayload(len: number): Uint8Array {
  return Buffer.allocUnsafeSlow(len);
}

function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
