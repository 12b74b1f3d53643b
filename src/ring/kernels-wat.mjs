// WebAssembly text of the Z_2^64 kernels, generated here so that unrolled loops stay readable.
// build-wasm.mjs compiles it with wabt at install time. Every pointer is a byte offset into the
// module's own memory; every length counts 64-bit elements. Fragile: benchmark on any change
// (`npx concord bench ring.matmul --size 512`).

const range = (n) => [...Array(n).keys()];

/**
 * Micro-kernel variant, rows and columns. Measured (`node bench/matmul-variants.mjs`, 512³):
 * split 2×4 beat split 1×8/4×4/2×8, scalar i64 2×4/4×2/4×4 and i64x2.mul 4×4/2×8/4×2.
 */
export const KIND = 'split';
export const MR = 2;
export const NR = 4;
/** k-block: a packed B panel slice (KC·NR·8 bytes = 8 KiB) stays in L1 while it meets every A panel. */
export const KC = 256;

/**
 * Element-wise kernel over n elements: two elements per v128 step, then a scalar tail.
 * `vec`/`sc` build the vector and scalar expressions from the operand loads.
 */
function elementwise(name, params, arity, vec, sc) {
  const loadsV = ['(v128.load (local.get $a))', '(v128.load (local.get $b))'].slice(0, arity);
  const loadsS = ['(i64.load (local.get $a))', '(i64.load (local.get $b))'].slice(0, arity);
  const bump = (size) => [
    `(local.set $a (i32.add (local.get $a) (i32.const ${size})))`,
    arity === 2 ? `(local.set $b (i32.add (local.get $b) (i32.const ${size})))` : '',
    `(local.set $o (i32.add (local.get $o) (i32.const ${size})))`,
  ].join(' ');
  return `
  (func (export "${name}") (param $a i32) ${arity === 2 ? '(param $b i32)' : ''} (param $o i32) (param $n i32) ${params}
    (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $vend (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $vend)))
      (v128.store (local.get $o) ${vec(...loadsV)})
      ${bump(16)}
      (br $v)))
    (if (i32.lt_u (local.get $o) (local.get $end))
      (then (i64.store (local.get $o) ${sc(...loadsS)}))))`;
}

function elementwiseKernels() {
  const k = '(param $k i64)';
  const s = '(param $s i32)';
  const kv = '(i64x2.splat (local.get $k))';
  const sv = '(i64.extend_i32_u (local.get $s))';
  return [
    elementwise('add', '', 2, (x, y) => `(i64x2.add ${x} ${y})`, (x, y) => `(i64.add ${x} ${y})`),
    elementwise('sub', '', 2, (x, y) => `(i64x2.sub ${x} ${y})`, (x, y) => `(i64.sub ${x} ${y})`),
    elementwise('mul', '', 2, (x, y) => `(i64x2.mul ${x} ${y})`, (x, y) => `(i64.mul ${x} ${y})`),
    elementwise('xor', '', 2, (x, y) => `(v128.xor ${x} ${y})`, (x, y) => `(i64.xor ${x} ${y})`),
    elementwise('and', '', 2, (x, y) => `(v128.and ${x} ${y})`, (x, y) => `(i64.and ${x} ${y})`),
    elementwise('neg', '', 1, (x) => `(i64x2.neg ${x})`, (x) => `(i64.sub (i64.const 0) ${x})`),
    elementwise('not', '', 1, (x) => `(v128.not ${x})`, (x) => `(i64.xor ${x} (i64.const -1))`),
    elementwise('scale', k, 1, (x) => `(i64x2.mul ${x} ${kv})`, (x) => `(i64.mul ${x} (local.get $k))`),
    elementwise('addScalar', k, 1, (x) => `(i64x2.add ${x} ${kv})`, (x) => `(i64.add ${x} (local.get $k))`),
    elementwise('shl', s, 1, (x) => `(i64x2.shl ${x} (local.get $s))`, (x) => `(i64.shl ${x} ${sv})`),
    elementwise('shr', s, 1, (x) => `(i64x2.shr_u ${x} (local.get $s))`, (x) => `(i64.shr_u ${x} ${sv})`),
    elementwise('sar', s, 1, (x) => `(i64x2.shr_s ${x} (local.get $s))`, (x) => `(i64.shr_s ${x} ${sv})`),
    elementwise('bit', s, 1,
      (x) => `(v128.and (i64x2.shr_u ${x} (local.get $s)) (i64x2.splat (i64.const 1)))`,
      (x) => `(i64.and (i64.shr_u ${x} ${sv}) (i64.const 1))`),
    elementwise('xorScalar', k, 1, (x) => `(v128.xor ${x} ${kv})`, (x) => `(i64.xor ${x} (local.get $k))`),
    // (x >> s) & k: a bit field of every word (s = 0: a public mask)
    elementwise('shrAnd', `${k} ${s}`, 1,
      (x) => `(v128.and (i64x2.shr_u ${x} (local.get $s)) ${kv})`,
      (x) => `(i64.and (i64.shr_u ${x} ${sv}) (local.get $k))`),
    // ((x >> p) & k) ^ (((y >> p) & k) << s): two words' bit lanes merged into one (bit-sliced circuits)
    elementwise('foldHalves', `${k} (param $p i32) ${s}`, 2,
      (x, y) => `(v128.xor (v128.and (i64x2.shr_u ${x} (local.get $p)) ${kv}) (i64x2.shl (v128.and (i64x2.shr_u ${y} (local.get $p)) ${kv}) (local.get $s)))`,
      (x, y) => `(i64.xor (i64.and (i64.shr_u ${x} (i64.extend_i32_u (local.get $p))) (local.get $k)) (i64.shl (i64.and (i64.shr_u ${y} (i64.extend_i32_u (local.get $p))) (local.get $k)) ${sv}))`),
  ].join('\n');
}

/**
 * A kernel over n elements of several operands of one length, two elements per v128 step, then
 * a scalar tail: `expr(get, op)` builds the value from `get(p)` (operand p's load) and the ops
 * `op.add`, `op.sub`, `op.mul` (i64x2.* in the vector loop, i64.* in the tail; `ops` may swap
 * them for bitwise ones).
 */
function pointwiseKernel(name, ptrs, expr, ops = { v: { add: 'i64x2.add', sub: 'i64x2.sub', mul: 'i64x2.mul' }, s: { add: 'i64.add', sub: 'i64.sub', mul: 'i64.mul' } }) {
  const bump = (size) => [...ptrs, 'o'].map((p) => `(local.set $${p} (i32.add (local.get $${p}) (i32.const ${size})))`).join(' ');
  const build = (load, op) => expr((p) => `(${load} (local.get $${p}))`, op);
  return `
  (func (export "${name}") ${ptrs.map((p) => `(param $${p} i32)`).join(' ')} (param $o i32) (param $n i32)
    (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $vend (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $vend)))
      (v128.store (local.get $o) ${build('v128.load', ops.v)})
      ${bump(16)}
      (br $v)))
    (if (i32.lt_u (local.get $o) (local.get $end))
      (then (i64.store (local.get $o) ${build('i64.load', ops.s)}))))`;
}

