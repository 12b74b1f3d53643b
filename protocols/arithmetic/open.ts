import type { Session } from '../../src/session/session.js';
import { Ring } from '../../src/ring/ring.js';

/**
 * Open shared tensors to every party: each party sends its shares to every peer and sums.
 * Rounds: 1 for any number of tensors. Bytes sent to each peer: 8·Σ sizes.
 * Security: reveals the opened values to all; callers open only masked or declared outputs.
 */
export async function openMany(s: Session, xs: Ring[]): Promise<Ring[]> {
  const tag = s.tag();
  for (const p of s.peers) xs.forEach((x, i) => s.send(p, tag, x, `o${i}`));
  const received = await Promise.all(s.peers.map((p) => Promise.all(xs.map((_, i) => s.recv(p, tag, `o${i}`)))));
  return xs.map((x, i) => received.reduce((acc, r) => acc.add(r[i]!), x));
}

/** Open one shared tensor to every party (1 round, 8·size bytes to each peer). */
export async function open(s: Session, x: Ring): Promise<Ring> {
  return (await openMany(s, [x]))[0]!;
}

/**
 * Reveal a shared tensor only to the listed parties: everyone sends its share to each recipient.
 * Rounds: 1. Bytes: 8·size to each recipient. Non-recipients get undefined and learn nothing.
 */
export async function revealTo(s: Session, x: Ring, recipients: readonly number[]): Promise<Ring | undefined> {
  const tag = s.tag();
  for (const r of recipients) if (r !== s.me) s.send(r, tag, x, 'r');
  if (!recipients.includes(s.me)) return undefined;
  const parts = await Promise.all(s.peers.map((p) => s.recv(p, tag, 'r')));
  return parts.reduce((acc, r) => acc.add(r), x);
}
