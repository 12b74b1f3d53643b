import { Ring } from '../../src/ring/ring.js';
import type { StagedTriple } from '../../src/session/preprocessing.js';
import type { Chain } from '../core/chain.js';

/**
 * Beaver multiplication: the one combining step of every product of shares in protocols/.
 * [Beaver91: D. Beaver, "Efficient multiparty protocols using circuit randomization", CRYPTO 1991;
 * matrix triples as in SecureML (Mohassel–Zhang, S&P 2017) §4]
 *
 * For a bilinear product ∘ (element-wise, or a matrix product with any transposes) and a triple
 * [a], [b], [c] = a∘b of matching shapes:
 *   1. open e = x − a and f = y − b together (one round, shared with whatever else opens then);
 *   2. [z] = [c] + e∘[y] + [a]∘f, since x∘y = (e + a)∘y = e∘y + a∘(f + b) = e∘y + a∘f + c.
 * No public term, so no party is special; two local products. Rounds: 1. Bytes to each peer:
 * 8·(|x| + |y|) — for matrices O(n·k + k·m), not O(n·k·m). Security: semi-honest; e and f are
 * x and y masked by uniform a and b, each triple used once. Input range: any ring elements
 * (ring product; fixed-point callers truncate after, arithmetic/fixed.ts).
 * Served from here: mul (element-wise) and matmul (all transposes) in the modes without an
 * honest majority (product.ts; hm takes replicated-product.ts instead), the masked matmul (e
 * opened once for many products, masked.ts), b2aMul (binary/b2a.ts) and the fixed-point
 * products of nonlinear/.
 */

/** A bilinear product of two tensors (l∘r). */
export type Product = (l: Ring, r: Ring) => Ring;

/** Element-wise product. */
export const elementwise: Product = (l, r) => l.mul(r);

/** Matrix product l·r. */
export const matrixProduct: Product = (l, r) => l.matmul(r);

/** Step 2 of the recipe: shares of x∘y from [c], the opened e, my [y], my [a] and the opened f. */
export function beaverCombine(c: Ring, e: Ring, y: Ring, a: Ring, f: Ring, prod: Product): Ring {
  // Element-wise: one fused pass (a quarter of the tensors and half the copies of four ring ops).
  if (prod === elementwise) return Ring.beaver(c, e, y, a, f);
  return c.add(prod(e, y)).add(prod(a, f));
}

/** The triple with f applied to each component (c when it arrives; a failure surfaces where c is awaited). */
export function mapTriple(t: StagedTriple, f: (r: Ring) => Ring): StagedTriple {
  if (t.c instanceof Ring) return { a: f(t.a), b: f(t.b), c: f(t.c) };
  const c = t.c.then(f);
  c.catch(() => undefined);
  return { a: f(t.a), b: f(t.b), c };
}

/**
 * Steps 1 and 2 as a chain: one round for x∘y with a triple of the operands' shapes. Step 1 needs
 * only a and b, so a c still on its way (the dealer's correction) is awaited after the round.
 */
export async function* beaverStep(x: Ring, y: Ring, { a, b, c }: StagedTriple, prod: Product): Chain<Ring> {
  const { add } = yield { add: [x.sub(a), y.sub(b)] };
  return beaverCombine(c instanceof Ring ? c : await c, add[0]!, y, a, add[1]!, prod);
}
