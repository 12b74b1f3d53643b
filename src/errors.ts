/** Stable error codes. Tools match on `code`; messages are for people. */
export type ErrorCode =
  | 'E_CONFIG' // malformed consortium/job file, bad key file
  | 'E_USAGE' // bad command-line arguments
  | 'E_KEY' // key file problems (missing, wrong mode, mismatch with config)
  | 'E_HANDSHAKE' // Noise handshake failed (wrong static key, tampering)
  | 'E_JOB_MISMATCH' // parties run different jobs or protocol versions
  | 'E_PEER_LOST' // a peer closed its connection or crashed
  | 'E_UNREACHABLE' // a peer never answered during start-up
  | 'E_TIMEOUT' // a wait on the network ran out
  | 'E_FRAME' // corrupt, oversized, replayed or unexpected frame
  | 'E_RANGE' // value outside the representable / documented range
  | 'E_SHAPE' // tensor shapes do not fit together
  | 'E_DATA' // bad CSV / training data
  | 'E_PREP' // preprocessing (offline phase) failure
  | 'E_ABORTED' // another party aborted the session
  | 'E_CHECKPOINT' // a training checkpoint is missing, corrupt, or from another job/run
  | 'E_INTERNAL'; // a bug: please report

/** The one error type Concord throws on purpose: a stable code, what happened, what to do. */
export class ConcordError extends Error {
  readonly code: ErrorCode;
  /** Party id this error concerns, when there is one. */
  readonly party?: string;
  /** The same diagnosis without any cell content or local path: what may be sent to peers. */
  readonly shareable?: string;

  constructor(code: ErrorCode, message: string, options?: { party?: string; cause?: unknown; shareable?: string }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'ConcordError';
    this.code = code;
    if (options?.party !== undefined) this.party = options.party;
    if (options?.shareable !== undefined) this.shareable = options.shareable;
  }
}

/**
 * Codes whose messages the runtime composes only from party ids, tags, sizes and codes (network,
 * handshake, framing, timeouts, relayed aborts, checkpoint verdicts: epochs, digests, errno codes,
 * never a path): safe to send to peers as they are.
 */
const PEER_SAFE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['E_PEER_LOST', 'E_UNREACHABLE', 'E_TIMEOUT', 'E_FRAME', 'E_ABORTED', 'E_HANDSHAKE', 'E_JOB_MISMATCH', 'E_CHECKPOINT']);

/**
 * What a peer may be told about an error (the abort channel, the data announcement): its
 * `shareable` form, the message of a network-level code, or for anything else (data, config,
 * range, internal errors, whose messages may quote a cell, a value or a local path) only the code.
 */
export function peerMessage(e: ConcordError): string {
  if (e.shareable !== undefined) return e.shareable;
  if (PEER_SAFE.has(e.code)) return e.message;
  return `it stopped with ${e.code} (the details stay in its own log)`;
}

/** True if `e` is a ConcordError (optionally with the given code). */
export function isConcordError(e: unknown, code?: ErrorCode): e is ConcordError {
  return e instanceof ConcordError && (code === undefined || e.code === code);
}
