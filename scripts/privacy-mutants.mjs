#!/usr/bin/env node
// `npm run test:privacy`: the privacy mutation check (issue 15). Each variant below is a small
// LEAKY source change (most keep the protocol's results correct), applied to a private copy of the
// built dist/ under .privacy-mutants/ (never to the sources, never reachable from the CLI). The
// privacy tests that guard that protocol must FAIL on every variant; the script fails unless each
// variant is caught, and also checks first that the same tests pass on the unmodified build.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const work = join(root, '.privacy-mutants');
const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const T0 = Date.now();

/** A hook in the dealer's item expansion (parties' shares and the dealer's sums alike). */
const DEALER_ITEMS = 'protocols/offline/dealer-items.js';
const dealerHook = (body) => [
  { file: DEALER_ITEMS, find: '    const r = shapes.random.map((s) => prg.ring(s));\n', replace: '    const r = shapes.random.map((s) => prg.ring(s));\n    __leak(q, r);\n' },
  { file: DEALER_ITEMS, find: '        return acc;\n    });\n    let out;', replace: '        return acc;\n    });\n    __leak(q, sums);\n    let out;' },
  // Masks are made row block by row block (PrgMatrix): each block of a party's share passes the
  // hook, and the dealer's sum of them (maskValue) is made from the same hooked shares.
  { file: DEALER_ITEMS, find: 'itemNonce(q), q.shape);\n}', replace: 'itemNonce(q), q.shape, (t) => { __leak(q, [t]); return t; });\n}' },
  { file: DEALER_ITEMS, append: `\nfunction __leak(q, parts) { ${body} }\n` },
];

/** A dealer item kind with all-zero randomness: the protocol's opening shows its input unmasked. */
const zeroedDealerItem = (kind, name, family, correct) => ({
  name,
  patches: dealerHook(`if (q.kind === '${kind}') parts[0].data.fill(0n);`),
  tests: ['test/privacy/protocols.test.js'], grep: `^privacy.*${family} \\(dealer\\): no bit`,
  correct,
});

