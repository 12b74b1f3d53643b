import { ConcordError } from '../errors.js';
import { parseNetProfile, type NetProfile } from '../net/shaper.js';
import { parseArgs, intFlag, numFlag, type Args } from './args.js';
import type { Command } from './args.js';
import { BENCH_NAMES, loadBenchmark } from './bench/registry.js';
import { Progress, runSuite, type SuiteOptions } from './bench/harness.js';
import { textTable } from './bench/report-table.js';
import { defaultPlan, runScale, scaleSummary } from './bench/scale.js';
import { reportMain } from './bench/report.js';

const USAGE = `usage: concord bench <name|all|scale|report|list> [options]
  all                 every benchmark of DESIGN.md §7 at its default size, then a table
  scale               growth with size, parties and training rows, with fits and flags
  report              all + scale + LAN/WAN, then rewrite bench/RESULTS.md and its charts
  list                benchmark names and whether this build has them
options:
  --parties N         party processes for multi-party benchmarks (2..8, default 3)
  --size S            elements / matrix side / training rows (default per benchmark)
  --offline MODE      dealer | ot | hm (default dealer; hm needs --parties 3)
  --reps N            measured runs per figure, median reported (default 5; 3 for scale)
  --warmup N          unmeasured runs first (default 1)
  --epochs N          training benchmarks: epochs (default the benchmark's own)
  --mask-data M       training benchmarks: the job's maskData, once | perBatch (default once)
  --net P             simulated network: none | lan | wan | rtt=<ms>,mbps=<Mbit/s>
  --rtt-ms X --bandwidth-mbps Y   the same, as separate numbers
  --json              one JSON object per measurement on stdout (progress and table on stderr)
  --quick             scale/report: tiny sizes (a smoke run)
  --from FILE         report: re-render from a saved report-data.json without measuring
  --out DIR           report: where to write RESULTS.md and charts (default bench/)`;

function offlineOf(args: Args): 'dealer' | 'ot' | 'hm' {
  const offline = args.flags.get('offline') ?? 'dealer';
  if (offline !== 'dealer' && offline !== 'ot' && offline !== 'hm') throw new ConcordError('E_USAGE', `bench: --offline must be dealer, ot or hm, got "${offline}"`);
  return offline;
}

function netOf(args: Args): NetProfile | undefined {
  const spec = args.flags.get('net');
  const rtt = args.flags.has('rtt-ms') ? numFlag(args, 'rtt-ms', 0, -1e-9, 60_000, 'bench') : undefined;
  const bw = args.flags.has('bandwidth-mbps') ? numFlag(args, 'bandwidth-mbps', 0, 0, 1e6, 'bench') : undefined;
  if (spec !== undefined && (rtt !== undefined || bw !== undefined)) throw new ConcordError('E_USAGE', 'bench: give either --net or --rtt-ms/--bandwidth-mbps, not both');
  if (spec !== undefined) return parseNetProfile(spec, 'bench: --net');
  if (rtt === undefined && bw === undefined) return undefined;
  return { name: 'custom', rttMs: rtt ?? 0, mbps: bw ?? Infinity };
}

async function list(): Promise<number> {
  for (const n of BENCH_NAMES) {
    const b = await loadBenchmark(n);
    process.stdout.write(`${n.padEnd(16)} ${b ? `default size ${b.defaultSize}${b.multiParty ? ', multi-party' : ', local'}` : 'not in this build'}\n`);
  }
  return 0;
}

/** `concord bench <name|all|scale|report|list>`: benchmarks, scaling sweeps and the results page. */
export const command: Command = {
  summary: 'protocol benchmarks',
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, ['parties', 'size', 'offline', 'reps', 'warmup', 'epochs', 'mask-data', 'net', 'rtt-ms', 'bandwidth-mbps', 'from', 'out'], ['json', 'quick', 'help'], 'bench');
    if (args.switches.has('help')) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const which = args.positional[0];
    if (!which) throw new ConcordError('E_USAGE', `bench: name a benchmark, "all", "scale", "report" or "list"\n${USAGE}`);
    if (args.positional.length > 1) throw new ConcordError('E_USAGE', `bench: one benchmark name at a time, got ${args.positional.join(' ')}`);
    const offline = offlineOf(args);
    const parties = intFlag(args, 'parties', 3, 2, 8, 'bench');
    const json = args.switches.has('json');
    const quick = args.switches.has('quick');
    if (which === 'list') return list();
    if (which === 'report') {
      const reps = intFlag(args, 'reps', 5, 1, 100, 'bench');
      const from = args.flags.get('from');
      const outDir = args.flags.get('out');
      return reportMain({ parties, offline, reps, quick, ...(from ? { from } : {}), ...(outDir ? { outDir } : {}) });
    }
    const opts: SuiteOptions = { parties, offline, reps: intFlag(args, 'reps', which === 'scale' ? 3 : 5, 1, 100, 'bench') };
    if (args.flags.has('warmup')) opts.warmup = intFlag(args, 'warmup', 1, 0, 10, 'bench');
    if (args.flags.has('epochs')) opts.epochs = intFlag(args, 'epochs', 10, 1, 1000, 'bench');
    const maskData = args.flags.get('mask-data');
    if (maskData !== undefined) {
      if (maskData !== 'once' && maskData !== 'perBatch') throw new ConcordError('E_USAGE', `bench: --mask-data must be once or perBatch, got "${maskData}"`);
      opts.maskData = maskData;
    }
    const net = netOf(args);
    if (net) opts.net = net;
    const progress = new Progress();
    const emit = (r: object) => {
      if (json) process.stdout.write(JSON.stringify(r) + '\n');
    };
    if (which === 'scale') {
      if (args.flags.has('size')) throw new ConcordError('E_USAGE', 'bench scale: --size does not apply (each sweep chooses its sizes)');
      const sweeps = await runScale(defaultPlan(quick), opts, progress);
      for (const s of sweeps) {
        for (const r of s.results) emit(r);
        if (s.fit) emit({ kind: 'fit', sweep: s.id, name: s.name, variable: s.variable, exponent: s.fit.exponent, r2: s.fit.r2, ...(s.perUnit ? { secondsPerUnit: s.perUnit.fit.slope, unit: s.perUnit.unit } : {}), flaggedSteps: s.timeSteps.filter((t) => t.flagged).length + s.byteSteps.filter((t) => t.flagged).length });
      }
      (json ? process.stderr : process.stdout).write(scaleSummary(sweeps) + '\n');
      return sweeps.some((s) => s.failures.length > 0) ? 1 : 0;
    }
    if (which !== 'all') {
      if (!BENCH_NAMES.includes(which)) throw new ConcordError('E_USAGE', `bench: unknown benchmark "${which}" (known: ${BENCH_NAMES.join(', ')}, or all, scale, report, list)`);
      if (!(await loadBenchmark(which))) throw new ConcordError('E_USAGE', `bench: "${which}" is not available in this build (its module under bench/ is missing)`);
    }
    if (args.flags.has('size')) opts.size = intFlag(args, 'size', 1, 1, 1e9, 'bench');
    const names = which === 'all' ? BENCH_NAMES : [which];
    const outcome = await runSuite(names, opts, progress, emit);
    if (outcome.results.length > 0) (json ? process.stderr : process.stdout).write('\n' + textTable(outcome.results) + '\n');
    if (outcome.failures.length > 0) {
      process.stderr.write(`bench: ${outcome.failures.length} benchmark(s) failed: ${outcome.failures.map((f) => f.name).join(', ')}\n`);
      return 1;
    }
    return 0;
  },
};
