/**
 * A synthetic credit-style table for training benchmarks at scale (issue 12's 24,000 × 32 case):
 *   node dist/bench/synthetic-table.js <rows> <features> <out.csv> [seed]
 * Features x_j ~ N(0, 1) (seeded, Box–Muller over the PRG), label = 1 with probability
 * σ(w·x − 2) for a fixed random w with ‖w‖ ≈ 2, so logistic regression has something to learn
 * and about one row in five is positive. Plain numbers, header f1..fd,label.
 */
import { writeFileSync } from 'node:fs';
import { Prg } from '../src/crypto/prg.js';

function gaussians(prg: Prg, count: number): Float64Array {
  const u = prg.ring([2 * count]).data;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const a = (Number(u[2 * i]! >> 11n) + 1) / 2 ** 53, b = Number(u[2 * i + 1]! >> 11n) / 2 ** 53;
    out[i] = Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
  }
  return out;
}

/** CSV text of a rows × d table (plus label) from `seed`. */
export function syntheticTable(rows: number, d: number, seed = 1): string {
  const prg = new Prg(new Uint8Array(16).fill(seed & 0xff), seed, 0x7ab1e);
  const w = gaussians(prg, d).map((v) => (2 * v) / Math.sqrt(d));
  const x = gaussians(prg, rows * d);
  const coin = prg.ring([rows]).data;
  const lines = [[...Array.from({ length: d }, (_, j) => `f${j + 1}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    let z = -2;
    const row: string[] = [];
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j]!;
      z += w[j]! * v;
      row.push(v.toFixed(5));
    }
    const p = 1 / (1 + Math.exp(-z));
    row.push(Number(coin[i]! >> 11n) / 2 ** 53 < p ? '1' : '0');
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

const [rows, d, out, seed] = process.argv.slice(2);
if (out && import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(out, syntheticTable(Number(rows), Number(d), Number(seed ?? 1)));
  process.stdout.write(`wrote ${rows} rows × ${d} features to ${out}\n`);
}