/**
 * The Beaver combination o = c + e·y + a·f (mod 2^64) in one pass (protocols/arithmetic/beaver.ts):
 * one kernel instead of two products and two sums, so each operand is loaded once. As
 * 'beaverXor' the same over bits, o = c ⊕ (e ∧ y) ⊕ (a ∧ f) (protocols/binary/and.ts).
 */
function beaverKernel(name = 'beaver', ops) {
  return pointwiseKernel(name, ['c', 'e', 'y', 'a', 'f'], (g, op) => `(${op.add} (${op.add} ${g('c')} (${op.mul} ${g('e')} ${g('y')})) (${op.mul} ${g('a')} ${g('f')}))`, ops);
}

const XOR_OPS = { v: { add: 'v128.xor', mul: 'v128.and' }, s: { add: 'i64.xor', mul: 'i64.and' } };

/**
 * The replicated product's passes (protocols/arithmetic/replicated-product.ts) in one pass each:
 * 'addSub' o = a + b − c (a share plus a zero-sharing's two stream words), and 'replicated'
 * o = u − d + x·(y + yn) + xn·y (the product's share with its zero-sharing u − d), and
 * 'replicatedXor' o = u ⊕ x∧(y ⊕ yn) ⊕ xn∧y (the replicated AND's share, its zero-sharing u made whole).
 */
function replicatedKernels() {
  return [
    pointwiseKernel('addSub', ['a', 'b', 'c'], (g, op) => `(${op.sub} (${op.add} ${g('a')} ${g('b')}) ${g('c')})`),
    pointwiseKernel('replicated', ['u', 'd', 'x', 'y', 'xn', 'yn'],
      (g, op) => `(${op.add} (${op.add} (${op.sub} ${g('u')} ${g('d')}) (${op.mul} ${g('x')} (${op.add} ${g('y')} ${g('yn')}))) (${op.mul} ${g('xn')} ${g('y')}))`),
    pointwiseKernel('replicatedXor', ['u', 'x', 'y', 'xn', 'yn'],
      (g, op) => `(${op.add} (${op.add} ${g('u')} (${op.mul} ${g('x')} (${op.add} ${g('y')} ${g('yn')}))) (${op.mul} ${g('xn')} ${g('y')}))`, XOR_OPS),
  ].join('\n');
}

/**
 * The end of probabilistic truncation (protocols/arithmetic/trunc.ts) once c = x + 2^62 + r is
 * open, in one pass over c, [rTop], [rLow >> f]: with cTop = c >> 63,
 *   o = ([rTop] − 2·cTop·[rTop] + p·cTop)·2^(63−f) − [rLow >> f] + p·((c << 1) >> (f + 1) − 2^(62−f)),
 * where p (the mask $p: all ones for party 0, else 0) adds the public terms once.
 */
function truncKernel() {
  const ptrs = ['c', 't', 'l'];
  const bump = (size) => [...ptrs, 'o'].map((q) => `(local.set $${q} (i32.add (local.get $${q}) (i32.const ${size})))`).join(' ');
  const vec = () => {
    const c = '(v128.load (local.get $c))', t = '(v128.load (local.get $t))', l = '(v128.load (local.get $l))';
    const P = '(i64x2.splat (local.get $p))';
    const ct = `(i64x2.shr_u ${c} (i32.const 63))`;
    const w = `(i64x2.add (i64x2.sub ${t} (i64x2.shl (i64x2.mul ${ct} ${t}) (i32.const 1))) (v128.and ${ct} ${P}))`;
    const pub = `(i64x2.sub (i64x2.shr_u (i64x2.shl ${c} (i32.const 1)) (i32.add (local.get $f) (i32.const 1))) (i64x2.splat (local.get $half)))`;
    return `(i64x2.add (i64x2.sub (i64x2.shl ${w} (i32.sub (i32.const 63) (local.get $f))) ${l}) (v128.and ${pub} ${P}))`;
  };
  const sc = () => {
    const c = '(i64.load (local.get $c))', t = '(i64.load (local.get $t))', l = '(i64.load (local.get $l))';
    const ct = `(i64.shr_u ${c} (i64.const 63))`;
    const w = `(i64.add (i64.sub ${t} (i64.shl (i64.mul ${ct} ${t}) (i64.const 1))) (i64.and ${ct} (local.get $p)))`;
    const pub = `(i64.sub (i64.shr_u (i64.shl ${c} (i64.const 1)) (i64.extend_i32_u (i32.add (local.get $f) (i32.const 1)))) (local.get $half))`;
    return `(i64.add (i64.sub (i64.shl ${w} (i64.extend_i32_u (i32.sub (i32.const 63) (local.get $f)))) ${l}) (i64.and ${pub} (local.get $p)))`;
  };
  return `
  (func (export "truncFinish") (param $c i32) (param $t i32) (param $l i32) (param $o i32) (param $n i32) (param $f i32) (param $p i64)
    (local $end i32) (local $vend i32) (local $half i64)
    (local.set $half (i64.shl (i64.const 1) (i64.extend_i32_u (i32.sub (i32.const 62) (local.get $f)))))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $vend (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $vend)))
      (v128.store (local.get $o) ${vec()})
      ${bump(16)}
      (br $v)))
    (if (i32.lt_u (local.get $o) (local.get $end))
      (then (i64.store (local.get $o) ${sc()}))))`;
}

/**
 * The matmul micro-kernel: C[MR×NR] += Ap·Bp over kc steps. Products mod 2^64 are split in
 * 32-bit halves: a·b = alo·blo + ((ahi·blo + alo·bhi) mod 2^32)·2^32, so the low products use
 * i64x2.extmul_*_i32x4_u (one pmuludq per two) and the cross terms i32x4.mul, accumulated mod
 * 2^32 and shifted once at the end. Measured 1.5× faster than i64x2.mul and 1.2× than scalar i64.
 * Bp holds per step, for each group of 4 columns, [lo0 lo1 lo2 lo3][hi0 hi1 hi2 hi3].
 */
