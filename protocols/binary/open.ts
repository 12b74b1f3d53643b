import type { Ring } from '../../src/ring/ring.js';
import type { Chain } from '../core/chain.js';
import { runner } from '../core/run.js';
import type { Scope } from '../core/scope.js';

/**
 * Open XOR-shared 64-bit words to every party: each party sends its share to every peer and
 * XORs what it receives. Rounds: 1 for any number of tensors. Bytes to each peer: 8·Σ sizes.
 * Security: reveals the opened words; callers open only masked words or declared outputs.
 * Input range: any 64-bit words.
 */
export async function* openBinaryStep(_s: Scope, xs: Ring[]): Chain<Ring[]> {
  return (yield { xor: xs }).xor;
}

/** Open many XOR-shared tensors in one round (see openBinaryStep). */
export const openBinaryMany = runner(openBinaryStep);

/** Open one XOR-shared tensor to every party (1 round, 8·size bytes to each peer). */
export const openBinary = runner(async function* (s, x: Ring): Chain<Ring> {
  return (yield* openBinaryStep(s, [x]))[0]!;
});
