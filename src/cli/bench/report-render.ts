import { NET_PROFILES } from '../../net/shaper.js';
import { fmtSeconds, type SuiteOutcome } from './harness.js';
import { fmtBytes, fmtRate, markdownTable, opsUnit } from './report-table.js';
import type { SweepResult } from './scale.js';
import { barChart, compact, lineChart, type Series } from './svg.js';
import type { NormalizedResult } from './types.js';

/** Rendering of bench/RESULTS.md and its charts from measured ReportData (pure: no I/O). */

/** The machine and moment a report was measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  os: string;
  commit: string;
  dirty: boolean;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  /** 1/5/15-minute load averages at start and end. */
  loadBefore: number[];
  loadAfter: number[];
  /** Highest 1-minute load average seen between benchmarks. */
  loadPeak: number;
}

/** Everything RESULTS.md is rendered from. */
export interface ReportData {
  version: 1;
  machine: MachineInfo;
  options: { parties: number; offline: string; reps: number; quick: boolean };
  suite: SuiteOutcome;
  sweeps: SweepResult[];
  network: { results: NormalizedResult[]; failures: { name: string; net: string; error: string }[]; missing: string[] };
}

/** One chart file. */
export interface Chart {
  file: string;
  title: string;
  svg: string;
}

/** Axis labels in seconds with a unit: 30s, 300ms, 10µs. */
const secondsAxis = (v: number): string => (v >= 1 ? `${compact(v)}s` : v >= 1e-3 ? `${compact(v * 1e3)}ms` : `${compact(v * 1e6)}µs`);

function xOf(s: SweepResult, r: NormalizedResult): number {
  return s.variable === 'size' ? r.size : r.parties;
}

function sweepSeries(s: SweepResult, withPlain: boolean): Series[] {
  const ok = s.results.filter((r) => r.seconds > 0);
  const out: Series[] = [{ label: `${s.name} (MPC, ${ok[0]?.parties ?? '?'} parties)`, points: ok.map((r) => [xOf(s, r), r.seconds] as const) }];
  const plain = ok.filter((r) => r.plainSeconds > 0);
  if (withPlain && plain.length > 0) out.push({ label: `${s.name} plaintext`, points: plain.map((r) => [xOf(s, r), r.plainSeconds] as const) });
  return out;
}

/** Every chart the report has data for. */
export function renderCharts(d: ReportData): Chart[] {
  const charts: Chart[] = [];
  const sweep = (id: string) => d.sweeps.find((s) => s.id === id && s.results.some((r) => r.seconds > 0));
  const add = (file: string, title: string, make: () => string) => charts.push({ file, title, svg: make() });
  const mm = sweep('matmul-size');
  if (mm) add('scale-matmul.svg', 'matmul: time vs matrix side', () => lineChart(sweepSeries(mm, true), { title: 'Fixed-point matmul: time vs matrix side (n×n · n×n)', xLabel: 'matrix side n', yLabel: 'seconds', formatY: secondsAxis }));
  const lz = sweep('ltz-size');
  if (lz) add('scale-ltz.svg', 'ltz: time vs elements', () => lineChart(sweepSeries(lz, true), { title: 'Secure comparison (ltz): time vs elements', xLabel: 'elements', yLabel: 'seconds', formatY: secondsAxis }));
  const partySweeps = d.sweeps.filter((s) => s.variable === 'parties' && s.results.some((r) => r.seconds > 0));
  if (partySweeps.length > 0) {
    add('scale-parties.svg', 'time vs parties', () =>
      lineChart(partySweeps.flatMap((s) => sweepSeries(s, false).map((x) => ({ ...x, label: `${s.name} (size ${s.results[0]?.size ?? '?'})` }))), {
        title: 'Time vs number of parties (all processes on one 2-core host)', xLabel: 'parties', yLabel: 'seconds', formatY: secondsAxis,
        xTicks: [...new Set(partySweeps.flatMap((s) => s.results.map((r) => r.parties)))].sort((a, b) => a - b),
      }));
  }
  const rows = sweep('logreg-rows');
  if (rows) add('scale-rows.svg', 'train.logreg: time vs rows', () => lineChart(sweepSeries(rows, true), { title: `Logistic regression training: time vs rows (${rows.results[0]?.epochs ?? 1} epoch)`, xLabel: 'training rows', yLabel: 'seconds', formatY: secondsAxis }));
  const net = d.network.results.filter((r) => r.seconds > 0);
  if (net.length > 0) {
    const names = [...new Set(net.map((r) => r.name))];
    add('net.svg', 'LAN vs WAN', () =>
      barChart(names.map((n) => ({ label: `${n} (size ${net.find((r) => r.name === n)!.size})`, bars: net.filter((r) => r.name === n).map((r) => ({ label: netLabel(r.net), value: r.seconds })) })), {
        title: 'Simulated networks: loopback vs LAN vs WAN', xLabel: 'benchmark', yLabel: 'seconds', formatY: secondsAxis,
      }));
  }
  return charts;
}