function splitKernel(MR, NR) {
  const G = NR / 4;
  const locals = [];
  for (const i of range(MR)) for (const g of range(G)) locals.push(`(local $l${i}_${g}_0 v128) (local $l${i}_${g}_1 v128) (local $x${i}_${g} v128)`);
  for (const g of range(G)) locals.push(`(local $bl${g} v128) (local $bh${g} v128)`);
  const cptr = (i) => `(i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const ${i})))`;
  let s = `
  (func $micro (param $a i32) (param $b i32) (param $c i32) (param $kc i32) (param $ldc i32)
    ${locals.join(' ')} (local $al v128) (local $ah v128) (local $z v128) (local $end i32)\n`;
  for (const i of range(MR)) for (const g of range(G)) {
    s += `    (local.set $l${i}_${g}_0 (v128.load offset=${g * 32} ${cptr(i)}))\n`;
    s += `    (local.set $l${i}_${g}_1 (v128.load offset=${g * 32 + 16} ${cptr(i)}))\n`;
  }
  s += `    (local.set $end (i32.add (local.get $a) (i32.mul (local.get $kc) (i32.const ${MR * 8}))))\n    (loop $l\n`;
  for (const g of range(G)) {
    s += `      (local.set $bl${g} (v128.load offset=${g * 32} (local.get $b)))\n`;
    s += `      (local.set $bh${g} (v128.load offset=${g * 32 + 16} (local.get $b)))\n`;
  }
  for (const i of range(MR)) {
    s += `      (local.set $al (v128.load32_splat offset=${i * 8} (local.get $a)))\n`;
    s += `      (local.set $ah (v128.load32_splat offset=${i * 8 + 4} (local.get $a)))\n`;
    for (const g of range(G)) {
      s += `      (local.set $l${i}_${g}_0 (i64x2.add (local.get $l${i}_${g}_0) (i64x2.extmul_low_i32x4_u (local.get $bl${g}) (local.get $al))))\n`;
      s += `      (local.set $l${i}_${g}_1 (i64x2.add (local.get $l${i}_${g}_1) (i64x2.extmul_high_i32x4_u (local.get $bl${g}) (local.get $al))))\n`;
      s += `      (local.set $x${i}_${g} (i32x4.add (local.get $x${i}_${g}) (i32x4.add (i32x4.mul (local.get $bh${g}) (local.get $al)) (i32x4.mul (local.get $bl${g}) (local.get $ah)))))\n`;
    }
  }
  s += `      (local.set $a (i32.add (local.get $a) (i32.const ${MR * 8})))
      (local.set $b (i32.add (local.get $b) (i32.const ${NR * 8})))
      (br_if $l (i32.lt_u (local.get $a) (local.get $end))))\n`;
  // Cross sums move into the high halves of the 64-bit lanes: shuffle in zero low halves.
  for (const i of range(MR)) for (const g of range(G)) {
    s += `    (v128.store offset=${g * 32} ${cptr(i)} (i64x2.add (local.get $l${i}_${g}_0) (i8x16.shuffle 16 17 18 19 0 1 2 3 16 17 18 19 4 5 6 7 (local.get $x${i}_${g}) (local.get $z))))\n`;
    s += `    (v128.store offset=${g * 32 + 16} ${cptr(i)} (i64x2.add (local.get $l${i}_${g}_1) (i8x16.shuffle 16 17 18 19 8 9 10 11 16 17 18 19 12 13 14 15 (local.get $x${i}_${g}) (local.get $z))))\n`;
  }
  return s + '  )';
}

/** Alternatives kept for measurement: plain i64 products (scalar, or i64x2.mul when NR is even). */
function plainKernel(kind, MR, NR) {
  const vec = kind === 'simd';
  const W = vec ? 2 : 1;
  const T = vec ? 'v128' : 'i64';
  const V = NR / W;
  const ld = (off, p) => (vec ? `(v128.load offset=${off} ${p})` : `(i64.load offset=${off} ${p})`);
  const st = (off, p, x) => (vec ? `(v128.store offset=${off} ${p} ${x})` : `(i64.store offset=${off} ${p} ${x})`);
  const add = vec ? 'i64x2.add' : 'i64.add';
  const mul = vec ? 'i64x2.mul' : 'i64.mul';
  const locals = [];
  for (const i of range(MR)) for (const j of range(V)) locals.push(`(local $c${i}_${j} ${T})`);
  for (const j of range(V)) locals.push(`(local $b${j} ${T})`);
  const cptr = (i) => `(i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const ${i})))`;
  let s = `
  (func $micro (param $a i32) (param $b i32) (param $c i32) (param $kc i32) (param $ldc i32)
    ${locals.join(' ')} (local $av ${T}) (local $end i32)\n`;
  for (const i of range(MR)) for (const j of range(V)) s += `    (local.set $c${i}_${j} ${ld(j * 8 * W, cptr(i))})\n`;
  s += `    (local.set $end (i32.add (local.get $a) (i32.mul (local.get $kc) (i32.const ${MR * 8}))))\n    (loop $l\n`;
  for (const j of range(V)) s += `      (local.set $b${j} ${ld(j * 8 * W, '(local.get $b)')})\n`;
  for (const i of range(MR)) {
    s += `      (local.set $av ${vec ? `(v128.load64_splat offset=${i * 8} (local.get $a))` : `(i64.load offset=${i * 8} (local.get $a))`})\n`;
    for (const j of range(V)) s += `      (local.set $c${i}_${j} (${add} (local.get $c${i}_${j}) (${mul} (local.get $av) (local.get $b${j}))))\n`;
  }
  s += `      (local.set $a (i32.add (local.get $a) (i32.const ${MR * 8})))
      (local.set $b (i32.add (local.get $b) (i32.const ${NR * 8})))
      (br_if $l (i32.lt_u (local.get $a) (local.get $end))))\n`;
  for (const i of range(MR)) for (const j of range(V)) s += `    ${st(j * 8 * W, cptr(i), `(local.get $c${i}_${j})`)}\n`;
  return s + '  )';
}

function microKernel(kind, MR, NR) {
  return kind === 'split' ? splitKernel(MR, NR) : plainKernel(kind, MR, NR);
}

/**
 * Packing and the blocked driver. op(A) is n×k (stored k×n if transA), op(B) k×m (stored m×k
 * if transB). Ap: ceil(n/MR) panels of k×MR; Bp: ceil(m/NR) panels of k×NR (split halves for the split kernel); both
 * zero-padded. Edge tiles run on a zero-padded MR×NR tile at $tile and are copied back.
 */
