import { DataError } from './csv.js';
import type { RawTable, TableSource } from './table.js';
import { encodeRows, encodedNames, tableSpec, type LocalTable, type TableFields, type TableSpec } from './encode.js';
import { fitFromStats, type Fitted } from './preprocess.js';

/**
 * One party's raw table in a vertical job, read with the job's preprocessing rules (encode.ts:
 * categorical, missing, impute, positiveClass, clip) applied to ITS OWN columns only. Each party
 * owns whole columns, so the fit (imputation mean, mean, std over the aligned rows) is local: no
 * communication, and no party's statistics reach anyone but the model's recipients.
 */

/** The spec of this party's columns: the job's `features` it has (or its header minus the ID and the label). */
export function verticalSpec(job: TableFields, header: readonly string[], idColumn: string, file: string): TableSpec {
  if (!header.includes(idColumn)) {
    throw new DataError(file, `no ID column "${idColumn}" in the header (columns: ${header.join(', ')}); the job's "id" names the record-ID column every party's file must have`, `no ID column "${idColumn}" in the header`);
  }
  const own = (h: string) => h !== idColumn && h !== job.label;
  const names = job.features.length > 0 ? job.features.filter((f) => header.includes(f) && own(f)) : header.filter(own);
  const spec = tableSpec({ ...job, features: names }, header);
  return names.length > 0 ? spec : { ...spec, columns: [] }; // none left: the layout check names the party
}

/** A vertical party's table: its raw IDs (one per row) and its parsed own columns (labels if it has them). */
export interface VerticalTable {
  file: string;
  ids: string[];
  local: LocalTable;
  /** Encoded feature names (a categorical column gives one per level). */
  features: string[];
}

/** Parse a raw table for a vertical job (E_DATA naming file, line and column). */
export function encodeVertical(t: RawTable | TableSource, job: TableFields, idColumn: string): VerticalTable {
  const spec = verticalSpec(job, t.header, idColumn, t.file);
  const { local, kept } = encodeRows(t, spec, 'optional', t.header.indexOf(idColumn));
  return { file: t.file, ids: kept!, local, features: encodedNames(spec) };
}

/** Rows `idx` of a parsed table, in that order. */
export function localRows(t: LocalTable, idx: ArrayLike<number>): LocalTable {
  const pick = <A extends Float64Array | Int32Array>(a: A): A => {
    const out = new (a.constructor as new (n: number) => A)(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]!]!;
    return out;
  };
  return { ...t, rows: idx.length, values: t.values.map(pick), ...(t.y ? { y: pick(t.y) } : {}), lines: Array.from({ length: idx.length }, (_, i) => t.lines[idx[i]!]!) };
}

/**
 * Fit this party's preprocessing on its aligned rows, locally, with the statistics of the
 * horizontal joint fit (src/ml/joint-stats.ts) computed on one party's rows: per numeric column
 * the observed-cell count, their mean (the imputation value) and std = √(Σ(x − μ)² / N) with
 * imputed cells counted as the mean (std 0 → 1). E_DATA if a column has no observed cell.
 */
export function fitLocal(t: LocalTable): Fitted {
  const stats = t.spec.columns.map((c, k) => [c, k] as const).filter(([c]) => !c.levels).map(([c, k]) => {
    const v = t.values[k] as Float64Array;
    let observed = 0, sum = 0;
    for (const x of v) if (!Number.isNaN(x)) { observed++; sum += x; }
    if (observed === 0) throw new DataError(t.file, `column "${c.name}" has no value in any of the ${t.rows} rows shared with the other parties; drop it or fill it`);
    const mean = sum / observed;
    let ss = 0;
    for (const x of v) if (!Number.isNaN(x)) ss += (x - mean) ** 2;
    const sd = Math.sqrt(ss / t.rows);
    return { observed, mean, std: sd > 1e-9 ? sd : 1 };
  });
  return fitFromStats(t.spec, stats);
}
