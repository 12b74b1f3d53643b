import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isConcordError } from '../src/errors.js';
import { BENCH_NAMES } from '../src/cli/bench/registry.js';
import { loadSuite, Progress, runBenchmark, runBenchmarks, tinySize } from '../src/cli/bench/harness.js';
import { markdownTable, textTable } from '../src/cli/bench/report-table.js';
import { renderCharts, renderMarkdown, type ReportData } from '../src/cli/bench/report-render.js';
import { writeReport } from '../src/cli/bench/report.js';
import { normalize, NUMERIC_FIELDS, STRING_FIELDS, summarize, timeReps, type Benchmark, type NormalizedResult } from '../src/cli/bench/types.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** A progress sink that keeps lines instead of printing them. */
function quietProgress(): { progress: Progress; text: () => string } {
  const chunks: string[] = [];
  const sink = { write: (c: string) => (chunks.push(c), true) } as unknown as NodeJS.WritableStream;
  return { progress: new Progress(sink, false), text: () => chunks.join('') };
}

function expectWellFormed(r: NormalizedResult, name: string): void {
  const parsed = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
  for (const f of NUMERIC_FIELDS) {
    expect(parsed, `${name}.${f}`).to.have.property(f);
    expect(parsed[f], `${name}.${f}`).to.be.a('number');
    expect(Number.isFinite(parsed[f] as number), `${name}.${f} finite`).to.equal(true);
    expect(parsed[f] as number, `${name}.${f} ≥ 0`).to.be.at.least(0);
  }
  for (const f of STRING_FIELDS) expect(parsed[f], `${name}.${f}`).to.be.a('string').and.not.equal('');
  expect(parsed.name).to.equal(name);
  expect(r.seconds, `${name}.seconds`).to.be.above(0);
  expect(r.minSeconds).to.be.at.most(r.seconds);
  expect(r.maxSeconds).to.be.at.least(r.seconds);
  expect(r.opsPerSecond, `${name}.opsPerSecond`).to.be.above(0);
  expect(r.peakMemory, `${name}.peakMemory`).to.be.above(1 << 20);
}

const sample = (over: Partial<NormalizedResult> = {}): NormalizedResult =>
  normalize({ name: 'mul', parties: 3, size: 1000, seconds: 0.02, minSeconds: 0.018, maxSeconds: 0.03, opsPerSecond: 5e4, bytesSent: 96_000, bytesPerParty: 32_000, rounds: 1, offline: 'dealer', peakMemory: 80e6, plainSeconds: 0.001, ...over });