function matmulDriver(kind, MR, NR) {
  // Split kernels read B as [lo0..lo3][hi0..hi3] per group of 4 columns; others as plain u64.
  const storeB = kind === 'split' ? `
          ;; group g = jj/4, lane jj%4: lo at g*32 + lane*4, hi at g*32 + 16 + lane*4
          (i32.store (i32.add (local.get $dst) (i32.add (i32.shl (i32.shr_u (local.get $jj) (i32.const 2)) (i32.const 5)) (i32.shl (i32.and (local.get $jj) (i32.const 3)) (i32.const 2))))
            (i32.wrap_i64 (local.get $v)))
          (i32.store offset=16 (i32.add (local.get $dst) (i32.add (i32.shl (i32.shr_u (local.get $jj) (i32.const 2)) (i32.const 5)) (i32.shl (i32.and (local.get $jj) (i32.const 3)) (i32.const 2))))
            (i32.wrap_i64 (i64.shr_u (local.get $v) (i64.const 32))))` : `
          (i64.store (i32.add (local.get $dst) (i32.shl (local.get $jj) (i32.const 3))) (local.get $v))`;
  return `
  ;; element (i, t) of op(A): A[i*k+t], or A[t*n+i] when transposed
  (func $packA (param $a i32) (param $ap i32) (param $n i32) (param $k i32) (param $ta i32)
    (local $p i32) (local $t i32) (local $ii i32) (local $i i32) (local $np i32) (local $v i64) (local $dst i32)
    (local.set $np (i32.div_u (i32.add (local.get $n) (i32.const ${MR - 1})) (i32.const ${MR})))
    (local.set $dst (local.get $ap))
    (local.set $p (i32.const 0))
    (block $bp (loop $lp
      (br_if $bp (i32.ge_u (local.get $p) (local.get $np)))
      (local.set $t (i32.const 0))
      (block $bt (loop $lt
        (br_if $bt (i32.ge_u (local.get $t) (local.get $k)))
        (local.set $ii (i32.const 0))
        (block $bi (loop $li
          (br_if $bi (i32.ge_u (local.get $ii) (i32.const ${MR})))
          (local.set $i (i32.add (i32.mul (local.get $p) (i32.const ${MR})) (local.get $ii)))
          (local.set $v (i64.const 0))
          (if (i32.lt_u (local.get $i) (local.get $n)) (then
            (local.set $v (i64.load (i32.add (local.get $a) (i32.shl
              (select (i32.add (i32.mul (local.get $t) (local.get $n)) (local.get $i))
                      (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $t))
                      (local.get $ta))
              (i32.const 3)))))))
          (i64.store (local.get $dst) (local.get $v))
          (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
          (local.set $ii (i32.add (local.get $ii) (i32.const 1)))
          (br $li)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $lt)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $lp))))

  ;; element (t, j) of op(B): B[t*m+j], or B[j*k+t] when transposed
  (func $packB (param $b i32) (param $bp i32) (param $k i32) (param $m i32) (param $tb i32)
    (local $q i32) (local $t i32) (local $jj i32) (local $j i32) (local $mp i32) (local $v i64) (local $dst i32)
    (local.set $mp (i32.div_u (i32.add (local.get $m) (i32.const ${NR - 1})) (i32.const ${NR})))
    (local.set $dst (local.get $bp))
    (local.set $q (i32.const 0))
    (block $bq (loop $lq
      (br_if $bq (i32.ge_u (local.get $q) (local.get $mp)))
      (local.set $t (i32.const 0))
      (block $bt (loop $lt
        (br_if $bt (i32.ge_u (local.get $t) (local.get $k)))
        (local.set $jj (i32.const 0))
        (block $bj (loop $lj
          (br_if $bj (i32.ge_u (local.get $jj) (i32.const ${NR})))
          (local.set $j (i32.add (i32.mul (local.get $q) (i32.const ${NR})) (local.get $jj)))
          (local.set $v (i64.const 0))
          (if (i32.lt_u (local.get $j) (local.get $m)) (then
            (local.set $v (i64.load (i32.add (local.get $b) (i32.shl
              (select (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $t))
                      (i32.add (i32.mul (local.get $t) (local.get $m)) (local.get $j))
                      (local.get $tb))
              (i32.const 3)))))))
          ${storeB}
          (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
          (br $lj)))
        (local.set $dst (i32.add (local.get $dst) (i32.const ${NR * 8})))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $lt)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $lq))))

  ;; copy an MR×NR tile between C (row stride ldc bytes, rows×cols valid) and the dense tile buffer
  (func $tileCopy (param $c i32) (param $ldc i32) (param $tile i32) (param $rows i32) (param $cols i32) (param $toTile i32)
    (local $i i32) (local $j i32) (local $pc i32) (local $pt i32)
    (if (local.get $toTile) (then (memory.fill (local.get $tile) (i32.const 0) (i32.const ${MR * NR * 8}))))
    (local.set $i (i32.const 0))
    (block $bi (loop $li
      (br_if $bi (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $bj (loop $lj
        (br_if $bj (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $pt (i32.add (local.get $tile) (i32.shl (i32.add (i32.mul (local.get $i) (i32.const ${NR})) (local.get $j)) (i32.const 3))))
        (if (local.get $toTile)
          (then (i64.store (local.get $pt) (i64.load (local.get $pc))))
          (else (i64.store (local.get $pc) (i64.load (local.get $pt)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $li))))

  ;; C (n×m, zeroed here) = op(A)·op(B). Scratch at $ws: Ap, then Bp, then one tile.
  (func (export "matmul") (param $a i32) (param $b i32) (param $c i32) (param $n i32) (param $k i32) (param $m i32)
      (param $ta i32) (param $tb i32) (param $ws i32)
    (local $np i32) (local $mp i32) (local $ap i32) (local $bp i32) (local $tile i32)
    (local $k0 i32) (local $kc i32) (local $p i32) (local $q i32) (local $ldc i32) (local $cp i32)
    (local $rows i32) (local $cols i32)
    (local.set $np (i32.div_u (i32.add (local.get $n) (i32.const ${MR - 1})) (i32.const ${MR})))
    (local.set $mp (i32.div_u (i32.add (local.get $m) (i32.const ${NR - 1})) (i32.const ${NR})))
    (local.set $ap (local.get $ws))
    (local.set $bp (i32.add (local.get $ap) (i32.mul (i32.mul (local.get $np) (local.get $k)) (i32.const ${MR * 8}))))
    (local.set $tile (i32.add (local.get $bp) (i32.mul (i32.mul (local.get $mp) (local.get $k)) (i32.const ${NR * 8}))))
    (local.set $ldc (i32.shl (local.get $m) (i32.const 3)))
    (memory.fill (local.get $c) (i32.const 0) (i32.mul (local.get $n) (local.get $ldc)))
    (call $packA (local.get $a) (local.get $ap) (local.get $n) (local.get $k) (local.get $ta))
    (call $packB (local.get $b) (local.get $bp) (local.get $k) (local.get $m) (local.get $tb))
    (local.set $k0 (i32.const 0))
    (block $bk (loop $lk
      (br_if $bk (i32.ge_u (local.get $k0) (local.get $k)))
      (local.set $kc (select (i32.const ${KC}) (i32.sub (local.get $k) (local.get $k0))
        (i32.lt_u (i32.const ${KC}) (i32.sub (local.get $k) (local.get $k0)))))
      (local.set $q (i32.const 0))
      (block $bq (loop $lq
        (br_if $bq (i32.ge_u (local.get $q) (local.get $mp)))
        (local.set $cols (i32.sub (local.get $m) (i32.mul (local.get $q) (i32.const ${NR}))))
        (local.set $p (i32.const 0))
        (block $bp2 (loop $lp
          (br_if $bp2 (i32.ge_u (local.get $p) (local.get $np)))
          (local.set $rows (i32.sub (local.get $n) (i32.mul (local.get $p) (i32.const ${MR}))))
          (local.set $cp (i32.add (local.get $c) (i32.add (i32.mul (i32.mul (local.get $p) (i32.const ${MR})) (local.get $ldc))
            (i32.mul (local.get $q) (i32.const ${NR * 8})))))
          (if (i32.and (i32.ge_u (local.get $rows) (i32.const ${MR})) (i32.ge_u (local.get $cols) (i32.const ${NR})))
            (then
              (call $micro
                (i32.add (local.get $ap) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $k)) (local.get $k0)) (i32.const ${MR * 8})))
                (i32.add (local.get $bp) (i32.mul (i32.add (i32.mul (local.get $q) (local.get $k)) (local.get $k0)) (i32.const ${NR * 8})))
                (local.get $cp) (local.get $kc) (local.get $ldc)))
            (else
              (call $tileCopy (local.get $cp) (local.get $ldc) (local.get $tile)
                (select (i32.const ${MR}) (local.get $rows) (i32.ge_u (local.get $rows) (i32.const ${MR})))
                (select (i32.const ${NR}) (local.get $cols) (i32.ge_u (local.get $cols) (i32.const ${NR}))) (i32.const 1))
              (call $micro
                (i32.add (local.get $ap) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $k)) (local.get $k0)) (i32.const ${MR * 8})))
                (i32.add (local.get $bp) (i32.mul (i32.add (i32.mul (local.get $q) (local.get $k)) (local.get $k0)) (i32.const ${NR * 8})))
                (local.get $tile) (local.get $kc) (i32.const ${NR * 8}))
              (call $tileCopy (local.get $cp) (local.get $ldc) (local.get $tile)
                (select (i32.const ${MR}) (local.get $rows) (i32.ge_u (local.get $rows) (i32.const ${MR})))
                (select (i32.const ${NR}) (local.get $cols) (i32.ge_u (local.get $cols) (i32.const ${NR}))) (i32.const 0))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $lp)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $lq)))
      (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))
      (br $lk))))`;
}

