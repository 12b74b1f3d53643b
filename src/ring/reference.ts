/**
 * Reference kernels over Z_2^64 on raw BigUint64Arrays, in plain BigInt.
 *
 * Correct and slow (each element read boxes a BigInt): `Ring` runs the WebAssembly kernels
 * (wasm.ts); the tests compare those against this file. Never use it in a hot path.
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

/** Bit k of every element (0/1). */
export function bit(a: U64, k: number, out: U64): void {
  const kk = BigInt(k);
  for (let i = 0; i < out.length; i++) out[i] = (a[i]! >> kk) & 1n;
}

/** out (c×r) = transpose of a (r×c). */
export function transpose(a: U64, out: U64, r: number, c: number): void {
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
}

/** out[i] = Σ_j a[i][j] for a r×c. */
export function rowSum(a: U64, out: U64, r: number, c: number): void {
  for (let i = 0; i < r; i++) {
    let acc = 0n;
    for (let j = 0; j < c; j++) acc += a[i * c + j]!;
    out[i] = acc & MASK;
  }
}

/** out[j] = Σ_i a[i][j] for a r×c. */
export function colSum(a: U64, out: U64, r: number, c: number): void {
  for (let j = 0; j < c; j++) {
    let acc = 0n;
    for (let i = 0; i < r; i++) acc += a[i * c + j]!;
    out[j] = acc & MASK;
  }
}
