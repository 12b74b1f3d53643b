// WebAssembly text of the OT kernels (bit-matrix transpose, Gilboa loops) (build-kernel.mjs compiles it into
// kernel-binary.ts). One 64×64 bit block per step with the recursive block swap (Hacker's Delight
// §7-3) on 64 i64 locals, straight-line. Fragile: benchmark on any change
// (`node src/cli/concord.js bench offline.triples`).

const range = (n) => [...Array(n).keys()];
const MASKS = { 32: '0x00000000ffffffff', 16: '0x0000ffff0000ffff', 8: '0x00ff00ff00ff00ff', 4: '0x0f0f0f0f0f0f0f0f', 2: '0x3333333333333333', 1: '0x5555555555555555' };

function swaps() {
  const out = [];
  for (const j of [32, 16, 8, 4, 2, 1]) {
    for (let k = 0; k < 64; k = (k + j + 1) & ~j) {
      out.push(`(local.set $t (i64.and (i64.xor (i64.shr_u (local.get $a${k}) (i64.const ${j})) (local.get $a${k + j})) (i64.const ${MASKS[j]})))`);
      out.push(`(local.set $a${k} (i64.xor (local.get $a${k}) (i64.shl (local.get $t) (i64.const ${j}))))`);
      out.push(`(local.set $a${k + j} (i64.xor (local.get $a${k + j}) (local.get $t)))`);
    }
  }
  return out.join('\n      ');
}

/**
 * transpose(src, dst, rows, cols): src holds `rows` rows of cols/8 bytes (bit c of a row is bit
 * c&7 of byte c>>3); dst gets `cols` rows of rows/8 bytes. rows and cols are multiples of 64.
 */
export function kernelWat() {
  const locals = range(64).map((i) => `(local $a${i} i64)`).join(' ');
  const loads = range(64).map((i) => `(local.set $a${i} (i64.load (i32.add (local.get $s) (i32.mul (local.get $srow) (i32.const ${i})))))`).join('\n      ');
  const stores = range(64).map((i) => `(i64.store (i32.add (local.get $d) (i32.mul (local.get $drow) (i32.const ${i}))) (local.get $a${i}))`).join('\n      ');
  return `(module
  (memory (export "memory") 1)
  (func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $srow i32) (local $drow i32) (local $rb i32) (local $cb i32) (local $s i32) (local $d i32) (local $t i64) ${locals}
    (local.set $srow (i32.shr_u (local.get $cols) (i32.const 3)))
    (local.set $drow (i32.shr_u (local.get $rows) (i32.const 3)))
    (local.set $cb (i32.const 0))
    (block $cdone (loop $cl
      (br_if $cdone (i32.ge_u (local.get $cb) (i32.shr_u (local.get $cols) (i32.const 6))))
      (local.set $rb (i32.const 0))
      (block $rdone (loop $rl
        (br_if $rdone (i32.ge_u (local.get $rb) (i32.shr_u (local.get $rows) (i32.const 6))))
        (local.set $s (i32.add (local.get $src) (i32.add (i32.mul (i32.mul (local.get $rb) (i32.const 64)) (local.get $srow)) (i32.shl (local.get $cb) (i32.const 3)))))
        (local.set $d (i32.add (local.get $dst) (i32.add (i32.mul (i32.mul (local.get $cb) (i32.const 64)) (local.get $drow)) (i32.shl (local.get $rb) (i32.const 3)))))
      ${loads}
      ${swaps()}
      ${stores}
        (local.set $rb (i32.add (local.get $rb) (i32.const 1)))
        (br $rl)))
      (local.set $cb (i32.add (local.get $cb) (i32.const 1)))
      (br $cl))))
${gilboaWat()})`;
}

/**
 * Gilboa OLE loops for the element layout (one ring element per choice element, message length 1;
 * see gilboa.ts). Hashes are 16-byte blocks whose low 8 bytes are used; the correction of bit
 * position l takes ⌈(64 − l)/8⌉ bytes (only 64 − l bits matter): each is stored as 8 bytes and
 * the next overwrites the unused top (the d buffer has 8 bytes of slack), and the receiver's
 * 8-byte load picks up bytes of the next correction above bit 64 − l, which ·2^l discards.
 *   send64(h0, h1, y, d, s, P): d = h1 − h0 − y per OT; s[p] = −Σ_l 2^l·h0[p,l]
 *   recv64(h, x, d, r, P):      r[p] = Σ_l 2^l·(h[p,l] − x_{p,l}·d[p,l])  (x_{p,l} = bit l of x[p])
 *   send1 / recv1: the same for 1-bit choices (one OT per element; x packed bits, d 8 bytes).
 */