/** 64-bit masks of the 64×64 bit transpose's stages: bits whose index has bit `sh` clear. */
const T64 = [32, 16, 8, 4, 2, 1].map((sh) => {
  let m = 0n;
  for (let b = 0n; b < 64n; b++) if ((b & BigInt(sh)) === 0n) m |= 1n << b;
  return [sh, BigInt.asIntN(64, m)];
});

/**
 * The 64×64 bit transpose of the locals $w0..$w63 (bit k of $wj ↔ bit j of $wk), in each of the
 * two i64 lanes at once (two blocks per step), unrolled: 192 block swaps. [Warren, Hacker's
 * Delight, 2nd ed., §7-3]
 */
function transpose64() {
  const w = (j) => `(local.get $w${j})`;
  const out = [];
  for (const [sh, m] of T64) {
    for (const j of range(64)) {
      if (j & sh) continue;
      out.push(`(local.set $t (v128.and (v128.xor (i64x2.shr_u ${w(j)} (i32.const ${sh})) ${w(j + sh)}) (v128.const i64x2 ${m} ${m})))`,
        `(local.set $w${j + sh} (v128.xor ${w(j + sh)} (local.get $t)))`,
        `(local.set $w${j} (v128.xor ${w(j)} (i64x2.shl (local.get $t) (i32.const ${sh}))))`);
    }
  }
  return out.join('\n      ');
}

/**
 * Bit planes (protocols/offline/hm/bitpack.ts) by 64×64 bit transposes, two blocks of 64
 * elements per step (one per SIMD lane; `words` must be even): 'bitPlanes' reads 64·words
 * elements at $a and writes row k (bit k of every element, 64 per word) at $o + 8·k·words;
 * 'bitWords' is its inverse (64 rows of `words` words in, 64·words elements out). The blocks live
 * in 64 locals, so each word is loaded and stored once.
 */
function bitPlaneKernels() {
  const locals = `${range(64).map((j) => `(local $w${j} v128)`).join(' ')} (local $t v128) (local $b i32) (local $rs i32)`;
  const rowAt = (k) => `(i32.add (local.get $p) (i32.mul (local.get $rs) (i32.const ${k})))`;
  const body = (load, store) => `
    (local $p i32) ${locals}
    (local.set $rs (i32.shl (local.get $words) (i32.const 3)))
    (local.set $b (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $b) (local.get $words)))
      ${load}
      ${transpose64()}
      ${store}
      (local.set $b (i32.add (local.get $b) (i32.const 2)))
      (br $next)))`;
  const contiguous = (base) => `(local.set $p (i32.add (local.get $${base}) (i32.shl (local.get $b) (i32.const 9))))`;
  const strided = (base) => `(local.set $p (i32.add (local.get $${base}) (i32.shl (local.get $b) (i32.const 3))))`;
  // contiguous side: element j of block b in lane 0, of block b + 1 (512 bytes on) in lane 1
  const loadC = range(64).map((j) => `(local.set $w${j} (v128.load64_lane offset=${512 + 8 * j} 1 (local.get $p) (v128.load64_zero offset=${8 * j} (local.get $p))))`).join(' ');
  const storeC = range(64).map((j) => `(v128.store64_lane offset=${8 * j} 0 (local.get $p) (local.get $w${j})) (v128.store64_lane offset=${512 + 8 * j} 1 (local.get $p) (local.get $w${j}))`).join(' ');
  // strided side: words b and b + 1 of a row are adjacent, one vector
  const loadS = range(64).map((k) => `(local.set $w${k} (v128.load ${rowAt(k)}))`).join(' ');
  const storeS = range(64).map((k) => `(v128.store ${rowAt(k)} (local.get $w${k}))`).join(' ');
  return `
  (func (export "bitPlanes") (param $a i32) (param $o i32) (param $words i32)${body(`${contiguous('a')} ${loadC}`, `${strided('o')} ${storeS}`)})
  (func (export "bitWords") (param $a i32) (param $o i32) (param $words i32)${body(`${strided('a')} ${loadS}`, `${contiguous('o')} ${storeC}`)})`;
}

/** 'bitSpread': o[i] = bit i of the plane at $a (bit i mod 64 of word ⌊i/64⌋), for i < $n: one 0/1 word per bit. */
function bitSpreadKernel() {
  return `
  (func (export "bitSpread") (param $a i32) (param $o i32) (param $n i32)
    (local $i i32)
    (local.set $i (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i64.store (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3)))
        (i64.and (i64.shr_u (i64.load (i32.add (local.get $a) (i32.shl (i32.shr_u (local.get $i) (i32.const 6)) (i32.const 3))))
          (i64.extend_i32_u (i32.and (local.get $i) (i32.const 63)))) (i64.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))`;
}

/**
 * Dense bit packing (protocols/offline/hm/bitpack.ts packRows): 'packBits' appends the low $w
 * bits (1..64) of each of $n words at $a to the little-endian bit stream at $o, starting at bit
 * $start (the bits below it in that word are kept, the ones above are overwritten); 'unpackBits'
 * reads them back ($n words of $w bits from bit $start of the stream at $a, whose word after the
 * last must be readable). One 64-bit accumulator, no per-bit work.
 */
