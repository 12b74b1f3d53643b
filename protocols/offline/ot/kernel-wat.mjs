// WebAssembly text of the OT kernels (bit-matrix transpose, the per-chunk IKNP, hash and Gilboa/AND loops of element-ot.ts) (build-kernel.mjs compiles it into
// kernel-binary.ts). The transpose swaps 64×64 bit blocks recursively (Hacker's Delight §7-3) on 64
// locals, straight-line, two blocks at a time in SIMD lanes. Fragile: benchmark on any change
// (`node src/cli/concord.js bench offline.triples`).

const range = (n) => [...Array(n).keys()];
const MASKS = { 32: '0x00000000ffffffff', 16: '0x0000ffff0000ffff', 8: '0x00ff00ff00ff00ff', 4: '0x0f0f0f0f0f0f0f0f', 2: '0x3333333333333333', 1: '0x5555555555555555' };

/** The recursive block swap on 64 locals $a0..$a63, as i64 (one block) or as i64x2 (two blocks side by side). */
function swaps(simd) {
  const out = [];
  for (const j of [32, 16, 8, 4, 2, 1]) {
    const mask = simd ? `(v128.const i64x2 ${MASKS[j]} ${MASKS[j]})` : `(i64.const ${MASKS[j]})`;
    const [shr, shl, xor, and, by] = simd ? ['i64x2.shr_u', 'i64x2.shl', 'v128.xor', 'v128.and', `(i32.const ${j})`] : ['i64.shr_u', 'i64.shl', 'i64.xor', 'i64.and', `(i64.const ${j})`];
    for (let k = 0; k < 64; k = (k + j + 1) & ~j) {
      out.push(`(local.set $t (${and} (${xor} (${shr} (local.get $a${k}) ${by}) (local.get $a${k + j})) ${mask}))`);
      out.push(`(local.set $a${k} (${xor} (local.get $a${k}) (${shl} (local.get $t) ${by})))`);
      out.push(`(local.set $a${k + j} (${xor} (local.get $a${k + j}) (local.get $t)))`);
    }
  }
  return out.join('\n    ');
}

/**
 * One 64×64 block ($block1: rows of 8 bytes at s + i·srow, to d + i·drow) or two blocks side by
 * side ($block2: rows of 16 bytes at s; the second block goes 64 rows further, d + 64·drow) with
 * SIMD i64x2 lanes: the same instructions move twice the bits.
 */
function blockFunc(simd) {
  const ty = simd ? 'v128' : 'i64';
  const locals = range(64).map((i) => `(local $a${i} ${ty})`).join(' ');
  const at = (base, stride, i) => `(i32.add (local.get ${base}) (i32.mul (local.get ${stride}) (i32.const ${i})))`;
  const loads = range(64).map((i) => `(local.set $a${i} (${ty}.load ${at('$s', '$srow', i)}))`).join('\n    ');
  const stores = range(64).map((i) => simd
    ? `(i64.store ${at('$d', '$drow', i)} (i64x2.extract_lane 0 (local.get $a${i})))\n    (i64.store ${at('$d2', '$drow', i)} (i64x2.extract_lane 1 (local.get $a${i})))`
    : `(i64.store ${at('$d', '$drow', i)} (local.get $a${i}))`).join('\n    ');
  return `
  (func $block${simd ? 2 : 1} (param $s i32) (param $d i32) (param $srow i32) (param $drow i32)
    (local $d2 i32) (local $t ${ty}) ${locals}
    (local.set $d2 (i32.add (local.get $d) (i32.shl (local.get $drow) (i32.const 6))))
    ${loads}
    ${swaps(simd)}
    ${stores})`;
}

/**
 * transpose(src, dst, rows, cols): src holds `rows` rows of cols/8 bytes (bit c of a row is bit
 * c&7 of byte c>>3); dst gets `cols` rows of rows/8 bytes. rows and cols are multiples of 64.
 * Column blocks go two at a time ($block2) and an odd last one alone ($block1).
 */