function gilboaWat() {
  return `
  (func (export "send64") (param $h0 i32) (param $h1 i32) (param $y i32) (param $d i32) (param $s i32) (param $n i32)
    (local $p i32) (local $l i32) (local $yv i64) (local $acc i64) (local $a i64) (local $dv i64)
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $yv (i64.load (i32.add (local.get $y) (i32.shl (local.get $p) (i32.const 3)))))
      (local.set $acc (i64.const 0))
      (local.set $l (i32.const 0))
      (block $ld (loop $ll
        (br_if $ld (i32.ge_u (local.get $l) (i32.const 64)))
        (local.set $a (i64.load (local.get $h0)))
        (local.set $dv (i64.sub (i64.sub (i64.load (local.get $h1)) (local.get $a)) (local.get $yv)))
        (i64.store (local.get $d) (local.get $dv))
        (local.set $d (i32.add (local.get $d) (i32.shr_u (i32.sub (i32.const 71) (local.get $l)) (i32.const 3))))
        (local.set $acc (i64.add (local.get $acc) (i64.shl (local.get $a) (i64.extend_i32_u (local.get $l)))))
        (local.set $h0 (i32.add (local.get $h0) (i32.const 16)))
        (local.set $h1 (i32.add (local.get $h1) (i32.const 16)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $ll)))
      (i64.store (i32.add (local.get $s) (i32.shl (local.get $p) (i32.const 3))) (i64.sub (i64.const 0) (local.get $acc)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))
  (func (export "recv64") (param $h i32) (param $x i32) (param $d i32) (param $r i32) (param $n i32)
    (local $p i32) (local $l i32) (local $xv i64) (local $acc i64) (local $dv i64) (local $o i64)
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $xv (i64.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 3)))))
      (local.set $acc (i64.const 0))
      (local.set $l (i32.const 0))
      (block $ld (loop $ll
        (br_if $ld (i32.ge_u (local.get $l) (i32.const 64)))
        (local.set $dv (i64.load (local.get $d)))
        (local.set $d (i32.add (local.get $d) (i32.shr_u (i32.sub (i32.const 71) (local.get $l)) (i32.const 3))))
        (local.set $o (i64.sub (i64.load (local.get $h))
          (i64.and (local.get $dv) (i64.sub (i64.const 0) (i64.and (i64.shr_u (local.get $xv) (i64.extend_i32_u (local.get $l))) (i64.const 1))))))
        (local.set $acc (i64.add (local.get $acc) (i64.shl (local.get $o) (i64.extend_i32_u (local.get $l)))))
        (local.set $h (i32.add (local.get $h) (i32.const 16)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $ll)))
      (i64.store (i32.add (local.get $r) (i32.shl (local.get $p) (i32.const 3))) (local.get $acc))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))
  (func (export "send1") (param $h0 i32) (param $h1 i32) (param $y i32) (param $d i32) (param $s i32) (param $n i32)
    (local $p i32) (local $a i64) (local $o i32)
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $o (i32.shl (local.get $p) (i32.const 3)))
      (local.set $a (i64.load (i32.add (local.get $h0) (i32.shl (local.get $p) (i32.const 4)))))
      (i64.store (i32.add (local.get $d) (local.get $o))
        (i64.sub (i64.sub (i64.load (i32.add (local.get $h1) (i32.shl (local.get $p) (i32.const 4)))) (local.get $a)) (i64.load (i32.add (local.get $y) (local.get $o)))))
      (i64.store (i32.add (local.get $s) (local.get $o)) (i64.sub (i64.const 0) (local.get $a)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))
  (func (export "recv1") (param $h i32) (param $x i32) (param $d i32) (param $r i32) (param $n i32)
    (local $p i32) (local $o i32) (local $c i64)
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $o (i32.shl (local.get $p) (i32.const 3)))
      (local.set $c (i64.extend_i32_u (i32.and (i32.shr_u (i32.load8_u (i32.add (local.get $x) (i32.shr_u (local.get $p) (i32.const 3)))) (i32.and (local.get $p) (i32.const 7))) (i32.const 1))))
      (i64.store (i32.add (local.get $r) (local.get $o))
        (i64.sub (i64.load (i32.add (local.get $h) (i32.shl (local.get $p) (i32.const 4))))
          (i64.and (i64.load (i32.add (local.get $d) (local.get $o))) (i64.sub (i64.const 0) (local.get $c)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))`;
}
