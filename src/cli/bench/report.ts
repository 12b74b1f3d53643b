import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConcordError } from '../../errors.js';
import { NET_PROFILES, type NetProfile } from '../../net/shaper.js';
import { allNames, loadSuite, runBenchmark, runSuite, fmtSeconds, tinySize, Progress, type SuiteOptions } from './harness.js';
import { defaultPlan, runScale, type SweepResult } from './scale.js';
import { renderCharts, renderMarkdown, type MachineInfo, type ReportData } from './report-render.js';
import type { NormalizedResult } from './types.js';

/**
 * `concord bench report` (or `node dist/src/cli/bench/report.js`): runs `bench all`, `bench scale` and
 * the LAN/WAN comparison, then writes bench/RESULTS.md, its SVG charts and the raw figures
 * (bench/report-data.json). `--from <report-data.json>` re-renders without measuring.
 */

/** Benchmarks measured under each network profile, with sizes kept small enough for WAN. */
export function networkPlan(quick: boolean): { name: string; size?: number }[] {
  return quick ? [{ name: 'mul', size: 1000 }] : [{ name: 'mul', size: 100_000 }, { name: 'ltz', size: 10_000 }, { name: 'train.logreg' }];
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function machineStart(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit: git(['rev-parse', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    startedAt: new Date().toISOString(),
    finishedAt: '',
    wallSeconds: 0,
    loadBefore: os.loadavg(),
    loadAfter: [],
    loadPeak: os.loadavg()[0]!,
  };
}

async function runNetwork(quick: boolean, base: SuiteOptions, progress: Progress, machine: MachineInfo): Promise<ReportData['network']> {
  const out: ReportData['network'] = { results: [], failures: [], missing: [] };
  const plan = networkPlan(quick);
  const { present, missing } = await loadSuite(plan.map((p) => p.name));
  out.missing = missing;
  const profiles: (NetProfile | undefined)[] = [undefined, NET_PROFILES.lan, NET_PROFILES.wan];
  let step = 0;
  for (const p of plan) {
    const b = present.find((x) => x.name === p.name);
    if (!b) continue;
    for (const net of profiles) {
      step++;
      // Training under a simulated network is long (rounds × RTT): one measured run.
      const single = net !== undefined && b.name.startsWith('train.');
      const opts: SuiteOptions = { ...base, ...(p.size !== undefined ? { size: p.size } : {}), ...(single ? { reps: 1, warmup: 0 } : {}), ...(net ? { net } : {}) };
      progress.start(`net ${step}/${present.length * profiles.length}`, b.name, `${net?.name ?? 'no'} network`);
      try {
        const r = await runBenchmark(b, opts, (l) => progress.note(l));
        r.net = net?.name ?? 'none';
        out.results.push(r);
        progress.line(`bench net ${b.name} ${r.net}: ${fmtSeconds(r.seconds)} median`);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        out.failures.push({ name: b.name, net: net?.name ?? 'none', error: msg });
        progress.line(`bench net ${b.name} ${net?.name ?? 'none'}: FAILED — ${msg}`);
      }
      machine.loadPeak = Math.max(machine.loadPeak, os.loadavg()[0]!);
    }
  }
  return out;
}

/** Measure everything a report shows. */
export async function collect(opts: { parties: number; offline: 'dealer' | 'ot' | 'hm'; reps: number; quick: boolean }, progress: Progress): Promise<ReportData> {
  const machine = machineStart();
  const t0 = performance.now();
  const base: SuiteOptions = { parties: opts.parties, offline: opts.offline, reps: opts.reps };
  const track = () => {
    machine.loadPeak = Math.max(machine.loadPeak, os.loadavg()[0]!);
  };
  const suite = await runSuite(allNames(), opts.quick ? { ...base, sizeFor: tinySize, epochs: 1, reps: 1 } : base, progress, track);
  const sweeps = await runScale(defaultPlan(opts.quick), { ...base, reps: opts.quick ? 1 : Math.min(base.reps, 3) }, progress);
  track();
  const network = await runNetwork(opts.quick, { ...base, reps: opts.quick ? 1 : Math.min(base.reps, 3) }, progress, machine);
  machine.finishedAt = new Date().toISOString();
  machine.wallSeconds = (performance.now() - t0) / 1000;
  machine.loadAfter = os.loadavg();
  return { version: 1, machine, options: { ...opts }, suite, sweeps, network };
}

/** The repository's bench/ folder (this file runs from dist/src/cli/bench/). */
export function benchDir(): string {
  return fileURLToPath(new URL('../../../../bench/', import.meta.url));
}

/** Write RESULTS.md, the charts and report-data.json into `dir`; returns the paths written. */
export function writeReport(data: ReportData, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const charts = renderCharts(data);
  for (const c of charts) {
    const p = join(dir, c.file);
    writeFileSync(p, c.svg);
    written.push(p);
  }
  const notesPath = join(dir, 'report-notes.md');
  const notes = existsSync(notesPath) ? readFileSync(notesPath, 'utf8') : '';
  const md = join(dir, 'RESULTS.md');
  writeFileSync(md, renderMarkdown(data, charts, notes));
  written.push(md);
  const raw = join(dir, 'report-data.json');
  writeFileSync(raw, JSON.stringify(data, null, 1) + '\n');
  written.push(raw);
  return written;
}

/** Read a report-data.json written earlier. */
export function readReportData(path: string): ReportData {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConcordError('E_USAGE', `bench report: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const d = data as Partial<ReportData>;
  if (d.version !== 1 || !d.machine || !d.suite || !d.sweeps || !d.network) throw new ConcordError('E_USAGE', `bench report: ${path} is not a report-data.json of this version (expected version 1 with machine, suite, sweeps, network)`);
  return d as ReportData;
}

/** Entry point shared by `concord bench report` and `node dist/src/cli/bench/report.js`. */
export async function reportMain(opts: { parties: number; offline: 'dealer' | 'ot' | 'hm'; reps: number; quick: boolean; outDir?: string; from?: string }): Promise<number> {
  const dir = opts.outDir ?? benchDir();
  const progress = new Progress();
  const data = opts.from ? readReportData(opts.from) : await collect(opts, progress);
  const written = writeReport(data, dir);
  progress.line(`bench report: wrote ${written.join(', ')}`);
  const failed = data.suite.failures.length + data.sweeps.reduce((a, s) => a + s.failures.length, 0) + data.network.failures.length;
  if (failed > 0) progress.line(`bench report: ${failed} measurement(s) failed; see the "Failures" section of RESULTS.md`);
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const fromIdx = argv.indexOf('--from');
  const from = fromIdx >= 0 ? argv[fromIdx + 1] : undefined;
  reportMain({ parties: 3, offline: 'dealer', reps: 5, quick, ...(from ? { from } : {}) }).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`bench report: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
