import type { Session } from '../../src/session/session.js';
import { Secret } from '../../src/ml/secret.js';

/**
 * The computation of the README "Use as a library" example: three organizations multiply secret matrices. Party 0 holds X (2×3),
 * party 1 holds W (3×2), party 2 holds a bias b (2×2); all learn only Y = X·W + b.
 */
export async function task(s: Session): Promise<number[]> {
  const X = Secret.input(s, 0, [2, 3], s.me === 0 ? [1, 2, 3, 4, 5, 6] : undefined);
  const W = Secret.input(s, 1, [3, 2], s.me === 1 ? [0.5, -1, 0.25, 2, -0.5, 1] : undefined);
  const b = Secret.input(s, 2, [2, 2], s.me === 2 ? [10, 20, 30, 40] : undefined);
  const Y = (await X.matmul(W)).add(b); // Beaver matrix triple + truncation: 2 rounds
  console.error(`party ${s.id} holds ${Y.toString()}`); // "Secret[2×2]": shape only; `${Y}` or +Y throw
  return Array.from((await Y.reveal()) as Float64Array);
}
