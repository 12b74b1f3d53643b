import { readFileSync } from 'node:fs';
import { DataError } from './csv.js';

/**
 * A CSV read as text, the way institutions export it: a header row, `,` separators, no quoting,
 * cells trimmed of surrounding whitespace. Cells stay strings here; src/ml/encode.ts decides per
 * column (numeric, categorical, label, ignored) what they mean, so a free-text or ID column that
 * the job does not use is never parsed.
 */
export interface RawTable {
  /** Where it came from (for local error messages only; never sent to peers). */
  file: string;
  header: string[];
  /** Data rows, each with header.length trimmed cells. */
  rows: string[][];
  /** File line number (1-based, header = 1) of each data row. */
  lines: number[];
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** True for an integer, decimal or exponent-notation number text (already trimmed). */
export function isNumberText(t: string): boolean {
  return NUMBER.test(t);
}

/**
 * Parse CSV text into a RawTable. E_DATA (naming the line) for an empty file, an empty,
 * numeric-looking or duplicate header name, a row with the wrong number of cells, or no rows.
 * Blank lines are skipped.
 */
export function parseTable(text: string, file: string): RawTable {
  const all = text.split(/\r?\n/);
  let first = 0;
  while (first < all.length && all[first]!.trim() === '') first++;
  if (first === all.length) throw new DataError(file, 'the file is empty; expected a header row naming the columns');
  const header = all[first]!.replace(/^\uFEFF/, '').split(',').map((h) => h.trim());
  const hl = first + 1;
  const seen = new Set<string>();
  header.forEach((h, j) => {
    if (h === '') throw new DataError(file, `line ${hl} (header), column ${j + 1}: empty column name; every column needs a name`);
    if (NUMBER.test(h)) throw new DataError(file, `line ${hl}, column ${j + 1}: "${h}" looks like a number, not a column name; the file needs a header row`, `line ${hl}: the file has no header row`);
    if (seen.has(h)) throw new DataError(file, `line ${hl} (header): column "${h}" appears twice`);
    seen.add(h);
  });
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let i = first + 1; i < all.length; i++) {
    const line = all[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length !== header.length) throw new DataError(file, `line ${i + 1}: ${cells.length} cells, but the header has ${header.length} columns`);
    rows.push(cells.map((c) => c.trim()));
    lines.push(i + 1);
  }
  if (rows.length === 0) throw new DataError(file, 'the file has a header but no data rows');
  return { file, header, rows, lines };
}

/** Read and parse a CSV file (E_DATA if it cannot be read; the message names the errno, not the contents). */
export function readTable(file: string): RawTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the --data/--train path`, 'cannot read its data file');
  }
  return parseTable(text, file);
}

/** The table restricted to some rows (copy of the row list; cells shared). */
export function tableRows(t: RawTable, idx: ArrayLike<number>): RawTable {
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let i = 0; i < idx.length; i++) {
    rows.push(t.rows[idx[i]!]!);
    lines.push(t.lines[idx[i]!]!);
  }
  return { ...t, rows, lines };
}

/** Serialise a table back to CSV text (header + rows, in order). */
export function tableCsv(t: RawTable, idx?: ArrayLike<number>): string {
  const sel = idx ? tableRows(t, idx) : t;
  return [t.header.join(','), ...sel.rows.map((r) => r.join(','))].join('\n') + '\n';
}
