import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';

/**
 * Open XOR-shared 64-bit words to every party: each party sends its share to every peer and
 * XORs what it receives. Rounds: 1 for any number of tensors. Bytes to each peer: 8·Σ sizes.
 * Security: reveals the opened words; callers open only masked words or declared outputs.
 */
export async function openBinaryMany(s: Session, xs: Ring[]): Promise<Ring[]> {
  const tag = s.tag();
  for (const p of s.peers) xs.forEach((x, i) => s.send(p, tag, x, `b${i}`));
  const received = await Promise.all(s.peers.map((p) => Promise.all(xs.map((_, i) => s.recv(p, tag, `b${i}`)))));
  return xs.map((x, i) => received.reduce((acc, r) => acc.xor(r[i]!), x));
}

/** Open one XOR-shared tensor to every party (1 round, 8·size bytes to each peer). */
export async function openBinary(s: Session, x: Ring): Promise<Ring> {
  return (await openBinaryMany(s, [x]))[0]!;
}