export function kernelWat() {
  return `(module
  (memory (export "memory") 1)
${blockFunc(false)}
${blockFunc(true)}
  (func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $srow i32) (local $drow i32) (local $rb i32) (local $cb i32) (local $ncb i32) (local $s i32) (local $d i32)
    (local.set $srow (i32.shr_u (local.get $cols) (i32.const 3)))
    (local.set $drow (i32.shr_u (local.get $rows) (i32.const 3)))
    (local.set $ncb (i32.shr_u (local.get $cols) (i32.const 6)))
    (local.set $cb (i32.const 0))
    (block $cdone (loop $cl
      (br_if $cdone (i32.ge_u (local.get $cb) (local.get $ncb)))
      (local.set $rb (i32.const 0))
      (block $rdone (loop $rl
        (br_if $rdone (i32.ge_u (local.get $rb) (i32.shr_u (local.get $rows) (i32.const 6))))
        (local.set $s (i32.add (local.get $src) (i32.add (i32.mul (i32.mul (local.get $rb) (i32.const 64)) (local.get $srow)) (i32.shl (local.get $cb) (i32.const 3)))))
        (local.set $d (i32.add (local.get $dst) (i32.add (i32.mul (i32.mul (local.get $cb) (i32.const 64)) (local.get $drow)) (i32.shl (local.get $rb) (i32.const 3)))))
        (if (i32.lt_u (i32.add (local.get $cb) (i32.const 1)) (local.get $ncb))
          (then (call $block2 (local.get $s) (local.get $d) (local.get $srow) (local.get $drow)))
          (else (call $block1 (local.get $s) (local.get $d) (local.get $srow) (local.get $drow))))
        (local.set $rb (i32.add (local.get $rb) (i32.const 1)))
        (br $rl)))
      (local.set $cb (i32.add (local.get $cb) (select (i32.const 2) (i32.const 1) (i32.lt_u (i32.add (local.get $cb) (i32.const 1)) (local.get $ncb)))))
      (br $cl))))
${chunkWat()})`;
}

/**
 * The loops of one chunk of element-layout OTs (element-ot.ts). A block is 16 bytes, as two
 * little-endian i64 halves lo (bytes 0–7) and hi (8–15). The hash is H(x) = π(σ(x)) ⊕ σ(x) with
 * σ(lo‖hi) = (hi ‖ lo ⊕ hi) (hash.ts); the kernels get π(σ(x)) from node's AES and apply the
 * feed-forward themselves: the low half of H(x) is π(σ(x)).lo ⊕ x.hi, all that Gilboa (64 bits)
 * and AND (bit 0) use.
 *   xor3(t, g, r, cols, cb)   g_j ← t_j ⊕ g_j ⊕ r for cols columns of cb bytes (IKNP's u)
 *   xorSel(q, u, dx, cols, cb)  q_j ← q_j ⊕ u_j for the columns j with bit j of Δ set (IKNP's q)
 *   sigma(src, dst, n, dx)    dst_k ← σ(src_k ⊕ Δ), Δ the block at dx
 *   recvPre64(h, rows, a, P)  a_p ← Σ_l 2^l·H(t_{p,l}).lo           (the receiver's part before d)
 *   recvFin64(a, x, d, r, P)  r_p ← a_p − Σ_l 2^l·x_{p,l}·d_{p,l}   (d packed: ⌈(64 − l)/8⌉ bytes)
 *   send64(h0, h1, rows, dx, y, d, s, P)  d_{p,l} ← H(q ⊕ Δ).lo − H(q).lo − y_p; s_p ← −Σ_l 2^l·H(q).lo
 *   recvPre1 / recvFin1 / send1: the same for 1-bit choices (one OT per element, x packed bits)
 *   andPre(h, rows, o, m)     bit k of o ← bit 0 of H(t_k)
 *   andSend(h0, h1, rows, dx, y, d, s, m)  s_k ← bit 0 of H(q_k); d_k ← s_k ⊕ bit 0 of H(q_k ⊕ Δ) ⊕ y_k
 * Corrections of bit position l are stored as 8 bytes and the next overwrites the unused top
 * (8 bytes of slack after d); the receiver's 8-byte load picks up bytes above bit 64 − l, which
 * ·2^l discards.
 */
