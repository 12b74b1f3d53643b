import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConcordError } from '../errors.js';
import { NoiseError, NOISE_MAX_MESSAGE, type CipherState, type HandshakeResult } from '../crypto/noise.js';
import { chunkFrame, encodeFrame, FrameDecoder, type FrameLimits } from './frame.js';
import { emptyStats, payloadBytes, type LinkStats, type Message } from './transport.js';
import type { Wire } from './wire.js';

const EMPTY = new Uint8Array(0);
/** Control message a link sends before a clean close; delivered to the consumer as {tag 0, kind 'bye'}. */
export const BYE_KIND = 'bye';
/** WebSocket close codes used between Concord nodes. */
export const CLOSE_CODES = { normal: 1000, handshake: 4001, unknownPeer: 4002, jobMismatch: 4003, protocol: 4005, aborted: 4006 } as const;
const CLOSE_WAIT_MS = 2000;

/**
 * One authenticated, encrypted, ordered message link to a peer, after the Noise handshake.
 * Every wire message is one Noise transport message (≤ 65535 bytes, counter nonces), so a
 * tampered, replayed, reordered or truncated message fails authentication and kills the link.
 * Messages and errors arriving before a consumer is registered are queued.
 *
 * Copies of a tensor payload (fragile: measure with `concord bench net.throughput` on any change):
 * send = AES-GCM encrypt of each ≤65519-byte view of the tensor (no frame copy; the first chunk
 * also carries the header) + one copy to append the tag; receive = ws reassembly of the socket
 * reads, AES-GCM decrypt, one copy into the tensor's own (not zero-filled) buffer.
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
    wire.onData((d) => this.receive(d));
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
    const chunks = chunkFrame(encodeFrame(msg));
    for (const c of chunks) this.wire.send(this.tx.encryptWithAd(EMPTY, c));
    this.linkStats.bytesSent += payloadBytes(msg);
    this.linkStats.messagesSent++;
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
      try {
        this.write({ tag: 0, kind: BYE_KIND });
      } catch {
        /* nonce exhaustion: close anyway */
      }
      this.wire.close(CLOSE_CODES.normal, 'bye');
      const t = setTimeout(() => {
        this.wire.terminate();
        resolve();
      }, CLOSE_WAIT_MS);
      t.unref();
    });
    return this.closing;
  }

  private receive(data: Uint8Array): void {
    if (this.dead) return;
    let plain: Uint8Array;
    try {
      if (data.length > NOISE_MAX_MESSAGE) throw new NoiseError('format', `message of ${data.length} bytes exceeds the Noise limit of 65535`);
      plain = this.rx.decryptWithAd(EMPTY, data);
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
    this.wire.close(CLOSE_CODES.protocol, err.code);
    setTimeout(() => this.wire.terminate(), 200).unref();
  }

  private fail(err: ConcordError): void {
    if (this.errorReported) return;
    this.errorReported = true;
    if (this.errHandler) this.errHandler(err);
    else this.pendingError = err;
  }
}
