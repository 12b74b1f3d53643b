import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult } from '../src/cli/bench/types.js';
import { summarize } from '../src/cli/bench/types.js';
import { readTable, tableRows, type RawTable } from '../src/ml/table.js';
import { encodeLocal, tableSpec } from '../src/ml/encode.js';
import { stratifiedSplit } from '../src/ml/partition.js';
import { validateJob } from '../src/ml/job.js';
import { runSimulation, DATA_DIR, type SimulateReport } from '../src/cli/simulate.js';

/**
 * Training benchmarks: the whole `concord simulate` path (one OS process per party + the dealer
 * over Noise/WebSockets on 127.0.0.1), 10 epochs, batch 64, on the bundled breast-cancer data.
 * `--size` = training rows (default 455, the 80 % split; other sizes cycle the training rows).
 * seconds = the parties' training time (median over reps; process start-up and mesh set-up
 * excluded); plainSeconds = the plaintext float loop; opsPerSecond = rows × epochs / seconds.
 */

const EPOCHS = 10;

function data(size: number): { train: RawTable; test: RawTable } {
  const full = readTable(join(DATA_DIR, 'breast_cancer.csv'));
  const y = encodeLocal(full, tableSpec(validateJob({}, 'bench'), full.header), 'required').y!;
  const sp = stratifiedSplit(y, 0.2, 0);
  const idx = Array.from({ length: size }, (_, i) => sp.train[i % sp.train.length]!);
  return { train: tableRows(full, idx), test: tableRows(full, sp.test) };
}

function bench(name: string, model: 'logreg' | 'mlp'): Benchmark {
  return {
    name,
    defaultSize: 455,
    multiParty: true,
    async run(ctx: BenchContext): Promise<BenchResult> {
      const { train, test } = data(ctx.size);
      const epochs = ctx.epochs ?? EPOCHS;
      const job = validateJob({ name, model, epochs, batchSize: 64, offline: ctx.offline, ...(ctx.maskData ? { maskData: ctx.maskData } : {}) }, name);
      // Scaling runs go to 10^5 rows and simulated WANs: allow time in proportion to the work.
      const timeoutS = 60 + Math.ceil((ctx.size * epochs) / 500);
      const runs: SimulateReport[] = [];
      const reps = Math.max(1, Math.min(ctx.reps, 3)); // each rep starts n+1 processes
      for (let i = 0; i < reps; i++) {
        const r = await runSimulation({ job, n: ctx.parties, train, test, dataset: 'breast_cancer.csv', timeoutS, check: false, say: () => {} });
        ctx.log(`rep ${i + 1}/${reps}: ${r.trainSeconds.toFixed(3)} s, ${r.rounds} rounds, accuracy ${r.accuracy.toFixed(4)}`);
        runs.push(r);
      }
      const t = summarize(runs.map((r) => r.trainSeconds));
      const last = runs[runs.length - 1]!;
      return {
        name, parties: ctx.parties, size: ctx.size, ...t,
        opsPerSecond: (ctx.size * epochs) / t.seconds,
        epochs,
        bytesSent: last.bytesSent,
        bytesPerParty: Math.round(last.bytesSent / ctx.parties),
        rounds: last.rounds,
        offline: ctx.offline,
        maskData: job.maskData,
        plainSeconds: last.plain.seconds,
        plainRatio: t.seconds / last.plain.seconds,
        peakMemory: last.peakMemory,
        accuracy: last.accuracy,
        auc: last.auc,
        plainAccuracy: last.plain.accuracy,
        trainRounds: last.trainRounds,
        steps: last.steps,
      };
    },
  };
}

export const benchmarks: Benchmark[] = [bench('train.logreg', 'logreg'), bench('train.mlp', 'mlp')];
