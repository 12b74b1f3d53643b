// Compares matmul micro-kernel variants through the real packing driver (the measurement
// behind KIND/MR/NR in src/ring/kernels-wat.mjs). Run after `npm install`:
//   node bench/matmul-variants.mjs [size=512] [reps=5]
// Prints one line per variant: median wall and CPU G MAC/s; each checks its product against
// the chosen kernel. Numbers on a shared machine are noisy: compare variants within one run.
import wabtInit from 'wabt';
import { kernelsWat } from '../src/ring/kernels-wat.mjs';

const size = Number(process.argv[2] ?? 512);
const reps = Number(process.argv[3] ?? 5);
const wabt = await wabtInit();

function instantiate(opts) {
  const mod = wabt.parseWat('k.wat', kernelsWat(opts), { simd: true, bulk_memory: true });
  const { buffer } = mod.toBinary({});
  mod.destroy();
  return new WebAssembly.Instance(new WebAssembly.Module(buffer), {}).exports;
}

function random(n, seed) {
  const out = new BigUint64Array(n);
  const w = new Uint32Array(out.buffer);
  let x = seed >>> 0;
  for (let i = 0; i < w.length; i++) w[i] = x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
  return out;
}

const n = size;
const a = random(n * n, 1);
const b = random(n * n, 2);

function run(E) {
  const elems = 3 * n * n + 2 * (n + 8) * n + 64;
  const need = elems * 8 - E.memory.buffer.byteLength;
  if (need > 0) E.memory.grow(Math.ceil(need / 65536));
  const v = new BigUint64Array(E.memory.buffer);
  v.set(a, 0);
  v.set(b, n * n);
  E.matmul(0, n * n * 8, 2 * n * n * 8, n, n, n, 0, 0, 3 * n * n * 8);
  return v.slice(2 * n * n, 3 * n * n);
}

const variants = [
  { kind: 'split', mr: 2, nr: 4 }, { kind: 'split', mr: 1, nr: 8 }, { kind: 'split', mr: 4, nr: 4 }, { kind: 'split', mr: 2, nr: 8 },
  { kind: 'scalar', mr: 2, nr: 4 }, { kind: 'scalar', mr: 4, nr: 2 }, { kind: 'scalar', mr: 4, nr: 4 },
  { kind: 'simd', mr: 4, nr: 4 }, { kind: 'simd', mr: 2, nr: 8 }, { kind: 'simd', mr: 4, nr: 2 },
];
let reference;
for (const opts of variants) {
  const E = instantiate(opts);
  const c = run(E);
  reference ??= c;
  const ok = c.every((x, i) => x === reference[i]);
  const wall = [];
  const cpu = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run(E);
    wall.push((performance.now() - t0) / 1e3);
    const dc = process.cpuUsage(c0);
    cpu.push((dc.user + dc.system) / 1e6);
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  const g = (s) => (n ** 3 / s / 1e9).toFixed(2);
  console.log(`${opts.kind.padEnd(6)} ${opts.mr}×${opts.nr}  wall ${g(med(wall))} G MAC/s  cpu ${g(med(cpu))} G MAC/s  best ${g(Math.min(...wall))}${ok ? '' : '  WRONG RESULT'}`);
}
