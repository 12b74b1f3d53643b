/**
 * The WebAssembly OT kernels (kernel-wat.mjs, compiled into kernel-binary.ts): the bit transpose
 * (64×64 blocks on i64 registers, about 2× the JS 32×32 version) and the per-chunk loops of the
 * element layouts (element-ot.ts: 64-bit arithmetic that JS would do on pairs of 32-bit halves).
 * Operands are copied into the module's own grow-only memory and results copied out, so no
 * tensor ever aliases WASM memory.
 */
import { ConcordError } from '../../../src/errors.js';
import { KERNEL_WASM_BASE64 } from './kernel-binary.js';

interface TransposeExports {
  memory: WebAssembly.Memory;
  transpose(src: number, dst: number, rows: number, cols: number): void;
}

let kernel: TransposeExports | undefined;

function load(): TransposeExports {
  kernel ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(KERNEL_WASM_BASE64, 'base64')), {}).exports as unknown as TransposeExports;
  return kernel;
}

/** Transpose a rows×cols bit matrix (multiples of 64) held as 32-bit words; see bitmatrix.ts for the layout. */
export function transposeBitsWasm(src: Uint32Array, rows: number, cols: number): Uint32Array {
  if (rows % 64 !== 0 || cols % 64 !== 0) throw new ConcordError('E_INTERNAL', `transposeBitsWasm: ${rows}×${cols} is not a multiple of 64`);
  const k = load();
  const bytes = (rows * cols) / 8;
  const need = 2 * bytes;
  const have = k.memory.buffer.byteLength;
  if (need > have) k.memory.grow(Math.ceil((need - have) / 65536));
  const mem = new Uint8Array(k.memory.buffer);
  mem.set(new Uint8Array(src.buffer, src.byteOffset, bytes), 0);
  k.transpose(0, bytes, rows, cols);
  return new Uint32Array(mem.slice(bytes, 2 * bytes).buffer);
}

/** The per-chunk loops of element-ot.ts (see kernel-wat.mjs for what each computes). */
export interface ChunkExports {
  memory: WebAssembly.Memory;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  xor3(t: number, g: number, r: number, cols: number, cb: number): void;
  xorSel(q: number, u: number, dx: number, cols: number, cb: number): void;
  sigma(src: number, dst: number, n: number, dx: number): void;
  recvPre64(h: number, rows: number, a: number, n: number): void;
  recvFin64(a: number, x: number, d: number, r: number, n: number): void;
  send64(h0: number, h1: number, rows: number, dx: number, y: number, d: number, s: number, n: number): void;
  recvPre1(h: number, rows: number, a: number, n: number): void;
  recvFin1(a: number, x: number, d: number, r: number, n: number): void;
  send1(h0: number, h1: number, rows: number, dx: number, y: number, d: number, s: number, n: number): void;
  andPre(h: number, rows: number, o: number, m: number): void;
  andSend(h0: number, h1: number, rows: number, dx: number, y: number, d: number, s: number, m: number): void;
}

/** The kernel with at least `bytes` bytes of memory. Growing detaches earlier views of it: take them after this call. */
export function chunkKernel(bytes: number): ChunkExports {
  const k = load() as unknown as ChunkExports;
  const have = k.memory.buffer.byteLength;
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
  return k;
}

/** Bytes of Gilboa corrections per element: Σ_l ⌈(64 − l)/8⌉ over the choice bits l < width (288 for 64, 8 for 1). */
export function gilboaCorrectionBytes(width: number): number {
  let b = 0;
  for (let l = 0; l < width; l++) b += (71 - l) >>> 3;
  return b;
}
