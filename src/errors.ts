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
  | 'E_INTERNAL'; // a bug: please report

/** The one error type Concord throws on purpose: a stable code, what happened, what to do. */
export class ConcordError extends Error {
  readonly code: ErrorCode;
  /** Party id this error concerns, when there is one. */
  readonly party?: string;

  constructor(code: ErrorCode, message: string, options?: { party?: string; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'ConcordError';
    this.code = code;
    if (options?.party !== undefined) this.party = options.party;
  }
}

/** True if `e` is a ConcordError (optionally with the given code). */
export function isConcordError(e: unknown, code?: ErrorCode): e is ConcordError {
  return e instanceof ConcordError && (code === undefined || e.code === code);
}