describe('bench: harness (src/cli/bench/: types, harness, report*)', () => {
  it('normalize fills every missing field with 0, derives plainRatio and keeps extras', () => {
    const r = normalize({ name: 'ring.mul', size: 10, seconds: 2, plainSeconds: 0.5, plainReference: 'Float64' } as never);
    for (const f of NUMERIC_FIELDS) expect(r[f], f).to.be.a('number');
    expect(r.bytesSent).to.equal(0);
    expect(r.accuracy).to.equal(0);
    expect(r.plainRatio).to.equal(4);
    expect(r.minSeconds).to.equal(2);
    expect(r.offline).to.equal('none');
    expect(r.net).to.equal('none');
    expect(r.plainReference).to.equal('Float64');
  });

  it('normalize rejects NaN, negative, non-number and inconsistent figures naming benchmark and field', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: 'mul', seconds: Number.NaN }, /mul.*"seconds"/],
      [{ name: 'mul', seconds: 1, bytesSent: -1 }, /"bytesSent"/],
      [{ name: 'mul', seconds: 1, rounds: '3' }, /"rounds"/],
      [{ name: 'mul', seconds: 1, offline: 3 }, /"offline"/],
      [{ name: 'mul', seconds: 1, minSeconds: 2, maxSeconds: 3 }, /minSeconds/],
      [{ name: '' }, /without a name/],
    ];
    for (const [raw, re] of bad) {
      let err: unknown;
      try {
        normalize(raw as never);
      } catch (e) {
        err = e;
      }
      expect(isConcordError(err, 'E_INTERNAL'), JSON.stringify(raw)).to.equal(true);
      expect((err as Error).message).to.match(re);
    }
  });

  it('summarize gives median, min, max; timeReps runs warm-up plus reps', async () => {
    expect(summarize([3, 1, 2])).to.deep.equal({ seconds: 2, minSeconds: 1, maxSeconds: 3 });
    expect(summarize([4, 1, 2, 3]).seconds).to.equal(2.5);
    expect(() => summarize([])).to.throw();
    let calls = 0;
    const t = await timeReps(3, () => void calls++, 2);
    expect(t).to.have.length(3);
    expect(calls).to.equal(5);
  });

  it('runs a suite to the end when one benchmark fails, and fills local peak memory', async () => {
    const ok: Benchmark = { name: 'ring.mul', defaultSize: 10, multiParty: false, run: async (c) => ({ name: 'ring.mul', parties: 1, size: c.size, seconds: 0.1, minSeconds: 0.1, maxSeconds: 0.1, opsPerSecond: c.size / 0.1, bytesSent: 0, bytesPerParty: 0, rounds: 0, offline: 'none', peakMemory: 0 }) };
    const broken: Benchmark = { name: 'mul', defaultSize: 10, multiParty: true, run: async () => ({ name: 'mul', seconds: Number.NaN }) as never };
    const { progress, text } = quietProgress();
    const out = await runBenchmarks([broken, ok], { parties: 3, offline: 'dealer', reps: 1, size: 7 }, progress);
    expect(out.failures.map((f) => f.name)).to.deep.equal(['mul']);
    expect(out.results).to.have.length(1);
    expect(out.results[0]!.size).to.equal(7);
    expect(out.results[0]!.peakMemory).to.be.above(1 << 20);
    expect(text()).to.match(/mul: FAILED/);
  });

  it('prints an aligned text table and a Markdown table with a row per result', () => {
    const rows = [sample(), sample({ name: 'train.logreg', accuracy: 0.97, seconds: 1.5, minSeconds: 1.4, maxSeconds: 2 })];
    const t = textTable(rows).split('\n');
    expect(t).to.have.length(4);
    const col = t[0]!.indexOf('median');
    expect(col).to.be.above(0);
    expect(t[2]).to.include('20.0 ms');
    expect(t[3]).to.include('0.9700');
    const md = markdownTable(rows).split('\n');
    expect(md).to.have.length(4);
    for (const l of md) expect(l.split('|').length).to.equal(md[0]!.split('|').length);
  });

  it('renders RESULTS.md and charts from report data, including flags, machine and missing modules', () => {
    const sweep = (id: string, name: string, variable: 'size' | 'parties', xs: number[], secs: number[]) => ({
      id, title: `${name} sweep`, name, variable, timeFormulaText: 'linear', bytesFormulaText: 'linear', failures: [], missing: false,
      results: xs.map((x, i) => sample({ name, size: variable === 'size' ? x : 1000, parties: variable === 'parties' ? x : 3, seconds: secs[i]!, minSeconds: secs[i]!, maxSeconds: secs[i]! })),
      fit: { exponent: 1.1, coefficient: 1e-5, r2: 0.99 },
      timeSteps: [{ from: xs[0]!, to: xs[1]!, growth: 50, formulaGrowth: 10, exponent: 1.7, flagged: true }],
      byteSteps: [],
    });
    const data: ReportData = {
      version: 1,
      machine: { cpu: 'Test CPU', cores: 2, memoryBytes: 8 * 2 ** 30, node: 'v20', os: 'Linux', commit: 'abcdef1234567890', dirty: false, startedAt: 'start', finishedAt: 'end', wallSeconds: 600, loadBefore: [5, 4, 3], loadAfter: [4, 4, 3], loadPeak: 6 },
      options: { parties: 3, offline: 'dealer', reps: 5, quick: false },
      suite: { results: [sample(), sample({ name: 'matmul', plainSeconds: 0.0001 })], missing: ['offline.bits'], failures: [{ name: 'relu', error: 'E_TIMEOUT: boom' }] },
      sweeps: [sweep('matmul-size', 'matmul', 'size', [8, 80, 800], [0.01, 0.5, 20]), sweep('mul-parties', 'mul', 'parties', [2, 4, 8], [0.1, 0.3, 1])],
      network: { results: [sample({ net: 'none' }), sample({ net: 'lan', seconds: 0.03, maxSeconds: 0.03 }), sample({ net: 'wan', seconds: 0.5, maxSeconds: 0.5 })], failures: [], missing: [] },
    };
    const charts = renderCharts(data);
    expect(charts.map((c) => c.file).sort()).to.deep.equal(['net.svg', 'scale-matmul.svg', 'scale-parties.svg']);
    const md = renderMarkdown(data, charts, '## Notes\nhand-written');
    for (const s of ['Test CPU', 'abcdef123456', 'The machine was loaded', '![', 'scale-matmul.svg', 'net.svg', '**FLAG**', 'offline.bits', 'relu', 'hand-written', '| matmul |']) expect(md, s).to.include(s);
    expect(md).to.match(/`matmul` \(size 1000\).*200×/);
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-'));
    try {
      const files = writeReport(data, dir);
      expect(files.map((f) => f.slice(dir.length + 1)).sort()).to.deep.equal(['RESULTS.md', 'net.svg', 'report-data.json', 'scale-matmul.svg', 'scale-parties.svg']);
      expect(JSON.parse(readFileSync(join(dir, 'report-data.json'), 'utf8')).machine.cpu).to.equal('Test CPU');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI rejects an unknown benchmark, a bad --net and a bad --mask-data with one clear message and exit code 2', () => {
    const r1 = spawnSync(process.execPath, [MAIN, 'bench', 'nosuch'], { encoding: 'utf8' });
    expect(r1.status).to.equal(2);
    expect(r1.stderr).to.match(/unknown benchmark "nosuch"/);
    const r2 = spawnSync(process.execPath, [MAIN, 'bench', 'mul', '--net', 'moon'], { encoding: 'utf8' });
    expect(r2.status).to.equal(2);
    expect(r2.stderr).to.match(/--net "moon" is not understood/);
    const r4 = spawnSync(process.execPath, [MAIN, 'bench', 'train.logreg', '--mask-data', 'lazy'], { encoding: 'utf8' });
    expect(r4.status).to.equal(2);
    expect(r4.stderr.trim()).to.match(/^concord: error E_USAGE: bench: --mask-data must be once or perBatch, got "lazy"$/);
    const r3 = spawnSync(process.execPath, [MAIN, 'bench', 'list'], { encoding: 'utf8' });
    expect(r3.status).to.equal(0);
    expect(r3.stdout.trim().split('\n')).to.have.length(BENCH_NAMES.length);
  });
});

