/**
 * The WebAssembly OT kernels (kernel-wat.mjs, compiled into kernel-binary.ts): the bit transpose
 * (64×64 blocks on i64 registers, about 2× the JS 32×32 version) and the Gilboa loops of the
 * element layout (64-bit arithmetic that JS would do on pairs of 32-bit halves). Operands are copied into the module's
 * own grow-only memory and the result copied out, so no tensor ever aliases WASM memory.
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

interface GilboaExports {
  memory: WebAssembly.Memory;
  send64(h0: number, h1: number, y: number, d: number, s: number, n: number): void;
  recv64(h: number, x: number, d: number, r: number, n: number): void;
  send1(h0: number, h1: number, y: number, d: number, s: number, n: number): void;
  recv1(h: number, x: number, d: number, r: number, n: number): void;
}

/** Kernel memory of at least `bytes` bytes, as a fresh byte view. */
function arena(bytes: number): { k: GilboaExports; mem: Uint8Array } {
  const k = load() as unknown as GilboaExports;
  const have = k.memory.buffer.byteLength;
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
  return { k, mem: new Uint8Array(k.memory.buffer) };
}

const bytesOf = (w: Uint32Array, words: number): Uint8Array => new Uint8Array(w.buffer, w.byteOffset, words * 4);

/** Bytes of Gilboa corrections per element: Σ_l ⌈(64 − l)/8⌉ over the choice bits l < width (288 for 64, 8 for 1). */
export function gilboaCorrectionBytes(width: number): number {
  let b = 0;
  for (let l = 0; l < width; l++) b += (71 - l) >>> 3;
  return b;
}

/**
 * Gilboa sender, element layout (gilboa.ts): from the hashes h0, h1 (16 bytes per OT, n·width
 * OTs) and y (n elements), the packed corrections and the sender's shares.
 */
export function gilboaSendKernel(width: 64 | 1, h0: Uint32Array, h1: Uint32Array, y: Uint32Array, n: number): { d: Uint8Array; s: Uint32Array } {
  const hb = n * width * 16, db = n * gilboaCorrectionBytes(width);
  const oY = 2 * hb, oD = oY + 8 * n, oS = oD + db + 8; // 8 bytes of slack for the last 8-byte store
  const { k, mem } = arena(oS + 8 * n);
  mem.set(bytesOf(h0, hb / 4), 0);
  mem.set(bytesOf(h1, hb / 4), hb);
  mem.set(bytesOf(y, 2 * n), oY);
  (width === 64 ? k.send64 : k.send1)(0, hb, oY, oD, oS, n);
  return { d: mem.slice(oD, oD + db), s: new Uint32Array(mem.slice(oS, oS + 8 * n).buffer) };
}

/** Gilboa receiver, element layout: from the hashes h, the choices x (n elements, or n packed bits) and d, its shares. */
export function gilboaRecvKernel(width: 64 | 1, h: Uint32Array, x: Uint32Array, d: Uint8Array, n: number): Uint32Array {
  const hb = n * width * 16, xb = width === 64 ? 8 * n : Math.ceil(n / 8), db = n * gilboaCorrectionBytes(width);
  const oX = hb, oD = oX + Math.ceil(xb / 8) * 8, oR = oD + db + 8; // slack for the last 8-byte load
  const { k, mem } = arena(oR + 8 * n);
  mem.set(bytesOf(h, hb / 4), 0);
  mem.set(new Uint8Array(x.buffer, x.byteOffset, xb), oX);
  mem.set(d, oD);
  (width === 64 ? k.recv64 : k.recv1)(0, oX, oD, oR, n);
  return new Uint32Array(mem.slice(oR, oR + 8 * n).buffer);
}
