import { ConcordError } from '../errors.js';
import { DataError } from './csv.js';
import { isNumberText, rawSource, type RawTable, type TableSource } from './table.js';

/**
 * Table encoding: from the text cells of one party's CSV (src/ml/table.ts) to its numeric
 * feature matrix, the way scikit-learn's SimpleImputer + OneHotEncoder + StandardScaler would,
 * but split in two so the statistics can be computed jointly in between:
 *  1. `encodeLocal`: parse every used column locally. Numeric cells → numbers (NaN = missing),
 *     categorical cells → the index of their declared level (−1 = missing / unknown with
 *     `unknownLevel: "zeros"`), the label → 0/1. Errors name file, line and column; their
 *     `shareable` form (sent to peers) never holds the cell.
 *  2. `encodeMatrix` + `scaleAndClip`: with the joint statistics (src/ml/joint-stats.ts) or a
 *     saved model's, impute, expand the one-hot indicators, standardize numeric features and
 *     clip them to ±clip. Indicators stay 0/1 (mean 0, std 1 in the model file).
 * Pure and local: no session, no I/O. Reused by every partitioning (issue 16: vertical).
 */

/** How a job reads a table: which columns, which are categorical, what is missing, the label. */
export interface TableSpec {
  label: string;
  positiveClass: string | null;
  /** Input columns in order; `levels` present = categorical. */
  columns: { name: string; levels?: string[] }[];
  missing: string[];
  impute: 'mean' | 'error';
  unknownLevel: 'error' | 'zeros';
  clip: number;
}

/**
 * The preprocessing a model carries (JSON, in the model file): the input columns in order with
 * the imputation value of each numeric column (its joint mean over the observed cells) and the
 * levels of each categorical one, plus the reading rules. Mean/std per encoded feature are the
 * model file's `mean`/`std`.
 */
export interface Preprocessing {
  columns: ({ name: string; kind: 'numeric'; impute: number; observed: number } | { name: string; kind: 'categorical'; levels: string[] })[];
  label: string;
  positiveClass: string | null;
  missing: string[];
  impute: 'mean' | 'error';
  unknownLevel: 'error' | 'zeros';
  clip: number;
}

/** The job fields that say how to read a table (src/ml/job.ts; a structural type keeps this module free of the job loader). */
export interface TableFields {
  label: string;
  positiveClass: string | null;
  features: readonly string[];
  categorical: Readonly<Record<string, readonly string[]>>;
  missing: readonly string[];
  impute: 'mean' | 'error';
  unknownLevel: 'error' | 'zeros';
  clip: number;
}

/** The TableSpec of a job: its `features` (or every header column but the label, in file order). */
export function tableSpec(job: TableFields, header: readonly string[]): TableSpec {
  const names = job.features.length > 0 ? job.features : header.filter((h) => h !== job.label);
  return {
    label: job.label,
    positiveClass: job.positiveClass,
    columns: names.map((name) => (Object.hasOwn(job.categorical, name) ? { name, levels: [...job.categorical[name]!] } : { name })),
    missing: [...job.missing],
    impute: job.impute,
    unknownLevel: job.unknownLevel,
    clip: job.clip,
  };
}

/** The TableSpec a saved model reads new rows with. */
export function specOf(p: Preprocessing): TableSpec {
  return {
    label: p.label,
    positiveClass: p.positiveClass,
    columns: p.columns.map((c) => (c.kind === 'categorical' ? { name: c.name, levels: c.levels } : { name: c.name })),
    missing: p.missing,
    impute: p.impute,
    unknownLevel: p.unknownLevel,
    clip: p.clip,
  };
}

/** Names of the encoded features: a numeric column keeps its name, a categorical one gives `column=level` per level. */
export function encodedNames(spec: TableSpec): string[] {
  return spec.columns.flatMap((c) => (c.levels ? c.levels.map((l) => `${c.name}=${l}`) : [c.name]));
}

