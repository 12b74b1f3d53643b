import type { Ring, Shape } from '../../src/ring/ring.js';
import type { Preprocessing, ProductMasks, ProductPrep, ZeroShare } from '../../src/session/preprocessing.js';
import type { Chain } from '../core/chain.js';
import { prefetch } from '../core/prefetch.js';
import type { Scope } from '../core/scope.js';
import { beaverStep, mapTriple, type Product } from './beaver.js';
import { replicatedStep } from './replicated-product.js';

/**
 * The one product of shares behind mul and matmul: the replicated product where the mode has an
 * honest majority (Preprocessing.productMasks: hm), else Beaver's recipe with a triple. Both take
 * one round; which one runs follows from the item the mode supplied.
 */
export function productStep(x: Ring, y: Ring, pre: ProductPrep, prod: Product): Chain<Ring> {
  return isMasks(pre) ? replicatedStep(x, y, pre, prod) : beaverStep(x, y, pre, prod);
}

/**
 * Request the preprocessing of a product of operands shaped x, y into z now: the replicated
 * product's masks where the mode has them, else `triple()` (a Beaver triple of those shapes).
 */
export function productPrep<T>(s: Scope, x: Shape, y: Shape, z: Shape, triple: (tag: number) => Promise<T>): Promise<T | ProductMasks> {
  return prefetch(productItem(s.prep, s.tag(), x, y, z, triple));
}

/** productPrep's choice for a given preprocessing and tag, outside a protocol call (benchmarks). */
export function productItem<T>(prep: Preprocessing, tag: number, x: Shape, y: Shape, z: Shape, triple: (tag: number) => Promise<T>): Promise<T | ProductMasks> {
  return prep.productMasks ? prep.productMasks(tag, x, y, z) : triple(tag);
}

/** The item with f applied to each tensor (a flat item reshaped for its operands, say; f keeps every size). */
export function mapPrep(p: ProductPrep, f: (r: Ring) => Ring): ProductPrep {
  if (!isMasks(p)) return mapTriple(p, f);
  const g = (z: ZeroShare): ZeroShare => ({
    parts: () => {
      const { plus, minus } = z.parts();
      return { plus: f(plus), minus: f(minus) };
    },
    xorInto: (t) => z.xorInto(t), // f keeps sizes (mapPrep's contract), and xorInto reads only the size
  });
  return { replicated: true, x: g(p.x), y: g(p.y), z: () => g(p.z()) };
}

/** Whether an item is the replicated product's masks (else a triple). */
export function isMasks<T extends object>(p: T | ProductMasks): p is ProductMasks {
  return 'replicated' in p;
}