function bitPackKernels() {
  const mask = `(select (i64.const -1) (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $w))) (i64.const 1)) (i32.eq (local.get $w) (i32.const 64)))`;
  return `
  (func (export "packBits") (param $a i32) (param $o i32) (param $n i32) (param $w i32) (param $start i32)
    (local $q i32) (local $end i32) (local $fill i32) (local $acc i64) (local $m i64) (local $mask i64)
    (local.set $mask ${mask})
    (local.set $q (i32.add (local.get $o) (i32.shl (i32.shr_u (local.get $start) (i32.const 6)) (i32.const 3))))
    (local.set $fill (i32.and (local.get $start) (i32.const 63)))
    (local.set $acc (select
      (i64.and (i64.load (local.get $q)) (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $fill))) (i64.const 1)))
      (i64.const 0) (local.get $fill)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $m (i64.and (i64.load (local.get $a)) (local.get $mask)))
      (local.set $acc (i64.or (local.get $acc) (i64.shl (local.get $m) (i64.extend_i32_u (local.get $fill)))))
      (local.set $fill (i32.add (local.get $fill) (local.get $w)))
      (if (i32.ge_u (local.get $fill) (i32.const 64)) (then
        (i64.store (local.get $q) (local.get $acc))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (local.set $fill (i32.sub (local.get $fill) (i32.const 64)))
        ;; the bits of m not stored yet: its top fill bits (none when fill = 0)
        (local.set $acc (select
          (i64.shr_u (local.get $m) (i64.extend_i32_u (i32.sub (local.get $w) (local.get $fill))))
          (i64.const 0) (local.get $fill)))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br $next)))
    (if (local.get $fill) (then (i64.store (local.get $q) (local.get $acc)))))

  (func (export "unpackBits") (param $a i32) (param $o i32) (param $n i32) (param $w i32) (param $start i32)
    (local $end i32) (local $pos i32) (local $p i32) (local $off i32) (local $v i64) (local $mask i64)
    (local.set $mask ${mask})
    (local.set $pos (local.get $start))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $p (i32.add (local.get $a) (i32.shl (i32.shr_u (local.get $pos) (i32.const 6)) (i32.const 3))))
      (local.set $off (i32.and (local.get $pos) (i32.const 63)))
      (local.set $v (i64.shr_u (i64.load (local.get $p)) (i64.extend_i32_u (local.get $off))))
      (if (i32.gt_u (i32.add (local.get $off) (local.get $w)) (i32.const 64)) (then
        (local.set $v (i64.or (local.get $v) (i64.shl (i64.load offset=8 (local.get $p)) (i64.extend_i32_u (i32.sub (i32.const 64) (local.get $off))))))))
      (i64.store (local.get $o) (i64.and (local.get $v) (local.get $mask)))
      (local.set $pos (i32.add (local.get $pos) (local.get $w)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $next))))`;
}

/** Transpose (r×c → c×r) in 16×16 blocks so both sides stay in cache; row sums; column sums. */
function reshapeKernels() {
  return `
  (func (export "transpose") (param $a i32) (param $o i32) (param $r i32) (param $c i32)
    (local $i0 i32) (local $j0 i32) (local $i i32) (local $j i32) (local $ie i32) (local $je i32)
    (local.set $i0 (i32.const 0))
    (block $b0 (loop $l0
      (br_if $b0 (i32.ge_u (local.get $i0) (local.get $r)))
      (local.set $ie (select (i32.add (local.get $i0) (i32.const 16)) (local.get $r)
        (i32.lt_u (i32.add (local.get $i0) (i32.const 16)) (local.get $r))))
      (local.set $j0 (i32.const 0))
      (block $b1 (loop $l1
        (br_if $b1 (i32.ge_u (local.get $j0) (local.get $c)))
        (local.set $je (select (i32.add (local.get $j0) (i32.const 16)) (local.get $c)
          (i32.lt_u (i32.add (local.get $j0) (i32.const 16)) (local.get $c))))
        (local.set $i (local.get $i0))
        (block $b2 (loop $l2
          (br_if $b2 (i32.ge_u (local.get $i) (local.get $ie)))
          (local.set $j (local.get $j0))
          (block $b3 (loop $l3
            (br_if $b3 (i32.ge_u (local.get $j) (local.get $je)))
            (i64.store (i32.add (local.get $o) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $r)) (local.get $i)) (i32.const 3)))
              (i64.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $c)) (local.get $j)) (i32.const 3)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $l3)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l2)))
        (local.set $j0 (local.get $je))
        (br $l1)))
      (local.set $i0 (local.get $ie))
      (br $l0))))

  (func (export "rowSum") (param $a i32) (param $o i32) (param $r i32) (param $c i32)
    (local $i i32) (local $end i32) (local $vend i32) (local $acc v128) (local $s i64)
    (local.set $i (i32.const 0))
    (block $bi (loop $li
      (br_if $bi (i32.ge_u (local.get $i) (local.get $r)))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $end (i32.add (local.get $a) (i32.shl (local.get $c) (i32.const 3))))
      (local.set $vend (i32.add (local.get $a) (i32.shl (i32.and (local.get $c) (i32.const -2)) (i32.const 3))))
      (block $bv (loop $lv
        (br_if $bv (i32.ge_u (local.get $a) (local.get $vend)))
        (local.set $acc (i64x2.add (local.get $acc) (v128.load (local.get $a))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $lv)))
      (local.set $s (i64.add (i64x2.extract_lane 0 (local.get $acc)) (i64x2.extract_lane 1 (local.get $acc))))
      (if (i32.lt_u (local.get $a) (local.get $end)) (then
        (local.set $s (i64.add (local.get $s) (i64.load (local.get $a))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))))
      (i64.store (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))) (local.get $s))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $li))))

  ;; o[i] = Σ_j a[i·c + j]·d[c − idx[i] + j] (idx: i32 per row, 0 ≤ idx < c; d: 2c words). The
  ;; dot product of each row with a rotation of one table (a lookup on a one-hot share row).
  (func (export "rotDot") (param $a i32) (param $d i32) (param $idx i32) (param $o i32) (param $r i32) (param $c i32)
    (local $i i32) (local $t i32) (local $end i32) (local $vend i32) (local $acc v128) (local $s i64)
    (local.set $i (i32.const 0))
    (block $bi (loop $li
      (br_if $bi (i32.ge_u (local.get $i) (local.get $r)))
      (local.set $t (i32.add (local.get $d) (i32.shl
        (i32.sub (local.get $c) (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        (i32.const 3))))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $end (i32.add (local.get $a) (i32.shl (local.get $c) (i32.const 3))))
      (local.set $vend (i32.add (local.get $a) (i32.shl (i32.and (local.get $c) (i32.const -2)) (i32.const 3))))
      (block $bv (loop $lv
        (br_if $bv (i32.ge_u (local.get $a) (local.get $vend)))
        (local.set $acc (i64x2.add (local.get $acc) (i64x2.mul (v128.load (local.get $a)) (v128.load (local.get $t)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $t (i32.add (local.get $t) (i32.const 16)))
        (br $lv)))
      (local.set $s (i64.add (i64x2.extract_lane 0 (local.get $acc)) (i64x2.extract_lane 1 (local.get $acc))))
      (if (i32.lt_u (local.get $a) (local.get $end)) (then
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.load (local.get $a)) (i64.load (local.get $t)))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))))
      (i64.store (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))) (local.get $s))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $li))))

  ;; o[j] = Σ_i a[i][j]; o must not overlap a
  (func (export "colSum") (param $a i32) (param $o i32) (param $r i32) (param $c i32)
    (local $i i32)
    (memory.fill (local.get $o) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $bi (loop $li
      (br_if $bi (i32.ge_u (local.get $i) (local.get $r)))
      (call $addInto (local.get $o) (local.get $a) (local.get $c))
      (local.set $a (i32.add (local.get $a) (i32.shl (local.get $c) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $li))))

  (func $addInto (param $o i32) (param $a i32) (param $n i32)
    (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $vend (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $bv (loop $lv
      (br_if $bv (i32.ge_u (local.get $o) (local.get $vend)))
      (v128.store (local.get $o) (i64x2.add (v128.load (local.get $o)) (v128.load (local.get $a))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (br $lv)))
    (if (i32.lt_u (local.get $o) (local.get $end))
      (then (i64.store (local.get $o) (i64.add (i64.load (local.get $o)) (i64.load (local.get $a)))))))`;
}