const VARIANTS = [
  {
    name: 'dealer triples and matrix triples with 24 random bits (a << 40)',
    patches: dealerHook("if (q.kind === 'triple' || q.kind === 'matrix') parts[0] = parts[0].shl(40);"),
    tests: ['test/privacy/protocols.test.js'], grep: '^privacy.*(mul|matmul) \\(dealer\\): no bit',
    correct: { tests: ['test/arithmetic.test.js'], grep: 'n=3, dealer prep\\) (mul matches|matmul \\(and)' },
  },
  zeroedDealerItem('trunc', 'dealer truncation pairs with r = 0 (the opening of x + r without its mask)', 'trunc',
    { tests: ['test/arithmetic.test.js'], grep: 'n=3, dealer prep\\) trunc, truncMany' }),
  zeroedDealerItem('mask', 'dealer matrix masks A = 0 (masked matmul opens X in clear)', 'masked matmul',
    { tests: ['test/arithmetic.test.js'], grep: 'n=3, dealer prep\\) masked operand' }),
  zeroedDealerItem('mask', 'dealer matrix masks A = 0 with maskData perBatch (each batch opens X_b in clear with its first product)', 'masked rows matmul',
    { tests: ['test/arithmetic.test.js'], grep: 'n=3, dealer prep\\) masked rows' }),
  zeroedDealerItem('dabit', 'dealer daBits r = 0 (b2a opens the bits unmasked)', 'b2a',
    { tests: ['test/compare.test.js'], grep: 'b2a converts XOR-shared bits' }),
  zeroedDealerItem('edabit', 'dealer edaBits r = 0 (ltz opens x + 2^k unmasked)', 'ltz( bounded)?',
    { tests: ['test/compare.test.js'], grep: 'ltz (matches the sign bit|with a known bound)' }),
  zeroedDealerItem('lut', 'dealer lookup masks R = 0 (the lookup sigmoid opens x + L unmasked)', 'sigmoid lookup',
    { tests: ['test/nonlinear.test.js'], grep: 'sigmoid by table lookup' }),
  {
    name: 'hm replicated pieces with 24 random bits (every piece << 40; the items keep their relations mod 2^64, but the hm item test flags them as non-uniform)',
    patches: [{ file: 'protocols/offline/hm/replicated.js', find: 'const mine = this.prev.ring(shape), other = this.next.ring(shape);', replace: 'const mine = this.prev.ring(shape).shl(40), other = this.next.ring(shape).shl(40);' }],
    tests: ['test/privacy/protocols.test.js'], grep: '^privacy.*(mul|trunc) \\(hm\\): no bit',
  },
  {
    name: 'hm replicated product without its input zero-sharings (each party passes its shares of x and y as they are)',
    patches: [{ file: 'protocols/arithmetic/replicated-product.js', find: 'return Ring.addSub(t, plus, minus);', replace: 'return Ring.addSub(t, minus, minus);' }],
    tests: ['test/privacy/protocols.test.js'], grep: '^privacy.*mul \\(raw shares\\) \\(hm\\): no bit',
    correct: { tests: ['test/arithmetic.test.js'], grep: 'hm prep\\) (mul matches|matmul \\(and)' },
  },
  {
    name: 'hm replicated AND without its input zero-sharings (each party passes its XOR shares as they are)',
    patches: [{ file: 'protocols/arithmetic/replicated-product.js', find: 'return z.xorInto(t.clone());', replace: 'return (z.xorInto(new Ring(t.shape)), t.clone());' }],
    tests: ['test/privacy/protocols.test.js'], grep: '^privacy.*and \\(raw shares\\) \\(hm\\): no bit',
    correct: { tests: ['test/compare.test.js'], grep: 'replicated AND' },
  },
  {
    name: 'hm replicated product without its output zero-sharing ρz (an opened product shows the next party\'s cross terms)',
    patches: [{ file: 'protocols/arithmetic/replicated-product.js', find: 'return Ring.replicated(plus, minus, xi, yi, xn, yn);', replace: 'return Ring.replicated(minus, minus, xi, yi, xn, yn);' }],
    tests: ['test/hm/view.test.js'], grep: 'the real protocol',
    correct: { tests: ['test/arithmetic.test.js'], grep: 'hm prep\\) mul matches' },
  },
  {
    name: 'hm replicated AND without its output zero-sharing ρz (an opened AND shows the next party\'s cross terms)',
    patches: [{ file: 'protocols/arithmetic/replicated-product.js', find: 'return Ring.replicatedXor(u, xi, yi, xn, yn, u);', replace: 'return Ring.replicatedXor(new Ring(u.shape), xi, yi, xn, yn);' }],
    tests: ['test/hm/view.test.js'], grep: 'the real protocol',
    correct: { tests: ['test/compare.test.js'], grep: 'replicated AND' },
  },
  {
    name: 'ot matrix masks with 24 random bits (each party\'s seeded A_i << 40: E = X − A shows X\'s low 40 bits)',
    patches: [{ file: 'protocols/offline/ot/preprocessing.js', find: 'new PrgMatrix(this.localKey, MASK_STREAM, tag, shape)', replace: 'new PrgMatrix(this.localKey, MASK_STREAM, tag, shape, (t) => t.shl(40))' }],
    tests: ['test/privacy/protocols.test.js'], grep: '^privacy.*masked matmul \\(ot\\): no bit',
    correct: { tests: ['test/ot/protocols.test.js'], grep: 'masked operand reused' },
  },
  {
    name: 'IKNP receiver message without its PRG pad G(k_j^1)',
    patches: [{ file: 'protocols/offline/ot/iknp.js', find: 'ui[o + i] = ui[o + i] ^ ti[o + i] ^ ci[i];', replace: 'ui[o + i] = ti[o + i] ^ ci[i];' }],
    tests: ['test/privacy/iknp.test.js'], grep: 'real IKNP:',
  },
  {
    name: 'chunked IKNP receiver (element-ot) without its PRG pad G(k_j^1)',
    patches: [{ file: 'protocols/offline/ot/element-ot.js', find: 'k.xor3(T, G, R, KAPPA, cb);', replace: 'mem.fill(0, G, G + KAPPA * cb); k.xor3(T, G, R, KAPPA, cb);' }],
    tests: ['test/privacy/iknp.test.js'], grep: 'real IKNP, chunked',
  },
  {
    name: 'joint statistics: wideSum sends each party\'s own vector without its PRG masks',
    patches: [{ file: 'protocols/arithmetic/wide-sum.js', find: 'share[i] = (share[i] - toBig(mineOut, i) + toBig(theirs, i)) & MASK;', replace: 'share[i] = share[i] & MASK;' }],
    tests: ['test/privacy/standardize.test.js'], grep: '\\(dealer\\): the same view',
    correct: { tests: ['test/ml/preprocess.test.js'], grep: 'wideSum equals|joint count, mean and std' },
  },
];

