import type { Ring } from '../../src/ring/ring.js';
import { runner } from '../../protocols/core/run.js';
import { beaverStep, elementwise } from '../../protocols/arithmetic/beaver.js';

/**
 * An element-wise Beaver product with a triple from the session's preprocessing, whatever the
 * mode (mul itself takes the replicated product in hm). hm still serves triples to b2a and the
 * lookup sigmoid, so a Beaver opening is what a protocol on hm items may do: the knowledge
 * attacks (test/hm/*-knowledge.test.ts) run through it. The triple's tag is the call's id.
 */
export const beaverMul = runner(async function* (sc, x: Ring, y: Ring) {
  const triple = await sc.prep.triple(sc.tag(), x.shape);
  return yield* beaverStep(x, y, triple, elementwise);
});
