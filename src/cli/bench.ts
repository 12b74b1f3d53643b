import { ConcordError } from '../errors.js';
import { parseArgs, intFlag } from './args.js';
import type { Command } from './main.js';
import { BENCH_NAMES, loadBenchmark } from '../../bench/registry.js';
import type { BenchResult } from '../../bench/types.js';

function fmt(r: BenchResult): string {
  const ops = r.opsPerSecond >= 1e6 ? `${(r.opsPerSecond / 1e6).toFixed(2)} M/s` : `${r.opsPerSecond.toFixed(1)} /s`;
  const plain = r.plainSeconds !== undefined ? `  plain ${r.plainSeconds.toFixed(4)} s (×${(r.plainRatio ?? 0).toFixed(1)})` : '';
  return `${r.name.padEnd(16)} n=${r.parties} size=${r.size}  ${r.seconds.toFixed(4)} s [${r.minSeconds.toFixed(4)}..${r.maxSeconds.toFixed(4)}]  ${ops}  ${r.bytesSent} B  ${r.rounds} rounds${plain}`;
}

/** `concord bench <name|all>`: run benchmarks, print a line each (JSON lines with --json). */
export const command: Command = {
  summary: 'protocol benchmarks',
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, ['parties', 'size', 'offline', 'reps'], ['json'], 'bench');
    const which = args.positional[0];
    if (!which) throw new ConcordError('E_USAGE', `bench: name a benchmark or "all" (${BENCH_NAMES.join(', ')})`);
    const names = which === 'all' ? BENCH_NAMES : [which];
    const offline = args.flags.get('offline') ?? 'dealer';
    if (offline !== 'dealer' && offline !== 'ot') throw new ConcordError('E_USAGE', `bench: --offline must be dealer or ot, got "${offline}"`);
    const parties = intFlag(args, 'parties', 3, 2, 8, 'bench');
    const reps = intFlag(args, 'reps', 5, 1, 100, 'bench');
    const json = args.switches.has('json');
    for (const name of names) {
      const b = await loadBenchmark(name);
      if (!b) {
        if (which === 'all') {
          process.stderr.write(`bench: ${name} is not available in this build, skipped\n`);
          continue;
        }
        throw new ConcordError('E_USAGE', `bench: unknown or unavailable benchmark "${name}" (known: ${BENCH_NAMES.join(', ')})`);
      }
      const size = intFlag(args, 'size', b.defaultSize, 1, 1e9, 'bench');
      const log = (line: string) => process.stderr.write(`bench ${name}: ${line}\n`);
      const r = await b.run({ parties, size, offline, reps, log });
      process.stdout.write((json ? JSON.stringify(r) : fmt(r)) + '\n');
    }
    return 0;
  },
};