/** Run `v.tests` (filtered by `v.grep`) from the build at `base`: exit code and output. */
function runTests(base, v) {
  const files = v.tests.map((t) => join(base, t));
  const r = spawnSync(process.execPath, [mocha, '--no-config', '--exit', '--timeout', '120000', '--reporter', 'dot', '--grep', v.grep, ...files], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

function applyPatches(copy, patches) {
  for (const p of patches) {
    const file = join(copy, p.file);
    let text = readFileSync(file, 'utf8');
    if (p.append) text += p.append;
    else {
      const count = text.split(p.find).length - 1;
      if (count !== 1) throw new Error(`${p.file}: the text to patch was found ${count} times (expected once): the source changed, update scripts/privacy-mutants.mjs\n  ${JSON.stringify(p.find)}`);
      text = text.replace(p.find, p.replace);
    }
    writeFileSync(file, text);
  }
}

if (!existsSync(join(dist, 'test', 'privacy'))) {
  console.error('test:privacy: dist/test/privacy is missing; run npm run build first');
  process.exit(2);
}
rmSync(work, { recursive: true, force: true });
let missed = 0;
try {
  for (const [i, v] of VARIANTS.entries()) {
    const base = runTests(dist, v);
    const passing = base.out.match(/(\d+) passing/);
    if (base.code !== 0 || !passing || Number(passing[1]) === 0) {
      console.error(`test:privacy: the privacy tests for variant ${i + 1} do not pass (or select nothing) on the unmodified build:\n${base.out}`);
      process.exit(1);
    }
    const copy = join(work, `v${i + 1}`, 'dist');
    cpSync(dist, copy, { recursive: true });
    applyPatches(copy, v.patches);
    const r = runTests(copy, v);
    // Caught = a privacy assertion failed (not a patch that broke loading the module).
    const caught = r.code !== 0 && /\d+ failing/.test(r.out) && /\+ expected - actual/.test(r.out) && !/SyntaxError|ERR_MODULE_NOT_FOUND|Cannot find module|ReferenceError/.test(r.out);
    // A variant said to stay correct must still pass the protocol's plaintext-reference tests.
    let correctness = '';
    if (v.correct) {
      const c = runTests(copy, v.correct);
      const ok = c.code === 0 && /[1-9]\d* passing/.test(c.out);
      correctness = ok ? ' (results still correct)' : ' (BUT its results are wrong: the variant is not leaky-but-correct)';
      if (!ok) {
        missed++;
        console.log(c.out.split('\n').slice(-30).join('\n'));
      }
    }
    console.log(`${caught ? 'caught ' : 'MISSED '} ${i + 1}. ${v.name}${correctness}`);
    if (!caught) {
      missed++;
      console.log(r.out.split('\n').slice(-30).join('\n'));
    }
    rmSync(join(work, `v${i + 1}`), { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`test:privacy: ${VARIANTS.length - missed} of ${VARIANTS.length} leaky variants caught in ${((Date.now() - T0) / 1000).toFixed(1)} s`);
process.exit(missed === 0 ? 0 : 1);
