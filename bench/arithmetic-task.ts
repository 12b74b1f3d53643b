/**
 * Runs inside each party process (runCluster) for bench/arithmetic.ts: times one protocol on
 * random shares (input is free, so random shares stand for inputs), after a one-element barrier
 * so every party starts together. Reports per repetition: wall seconds, bytes this party sent,
 * rounds; plus the plaintext reference and a breakdown (waiting for preprocessing, local ring
 * arithmetic) measured separately in the same process.
 */
import { Prg, deriveKey } from '../src/crypto/prg.js';
import type { Session } from '../src/session/session.js';
import type { ProductPrep } from '../src/session/preprocessing.js';
import { barrier, measure as measureIn, type PartyTiming } from './party-run.js';
import { mul, mulStep } from '../protocols/arithmetic/mul.js';
import { productItem } from '../protocols/arithmetic/product.js';
import { run } from '../protocols/core/run.js';
import { Ring } from '../src/ring/ring.js';
import { trunc } from '../protocols/arithmetic/trunc.js';
import { matmulFx, matmulMaskedFx } from '../protocols/arithmetic/fixed.js';
import { maskOperand, type MaskedOperand } from '../protocols/arithmetic/masked.js';
import { DealerPreprocessing } from '../protocols/offline/dealer-client.js';

export interface ArithBenchArgs {
  op: 'mul' | 'matmul' | 'trunc';
  size: number;
  reps: number;
  /** Unmeasured runs first; default SMALL_WARMUP for a small mul, else 1. */
  warmup?: number;
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
  /** mul only: the same product with its triple (hm: its masks) already fetched (the online round alone), per repetition. */
  ready?: PartyTiming[];
  /** mul only, party 0: median round trip of a 1-element tensor to party 1 and back, in this run. */
  rttSeconds?: number;
  /** mul below SMALL elements: the first COLD_RUNS warm-up runs (a fresh process, JIT still cold), per run. */
  cold?: PartyTiming[];
  /** mul below SMALL elements: CHAIN_BLOCKS blocks of CHAIN_LENGTH products back to back (as a training loop runs them), seconds per product of each block. */
  chain?: number[];
}

/**
 * Below this many elements a repetition is well under 1 ms and the time is the fixed cost of a
 * round: framing, AEAD, session and protocol code run once or twice per round, and V8 keeps them
 * in its lower tiers for the first few thousand rounds. Measured (3 parties, hm, 64 elements,
 * back-to-back muls in blocks of 1,000): 1.46, 0.87, 0.60, 0.49, 0.44 ms per mul. So small muls
 * warm up for SMALL_WARMUP runs, the steady state of a long-running party (a training job runs
 * thousands of rounds), and the first COLD_RUNS of them are reported too (coldSeconds).
 */
const SMALL = 4096;
const SMALL_WARMUP = 3000;
const COLD_RUNS = 200;
/**
 * A one-round product timed alone, after a barrier, moves ±25 % from run to run on a 2-core host
 * (three parties share the cores, and the barrier's own messages are still being processed when
 * the timing starts). Blocks of products back to back, each timed as a whole, are what a training
 * loop does and vary less: chainSeconds, the median block's time per product.
 */
const CHAIN_BLOCKS = 11;
const CHAIN_LENGTH = 50;

/** Median round trip party 0 → 1 → 0 of a 1-element tensor (the other parties idle): net.latency inside this run. */
async function roundTrip(s: Session, count: number): Promise<number | undefined> {
  await barrier(s);
  const ping = Ring.from([42]);
  const rtts: number[] = [];
  for (let i = 0; i < count; i++) {
    const tag = s.tag(); // every party takes the tags, so later protocols agree on theirs
    if (s.me > 1) continue;
    if (s.me === 0) {
      const t0 = now();
      s.send(1, tag, ping, 'rtt');
      await s.recv(1, tag, 'rtt');
      rtts.push(now() - t0);
    } else {
      s.send(0, tag, await s.recv(0, tag, 'rtt'), 'rtt');
    }
  }
  rtts.sort((a, b) => a - b);
  return s.me === 0 ? rtts[rtts.length >> 1] : undefined;
}

const F = 16;
const now = () => performance.now() / 1000;

/** The item mul consumes in this mode: the replicated product's masks (hm), else a triple. */
function mulItem(s: Session, tag: number, shape: number[]): Promise<ProductPrep> {
  return productItem(s.prep, tag, shape, shape, shape, (t) => s.prep.triple(t, shape));
}

export async function task(s: Session, raw: unknown): Promise<ArithBenchOut> {
  const { op, size, reps, warmup: warmupArg } = raw as ArithBenchArgs;
  const prg = new Prg(deriveKey(new TextEncoder().encode('concord-bench-arith....'), `party/${s.me}`));
  const shape = op === 'matmul' ? [size, size] : [size];
  // Fixed-point operands: small values (|v| < 2^20 in ring units) keep products in trunc's range.
  const x = prg.ring(shape).sar(44);
  const y = prg.ring(shape).sar(44);
  const measure = (body: () => Promise<unknown>): Promise<PartyTiming> => measureIn(s, body);
  const body = op === 'mul' ? () => mul(s, x, y) : op === 'trunc' ? () => trunc(s, x, F) : () => matmulFx(s, x, y);
  const online: PartyTiming[] = [];
  const small = op === 'mul' && size <= SMALL;
  const warmup = warmupArg ?? (small ? SMALL_WARMUP : 1);
  const cold: PartyTiming[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    const t = await measure(body);
    if (i >= warmup) online.push(t); // the first runs warm up JIT, WASM and the dealer's predictor
    else if (small && i < COLD_RUNS) cold.push(t);
  }
  let ready: PartyTiming[] | undefined;
  let rttSeconds: number | undefined;
  if (op === 'mul') {
    // The online round alone: every repetition's item is fetched first; the pause lets a
    // prefetch these requests started (ot, hm batches) finish before the timing.
    const tags = Array.from({ length: reps }, () => s.tag());
    const triples = tags.map((t) => mulItem(s, t, shape));
    await Promise.all(triples);
    await new Promise((r) => setTimeout(r, 100));
    ready = [];
    for (const t of triples) ready.push(await measure(() => run(s, (sc) => mulStep(sc, x, y, t))));
    rttSeconds = await roundTrip(s, 200);
  }
  let chain: number[] | undefined;
  if (small) {
    chain = [];
    for (let b = 0; b < CHAIN_BLOCKS; b++) {
      await barrier(s);
      const t0 = now();
      for (let i = 0; i < CHAIN_LENGTH; i++) await mul(s, x, y);
      chain.push((now() - t0) / CHAIN_LENGTH);
    }
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
  if (op === 'mul') await mulItem(s, s.tag(), shape);
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
  if (ready) out.ready = ready;
  if (cold.length) out.cold = cold;
  if (chain) out.chain = chain;
  if (rttSeconds !== undefined) out.rttSeconds = rttSeconds;
  if (s.prep instanceof DealerPreprocessing) out.prep = s.prep.stats();
  return out;
}
