import { readFileSync } from 'node:fs';
import { DataError } from './csv.js';

/**
 * One party's table in a vertically partitioned job: a header row, the record-ID column (any
 * text, aligned across parties by PSI), the party's own numeric feature columns and, at exactly
 * one party, the 0/1 label column. Same narrow CSV rules as csv.ts (`,` separators, no quoting,
 * finite numbers); errors are E_DATA naming the file, line and column, never a cell's content in
 * the shareable form.
 */
export interface VerticalTable {
  file: string;
  /** Raw ID cells, one per row (the PSI trims them). */
  ids: string[];
  /** This party's feature columns in file order (header minus the ID and the label). */
  features: string[];
  rows: number;
  /** rows × features.length, row-major. */
  x: Float64Array;
  /** The labels, when this file holds the label column. */
  y?: Float64Array;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Parse one party's vertical CSV; `features` (if non-empty) keeps only those of the job that this file has. */
export function parseVerticalCsv(text: string, file: string, idColumn: string, label: string, features: readonly string[] = []): VerticalTable {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new DataError(file, 'the file is empty; expected a header row naming the columns');
  const header = lines[0]!.split(',').map((h) => h.trim());
  header.forEach((h, j) => {
    if (h === '') throw new DataError(file, `line 1 (header), column ${j + 1}: empty column name; every column needs a name`);
    if (header.indexOf(h) !== j) throw new DataError(file, `line 1 (header): column "${h}" appears twice`);
  });
  const idAt = header.indexOf(idColumn);
  if (idAt < 0) throw new DataError(file, `no ID column "${idColumn}" in the header (columns: ${header.join(', ')}); the job's "id" names the record-ID column every party's file must have`, `no ID column "${idColumn}" in the header`);
  const labelAt = header.indexOf(label);
  const featAt = header.map((_, j) => j).filter((j) => j !== idAt && j !== labelAt && (features.length === 0 || features.includes(header[j]!)));
  const rows = lines.length - 1;
  if (rows === 0) throw new DataError(file, 'the file has a header but no data rows');
  const d = featAt.length;
  const ids = new Array<string>(rows);
  const x = new Float64Array(rows * d);
  const y = labelAt >= 0 ? new Float64Array(rows) : undefined;
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1]!.split(',');
    const lineNo = r + 2;
    if (cells.length !== header.length) throw new DataError(file, `line ${lineNo}: ${cells.length} cells, but the header has ${header.length} columns`);
    ids[r] = cells[idAt]!;
    const num = (j: number): number => {
      const raw = cells[j]!.trim();
      const where = `line ${lineNo}, column "${header[j]}"`;
      if (raw === '') throw new DataError(file, `${where}: empty cell; missing values are not supported, impute or drop the row first`);
      const v = Number(raw);
      if (!NUMBER.test(raw) || !Number.isFinite(v)) throw new DataError(file, `${where}: "${raw.slice(0, 40)}" is not a finite number`, `${where}: a cell is not a finite number`);
      return v;
    };
    for (let k = 0; k < d; k++) x[r * d + k] = num(featAt[k]!);
    if (y) {
      const v = num(labelAt);
      if (v !== 0 && v !== 1) throw new DataError(file, `line ${lineNo}, column "${label}": label ${v} is not 0 or 1`, `line ${lineNo}, column "${label}": a label is not 0 or 1`);
      y[r] = v;
    }
  }
  return { file, ids, features: featAt.map((j) => header[j]!), rows, x, ...(y ? { y } : {}) };
}

/** Read and parse a vertical CSV (E_DATA if it cannot be read). */
export function readVerticalCsv(file: string, idColumn: string, label: string, features: readonly string[] = []): VerticalTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the --data/--test path`, 'cannot read the file');
  }
  return parseVerticalCsv(text, file, idColumn, label, features);
}

/** The rows `idx` of a table's features (and labels), in that order. */
export function selectVerticalRows(t: VerticalTable, idx: ArrayLike<number>): { x: Float64Array; y?: Float64Array; rows: number } {
  const d = t.features.length;
  const x = new Float64Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) x.set(t.x.subarray(idx[i]! * d, idx[i]! * d + d), i * d);
  const y = t.y ? Float64Array.from({ length: idx.length }, (_, i) => t.y![idx[i]!]!) : undefined;
  return { x, rows: idx.length, ...(y ? { y } : {}) };
}
