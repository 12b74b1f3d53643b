import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';

/**
 * Open shared tensors to every party: each party sends its shares to every peer and sums.
 * All tensors travel as one concatenated message per peer (one frame, one round; core/exchange.ts).
 * Rounds: 1 for any number of tensors. Bytes sent to each peer: 8·Σ sizes.
 * Security: reveals the opened values to all; callers open only masked or declared outputs.
 * Input range: any ring elements.
 */
export async function* openStep(_s: Scope, xs: readonly Ring[]): Chain<Ring[]> {
  return (yield { add: [...xs] }).add;
}

/** Open many shared tensors in one round (see openStep). */
export const openMany = runner((s, xs: readonly Ring[]) => openStep(s, xs));

/** Open one shared tensor to every party (1 round, 8·size bytes to each peer). */
export const open = runner(async function* (s, x: Ring): Chain<Ring> {
  return (yield* openStep(s, [x]))[0]!;
});

/**
 * Reveal a shared tensor only to the listed parties: everyone sends its share to each recipient.
 * Rounds: 1. Bytes: 8·size to each recipient. Non-recipients get undefined and learn nothing.
 */
export async function* revealToStep(s: Scope, x: Ring, recipients: readonly number[]): Chain<Ring | undefined> {
  for (const r of recipients) {
    if (!Number.isInteger(r) || r < 0 || r >= s.n) throw new ConcordError('E_USAGE', `revealTo: recipient ${r} is not a party index in 0..${s.n - 1}`);
  }
  return (yield { reveal: { x, to: recipients } }).revealed;
}

/** Reveal x to the listed parties (see revealToStep). */
export const revealTo = runner((s, x: Ring, recipients: readonly number[]) => revealToStep(s, x, recipients));

/** Concatenate tensors as one flat 1-D tensor (no copy for a single tensor). */
export function cat(parts: readonly Ring[]): Ring {
  if (parts.length === 1) return parts[0]!.reshape([parts[0]!.size]);
  return Ring.concat(parts.map((p) => p.reshape([p.size])), 0);
}

/** Split a flat tensor back into tensors shaped like `like` (copies). */
export function splitLike(flat: Ring, like: readonly Ring[]): Ring[] {
  let off = 0;
  return like.map((l) => {
    const part = new Ring(l.shape, flat.data.slice(off, off + l.size));
    off += l.size;
    return part;
  });
}
