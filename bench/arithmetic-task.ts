/**
 * Runs inside each party process (runCluster) for bench/arithmetic.ts: times one protocol on
 * random shares (input is free, so random shares stand for inputs), after a one-element barrier
 * so every party starts together. Reports per repetition: wall seconds, bytes this party sent,
 * rounds; plus the plaintext reference and a breakdown (waiting for preprocessing, local ring
 * arithmetic) measured separately in the same process.
 */
import { Prg, deriveKey } from '../src/crypto/prg.js';
import type { Session } from '../src/session/session.js';
import { barrier, measure as measureIn, type PartyTiming } from './party-run.js';
import { mul } from '../protocols/arithmetic/mul.js';
import { trunc } from '../protocols/arithmetic/trunc.js';
import { matmulFx, matmulMaskedFx } from '../protocols/arithmetic/fixed.js';
import { maskOperand, type MaskedOperand } from '../protocols/arithmetic/masked.js';
import { DealerPreprocessing } from '../protocols/offline/dealer-client.js';

export interface ArithBenchArgs {
  op: 'mul' | 'matmul' | 'trunc';
  size: number;
  reps: number;
}

export interface ArithBenchOut {
  online: PartyTiming[];
  /** matmul only: the same product with X's mask and opening reused (matmulMaskedFx). */
  reuse?: PartyTiming[];
  plainSeconds: number;
  /** Seconds awaiting this op's preprocessing items alone (fresh tags, not prefetched). */
  prepSeconds: number;
  /** Seconds of the op's local ring arithmetic alone (no network, no preprocessing). */
  localSeconds: number;
  prep?: { items: number; hits: number; waits: number; waitMs: number };
}

const F = 16;
const now = () => performance.now() / 1000;

export async function task(s: Session, raw: unknown): Promise<ArithBenchOut> {
  const { op, size, reps } = raw as ArithBenchArgs;
  const prg = new Prg(deriveKey(new TextEncoder().encode('concord-bench-arith....'), `party/${s.me}`));
  const shape = op === 'matmul' ? [size, size] : [size];
  // Fixed-point operands: small values (|v| < 2^20 in ring units) keep products in trunc's range.
  const x = prg.ring(shape).sar(44);
  const y = prg.ring(shape).sar(44);
  const measure = (body: () => Promise<unknown>): Promise<PartyTiming> => measureIn(s, body);
  const body = op === 'mul' ? () => mul(s, x, y) : op === 'trunc' ? () => trunc(s, x, F) : () => matmulFx(s, x, y);
  const online: PartyTiming[] = [];
  for (let i = 0; i <= reps; i++) {
    const t = await measure(body);
    if (i > 0) online.push(t); // the first run warms up JIT, WASM and the dealer's predictor
  }
  let reuse: PartyTiming[] | undefined;
  if (op === 'matmul') {
    let mx: MaskedOperand | undefined;
    const first = await measure(async () => (mx = await maskOperand(s, x)));
    reuse = [];
    for (let i = 0; i <= reps; i++) {
      const t = await measure(() => matmulMaskedFx(s, mx!, y));
      if (i > 0) reuse.push(t);
    }
    reuse.unshift({ ...first, seconds: -first.seconds }); // negative marks the one-time masking
  }
  // Plaintext reference: the same product on plaintext ring tensors.
  const plainTimes: number[] = [];
  for (let i = 0; i <= Math.min(reps, 5); i++) {
    const t0 = now();
    if (op === 'mul') x.mul(y);
    else if (op === 'trunc') x.sar(F);
    else x.matmul(y).sar(F);
    if (i > 0) plainTimes.push(now() - t0);
  }
  // Breakdown: preprocessing alone (fresh tags; every party requests the same items).
  await barrier(s);
  let t0 = now();
  if (op === 'mul') await s.prep.triple(s.tag(), shape);
  else if (op === 'trunc') await s.prep.truncPair(s.tag(), shape, F);
  else await Promise.all([s.prep.matrixTriple(s.tag(), size, size, size), s.prep.truncPair(s.tag(), shape, F)]);
  const prepSeconds = now() - t0;
  // Local arithmetic alone, on stand-in tensors of the right shapes.
  t0 = now();
  if (op === 'mul') {
    const [e, f] = [x.sub(y), y.sub(x)];
    x.add(y.mul(e)).add(x.mul(f));
  } else if (op === 'trunc') {
    x.add(y).shr(63).mul(y).scale(2n).add(x.shl(1).shr(F + 1)).sub(y);
  } else {
    const [e, f] = [x.sub(y), y.sub(x)];
    x.add(e.matmul(y)).add(x.matmul(f)).add(y).shr(63).mul(y).scale(2n).add(x.shl(1).shr(F + 1));
  }
  const localSeconds = now() - t0;
  const out: ArithBenchOut = { online, plainSeconds: plainTimes.sort((a, b) => a - b)[plainTimes.length >> 1]!, prepSeconds, localSeconds };
  if (reuse) out.reuse = reuse;
  if (s.prep instanceof DealerPreprocessing) out.prep = s.prep.stats();
  return out;
}