function chunkWat() {
  // H(x).lo for the block at offset k of h (π(σ(x))) and of rows (x), x ⊕ Δ when dhi is given
  const hlo = (h, rows, k, dhi) => `(i64.xor (i64.load (i32.add (local.get ${h}) (local.get ${k}))) ${dhi ? `(i64.xor (i64.load offset=8 (i32.add (local.get ${rows}) (local.get ${k}))) (local.get ${dhi}))` : `(i64.load offset=8 (i32.add (local.get ${rows}) (local.get ${k})))`})`;
  const next = (d, l) => `(local.set ${d} (i32.add (local.get ${d}) (i32.shr_u (i32.sub (i32.const 71) (local.get ${l})) (i32.const 3))))`;
  return `
  (func (export "xor3") (param $t i32) (param $g i32) (param $r i32) (param $cols i32) (param $cb i32)
    (local $j i32) (local $i i32) (local $o i32)
    (block $jd (loop $jl
      (br_if $jd (i32.ge_u (local.get $j) (local.get $cols)))
      (local.set $i (i32.const 0))
      (block $id (loop $il
        (br_if $id (i32.ge_u (local.get $i) (local.get $cb)))
        (local.set $o (i32.add (i32.mul (local.get $j) (local.get $cb)) (local.get $i)))
        (i64.store (i32.add (local.get $g) (local.get $o))
          (i64.xor (i64.xor (i64.load (i32.add (local.get $t) (local.get $o))) (i64.load (i32.add (local.get $g) (local.get $o))))
            (i64.load (i32.add (local.get $r) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $il)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jl))))
  (func (export "xorSel") (param $q i32) (param $u i32) (param $dx i32) (param $cols i32) (param $cb i32)
    (local $j i32) (local $i i32) (local $o i32)
    (block $jd (loop $jl
      (br_if $jd (i32.ge_u (local.get $j) (local.get $cols)))
      (if (i32.and (i32.shr_u (i32.load8_u (i32.add (local.get $dx) (i32.shr_u (local.get $j) (i32.const 3)))) (i32.and (local.get $j) (i32.const 7))) (i32.const 1))
        (then
          (local.set $i (i32.const 0))
          (block $id (loop $il
            (br_if $id (i32.ge_u (local.get $i) (local.get $cb)))
            (local.set $o (i32.add (i32.mul (local.get $j) (local.get $cb)) (local.get $i)))
            (i64.store (i32.add (local.get $q) (local.get $o))
              (i64.xor (i64.load (i32.add (local.get $q) (local.get $o))) (i64.load (i32.add (local.get $u) (local.get $o)))))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $il)))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jl))))
  (func (export "sigma") (param $src i32) (param $dst i32) (param $n i32) (param $dx i32)
    (local $end i32) (local $lo i64) (local $hi i64) (local $d0 i64) (local $d1 i64)
    (local.set $d0 (i64.load (local.get $dx)))
    (local.set $d1 (i64.load offset=8 (local.get $dx)))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 4))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (local.set $lo (i64.xor (i64.load (local.get $src)) (local.get $d0)))
      (local.set $hi (i64.xor (i64.load offset=8 (local.get $src)) (local.get $d1)))
      (i64.store (local.get $dst) (local.get $hi))
      (i64.store offset=8 (local.get $dst) (i64.xor (local.get $lo) (local.get $hi)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $l))))
  (func (export "recvPre64") (param $h i32) (param $rows i32) (param $a i32) (param $n i32)
    (local $p i32) (local $l i32) (local $k i32) (local $acc i64)
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $acc (i64.const 0))
      (local.set $l (i32.const 0))
      (block $ld (loop $ll
        (br_if $ld (i32.ge_u (local.get $l) (i32.const 64)))
        (local.set $acc (i64.add (local.get $acc) (i64.shl ${hlo('$h', '$rows', '$k')} (i64.extend_i32_u (local.get $l)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $ll)))
      (i64.store (i32.add (local.get $a) (i32.shl (local.get $p) (i32.const 3))) (local.get $acc))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))
  (func (export "recvFin64") (param $a i32) (param $x i32) (param $d i32) (param $r i32) (param $n i32)
    (local $p i32) (local $l i32) (local $xv i64) (local $acc i64)
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $xv (i64.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 3)))))
      (local.set $acc (i64.load (i32.add (local.get $a) (i32.shl (local.get $p) (i32.const 3)))))
      (local.set $l (i32.const 0))
      (block $ld (loop $ll
        (br_if $ld (i32.ge_u (local.get $l) (i32.const 64)))
        (local.set $acc (i64.sub (local.get $acc) (i64.shl
          (i64.and (i64.load (local.get $d)) (i64.sub (i64.const 0) (i64.and (i64.shr_u (local.get $xv) (i64.extend_i32_u (local.get $l))) (i64.const 1))))
          (i64.extend_i32_u (local.get $l)))))
        ${next('$d', '$l')}
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $ll)))
      (i64.store (i32.add (local.get $r) (i32.shl (local.get $p) (i32.const 3))) (local.get $acc))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))
  (func (export "send64") (param $h0 i32) (param $h1 i32) (param $rows i32) (param $dx i32) (param $y i32) (param $d i32) (param $s i32) (param $n i32)
    (local $p i32) (local $l i32) (local $k i32) (local $yv i64) (local $acc i64) (local $a i64) (local $dhi i64)
    (local.set $dhi (i64.load offset=8 (local.get $dx)))
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $yv (i64.load (i32.add (local.get $y) (i32.shl (local.get $p) (i32.const 3)))))
      (local.set $acc (i64.const 0))
      (local.set $l (i32.const 0))
      (block $ld (loop $ll
        (br_if $ld (i32.ge_u (local.get $l) (i32.const 64)))
        (local.set $a ${hlo('$h0', '$rows', '$k')})
        (i64.store (local.get $d) (i64.sub (i64.sub ${hlo('$h1', '$rows', '$k', '$dhi')} (local.get $a)) (local.get $yv)))
        ${next('$d', '$l')}
        (local.set $acc (i64.add (local.get $acc) (i64.shl (local.get $a) (i64.extend_i32_u (local.get $l)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $ll)))
      (i64.store (i32.add (local.get $s) (i32.shl (local.get $p) (i32.const 3))) (i64.sub (i64.const 0) (local.get $acc)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))
  (func (export "recvPre1") (param $h i32) (param $rows i32) (param $a i32) (param $n i32)
    (local $p i32) (local $k i32)
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (i64.store (i32.add (local.get $a) (i32.shl (local.get $p) (i32.const 3))) ${hlo('$h', '$rows', '$k')})
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))
  (func (export "recvFin1") (param $a i32) (param $x i32) (param $d i32) (param $r i32) (param $n i32)
    (local $p i32) (local $o i32) (local $c i64)
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $o (i32.shl (local.get $p) (i32.const 3)))
      (local.set $c (i64.extend_i32_u (i32.and (i32.shr_u (i32.load8_u (i32.add (local.get $x) (i32.shr_u (local.get $p) (i32.const 3)))) (i32.and (local.get $p) (i32.const 7))) (i32.const 1))))
      (i64.store (i32.add (local.get $r) (local.get $o))
        (i64.sub (i64.load (i32.add (local.get $a) (local.get $o)))
          (i64.and (i64.load (i32.add (local.get $d) (local.get $o))) (i64.sub (i64.const 0) (local.get $c)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))
  (func (export "send1") (param $h0 i32) (param $h1 i32) (param $rows i32) (param $dx i32) (param $y i32) (param $d i32) (param $s i32) (param $n i32)
    (local $p i32) (local $k i32) (local $o i32) (local $a i64) (local $dhi i64)
    (local.set $dhi (i64.load offset=8 (local.get $dx)))
    (block $pd (loop $pl
      (br_if $pd (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $o (i32.shl (local.get $p) (i32.const 3)))
      (local.set $a ${hlo('$h0', '$rows', '$k')})
      (i64.store (i32.add (local.get $d) (local.get $o))
        (i64.sub (i64.sub ${hlo('$h1', '$rows', '$k', '$dhi')} (local.get $a)) (i64.load (i32.add (local.get $y) (local.get $o)))))
      (i64.store (i32.add (local.get $s) (local.get $o)) (i64.sub (i64.const 0) (local.get $a)))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $pl))))
  (func (export "andPre") (param $h i32) (param $rows i32) (param $o i32) (param $m i32)
    (local $w i32) (local $i i32) (local $k i32) (local $bits i32)
    (block $wd (loop $wl
      (br_if $wd (i32.ge_u (local.get $w) (i32.shr_u (local.get $m) (i32.const 5))))
      (local.set $bits (i32.const 0))
      (local.set $i (i32.const 0))
      (block $id (loop $il
        (br_if $id (i32.ge_u (local.get $i) (i32.const 32)))
        (local.set $bits (i32.or (local.get $bits) (i32.shl (i32.and
          (i32.xor (i32.load (i32.add (local.get $h) (local.get $k))) (i32.load offset=8 (i32.add (local.get $rows) (local.get $k))))
          (i32.const 1)) (local.get $i))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il)))
      (i32.store (i32.add (local.get $o) (i32.shl (local.get $w) (i32.const 2))) (local.get $bits))
      (local.set $w (i32.add (local.get $w) (i32.const 1)))
      (br $wl))))
  (func (export "andSend") (param $h0 i32) (param $h1 i32) (param $rows i32) (param $dx i32) (param $y i32) (param $d i32) (param $s i32) (param $m i32)
    (local $w i32) (local $i i32) (local $k i32) (local $a i32) (local $sb i32) (local $db i32) (local $dw i32)
    (local.set $dw (i32.load offset=8 (local.get $dx)))
    (block $wd (loop $wl
      (br_if $wd (i32.ge_u (local.get $w) (i32.shr_u (local.get $m) (i32.const 5))))
      (local.set $sb (i32.const 0))
      (local.set $db (i32.const 0))
      (local.set $i (i32.const 0))
      (block $id (loop $il
        (br_if $id (i32.ge_u (local.get $i) (i32.const 32)))
        (local.set $a (i32.load (i32.add (local.get $h0) (local.get $k))))
        (local.set $sb (i32.or (local.get $sb) (i32.shl (i32.and
          (i32.xor (local.get $a) (i32.load offset=8 (i32.add (local.get $rows) (local.get $k)))) (i32.const 1)) (local.get $i))))
        (local.set $db (i32.or (local.get $db) (i32.shl (i32.and
          (i32.xor (i32.xor (local.get $a) (i32.load (i32.add (local.get $h1) (local.get $k)))) (local.get $dw)) (i32.const 1)) (local.get $i))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il)))
      (i32.store (i32.add (local.get $s) (i32.shl (local.get $w) (i32.const 2))) (local.get $sb))
      (i32.store (i32.add (local.get $d) (i32.shl (local.get $w) (i32.const 2)))
        (i32.xor (local.get $db) (i32.load (i32.add (local.get $y) (i32.shl (local.get $w) (i32.const 2))))))
      (local.set $w (i32.add (local.get $w) (i32.const 1)))
      (br $wl))))`;
}
