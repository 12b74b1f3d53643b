/**
 * Element kernels over Z_2^64 on raw BigUint64Arrays.
 *
 * This is the plain BigInt reference implementation: correct, slow (each element read
 * boxes a BigInt). The WebAssembly kernels replace these behind the same signatures;
 * keep this file as the reference the kernel tests compare against.
 */
const MASK = (1n << 64n) - 1n;

export type U64 = BigUint64Array;

export function add(a: U64, b: U64, out: U64): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i]!;
}
export function sub(a: U64, b: U64, out: U64): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! - b[i]!;
}
export function mul(a: U64, b: U64, out: U64): void {
  for (let i = 0; i < out.length; i++) out[i] = (a[i]! * b[i]!) & MASK;
}
export function neg(a: U64, out: U64): void {
  for (let i = 0; i < out.length; i++) out[i] = -a[i]!;
}
export function scale(a: U64, k: bigint, out: U64): void {
  const kk = BigInt.asUintN(64, k);
  for (let i = 0; i < out.length; i++) out[i] = (a[i]! * kk) & MASK;
}
export function addScalar(a: U64, k: bigint, out: U64): void {
  const kk = BigInt.asUintN(64, k);
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + kk;
}
export function xor(a: U64, b: U64, out: U64): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! ^ b[i]!;
}
export function and(a: U64, b: U64, out: U64): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! & b[i]!;
}
export function not(a: U64, out: U64): void {
  for (let i = 0; i < out.length; i++) out[i] = ~a[i]!;
}
export function shl(a: U64, k: number, out: U64): void {
  const kk = BigInt(k);
  for (let i = 0; i < out.length; i++) out[i] = (a[i]! << kk) & MASK;
}
export function shr(a: U64, k: number, out: U64): void {
  const kk = BigInt(k);
  for (let i = 0; i < out.length; i++) out[i] = a[i]! >> kk;
}
export function sar(a: U64, k: number, out: U64): void {
  const kk = BigInt(k);
  for (let i = 0; i < out.length; i++) out[i] = BigInt.asUintN(64, BigInt.asIntN(64, a[i]!) >> kk);
}

/**
 * out (n×m) = op(A) · op(B) where op(A) is n×k and op(B) is k×m.
 * transA: A is stored k×n; transB: B is stored m×k.
 */
export function matmul(a: U64, b: U64, out: U64, n: number, k: number, m: number, transA: boolean, transB: boolean): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0n;
      for (let t = 0; t < k; t++) {
        const av = transA ? a[t * n + i]! : a[i * k + t]!;
        const bv = transB ? b[j * k + t]! : b[t * m + j]!;
        acc = (acc + av * bv) & MASK;
      }
      out[i * m + j] = acc;
    }
  }
}