/** One party's table parsed column by column (before any joint statistic). */
export interface LocalTable {
  file: string;
  spec: TableSpec;
  rows: number;
  /** Per input column: Float64Array of numbers (NaN = missing) or Int32Array of level indices (−1 = all zeros). */
  values: (Float64Array | Int32Array)[];
  /** 0/1 labels, when the table has the label column. */
  y?: Float64Array;
  /** File line of each row. */
  lines: number[];
}

/** Largest |value| accepted: the joint statistics are exact far beyond (src/ml/joint-stats.ts). */
export const MAX_MAGNITUDE = 1e30;

/**
 * Parse the used columns of a table. `label`: 'required' (training), 'optional' (predict: used
 * for metrics when present). E_DATA naming file, line and column for: a declared column absent
 * from the header, text in a numeric column, a value beyond ±1e30, a missing numeric cell with
 * `impute: "error"`, an undeclared level (unless `unknownLevel: "zeros"`), a missing label, a
 * label other than 0/1 without `positiveClass`. The first bad row is reported. A TableSource
 * (src/ml/table.ts `openTable`) is read in one pass, row by row, keeping only the used columns.
 */
export function encodeLocal(t: RawTable | TableSource, spec: TableSpec, label: 'required' | 'optional'): LocalTable {
  return encodeRows(t, spec, label).local;
}

/**
 * encodeLocal, also keeping the text of column `keep` (a record ID: vertical jobs, predictions).
 * The one pass over the rows every reader of a table shares.
 */
export function encodeRows(t: RawTable | TableSource, spec: TableSpec, label: 'required' | 'optional', keep?: number): { local: LocalTable; kept?: string[] } {
  const src = 'forEachRow' in t ? t : rawSource(t);
  const file = src.file;
  const missing = new Set(spec.missing.map((m) => m.trim().toLowerCase()));
  const isMissing = (cell: string) => missing.has(cell.toLowerCase());
  const col = (name: string, what: string): number => {
    const j = src.header.indexOf(name);
    if (j < 0) throw new DataError(file, `no column "${name}" (${what}; the file has ${src.header.join(', ')})`, `its CSV has no column "${name}" (${what})`);
    return j;
  };
  const idx = spec.columns.map((c) => col(c.name, c.levels ? 'the job declares it in "categorical"' : 'the job uses it as a feature'));
  const li = label === 'required' ? col(spec.label, 'the label column of the job') : src.header.indexOf(spec.label);
  const cap = src.maxRows;
  const values: (Float64Array | Int32Array)[] = spec.columns.map((c) => (c.levels ? new Int32Array(cap) : new Float64Array(cap)));
  const levels = spec.columns.map((c) => (c.levels ? new Map(c.levels.map((l, i) => [l, i])) : undefined));
  const y = li >= 0 ? new Float64Array(cap) : undefined;
  const lines: number[] = [];
  const kept: string[] | undefined = keep === undefined ? undefined : [];
  let n = 0;
  src.forEachRow((cells, line) => {
    const where = (name: string) => `line ${line}, column "${name}"`;
    for (let k = 0; k < idx.length; k++) {
      const cell = cells[idx[k]!]!;
      const c = spec.columns[k]!;
      const lv = levels[k];
      if (lv) {
        if (isMissing(cell)) { values[k]![n] = -1; continue; }
        const i = lv.get(cell);
        if (i !== undefined) values[k]![n] = i;
        else if (spec.unknownLevel === 'zeros') values[k]![n] = -1;
        else throw new DataError(file, `${where(c.name)}: level "${cell.slice(0, 40)}" is not declared in "categorical" (declared: ${c.levels!.join(', ')}); declare it, or set "unknownLevel": "zeros"`, `${where(c.name)}: a level that is not declared in "categorical"`);
        continue;
      }
      if (isMissing(cell)) {
        if (spec.impute === 'error') throw new DataError(file, `${where(c.name)}: missing cell and the job has "impute": "error"; fill it in, or use "impute": "mean"`);
        values[k]![n] = NaN;
        continue;
      }
      const v = Number(cell);
      if (!isNumberText(cell) || !Number.isFinite(v)) {
        throw new DataError(file, `${where(c.name)}: "${cell.slice(0, 40)}" is not a number; declare the column in "categorical" or list the text in "missing"`, `${where(c.name)}: a cell is not a number (declare the column in "categorical" or list the text in "missing")`);
      }
      if (Math.abs(v) > MAX_MAGNITUDE) throw new DataError(file, `${where(c.name)}: ${cell.slice(0, 40)} is beyond ±1e30; change the column's unit`, `${where(c.name)}: a value is beyond ±1e30`);
      values[k]![n] = v;
    }
    if (y) y[n] = labelValue(cells[li]!, where(spec.label), spec, isMissing, file);
    // A copy: a slice of the file's text would keep its whole chunk alive.
    if (kept) kept.push((' ' + cells[keep!]!).slice(1));
    lines.push(line);
    n++;
  });
  const fit = <A extends Float64Array | Int32Array>(a: A): A => (n === cap ? a : (a.slice(0, n) as A));
  const local: LocalTable = { file, spec, rows: n, values: values.map(fit), lines };
  if (y) local.y = fit(y);
  return kept ? { local, kept } : { local };
}

