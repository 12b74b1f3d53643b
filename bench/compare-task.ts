/**
 * Runs inside each party process (runCluster) for bench/compare.ts: times ltz, relu or sigmoid on
 * random shares (input is free, so random shares stand for inputs) after a one-element barrier so
 * every party starts together. Reports per repetition wall seconds, bytes this party sent and
 * rounds, plus a plaintext reference on the same values and the local-only time of the op.
 */
import { Prg, deriveKey } from '../src/crypto/prg.js';
import { decodeFixed } from '../src/ring/fixed.js';
import type { Session } from '../src/session/session.js';
import { barrier, measure, type PartyTiming } from './party-run.js';
import { ltz } from '../protocols/compare/ltz.js';
import { relu } from '../protocols/compare/relu.js';
import { sigmoid, takesLookup, type SigmoidMethod } from '../protocols/nonlinear/sigmoid.js';
import { FRAC_BITS } from '../src/ring/fixed.js';
import { msbPrep } from '../protocols/binary/msb.js';
import { Scope } from '../protocols/core/scope.js';

export interface CompareBenchArgs {
  op: 'ltz' | 'relu' | 'sigmoid';
  size: number;
  reps: number;
  /** sigmoid only: force the lookup or the comparison circuit (default: the 'auto' choice). */
  method?: SigmoidMethod;
}

export interface CompareBenchOut {
  online: PartyTiming[];
  plainSeconds: number;
  /** sigmoid only: whether the calls ran the lookup (so the parent states that method's cost). */
  lookup?: boolean;
  /** ltz only: seconds to obtain one ltz's preprocessing alone (fresh tags, not prefetched). */
  prepSeconds?: number;
  prep?: { items: number; hits: number; waits: number; waitMs: number };
}

const now = (): number => performance.now() / 1000;

export async function task(s: Session, raw: unknown): Promise<CompareBenchOut> {
  const { op, size, reps, method } = raw as CompareBenchArgs;
  const prg = new Prg(deriveKey(new TextEncoder().encode('concord-bench-compare...'), `party/${s.me}`));
  // ltz/relu on full-width ring shares; sigmoid on fixed-point shares of |x| < 8 (f = 16).
  const x = op === 'sigmoid' ? prg.ring([size]).sar(45) : prg.ring([size]);
  const body = op === 'ltz' ? () => ltz(s, x) : op === 'relu' ? () => relu(s, x) : () => sigmoid(s, x, undefined, undefined, method);
  const online: PartyTiming[] = [];
  for (let i = 0; i <= reps; i++) {
    const t = await measure(s, body);
    if (i > 0) online.push(t); // first run warms up
  }
  // Plaintext reference on the same number of elements (this party's share stands in for x).
  const times: number[] = [];
  for (let i = 0; i <= Math.min(reps, 3); i++) {
    const t0 = now();
    if (op === 'ltz') x.shr(63);
    else if (op === 'relu') x.mul(x.shr(63).neg().addScalar(1n));
    else decodeFixed(x).map((v) => 1 / (1 + Math.exp(-v)));
    if (i > 0) times.push(now() - t0);
  }
  const out: CompareBenchOut = { online, plainSeconds: times.sort((a, b) => a - b)[times.length >> 1]! };
  if (op === 'sigmoid') out.lookup = takesLookup(s.prep, FRAC_BITS, size, method ?? 'auto');
  if (op === 'ltz') {
    await barrier(s);
    const t0 = now();
    const sc = new Scope(s);
    const p = msbPrep(sc, size);
    await Promise.all([p.eda, ...p.tree, sc.prep.daBits(sc.tag(), [size])]);
    out.prepSeconds = now() - t0;
  }
  const st = (s.prep as { stats?: () => CompareBenchOut['prep'] }).stats;
  if (typeof st === 'function') out.prep = st.call(s.prep);
  return out;
}
