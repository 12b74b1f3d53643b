import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConcordError } from '../errors.js';
import { NoiseError, type CipherState, type HandshakeResult } from '../crypto/noise.js';
import { encodeFrame, frameChunks, FrameDecoder, LARGE_CHUNK, type FrameLimits } from './frame.js';
import { emptyStats, payloadBytes, type LinkStats, type Message } from './transport.js';
import type { Wire } from './wire.js';

const EMPTY = new Uint8Array(0);
/** Control message a link sends before a clean close; delivered to the consumer as {tag 0, kind 'bye'}. */
export const BYE_KIND = 'bye';
/** WebSocket close codes used between Concord nodes. */
export const CLOSE_CODES = { normal: 1000, handshake: 4001, unknownPeer: 4002, jobMismatch: 4003, protocol: 4005, aborted: 4006 } as const;
const CLOSE_WAIT_MS = 2000;
/** Largest transport message on the wire: a LARGE_CHUNK plaintext plus the 16-byte AEAD tag. */
export const MAX_TRANSPORT_MESSAGE = LARGE_CHUNK + 16;
/**
 * Send backpressure: ciphertext is produced only while the socket buffers at most this many
 * bytes (ws bufferedAmount); the rest of a send waits in the outbox as plaintext views of the
 * caller's tensors (no copy) and is encrypted as the socket drains. So a slow receiver costs the
 * sender at most this much ciphertext per link, and encryption overlaps the transfer.
 */
export const SEND_HIGH_WATER = 4 << 20;
/**
 * Transport messages up to this many plaintext bytes (every small frame: head and a payload of at
 * most 64 KiB) are sent joined with their tag, as one WebSocket frame. Two fragments cost the
 * sender a second socket write and the receiver a second read and wake-up: measured, a 1-element
 * round trip over the mesh spent 42 µs of system time per party with fragments, 27–33 without.
 */
const JOIN_BELOW = 128 << 10;

/**
 * One authenticated, encrypted, ordered message link to a peer, after the Noise handshake.
 *
 * Transport messages (the large-frame variant DESIGN.md §6 allows): every WebSocket message is
 * one AEAD ciphertext, AESGCM(k, n, ad = empty, plaintext) with the Noise transport keys of the
 * handshake (one per direction) and the Noise counter nonce n = 0, 1, 2, ... — exactly a Noise
 * transport message, except that the plaintext may hold up to LARGE_CHUNK (1 MiB) bytes instead
 * of 65519. So a tampered, replayed, reordered, truncated or oversized message (above
 * MAX_TRANSPORT_MESSAGE) fails authentication or the length check and kills the link (E_FRAME).
 * The plaintexts form the frame stream of frame.ts: a small frame (payload ≤ 64 KiB) is one
 * message; a larger one is a head-only message, then its payload in 1 MiB messages.
 * Messages and errors arriving before a consumer is registered are queued.
 *
 * Copies of a tensor payload (fragile: measure with `concord bench net.throughput` on any change):
 * send = AES-GCM encrypt of each ≤ 1 MiB view of the tensor (no frame copy), body and tag handed
 * to the wire apart above JOIN_BELOW (one WebSocket message in two fragments: no copy to append
 * the tag), joined below it (one frame, one socket write); receive = ws reassembly of the socket reads, AES-GCM decrypt, and for tensors above
 * 1 MiB one copy into the tensor's own buffer (up to 1 MiB, the decrypted buffer is the tensor).
 * Sends respect the socket's buffered amount (SEND_HIGH_WATER).
 */
export class SecureLink {
  /** 16-byte pairwise PRG key (HKDF over the split keys, salted with the handshake hash); never sent. */
  readonly prgKey: Uint8Array;
  readonly handshakeHash: Uint8Array;
  /** The job (session) hash both ends agreed on in the handshake. */
  session = '';
  private readonly tx: CipherState;
  private readonly rx: CipherState;
  private readonly secret: Uint8Array;
  private readonly decoder: FrameDecoder;
  private readonly linkStats: LinkStats = emptyStats();
  private msgHandler: ((m: Message) => void) | undefined;
  private errHandler: ((e: ConcordError) => void) | undefined;
  private readonly inbox: Message[] = [];
  private pendingError: ConcordError | undefined;
  private errorReported = false;
  private dead = false;
  private peerSaidBye = false;
  private closing: Promise<void> | undefined;
  private closedResolve: (() => void) | undefined;
  /** Plaintext transport messages not yet encrypted (views of the senders' buffers), oldest first. */
  private readonly outbox: Uint8Array[] = [];
  private outboxHead = 0;
  private outboxBytes = 0;
  private waitingForDrain = false;
  private readonly drainWaiters: (() => void)[] = [];
  private afterFlush: (() => void) | undefined;