function netLabel(n: string): string {
  return n === 'none' ? 'loopback (no shaping)' : n === 'lan' ? 'LAN 1 Gbit/s, 0.5 ms RTT' : n === 'wan' ? 'WAN 100 Mbit/s, 40 ms RTT' : n;
}

function sweepTable(s: SweepResult): string {
  const lines = [
    `| ${s.variable} | median | min..max | bytes total | bytes/party | rounds | plain | ×plain | growth vs previous | formula allows |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  s.results.forEach((r, i) => {
    const st = i > 0 ? s.timeSteps.find((t) => t.to === xOf(s, r)) : undefined;
    const growth = st ? `×${st.growth.toFixed(2)} (exp ${st.exponent.toFixed(2)})${st.flagged ? ' **FLAG**' : ''}` : '—';
    lines.push(`| ${xOf(s, r)} | ${fmtSeconds(r.seconds)} | ${fmtSeconds(r.minSeconds)}..${fmtSeconds(r.maxSeconds)} | ${fmtBytes(r.bytesSent)} | ${fmtBytes(r.bytesPerParty)} | ${r.rounds} | ${r.plainSeconds > 0 ? fmtSeconds(r.plainSeconds) : '—'} | ${r.plainRatio > 0 ? `${r.plainRatio.toFixed(1)}×` : '—'} | ${growth} | ${st ? `×${st.formulaGrowth.toFixed(2)}` : '—'} |`);
  });
  return lines.join('\n');
}

/** True when a flagged time step is not matched by excess bytes or rounds (exact counts). */
function timeOnly(s: SweepResult, t: { from: number; to: number; formulaGrowth: number }): boolean {
  const at = (x: number) => s.results.find((r) => xOf(s, r) === x);
  const a = at(t.from);
  const b = at(t.to);
  if (!a || !b) return false;
  const bytesOk = !s.byteSteps.some((st) => st.to === t.to && st.flagged);
  const roundsOk = b.rounds <= a.rounds * t.formulaGrowth;
  return bytesOk && roundsOk;
}

function sweepSection(s: SweepResult, chart: Chart | undefined): string {
  const out = [`### ${s.title}`, ''];
  if (s.missing) return [...out, `Not measured: the \`${s.name}\` benchmark is not in this build.`, ''].join('\n');
  if (chart) out.push(`![${chart.title}](${chart.file})`, '');
  out.push(`Cost formula: time ${s.timeFormulaText}; bytes ${s.bytesFormulaText}.`, '');
  if (s.results.length > 0) out.push(sweepTable(s), '');
  if (s.fit) out.push(`Fit: seconds ∝ ${s.variable}^**${s.fit.exponent.toFixed(2)}** (least squares on log-log, R² = ${s.fit.r2.toFixed(3)}).`);
  if (s.perUnit) out.push(`Per ${s.perUnit.unit}: **${fmtSeconds(s.perUnit.fit.slope)}** per ${s.perUnit.unit} plus ${fmtSeconds(Math.max(0, s.perUnit.fit.intercept))} fixed (linear fit, R² = ${s.perUnit.fit.r2.toFixed(3)}).`);
  const tf = s.timeSteps.filter((t) => t.flagged);
  const bf = s.byteSteps.filter((t) => t.flagged);
  if (tf.length + bf.length === 0 && s.timeSteps.length > 0) out.push('No step grew faster than the formula allows (slack for timing noise: 30 % on time; 5 % on bytes for sizes, 10 % for parties).');
  for (const t of tf) out.push(`- **Flag (time)** ${t.from} → ${t.to}: grew ×${t.growth.toFixed(2)}, the formula allows ×${t.formulaGrowth.toFixed(2)}${timeOnly(s, t) ? ' — bytes and rounds grew within the formula, so this is local: CPU contention (more processes than cores), memory or load from other jobs' : ''}.`);
  for (const t of bf) out.push(`- **Flag (bytes)** ${t.from} → ${t.to}: grew ×${t.growth.toFixed(2)}, the formula allows ×${t.formulaGrowth.toFixed(2)}.`);
  for (const f of s.failures) out.push(`- ${s.variable} ${f.value} failed: ${f.error.replace(/\n/g, ' ')}`);
  out.push('');
  return out.join('\n');
}

function gib(b: number): string {
  return `${(b / 2 ** 30).toFixed(1)} GiB`;
}

/** The slowest results relative to their plaintext reference, slowest first. */
export function slowestVsPlain(results: readonly NormalizedResult[], k = 3): NormalizedResult[] {
  return results.filter((r) => r.plainRatio > 1).sort((a, b) => b.plainRatio - a.plainRatio).slice(0, k);
}

/** RESULTS.md. `notes` is hand-written analysis (bench/report-notes.md) kept across regenerations. */
export function renderMarkdown(d: ReportData, charts: readonly Chart[], notes: string): string {
  const m = d.machine;
  const chart = (f: string) => charts.find((c) => c.file === f);
  const load = `1-minute load average ${m.loadBefore[0]?.toFixed(2)} before the run (other jobs), peak ${m.loadPeak.toFixed(2)} and ${m.loadAfter[0]?.toFixed(2)} at the end (these include the run's own ${d.options.parties}–9 party and dealer processes), on ${m.cores} cores`;
  // The run's own processes raise the load by parties + 1; only the load before it is other jobs'.
  const busy = (m.loadBefore[0] ?? 0) > m.cores;
  const out: string[] = [
    '# Concord benchmark results',
    '',
    `Generated by \`npx concord bench report\`${d.options.quick ? ' --quick (tiny sizes: a smoke run, not representative)' : ''} — it runs \`bench all\`, \`bench scale\` and the LAN/WAN comparison, then rewrites this file, the charts and \`report-data.json\` (re-render without measuring: \`npx concord bench report --from bench/report-data.json\`). Hand-written analysis lives in \`bench/report-notes.md\` and is included below.`,
    '',
    '## Machine and run',
    '',
    '| | |',
    '| :--- | :--- |',
    `| CPU | ${m.cpu} |`,
    `| cores | ${m.cores} |`,
    `| memory | ${gib(m.memoryBytes)} |`,
    `| Node.js | ${m.node} |`,
    `| OS | ${m.os} |`,
    `| commit | \`${m.commit.slice(0, 12)}\`${m.dirty ? ' (with uncommitted changes in the tree)' : ''} |`,
    `| date | ${m.startedAt} → ${m.finishedAt} (${(m.wallSeconds / 60).toFixed(1)} min) |`,
    `| load | ${load} |`,
    `| settings | ${d.options.parties} parties, offline ${d.options.offline}, median of ${d.options.reps} runs after 1 warm-up (party processes on 127.0.0.1, Noise-encrypted WebSockets) |`,
    '',
  ];
  if (busy) out.push(`> **The machine was loaded** when this run started (load average ${(m.loadBefore[0] ?? 0).toFixed(1)} on ${m.cores} cores from other builds and tests). Absolute times are pessimistic and min..max spreads are wide; ratios and byte/round counts are still meaningful.`, '');
  else out.push(`> The machine was quiet when this run started (load average ${(m.loadBefore[0] ?? 0).toFixed(1)} on ${m.cores} cores). Other engineers' jobs may still have started during it; min..max spreads show where.`, '');
  const slow = slowestVsPlain(d.suite.results);
  out.push('## At a glance', '');
  if (slow.length > 0) {
    out.push('Slowest relative to the plaintext computation of the same thing (same run):', '');
    for (const r of slow) out.push(`- \`${r.name}\` (size ${r.size}): ${fmtSeconds(r.seconds)} vs ${fmtSeconds(r.plainSeconds)} plaintext — **${r.plainRatio >= 10 ? r.plainRatio.toFixed(0) : r.plainRatio.toFixed(1)}×**`);
    out.push('');
  }
  const byteFlags = d.sweeps.flatMap((s) => s.byteSteps.filter((t) => t.flagged).map(() => s.name + ' vs ' + s.variable));
  const timeFlags = d.sweeps.flatMap((s) => s.timeSteps.filter((t) => t.flagged).map((t) => `${s.name} vs ${s.variable} ${t.from}→${t.to}${timeOnly(s, t) ? ' (time only)' : ''}`));
  out.push(byteFlags.length > 0 ? `Scaling, exact counts: bytes grew faster than the protocol formula in ${[...new Set(byteFlags)].join('; ')}.` : 'Scaling, exact counts: bytes never grew faster than the protocol formula.');
  out.push(timeFlags.length > 0 ? `Scaling, time: ${timeFlags.length} step(s) grew faster than the formula (see "Scaling"): ${timeFlags.join('; ')}. "Time only" = bytes and rounds stayed within the formula, so the excess is local (CPU contention, memory, load).` : 'Scaling, time: no step grew faster than its formula.', '');
  const tr = ['none', 'lan', 'wan'].map((n) => d.network.results.find((r) => r.name === 'train.logreg' && r.net === n));
  if (tr.every((r) => r !== undefined)) out.push(`Training (\`train.logreg\`, ${tr[0]!.size} rows, ${tr[0]!.parties} parties): ${tr.map((r) => `${netLabel(r!.net)} **${fmtSeconds(r!.seconds)}**`).join(', ')}.`, '');
  if (notes.trim()) out.push(notes.trim(), '');
  out.push(`## All benchmarks (\`concord bench all --parties ${d.options.parties}\`)`, '', markdownTable(d.suite.results), '');
  out.push(
    'Columns: median / min..max seconds per operation over the measured runs; ops/s in the unit of DESIGN.md §7 (MAC = multiply-accumulates, elem = elements, B = bytes, RTT = round trips, row·ep = rows × epochs); bytes are application payload sent (per party = the busiest party; total = all parties and links); rounds = communication rounds of one run; peak RSS = the largest party process (this process for local benchmarks); plain = the same computation on plaintext in the same run; ×plain = median / plain.',
    '',
  );
  if (d.suite.missing.length > 0) out.push(`Not in this build (module missing): ${d.suite.missing.map((n) => `\`${n}\``).join(', ')}.`, '');
  out.push('## Scaling (`concord bench scale`)', '');
  const chartFor: Record<string, string> = { 'matmul-size': 'scale-matmul.svg', 'ltz-size': 'scale-ltz.svg', 'logreg-rows': 'scale-rows.svg' };
  const partiesChart = chart('scale-parties.svg');
  let partiesShown = false;
  for (const s of d.sweeps) {
    let c = chartFor[s.id] ? chart(chartFor[s.id]!) : undefined;
    if (s.variable === 'parties' && !partiesShown && partiesChart && s.results.length > 0) {
      c = partiesChart;
      partiesShown = true;
    }
    out.push(sweepSection(s, c));
  }
  out.push('## Simulated networks (LAN vs WAN)', '');
  out.push('The transport of every party delays each incoming link by half the round-trip time plus the serialization time at the bandwidth cap (src/net/shaper.ts; in the process, not the operating system). LAN = 1 Gbit/s and 0.5 ms RTT, WAN = 100 Mbit/s and 40 ms RTT. Dealer traffic is not shaped. Training runs under LAN/WAN are single runs. Network floor = rounds × RTT/2 (in a round every party sends, then waits one one-way delay for the others) + the bytes of the busiest party per link at the bandwidth cap: what the protocol would cost on that network with infinitely fast computers.', '');
  const nc = chart('net.svg');
  if (nc) out.push(`![${nc.title}](${nc.file})`, '');
  if (d.network.results.length > 0) {
    out.push('| benchmark | size | network | median | min..max | ops/s | bytes total | rounds | network floor |', '| :--- | ---: | :--- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of d.network.results) {
      const p = r.net === 'lan' || r.net === 'wan' ? NET_PROFILES[r.net]! : undefined;
      // In a round every party sends at once and waits for the others: one one-way delay each;
      // plus the busiest party's bytes on one link at the bandwidth cap.
      const floor = p ? (r.rounds * p.rttMs) / 2e3 + (r.bytesPerParty / Math.max(1, r.parties - 1)) * 8 / (p.mbps * 1e6) : 0;
      out.push(`| ${r.name} | ${r.size} | ${netLabel(r.net)} | ${fmtSeconds(r.seconds)} | ${fmtSeconds(r.minSeconds)}..${fmtSeconds(r.maxSeconds)} | ${fmtRate(r.opsPerSecond)} ${opsUnit(r.name)} | ${fmtBytes(r.bytesSent)} | ${r.rounds} | ${floor > 0 ? fmtSeconds(floor) : '—'} |`);
    }
    out.push('');
  }
  if (d.network.missing.length > 0) out.push(`Not in this build: ${d.network.missing.join(', ')}.`, '');
  const failures = [
    ...d.suite.failures.map((f) => `- \`${f.name}\`: ${f.error.replace(/\n/g, ' ')}`),
    ...d.sweeps.flatMap((s) => s.failures.map((f) => `- scale \`${s.id}\` at ${s.variable} ${f.value}: ${f.error.replace(/\n/g, ' ')}`)),
    ...d.network.failures.map((f) => `- \`${f.name}\` on ${f.net}: ${f.error.replace(/\n/g, ' ')}`),
  ];
  if (failures.length > 0) out.push('## Failures', '', ...failures, '');
  return out.join('\n');
}
