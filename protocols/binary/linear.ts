import type { Party } from '../core/scope.js';
import { Ring } from '../../src/ring/ring.js';

/**
 * Local operations on XOR-shared 64-bit words: no communication. XOR of two shared words is the
 * XOR of the shares; a public word enters through party 0 alone so the shares still XOR to it.
 */

/** XOR shares of x ⊕ p for a public tensor p. */
export function xorPublic(s: Party, x: Ring, p: Ring): Ring {
  return s.me === 0 ? x.xor(p) : x.clone();
}

/** XOR shares of ¬x (bitwise NOT: party 0 flips its share). */
export function notBinary(s: Party, x: Ring): Ring {
  return s.me === 0 ? x.not() : x.clone();
}

/**
 * XOR shares of the number party `owner` holds privately (its arithmetic share, typically):
 * the owner's XOR share is the value itself and every other party's is zero. No communication;
 * subsequent ANDs mask it with bit triples, so it never travels in clear.
 */
export function binaryOfPrivate(s: Party, owner: number, mine: Ring): Ring {
  return s.me === owner ? mine.clone() : Ring.zeros(mine.shape);
}