  constructor(readonly peerId: string, private readonly wire: Wire, hs: HandshakeResult, limits: FrameLimits = {}) {
    this.tx = hs.send;
    this.rx = hs.recv;
    this.handshakeHash = hs.handshakeHash;
    const ikm = new Uint8Array(hs.k1.length + hs.k2.length);
    ikm.set(hs.k1);
    ikm.set(hs.k2, hs.k1.length);
    this.secret = ikm;
    this.prgKey = this.exportKey('pair-prg', 16);
    this.decoder = new FrameDecoder(limits);
    wire.onData((d, tail) => this.receive(d, tail));
    wire.onClose((code, reason) => this.wireClosed(code, reason));
  }

  /** A key bound to this link and a label (HKDF-SHA256; salt = handshake hash). Identical at both ends, never sent. */
  exportKey(label: string, length = 32): Uint8Array {
    return hkdf(sha256, this.secret, this.handshakeHash, new TextEncoder().encode(`concord/link-export/${label}`), length);
  }

  /** Send one message. Errors (link down) go to onError, never thrown. */
  send(msg: Message): void {
    if (this.dead || this.closing) {
      const why = this.peerSaidBye ? 'has already closed the session' : 'is no longer connected';
      this.fail(new ConcordError('E_PEER_LOST', `cannot send to party ${this.peerId}: it ${why}`, { party: this.peerId }));
      return;
    }
    this.write(msg);
  }

  private write(msg: Message): void {
    for (const c of frameChunks(encodeFrame(msg))) {
      this.outbox.push(c);
      this.outboxBytes += c.length;
    }
    this.linkStats.bytesSent += payloadBytes(msg);
    this.linkStats.messagesSent++;
    if (!this.waitingForDrain) this.pump();
  }

  /** Encrypt and hand to the wire what the socket can take now; resume when it drains. */
  private pump(): void {
    this.waitingForDrain = false;
    const box = this.outbox;
    while (this.outboxHead < box.length) {
      if (this.wire.buffered > SEND_HIGH_WATER && !this.dead) {
        this.waitingForDrain = true;
        this.wire.whenBelow(SEND_HIGH_WATER >> 1, () => this.pump());
        return;
      }
      const c = box[this.outboxHead]!;
      box[this.outboxHead++] = EMPTY;
      this.outboxBytes -= c.length;
      let ct: [Uint8Array, Uint8Array | undefined];
      try {
        // A small message goes as one buffer: one WebSocket frame, one socket write. A large one
        // keeps body and tag apart, and the wire sends them as one message in two fragments
        // without copying the body next to the tag.
        ct = c.length <= JOIN_BELOW ? [this.tx.encryptWithAd(EMPTY, c), undefined] : this.tx.encryptWithAdSplit(EMPTY, c);
      } catch (e) {
        // Nonce exhaustion: nothing more can be sent on this link.
        this.outbox.length = this.outboxHead = this.outboxBytes = 0;
        this.abort(new ConcordError('E_FRAME', `cannot send to party ${this.peerId}: ${e instanceof Error ? e.message : String(e)}`, { party: this.peerId }));
        break;
      }
      if (!this.dead) this.wire.send(ct[0], ct[1]);
    }
    box.length = this.outboxHead = 0;
    this.releaseDrainWaiters();
    const after = this.afterFlush;
    this.afterFlush = undefined;
    after?.();
  }

  /** Stop (true) or resume (false) reading from the peer (flow control: its sends then wait behind its socket). */
  pauseReading(on: boolean): void {
    this.wire.pause(on);
  }

  /** Plaintext bytes queued behind the socket (backpressure), not yet encrypted. */
  get queued(): number {
    return this.outboxBytes;
  }

