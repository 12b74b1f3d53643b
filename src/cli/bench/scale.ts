import { ConcordError } from '../../errors.js';
import { loadBenchmark } from './registry.js';
import { runBenchmark, fmtSeconds, type Progress, type SuiteOptions } from './harness.js';
import { checkSteps, fitLinear, fitPowerLaw, type LinearFit, type PowerFit, type StepCheck } from './scale-fit.js';
import type { NormalizedResult } from './types.js';

/**
 * `concord bench scale`: how cost grows (a) with size for matmul and ltz, (b) with the number
 * of parties for mul, ltz and train.logreg, (c) with training rows for train.logreg. Each sweep
 * is fitted (exponent on log-log, and seconds per unit for rows) and every step is checked
 * against the protocol's cost formula: a flagged step grew faster than the formula allows.
 */

/** Which variable a sweep moves. */
export type SweepVariable = 'size' | 'parties';

/** A sweep to run. Formulas are upper bounds of cost growth (time on one host; bytes on the wire). */
export interface SweepSpec {
  id: string;
  title: string;
  name: string;
  variable: SweepVariable;
  values: number[];
  /** What stays fixed: size for party sweeps, parties for size sweeps, epochs for training. */
  size?: number;
  parties?: number;
  epochs?: number;
  /** Values at or above this run once with no warm-up (the largest training runs). */
  singleRunFrom?: number;
  /** Measured runs per point, when fewer than the suite's (training: each run starts n+1 processes). */
  reps?: number;
  timeFormula: (x: number) => number;
  timeFormulaText: string;
  bytesFormula: (x: number) => number;
  bytesFormulaText: string;
  /** Unit for the per-unit linear fit (e.g. 'row'), if one is meaningful. */
  perUnit?: string;
}

/** A sweep's measurements and fits (JSON-serializable: goes into bench/report-data.json). */
export interface SweepResult {
  id: string;
  title: string;
  name: string;
  variable: SweepVariable;
  timeFormulaText: string;
  bytesFormulaText: string;
  results: NormalizedResult[];
  failures: { value: number; error: string }[];
  /** Set when the benchmark's module is not in this build. */
  missing: boolean;
  fit?: PowerFit;
  perUnit?: { unit: string; fit: LinearFit };
  timeSteps: StepCheck[];
  byteSteps: StepCheck[];
}

const cube = (n: number) => n ** 3;
const square = (n: number) => n ** 2;
const linear = (n: number) => n;
const allPairs = (n: number) => n * (n - 1);

/**
 * Default sweeps, sized so `bench all --json` + `bench scale` stay under 15 minutes together on
 * a 2-core machine. Party sweeps use smaller sizes than the defaults: 8 processes share 2 cores.
 */
export function defaultPlan(quick = false): SweepSpec[] {
  const q = <T>(full: T, small: T): T => (quick ? small : full);
  return [
    {
      id: 'matmul-size', title: 'matmul (fixed point) vs matrix side', name: 'matmul', variable: 'size',
      values: q([5, 16, 50, 160, 500], [4, 8, 16, 40]), parties: 3,
      timeFormula: cube, timeFormulaText: 'compute n³ per party (local products), traffic 2·n²·8 B per peer',
      bytesFormula: square, bytesFormulaText: 'n² (Beaver matrix triples: open n×n masks, not n³)',
    },
    {
      id: 'ltz-size', title: 'ltz vs elements', name: 'ltz', variable: 'size',
      values: q([1_000, 10_000, 100_000, 1_000_000], [10, 100, 1000, 2000]), parties: 3,
      timeFormula: linear, timeFormulaText: 'linear in elements, fixed rounds',
      bytesFormula: linear, bytesFormulaText: 'linear in elements',
    },
    {
      id: 'mul-parties', title: 'mul vs parties', name: 'mul', variable: 'parties',
      values: q([2, 3, 4, 6, 8], [2, 3, 4]), size: q(100_000, 1000),
      timeFormula: allPairs, timeFormulaText: 'n(n−1): every party sends to every other, all on one host',
      bytesFormula: allPairs, bytesFormulaText: 'total n(n−1)·2·len·8 B',
    },
    {
      id: 'ltz-parties', title: 'ltz vs parties', name: 'ltz', variable: 'parties',
      values: q([2, 3, 4, 6, 8], [2, 3, 4]), size: q(10_000, 200),
      timeFormula: allPairs, timeFormulaText: 'n(n−1): edaBits — open x + r once, then one two-operand comparison tree, every opening all-to-all; rounds do not depend on n',
      bytesFormula: allPairs, bytesFormulaText: 'n(n−1) (≈ 39.25 B per element and peer, whatever n)',
    },
    {
      id: 'logreg-parties', title: 'train.logreg vs parties', name: 'train.logreg', variable: 'parties',
      values: q([2, 3, 4, 6, 8], [2, 3]), size: q(455, 64), epochs: q(3, 1), reps: 1,
      timeFormula: allPairs, timeFormulaText: 'n(n−1): every opening all-to-all (the linear algebra and the edaBits comparisons inside sigmoid); rounds do not depend on n',
      bytesFormula: allPairs, bytesFormulaText: 'n(n−1)',
    },
    {
      id: 'logreg-rows', title: 'train.logreg vs training rows (1 epoch, batch 64; rows beyond the bundled 455 repeat them: 30 features, the shape of the fraud set)', name: 'train.logreg', variable: 'size',
      values: q([1_000, 3_000, 10_000, 100_000], [64, 256]), parties: 3, epochs: 1, reps: 1,
      timeFormula: linear, timeFormulaText: 'linear in rows × epochs',
      bytesFormula: linear, bytesFormulaText: 'linear in rows',
      perUnit: 'row',
    },
  ];
}

