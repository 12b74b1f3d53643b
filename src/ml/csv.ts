import { readFileSync } from 'node:fs';
import { ConcordError } from '../errors.js';

/**
 * CSV loading for training data. The accepted format is deliberately narrow: a header row,
 * `,` separators, `.` decimals, no quoting, one label column holding 0 or 1, every other column
 * numeric. Any deviation stops with ONE E_DATA error naming the file, row and column, because
 * training on silently mis-parsed data is worse than not training.
 */

/** A loaded table: feature names in file order (label removed), row-major features, labels. */
export interface Dataset {
  /** Where it came from (for error messages). */
  file: string;
  features: string[];
  label: string;
  rows: number;
  /** rows × features.length, row-major. */
  x: Float64Array;
  /** 0/1 per row. */
  y: Float64Array;
}

/**
 * A data error. `shareable` is the same diagnosis without any cell content, safe to send to the
 * other parties (they learn which file/line/column is broken, never a value).
 */
export class DataError extends ConcordError {
  declare readonly shareable: string;
  constructor(file: string, msg: string, shareable?: string) {
    // No file name in the shareable form: a peer learns the line and column, never a local path or name.
    super('E_DATA', `${file}: ${msg}`, { shareable: shareable ?? msg });
  }
}

function dataError(file: string, msg: string, shareable?: string): DataError {
  return new DataError(file, msg, shareable);
}

/**
 * Parse CSV text. `row` numbers in errors count lines of the file (header = line 1).
 * Throws E_DATA for: empty file, missing/duplicate header names, missing label column,
 * wrong number of cells, empty or non-numeric or non-finite cells, labels other than 0/1, no rows.
 */
export function parseCsv(text: string, file: string, label: string): Dataset {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw dataError(file, 'the file is empty; expected a header row naming the columns');
  const header = lines[0]!.split(',').map((h) => h.trim());
  const seen = new Set<string>();
  header.forEach((h, j) => {
    if (h === '') throw dataError(file, `line 1 (header), column ${j + 1}: empty column name; every column needs a name`);
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(h)) throw dataError(file, `line 1, column ${j + 1}: "${h}" looks like a number, not a column name; the file needs a header row`, `line 1: the file has no header row`);
    if (seen.has(h)) throw dataError(file, `line 1 (header): column "${h}" appears twice`);
    seen.add(h);
  });
  const li = header.indexOf(label);
  if (li < 0) throw dataError(file, `no label column "${label}" in the header (columns: ${header.join(', ')}); pass the right --label or fix the file`);
  if (header.length < 2) throw dataError(file, 'the file has a label column but no feature columns');
  const features = header.filter((_, j) => j !== li);
  const rows = lines.length - 1;
  if (rows === 0) throw dataError(file, 'the file has a header but no data rows');
  const d = features.length;
  const x = new Float64Array(rows * d);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const line = lines[r + 1]!;
    const cells = line.split(',');
    const lineNo = r + 2;
    if (cells.length !== header.length) {
      throw dataError(file, `line ${lineNo}: ${cells.length} cells, but the header has ${header.length} columns`);
    }
    let k = 0;
    for (let j = 0; j < cells.length; j++) {
      const raw = cells[j]!.trim();
      const where = `line ${lineNo}, column "${header[j]}"`;
      if (raw === '') throw dataError(file, `${where}: empty cell; missing values are not supported, impute or drop the row first`);
      const v = Number(raw);
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) || !Number.isFinite(v)) {
        throw dataError(file, `${where}: "${raw.slice(0, 40)}" is not a finite number`, `${where}: a cell is not a finite number`);
      }
      if (j === li) {
        if (v !== 0 && v !== 1) throw dataError(file, `${where}: label ${raw} is not 0 or 1`, `${where}: a label is not 0 or 1`);
        y[r] = v;
      } else {
        x[r * d + k++] = v;
      }
    }
  }
  return { file, features, label, rows, x, y };
}

/** Read and parse a CSV file (E_DATA if it cannot be read). */
export function readCsv(file: string, label: string): Dataset {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw dataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the --data/--train path`);
  }
  return parseCsv(text, file, label);
}

/** Serialise a dataset back to CSV (label last), numbers in round-trip form. */
export function toCsv(ds: Dataset, rowIdx?: ArrayLike<number>): string {
  const d = ds.features.length;
  const idx = rowIdx ?? Array.from({ length: ds.rows }, (_, i) => i);
  const out: string[] = [[...ds.features, ds.label].join(',')];
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    const cells: string[] = [];
    for (let j = 0; j < d; j++) cells.push(String(ds.x[r * d + j]));
    cells.push(String(ds.y[r]));
    out.push(cells.join(','));
  }
  return out.join('\n') + '\n';
}

/** Rows of a dataset selected by index (copy). */
export function selectRows(ds: Dataset, rowIdx: ArrayLike<number>): Dataset {
  const d = ds.features.length;
  const x = new Float64Array(rowIdx.length * d);
  const y = new Float64Array(rowIdx.length);
  for (let i = 0; i < rowIdx.length; i++) {
    const r = rowIdx[i]!;
    x.set(ds.x.subarray(r * d, r * d + d), i * d);
    y[i] = ds.y[r]!;
  }
  return { ...ds, rows: rowIdx.length, x, y };
}

/** Keep the named feature columns, in that order (E_DATA naming the first missing one). */
export function selectColumns(ds: Dataset, names: readonly string[]): Dataset {
  if (names.length === 0) return ds;
  const idx = names.map((c) => {
    const j = ds.features.indexOf(c);
    if (j < 0) throw new DataError(ds.file, `no column "${c}" (the job lists it in "features"; the file has ${ds.features.join(', ')})`, `no column "${c}"`);
    return j;
  });
  const d = ds.features.length;
  const x = new Float64Array(ds.rows * idx.length);
  for (let i = 0; i < ds.rows; i++) idx.forEach((j, k) => (x[i * idx.length + k] = ds.x[i * d + j]!));
  return { ...ds, features: [...names], x };
}
