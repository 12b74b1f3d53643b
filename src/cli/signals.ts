import { ConcordError } from '../errors.js';

/**
 * SIGINT / SIGTERM for the long-running commands (simulate, party). While a handler is
 * installed, the first signal starts an orderly stop (children stopped, temporary files removed,
 * peers told); a second one gets Node's default (immediate exit), so a stuck stop can still be
 * interrupted. The command then exits with 128 + the signal number, as shells expect.
 */

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const NUMBERS: Record<(typeof SIGNALS)[number], number> = { SIGINT: 2, SIGTERM: 15 };

/** The error a command throws once a signal stopped it; main.ts exits with `exitCode`. */
export class StoppedError extends ConcordError {
  readonly exitCode: number;
  constructor(readonly signal: NodeJS.Signals, what: string) {
    super('E_ABORTED', `stopped by ${signal}: ${what}`);
    this.exitCode = 128 + (NUMBERS[signal as (typeof SIGNALS)[number]] ?? 0);
  }
}

/** Call `stop(signal)` on the first SIGINT/SIGTERM; returns the function that removes the hook. */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): () => void {
  const handler = (sig: NodeJS.Signals): void => {
    for (const s of SIGNALS) process.off(s, handler);
    stop(sig);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => {
    for (const s of SIGNALS) process.off(s, handler);
  };
}