function fitSweep(spec: SweepSpec, r: SweepResult): void {
  const pts = r.results.filter((x) => x.seconds > 0);
  const xs = pts.map((x) => (spec.variable === 'size' ? x.size : x.parties));
  if (pts.length >= 2 && new Set(xs).size >= 2) {
    r.fit = fitPowerLaw(xs, pts.map((x) => x.seconds));
    r.timeSteps = checkSteps(xs, pts.map((x) => x.seconds), spec.timeFormula);
    const withBytes = pts.filter((x) => x.bytesSent > 0);
    if (withBytes.length >= 2) {
      // Byte counts are exact, so a small slack: 5 % for size (any excess is a real per-element
      // cost), 10 % for parties (fixed per-party set-up traffic weighs more at small n).
      r.byteSteps = checkSteps(withBytes.map((x) => (spec.variable === 'size' ? x.size : x.parties)), withBytes.map((x) => x.bytesSent), spec.bytesFormula, spec.variable === 'size' ? 0.05 : 0.1);
    }
    if (spec.perUnit) r.perUnit = { unit: spec.perUnit, fit: fitLinear(xs, pts.map((x) => x.seconds)) };
  }
}

/** Run the sweeps; a failing point is recorded and the sweep goes on. */
export async function runScale(plan: readonly SweepSpec[], base: SuiteOptions, progress: Progress): Promise<SweepResult[]> {
  const out: SweepResult[] = [];
  for (const [si, spec] of plan.entries()) {
    const r: SweepResult = {
      id: spec.id, title: spec.title, name: spec.name, variable: spec.variable, timeFormulaText: spec.timeFormulaText,
      bytesFormulaText: spec.bytesFormulaText, results: [], failures: [], missing: false, timeSteps: [], byteSteps: [],
    };
    out.push(r);
    const b = await loadBenchmark(spec.name);
    if (!b) {
      r.missing = true;
      progress.line(`bench scale: ${spec.name} is not available in this build, sweep "${spec.title}" skipped`);
      continue;
    }
    for (const [vi, v] of spec.values.entries()) {
      const single = spec.singleRunFrom !== undefined && v >= spec.singleRunFrom;
      const opts: SuiteOptions = {
        ...base,
        parties: spec.variable === 'parties' ? v : spec.parties ?? base.parties,
        size: spec.variable === 'size' ? v : spec.size ?? b.defaultSize,
        ...(spec.reps !== undefined ? { reps: Math.min(spec.reps, base.reps) } : {}),
        ...(single ? { reps: 1, warmup: 0 } : {}),
        ...(spec.epochs !== undefined ? { epochs: spec.epochs } : {}),
      };
      progress.start(`scale ${si + 1}/${plan.length} · ${vi + 1}/${spec.values.length}`, spec.name, `${spec.variable} ${v}`);
      try {
        const res = await runBenchmark(b, opts, (l) => progress.note(l));
        res.sweep = spec.id;
        r.results.push(res);
        progress.line(`bench scale ${spec.id} ${spec.variable}=${v}: ${fmtSeconds(res.seconds)} median, ${res.bytesSent} B, ${res.rounds} rounds`);
      } catch (e) {
        const msg = e instanceof ConcordError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
        r.failures.push({ value: v, error: msg });
        progress.line(`bench scale ${spec.id} ${spec.variable}=${v}: FAILED — ${msg}`);
      }
    }
    fitSweep(spec, r);
  }
  return out;
}

/** A person-readable summary of the sweeps: fits, per-unit costs and flagged steps. */
export function scaleSummary(sweeps: readonly SweepResult[]): string {
  const lines: string[] = [];
  for (const s of sweeps) {
    lines.push(`${s.title}${s.missing ? ': benchmark not in this build' : ''}`);
    if (s.missing) continue;
    for (const r of s.results) {
      const x = s.variable === 'size' ? r.size : r.parties;
      lines.push(`  ${s.variable} ${String(x).padStart(7)}  ${fmtSeconds(r.seconds).padStart(9)}  ${String(r.bytesSent).padStart(12)} B  ${String(r.rounds).padStart(5)} rounds`);
    }
    for (const f of s.failures) lines.push(`  ${s.variable} ${f.value}: FAILED ${f.error}`);
    if (s.fit) lines.push(`  fit: seconds ∝ ${s.variable}^${s.fit.exponent.toFixed(2)} (R² ${s.fit.r2.toFixed(3)}); formula: ${s.timeFormulaText}`);
    if (s.perUnit) lines.push(`  per ${s.perUnit.unit}: ${fmtSeconds(s.perUnit.fit.slope)} + fixed ${fmtSeconds(Math.max(0, s.perUnit.fit.intercept))}`);
    for (const st of s.timeSteps.filter((t) => t.flagged)) lines.push(`  FLAG time ${st.from}→${st.to}: grew ×${st.growth.toFixed(2)}, formula allows ×${st.formulaGrowth.toFixed(2)}`);
    for (const st of s.byteSteps.filter((t) => t.flagged)) lines.push(`  FLAG bytes ${st.from}→${st.to}: grew ×${st.growth.toFixed(2)}, formula (${s.bytesFormulaText}) allows ×${st.formulaGrowth.toFixed(2)}`);
  }
  return lines.join('\n');
}
