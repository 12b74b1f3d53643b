import type { Ring } from '../../src/ring/ring.js';
import type { LutSpec } from '../../src/session/preprocessing.js';

/**
 * The LutMask contract (src/session/preprocessing.ts) checked on reconstructed values, for any
 * mode: for every element and field k, hot_k's row is one-hot at some ρ_k with
 *   R ≡ ρ_k·2^at_k + λ_k (mod 2^(at_k + bits_k)),  0 ≤ λ_k < 2^(at_k + 1),
 * and, if powers ≥ 1, pow_p's row is hot_0's row times λ̃^p (mod 2^64) for one integer λ̃ with
 * λ_0/2^shift − 2 < λ̃ ≤ λ_0/2^shift. Plain BigInt loops: for tests only.
 */
export interface LutFacts {
  /** Per field k, per element: ρ_k. */
  rho: number[][];
  /** Per field k, per element: λ_k. */
  lambda: bigint[][];
  /** Per element: λ̃ (empty when powers = 0). */
  tilde: bigint[];
}

const MOD64 = 1n << 64n;

/** Failures (at most `max`) of the contract, and the facts read off the values. */
export function checkLutContract(spec: LutSpec, len: number, r: Ring, hot: readonly Ring[], pow: readonly Ring[], max = 10): { failures: string[]; facts: LutFacts } {
  const failures: string[] = [];
  const fail = (what: string): void => { if (failures.length < max) failures.push(what); };
  const facts: LutFacts = { rho: spec.fields.map(() => []), lambda: spec.fields.map(() => []), tilde: [] };
  if (r.shape.join() !== `${len}`) fail(`r: shape [${r.shape.join()}], expected [${len}]`);
  if (hot.length !== spec.fields.length) fail(`hot: ${hot.length} tensors for ${spec.fields.length} fields`);
  if (pow.length !== spec.powers) fail(`pow: ${pow.length} tensors for powers = ${spec.powers}`);
  spec.fields.forEach((f, k) => { if (hot[k]?.shape.join() !== `${len},${2 ** f.bits}`) fail(`hot[${k}]: shape [${hot[k]?.shape.join()}]`); });
  const M0 = 2 ** spec.fields[0]!.bits;
  pow.forEach((p, i) => { if (p.shape.join() !== `${len},${M0}`) fail(`pow[${i}]: shape [${p.shape.join()}]`); });
  if (failures.length) return { failures, facts };

  for (let i = 0; i < len; i++) {
    const R = r.data[i]!;
    for (const [k, f] of spec.fields.entries()) {
      const M = 2 ** f.bits, row = hot[k]!.data.subarray(i * M, (i + 1) * M);
      let rho = -1, bad = false;
      for (let j = 0; j < M; j++) {
        if (row[j] === 0n) continue;
        if (row[j] !== 1n || rho >= 0) bad = true;
        rho = j;
      }
      if (bad || rho < 0) { fail(`element ${i}, field ${k}: hot is not one-hot`); continue; }
      const lambda = (R - BigInt(rho) * (1n << BigInt(f.at))) & ((1n << BigInt(f.at + f.bits)) - 1n);
      if (lambda >= 1n << BigInt(f.at + 1)) fail(`element ${i}, field ${k}: λ = R − ρ·2^at mod 2^(at+bits) is ${lambda}, not below 2^(at+1)`);
      facts.rho[k]!.push(rho);
      facts.lambda[k]!.push(lambda);
    }
    if (spec.powers === 0 || facts.rho[0]!.length !== i + 1) continue;
    const rho0 = facts.rho[0]![i]!, lambda0 = facts.lambda[0]![i]!;
    const tilde = pow[0]!.data[i * M0 + rho0]!;
    const unit = 1n << BigInt(spec.shift);
    if (!(tilde * unit <= lambda0 && lambda0 < (tilde + 2n) * unit)) fail(`element ${i}: λ̃ = ${tilde} outside (λ_0/2^shift − 2, λ_0/2^shift] for λ_0 = ${lambda0}`);
    facts.tilde.push(tilde);
    for (let p = 1; p <= spec.powers; p++) {
      const row = pow[p - 1]!.data.subarray(i * M0, (i + 1) * M0), want = tilde ** BigInt(p) % MOD64;
      for (let j = 0; j < M0; j++) {
        if (row[j] !== (j === rho0 ? want : 0n)) { fail(`element ${i}: pow_${p} is not hot_0·λ̃^${p} (entry ${j})`); break; }
      }
    }
  }
  return { failures, facts };
}