  /** Resolves once everything sent so far is encrypted and handed to the socket (at once if nothing waits). */
  drain(): Promise<void> {
    if (this.outboxHead >= this.outbox.length || this.dead) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Set the single consumer of incoming messages (queued ones are delivered now). */
  onMessage(handler: (m: Message) => void): void {
    this.msgHandler = handler;
    for (const m of this.inbox.splice(0)) handler(m);
  }

  /** Set the single consumer of the link's fatal error (reported once). */
  onError(handler: (e: ConcordError) => void): void {
    this.errHandler = handler;
    if (this.pendingError) {
      const e = this.pendingError;
      this.pendingError = undefined;
      handler(e);
    }
  }

  /** Payload bytes and messages moved so far. */
  stats(): LinkStats {
    return { ...this.linkStats };
  }

  /** True once the peer announced a clean close. */
  get peerClosed(): boolean {
    return this.peerSaidBye;
  }

  /** Bytes handed to the wire but not yet written to the OS. */
  get buffered(): number {
    return this.wire.buffered;
  }

  /** Clean close: tell the peer (bye), flush, close. Resolves when closed (at most ~2 s). */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      if (this.dead) return resolve();
      this.closedResolve = resolve;
      const closeWire = (): void => this.wire.close(CLOSE_CODES.normal, 'bye');
      this.write({ tag: 0, kind: BYE_KIND });
      // The bye goes last, after everything queued behind the socket.
      if (this.outboxHead < this.outbox.length && !this.dead) this.afterFlush = closeWire;
      else closeWire();
      const t = setTimeout(() => {
        this.wire.terminate();
        resolve();
      }, CLOSE_WAIT_MS);
      t.unref();
    });
    return this.closing;
  }

  private receive(data: Uint8Array, tail?: Uint8Array): void {
    if (this.dead) return;
    let plain: Uint8Array;
    try {
      const len = data.length + (tail?.length ?? 0);
      if (len > MAX_TRANSPORT_MESSAGE) throw new NoiseError('format', `message of ${len} bytes exceeds the transport limit of ${MAX_TRANSPORT_MESSAGE}`);
      plain = tail ? this.rx.decryptWithAdSplit(EMPTY, data, tail) : this.rx.decryptWithAd(EMPTY, data);
    } catch (e) {
      const why = e instanceof NoiseError ? e.message : String(e);
      this.abort(new ConcordError('E_FRAME', `bad message from party ${this.peerId} (message ${this.rx.nonce} on this link): ${why}; the link is closed`, { party: this.peerId }));
      return;
    }
    let msgs: Message[];
    try {
      msgs = this.decoder.push(plain);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.abort(new ConcordError('E_FRAME', `party ${this.peerId} sent a ${why}; the link is closed`, { party: this.peerId }));
      return;
    }
    for (const m of msgs) {
      if (m.tag === 0 && m.kind === BYE_KIND) this.peerSaidBye = true;
      else {
        this.linkStats.bytesReceived += payloadBytes(m);
        this.linkStats.messagesReceived++;
      }
      if (this.msgHandler) this.msgHandler(m);
      else this.inbox.push(m);
    }
  }

  private wireClosed(code: number, reason: string): void {
    const wasDead = this.dead;
    this.dead = true;
    this.releaseDrainWaiters(); // nothing more will drain: drain() callers see the failure instead
    this.closedResolve?.();
    if (wasDead || this.closing) return;
    if (this.peerSaidBye && this.decoder.idle) return;
    const detail = reason ? `code ${code}: ${reason}` : `code ${code}`;
    this.fail(new ConcordError('E_PEER_LOST', `lost the connection to party ${this.peerId} (${detail}); its process may have crashed, been killed or lost the network`, { party: this.peerId }));
  }

  /** Fatal local error: report it and drop the connection. */
  private abort(err: ConcordError): void {
    this.fail(err);
    this.dead = true;
    this.releaseDrainWaiters();
    this.wire.close(CLOSE_CODES.protocol, err.code);
    setTimeout(() => this.wire.terminate(), 200).unref();
  }

  /** Wake every drain() caller: the outbox is empty, or the link is dead and never will drain. */
  private releaseDrainWaiters(): void {
    for (const w of this.drainWaiters.splice(0)) w();
  }

  private fail(err: ConcordError): void {
    if (this.errorReported) return;
    this.errorReported = true;
    if (this.errHandler) this.errHandler(err);
    else this.pendingError = err;
  }
}
