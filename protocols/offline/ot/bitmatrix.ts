/**
 * Bit-matrix transpose for OT extension: the IKNP correlation is produced column-wise
 * (128 PRG streams of m bits) and consumed row-wise (m rows of 128 bits).
 * Bits are LSB-first: bit c of a row is bit (c & 31) of 32-bit word (c >> 5).
 * Works on 32×32 blocks with the recursive block-swap of Hacker's Delight §7-3
 * (5 passes of 16 word-pair swaps per block), so there is no per-bit loop.
 */

/** Transpose a 32×32 bit block in place: afterwards bit r of a[o+c] is the old bit c of a[o+r]. */
export function transpose32(a: Uint32Array, o = 0): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m = (m ^ (m << j)) >>> 0) {
    for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
      const t = ((a[o + k]! >>> j) ^ a[o + k + j]!) & m;
      a[o + k] = a[o + k]! ^ (t << j);
      a[o + k + j] = a[o + k + j]! ^ t;
    }
  }
}

/**
 * Transpose a rows×cols bit matrix (both multiples of 32), rows stored one after another
 * with cols/32 words each, into a cols×rows matrix with rows/32 words per row.
 */
export function transposeBits(src: Uint32Array, rows: number, cols: number): Uint32Array {
  if (rows % 32 !== 0 || cols % 32 !== 0) throw new RangeError(`transposeBits: ${rows}×${cols} is not a multiple of 32 in both dimensions`);
  const inW = cols >>> 5;
  const outW = rows >>> 5;
  if (src.length < rows * inW) throw new RangeError(`transposeBits: expected ${rows * inW} words, got ${src.length}`);
  const dst = new Uint32Array(cols * outW);
  const blk = new Uint32Array(32);
  for (let rb = 0; rb < outW; rb++) {
    const rowBase = rb * 32 * inW;
    for (let cb = 0; cb < inW; cb++) {
      for (let i = 0; i < 32; i++) blk[i] = src[rowBase + i * inW + cb]!;
      transpose32(blk);
      const outBase = cb * 32 * outW + rb;
      for (let i = 0; i < 32; i++) dst[outBase + i * outW] = blk[i]!;
    }
  }
  return dst;
}
