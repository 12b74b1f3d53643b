import type { ConcordError } from '../errors.js';
import type { Ring } from '../ring/ring.js';

/**
 * One message between two parties. Exactly one body field is set.
 * `tag` names the protocol invocation (see Session.tag()); `kind` is free text for protocols
 * that send several messages under one tag and for control traffic ('abort', 'job').
 */
export interface Message {
  tag: number;
  kind: string;
  ring?: Ring;
  bytes?: Uint8Array;
  json?: unknown;
}

/** Bytes and messages moved over one link, application payload only. */
export interface LinkStats {
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
}

/**
 * Moves messages between this party and its peers. Implementations: in-memory (tests),
 * WebSocket + Noise (real deployments). One conformance suite runs over both.
 * A transport never interprets tags; the Session does.
 */
export interface Transport {
  /** My party index, 0-based. */
  readonly me: number;
  /** Number of parties. */
  readonly n: number;
  /**
   * Send a message to a peer; never blocks. Sending to a closed link is an error reported via
   * onError. The message's tensor or bytes may be encrypted later (behind a busy socket): do not
   * modify them after sending.
   */
  send(peer: number, msg: Message): void;
  /** Register the single consumer of incoming messages. */
  onMessage(handler: (peer: number, msg: Message) => void): void;
  /** Register the single consumer of fatal link errors (peer lost, bad frame, AEAD failure). */
  onError(handler: (err: ConcordError) => void): void;
  /** Per-peer statistics (index = peer). */
  stats(): LinkStats[];
  /** Close every link. */
  close(): Promise<void>;
  /**
   * Resolves once everything sent so far is encrypted and handed to the sockets (send
   * backpressure: a sender that must not run ahead of a slow peer awaits this). Optional: a
   * transport that never queues (in-memory) has nothing to wait for.
   */
  drain?(): Promise<void>;
}

/** Payload bytes a message carries (tensor bytes, raw bytes, or encoded JSON length estimate). */
export function payloadBytes(msg: Message): number {
  if (msg.ring) return msg.ring.size * 8;
  if (msg.bytes) return msg.bytes.length;
  if (msg.json !== undefined) return JSON.stringify(msg.json).length;
  return 0;
}

/** Fresh all-zero stats. */
export function emptyStats(): LinkStats {
  return { bytesSent: 0, bytesReceived: 0, messagesSent: 0, messagesReceived: 0 };
}
