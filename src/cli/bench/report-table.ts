import { fmtSeconds } from './harness.js';
import type { NormalizedResult } from './types.js';

/**
 * Aligned result tables: plain text for the terminal and Markdown for bench/RESULTS.md.
 * Same columns in both, so what a user sees after `bench all` is what the results page shows.
 */

/** Bytes with a binary unit: 0, 812 B, 1.5 KiB, 23 MiB. */
export function fmtBytes(b: number): string {
  if (b === 0) return '0';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = b;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : 1)} ${u[i]}`;
}

/** A rate: 1.2 G/s, 340 k/s, 12.5 /s. */
export function fmtRate(r: number): string {
  if (r === 0) return '0';
  const u: Array<[number, string]> = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [d, s] of u) if (r >= d) return `${(r / d).toFixed(r / d >= 100 ? 0 : 2)} ${s}/s`;
  return `${r.toFixed(r >= 100 ? 0 : 1)} /s`;
}

/** What opsPerSecond counts for a benchmark (DESIGN.md §7). */
export function opsUnit(name: string): string {
  if (name === 'matmul' || name === 'ring.matmul' || name === 'offline.matrix') return 'MAC';
  if (name === 'prg' || name === 'net.throughput') return 'B';
  if (name === 'net.latency') return 'RTT';
  if (name.startsWith('train.')) return 'row·ep';
  if (name.startsWith('offline.')) return 'items';
  return 'elem';
}

const COLUMNS: Array<{ head: string; right: boolean; cell: (r: NormalizedResult) => string }> = [
  { head: 'benchmark', right: false, cell: (r) => r.name },
  { head: 'n', right: true, cell: (r) => String(r.parties) },
  { head: 'size', right: true, cell: (r) => String(r.size) },
  { head: 'median', right: true, cell: (r) => fmtSeconds(r.seconds) },
  { head: 'min..max', right: true, cell: (r) => `${fmtSeconds(r.minSeconds)}..${fmtSeconds(r.maxSeconds)}` },
  { head: 'ops/s', right: true, cell: (r) => `${fmtRate(r.opsPerSecond)} ${opsUnit(r.name)}` },
  { head: 'bytes/party', right: true, cell: (r) => fmtBytes(r.bytesPerParty) },
  { head: 'bytes total', right: true, cell: (r) => fmtBytes(r.bytesSent) },
  { head: 'rounds', right: true, cell: (r) => String(r.rounds) },
  { head: 'offline', right: false, cell: (r) => r.offline },
  { head: 'net', right: false, cell: (r) => r.net },
  { head: 'peak RSS', right: true, cell: (r) => fmtBytes(r.peakMemory) },
  { head: 'plain', right: true, cell: (r) => (r.plainSeconds > 0 ? fmtSeconds(r.plainSeconds) : '—') },
  { head: '×plain', right: true, cell: (r) => (r.plainRatio > 0 ? `${r.plainRatio >= 100 ? r.plainRatio.toFixed(0) : r.plainRatio.toFixed(1)}×` : '—') },
  { head: 'acc', right: true, cell: (r) => (r.accuracy > 0 ? r.accuracy.toFixed(4) : '—') },
];

function cells(results: readonly NormalizedResult[]): string[][] {
  return results.map((r) => COLUMNS.map((c) => c.cell(r)));
}

/** The results as an aligned plain-text table. */
export function textTable(results: readonly NormalizedResult[]): string {
  const rows = [COLUMNS.map((c) => c.head), ...cells(results)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  const line = (r: string[]) => r.map((v, i) => (COLUMNS[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The results as a Markdown table. */
export function markdownTable(results: readonly NormalizedResult[]): string {
  const head = `| ${COLUMNS.map((c) => c.head).join(' | ')} |`;
  const sep = `| ${COLUMNS.map((c) => (c.right ? '---:' : ':---')).join(' | ')} |`;
  return [head, sep, ...cells(results).map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