/**
 * A counted loop for the DPF kernels: `body` while local $i < `bound` (an i32 expression), then
 * $i += step. $i keeps its value on entry (set it first when the loop is nested).
 */
function upTo(i, bound, body, step = 1) {
  return `(block $d_${i} (loop $l_${i}
      (br_if $d_${i} (i32.ge_u (local.get $${i}) ${bound}))
      ${body}
      (local.set $${i} (i32.add (local.get $${i}) (i32.const ${step})))
      (br $l_${i})))`;
}

/**
 * One level of a distributed point function's full-domain expansion (protocols/offline/hm/dpf.ts),
 * after the AES: for every parent seed s (element e = parent / n) and its children c = L, R,
 * v = g_c ⊕ s (the fixed-key hash's feed-forward: g_c = AES_c(s)), the child's control bit is
 * bit 0 of v ⊕ (t_parent ∧ tCW_c), and its seed is v with bit 0 cleared ⊕ (t_parent ? sCW_e : 0).
 * Children 2·parent and 2·parent + 1 go to o (16 bytes each) and their bits to tc; cw and bits
 * hold every level's corrections, element-major, and this is level i of `levels`.
 */
function dpfKernel() {
  const CLEAR = '(v128.const i32x4 0xfffffffe 0xffffffff 0xffffffff 0xffffffff)';
  const child = (c, g, bit) => `
      (local.set $v (v128.xor (v128.load (i32.add (local.get ${g}) (local.get $k))) (local.get $sv)))
      (i32.store8 offset=${c} (local.get $q)
        (i32.xor (i32.and (i8x16.extract_lane_u 0 (local.get $v)) (i32.const 1)) (i32.and (local.get $on) (local.get ${bit}))))
      (v128.store offset=${16 * c} (local.get $d) (v128.xor (v128.and (local.get $v) ${CLEAR}) (local.get $cm)))`;
  return `
  (func (export "dpfLevel") (param $gl i32) (param $gr i32) (param $s i32) (param $tp i32) (param $o i32) (param $tc i32) (param $cw i32) (param $bits i32) (param $E i32) (param $n i32) (param $levels i32) (param $i i32)
    (local $e i32) (local $at i32) (local $end i32) (local $cwv v128) (local $b i32) (local $bl i32) (local $br i32)
    (local $on i32) (local $cm v128) (local $sv v128) (local $v v128) (local $k i32) (local $d i32) (local $q i32) (local $ci i32)
    ${upTo('e', '(local.get $E)', `
      ;; this level's corrections of element e: point-major, [e][level]
      (local.set $ci (i32.add (i32.mul (local.get $e) (local.get $levels)) (local.get $i)))
      (local.set $cwv (v128.load (i32.add (local.get $cw) (i32.shl (local.get $ci) (i32.const 4)))))
      (local.set $b (i32.load8_u (i32.add (local.get $bits) (local.get $ci))))
      (local.set $bl (i32.and (local.get $b) (i32.const 1)))
      (local.set $br (i32.shr_u (local.get $b) (i32.const 1)))
      (local.set $end (i32.add (local.get $at) (local.get $n)))
      ${upTo('at', '(local.get $end)', `
        (local.set $on (i32.load8_u (i32.add (local.get $tp) (local.get $at))))
        (local.set $cm (v128.and (local.get $cwv) (i8x16.splat (i32.sub (i32.const 0) (local.get $on)))))
        (local.set $k (i32.shl (local.get $at) (i32.const 4)))
        (local.set $sv (v128.load (i32.add (local.get $s) (local.get $k))))
        (local.set $d (i32.add (local.get $o) (i32.shl (local.get $at) (i32.const 5))))
        (local.set $q (i32.add (local.get $tc) (i32.shl (local.get $at) (i32.const 1))))
        ${child(0, '$gl', '$bl')}
        ${child(1, '$gr', '$br')}`)}`)})`;
}

/**
 * The terminal nodes of a DPF full-domain evaluation: `nb` hash inputs per node seed, seed ⊕ j in
 * its low word for j < nb (the counter-mode tweak of Convert), written to o.
 */
function dpfTweakKernel() {
  return `
  (func (export "dpfTweak") (param $s i32) (param $o i32) (param $count i32) (param $nb i32)
    (local $i i32) (local $j i32) (local $v v128)
    ${upTo('i', '(local.get $count)', `
      (local.set $v (v128.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 4)))))
      (local.set $j (i32.const 0))
      ${upTo('j', '(local.get $nb)', `
        (v128.store (local.get $o) (v128.xor (local.get $v) (i32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (local.get $j))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))`)}`)})`;
}

/**
 * The outputs of a DPF full-domain evaluation: node k of element e (N nodes each) covers leaves
 * k·S .. k·S + S − 1, and for payload p and slot q, word w = p·S + q of Convert(node) is
 * (h ⊕ x)[node][w] (AES outputs and their inputs, nb blocks per node); Y_p(leaf) = that word +
 * (t_node ? CW_{e,w} : 0), with CW's P·S words per element in cw. Output [P][E·N·S] words.
 * S is even (2 or 4), so two words of one payload go per v128 step.
 */
function dpfLeavesKernel() {
  return `
  (func (export "dpfLeaves") (param $h i32) (param $x i32) (param $t i32) (param $cw i32) (param $o i32) (param $E i32) (param $N i32) (param $S i32) (param $P i32) (param $nb i32)
    (local $e i32) (local $k i32) (local $node i32) (local $p i32) (local $q i32) (local $m v128) (local $base i32) (local $cwe i32) (local $plane i32) (local $W i32) (local $w8 i32) (local $dst i32)
    (local.set $W (i32.mul (local.get $P) (local.get $S)))
    (local.set $plane (i32.shl (i32.mul (i32.mul (local.get $E) (local.get $N)) (local.get $S)) (i32.const 3)))
    ${upTo('e', '(local.get $E)', `
      (local.set $cwe (i32.add (local.get $cw) (i32.shl (i32.mul (local.get $e) (local.get $W)) (i32.const 3))))
      (local.set $k (i32.const 0))
      ${upTo('k', '(local.get $N)', `
        (local.set $node (i32.add (i32.mul (local.get $e) (local.get $N)) (local.get $k)))
        (local.set $m (i64x2.splat (i64.sub (i64.const 0) (i64.extend_i32_u (i32.load8_u (i32.add (local.get $t) (local.get $node)))))))
        (local.set $base (i32.shl (i32.mul (local.get $node) (local.get $nb)) (i32.const 4)))
        (local.set $w8 (i32.const 0))
        (local.set $p (i32.const 0))
        ${upTo('p', '(local.get $P)', `
          (local.set $dst (i32.add (local.get $o) (i32.add (i32.mul (local.get $p) (local.get $plane)) (i32.shl (i32.mul (local.get $node) (local.get $S)) (i32.const 3)))))
          (local.set $q (i32.const 0))
          ${upTo('q', '(local.get $S)', `
            (v128.store (i32.add (local.get $dst) (i32.shl (local.get $q) (i32.const 3)))
              (i64x2.add
                (v128.xor (v128.load (i32.add (local.get $h) (i32.add (local.get $base) (local.get $w8)))) (v128.load (i32.add (local.get $x) (i32.add (local.get $base) (local.get $w8)))))
                (v128.and (local.get $m) (v128.load (i32.add (local.get $cwe) (local.get $w8))))))
            (local.set $w8 (i32.add (local.get $w8) (i32.const 16)))`, 2)}`)}`)}`)})`;
}

