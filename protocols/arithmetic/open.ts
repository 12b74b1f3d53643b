import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { Ring } from '../../src/ring/ring.js';

/**
 * Open shared tensors to every party: each party sends its shares to every peer and sums.
 * All tensors travel as one concatenated message per peer (one frame, one round).
 * Rounds: 1 for any number of tensors. Bytes sent to each peer: 8·Σ sizes.
 * Security: reveals the opened values to all; callers open only masked or declared outputs.
 * `tag` defaults to a fresh one; protocols pass the tag they took at call time.
 */
export async function openMany(s: Session, xs: readonly Ring[], tag: number = s.tag()): Promise<Ring[]> {
  const flat = flatten(xs);
  for (const p of s.peers) s.send(p, tag, flat, 'o');
  const received = await Promise.all(s.peers.map((p) => s.recv(p, tag, 'o')));
  let sum = flat;
  for (const r of received) {
    if (r.size !== flat.size) throw new ConcordError('E_FRAME', `open (tag ${tag}): a peer sent ${r.size} elements, expected ${flat.size}; the parties run different programs`);
    sum = sum.add(r.reshape(flat.shape));
  }
  return split(sum, xs);
}

/** Open one shared tensor to every party (1 round, 8·size bytes to each peer). */
export async function open(s: Session, x: Ring, tag: number = s.tag()): Promise<Ring> {
  return (await openMany(s, [x], tag))[0]!;
}

/**
 * Reveal a shared tensor only to the listed parties: everyone sends its share to each recipient.
 * Rounds: 1. Bytes: 8·size to each recipient. Non-recipients get undefined and learn nothing.
 */
export async function revealTo(s: Session, x: Ring, recipients: readonly number[], tag: number = s.tag()): Promise<Ring | undefined> {
  for (const r of recipients) {
    if (!Number.isInteger(r) || r < 0 || r >= s.n) throw new ConcordError('E_USAGE', `revealTo: recipient ${r} is not a party index in 0..${s.n - 1}`);
  }
  for (const r of new Set(recipients)) if (r !== s.me) s.send(r, tag, x, 'r');
  if (!recipients.includes(s.me)) return undefined;
  const parts = await Promise.all(s.peers.map((p) => s.recv(p, tag, 'r')));
  return parts.reduce((acc, r) => acc.add(r.reshape(x.shape)), x);
}

/** One flat tensor holding every element of xs in order (no copy for a single tensor). */
export function flatten(xs: readonly Ring[]): Ring {
  if (xs.length === 1) return xs[0]!.reshape([xs[0]!.size]);
  return Ring.concat(xs.map((x) => x.reshape([x.size])));
}

/** Inverse of flatten: cut a flat tensor into tensors shaped like `like`. */
export function split(flat: Ring, like: readonly Ring[]): Ring[] {
  let off = 0;
  return like.map((x) => {
    const part = new Ring(x.shape, like.length === 1 ? flat.data : flat.data.subarray(off, off + x.size));
    off += x.size;
    return part;
  });
}