function labelValue(cell: string, where: string, spec: TableSpec, isMissing: (c: string) => boolean, file: string): number {
  if (isMissing(cell)) throw new DataError(file, `${where}: missing label; every training row needs one (drop the row or fill it in)`);
  if (spec.positiveClass !== null) return cell === spec.positiveClass ? 1 : 0;
  const v = isNumberText(cell) ? Number(cell) : NaN;
  if (v !== 0 && v !== 1) throw new DataError(file, `${where}: label "${cell.slice(0, 40)}" is not 0 or 1; set "positiveClass" to read a text label`, `${where}: a label is not 0 or 1 (set "positiveClass" to read a text label)`);
  return v;
}

/**
 * The encoded, imputed (not yet standardized) feature matrix rows × encodedNames(spec).length:
 * numeric columns with missing cells replaced by `impute[k]` (the k-th input column's value),
 * categorical columns as one 0/1 indicator per declared level.
 */
export function encodeMatrix(t: LocalTable, impute: readonly number[]): Float64Array {
  const widths = t.spec.columns.map((c) => c.levels?.length ?? 1);
  const d = widths.reduce((a, b) => a + b, 0);
  const x = new Float64Array(t.rows * d);
  let off = 0;
  t.spec.columns.forEach((c, k) => {
    const v = t.values[k]!;
    for (let r = 0; r < t.rows; r++) {
      if (c.levels) {
        const i = v[r]!;
        if (i >= 0) x[r * d + off + i] = 1;
      } else {
        const val = v[r]!;
        x[r * d + off] = Number.isNaN(val) ? impute[k]! : val;
      }
    }
    off += widths[k]!;
  });
  if (x.some((v) => Number.isNaN(v))) throw new ConcordError('E_INTERNAL', 'encodeMatrix: a missing cell has no imputation value');
  return x;
}

/**
 * Standardize x[r×d] with (mean, std) and clip every value to ±clip. Returns the scaled rows
 * (in `out`, which may be x itself) and, per feature, how many of THIS party's cells were
 * clipped (logged locally, never sent).
 */
export function scaleAndClip(x: Float64Array, r: number, mean: ArrayLike<number>, std: ArrayLike<number>, clip: number, out: Float64Array = new Float64Array(r * mean.length)): { x: Float64Array; clipped: number[] } {
  const d = mean.length;
  if (out.length !== r * d) throw new ConcordError('E_INTERNAL', `scaleAndClip: an output of ${out.length} values for ${r}×${d}`);
  const clipped = new Array<number>(d).fill(0);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < d; j++) {
      let z = (x[i * d + j]! - mean[j]!) / std[j]!;
      if (z > clip) { z = clip; clipped[j]!++; }
      else if (z < -clip) { z = -clip; clipped[j]!++; }
      out[i * d + j] = z;
    }
  }
  return { x: out, clipped };
}