/**
 * One level of a DPF key generation (protocols/offline/hm/dpf.ts, dpfGen) for E points at once:
 * both holders' seeds s_0, s_1 (16 bytes each per point) and control bits t_0, t_1 follow α's
 * path. With l_b, r_b the AES outputs of s_b under G's keys, the children are v = l_b ⊕ s_b and
 * r_b ⊕ s_b, each with its control bit split off; a = bit (depth − 1 − i) of α; the correction
 * is sCW = (lost child of s_0) ⊕ (lost child of s_1), tCW_L = tl_0 ⊕ tl_1 ⊕ a ⊕ 1,
 * tCW_R = tr_0 ⊕ tr_1 ⊕ a, stored point-major at level i of `levels`; then every holder keeps its
 * child on the path, corrected where its control bit is set.
 */
function dpfGenKernel() {
  const CLEAR = '(v128.const i32x4 0xfffffffe 0xffffffff 0xffffffff 0xffffffff)';
  const child = (name, aes, seed) => `
      (local.set $${name} (v128.xor (v128.load (i32.add (local.get ${aes}) (local.get $k))) (local.get ${seed})))
      (local.set $t${name} (i32.and (i8x16.extract_lane_u 0 (local.get $${name})) (i32.const 1)))
      (local.set $${name} (v128.and (local.get $${name}) ${CLEAR}))`;
  return `
  (func (export "dpfGenLevel") (param $l0 i32) (param $l1 i32) (param $r0 i32) (param $r1 i32) (param $s0 i32) (param $s1 i32) (param $t0 i32) (param $t1 i32)
      (param $alpha i32) (param $cw i32) (param $bits i32) (param $E i32) (param $depth i32) (param $levels i32) (param $i i32)
    (local $e i32) (local $k i32) (local $a i32) (local $am v128) (local $sv0 v128) (local $sv1 v128)
    (local $L0 v128) (local $L1 v128) (local $R0 v128) (local $R1 v128) (local $tL0 i32) (local $tL1 i32) (local $tR0 i32) (local $tR1 i32)
    (local $c v128) (local $cl i32) (local $cr i32) (local $ck i32) (local $ci i32) (local $b0 i32) (local $b1 i32)
    ${upTo('e', '(local.get $E)', `
      (local.set $k (i32.shl (local.get $e) (i32.const 4)))
      (local.set $a (i32.and (i32.shr_u (i32.load (i32.add (local.get $alpha) (i32.shl (local.get $e) (i32.const 2)))) (i32.sub (i32.sub (local.get $depth) (i32.const 1)) (local.get $i))) (i32.const 1)))
      (local.set $am (i8x16.splat (i32.sub (i32.const 0) (local.get $a))))
      (local.set $sv0 (v128.load (i32.add (local.get $s0) (local.get $k))))
      (local.set $sv1 (v128.load (i32.add (local.get $s1) (local.get $k))))
      ${child('L0', '$l0', '$sv0')}
      ${child('L1', '$l1', '$sv1')}
      ${child('R0', '$r0', '$sv0')}
      ${child('R1', '$r1', '$sv1')}
      ;; the lost children (L where a = 1) give the seed correction
      (local.set $c (v128.xor (v128.bitselect (local.get $L0) (local.get $R0) (local.get $am)) (v128.bitselect (local.get $L1) (local.get $R1) (local.get $am))))
      (local.set $ci (i32.add (i32.mul (local.get $e) (local.get $levels)) (local.get $i)))
      (v128.store (i32.add (local.get $cw) (i32.shl (local.get $ci) (i32.const 4))) (local.get $c))
      (local.set $cl (i32.xor (i32.xor (i32.xor (local.get $tL0) (local.get $tL1)) (local.get $a)) (i32.const 1)))
      (local.set $cr (i32.xor (i32.xor (local.get $tR0) (local.get $tR1)) (local.get $a)))
      (i32.store8 (i32.add (local.get $bits) (local.get $ci)) (i32.or (local.get $cl) (i32.shl (local.get $cr) (i32.const 1))))
      (local.set $ck (select (local.get $cr) (local.get $cl) (local.get $a)))
      ;; kept children (R where a = 1), corrected where the holder's control bit is set
      (local.set $b0 (i32.load8_u (i32.add (local.get $t0) (local.get $e))))
      (local.set $b1 (i32.load8_u (i32.add (local.get $t1) (local.get $e))))
      (v128.store (i32.add (local.get $s0) (local.get $k))
        (v128.xor (v128.bitselect (local.get $R0) (local.get $L0) (local.get $am)) (v128.and (local.get $c) (i8x16.splat (i32.sub (i32.const 0) (local.get $b0))))))
      (v128.store (i32.add (local.get $s1) (local.get $k))
        (v128.xor (v128.bitselect (local.get $R1) (local.get $L1) (local.get $am)) (v128.and (local.get $c) (i8x16.splat (i32.sub (i32.const 0) (local.get $b1))))))
      (i32.store8 (i32.add (local.get $t0) (local.get $e)) (i32.xor (select (local.get $tR0) (local.get $tL0) (local.get $a)) (i32.and (local.get $b0) (local.get $ck))))
      (i32.store8 (i32.add (local.get $t1) (local.get $e)) (i32.xor (select (local.get $tR1) (local.get $tL1) (local.get $a)) (i32.and (local.get $b1) (local.get $ck))))`)})`;
}

/**
 * The whole module: memory 0 (exported as "memory", grown from JS) and every kernel. The
 * options pick another matmul micro-kernel, for bench/matmul-variants.mjs only; 1 ≤ mr, nr ≤ 8
 * (wasm.ts sizes the packing scratch for that), nr a multiple of 4 for 'split', of 2 for 'simd'.
 */
export function kernelsWat({ kind = KIND, mr = MR, nr = NR } = {}) {
  return `(module
  (memory (export "memory") 64)
  ${elementwiseKernels()}
  ${beaverKernel()}
  ${truncKernel()}
  ${beaverKernel('beaverXor', XOR_OPS)}
  ${replicatedKernels()}
  ${microKernel(kind, mr, nr)}
  ${matmulDriver(kind, mr, nr)}
  ${reshapeKernels()}
  ${bitPlaneKernels()}
  ${bitPackKernels()}
  ${bitSpreadKernel()}
  ${dpfKernel()}
  ${dpfGenKernel()}
  ${dpfTweakKernel()}
  ${dpfLeavesKernel()}
)`;
}