// Which benchmark modules are in this build decides the tests below (no skips: missing ones are named).
const { present, missing } = await loadSuite(BENCH_NAMES);

describe(`bench: a tiny run of every available benchmark (${present.length}/${BENCH_NAMES.length} present; missing: ${missing.join(', ') || 'none'})`, function () {
  this.timeout(120_000);

  it('every registry name either loads a benchmark of that name or is reported missing', () => {
    expect(present.length + missing.length).to.equal(BENCH_NAMES.length);
    for (const b of present) {
      expect(BENCH_NAMES).to.include(b.name);
      expect(b.defaultSize).to.be.above(0);
      expect(b.multiParty).to.be.a('boolean');
    }
  });

  for (const b of present) {
    it(`${b.name} (${b.multiParty ? '2 parties, ' : ''}size ${tinySize(b)}) completes with a well-formed JSON line`, async () => {
      const r = await runBenchmark(b, { parties: 2, offline: 'dealer', reps: 1, warmup: 0, epochs: 1, sizeFor: tinySize }, () => {});
      expectWellFormed(r, b.name);
      if (b.multiParty) {
        expect(r.parties).to.equal(2);
        expect(r.bytesSent, 'bytesSent').to.be.above(0);
        expect(r.bytesPerParty, 'bytesPerParty').to.be.above(0).and.at.most(r.bytesSent);
        expect(r.rounds, 'rounds').to.be.above(0);
      } else {
        expect(r.bytesSent).to.equal(0);
      }
      if (b.name.startsWith('train.')) expect(r.accuracy, 'accuracy').to.be.above(0.5);
    });
  }

  it('`concord bench <local benchmark> --json` prints exactly one JSON line with every field on stdout', function () {
    const local = present.find((b) => !b.multiParty);
    const name = local?.name ?? 'list';
    const r = spawnSync(process.execPath, local ? [MAIN, 'bench', name, '--size', String(tinySize(local)), '--reps', '1', '--json'] : [MAIN, 'bench', 'list'], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    if (!local) return;
    const lines = r.stdout.trim().split('\n');
    expect(lines).to.have.length(1);
    expectWellFormed(normalize(JSON.parse(lines[0]!)), name);
    expect(Object.keys(JSON.parse(lines[0]!))).to.include.members([...NUMERIC_FIELDS, ...STRING_FIELDS]);
    expect(r.stderr).to.match(/median/);
    expect(existsSync(MAIN)).to.equal(true);
  });
});
