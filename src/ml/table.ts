import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
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

/** The validated, trimmed header of a table from its first non-blank line (`hl`: its 1-based line number). */
function parseHeader(line: string, file: string, hl: number): string[] {
  const header = line.replace(/^\uFEFF/, '').split(',').map((h) => h.trim());
  const seen = new Set<string>();
  header.forEach((h, j) => {
    if (h === '') throw new DataError(file, `line ${hl} (header), column ${j + 1}: empty column name; every column needs a name`);
    if (NUMBER.test(h)) throw new DataError(file, `line ${hl}, column ${j + 1}: "${h}" looks like a number, not a column name; the file needs a header row`, `line ${hl}: the file has no header row`);
    if (seen.has(h)) throw new DataError(file, `line ${hl} (header): column "${h}" appears twice`);
    seen.add(h);
  });
  return header;
}

/** The trimmed cells of a data line (E_DATA naming the line when the count differs from the header's). */
function rowCells(line: string, width: number, file: string, lineNo: number): string[] {
  const cells = line.split(',');
  if (cells.length !== width) throw new DataError(file, `line ${lineNo}: ${cells.length} cells, but the header has ${width} columns`);
  for (let j = 0; j < width; j++) cells[j] = cells[j]!.trim();
  return cells;
}

const NO_HEADER = 'the file is empty; expected a header row naming the columns';
const NO_ROWS = 'the file has a header but no data rows';

/**
 * Parse CSV text into a RawTable. E_DATA (naming the line) for an empty file, an empty,
 * numeric-looking or duplicate header name, a row with the wrong number of cells, or no rows.
 * Blank lines are skipped.
 */
export function parseTable(text: string, file: string): RawTable {
  const all = text.split(/\r?\n/);
  let first = 0;
  while (first < all.length && all[first]!.trim() === '') first++;
  if (first === all.length) throw new DataError(file, NO_HEADER);
  const header = parseHeader(all[first]!, file, first + 1);
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let i = first + 1; i < all.length; i++) {
    const line = all[i]!;
    if (line.trim() === '') continue;
    rows.push(rowCells(line, header.length, file, i + 1));
    lines.push(i + 1);
  }
  if (rows.length === 0) throw new DataError(file, NO_ROWS);
  return { file, header, rows, lines };
}

/**
 * A table read one row at a time, so that a caller that keeps only some columns as numbers
 * (src/ml/encode.ts) never holds the file's text or a matrix of cell strings: at 200,000 × 31
 * that matrix is ~90 MB of heap for a 17 MB file, and V8 keeps the pages for the whole run.
 */
export interface TableSource {
  /** Where it came from (for local error messages only; never sent to peers). */
  file: string;
  header: string[];
  /** At least the number of data rows (for preallocation). */
  maxRows: number;
  /** Calls `fn` with each data row's trimmed cells (valid during the call only) and its 1-based file line. */
  forEachRow(fn: (cells: readonly string[], line: number) => void): void;
}

/** A parsed RawTable as a TableSource. */
export function rawSource(t: RawTable): TableSource {
  return {
    file: t.file, header: t.header, maxRows: t.rows.length,
    forEachRow(fn) { for (let r = 0; r < t.rows.length; r++) fn(t.rows[r]!, t.lines[r]!); },
  };
}

// 64 KiB: a chunk's text then dies young. A 1 MiB string goes to V8's large-object space and
// lives until a full collection: read in 1 MiB chunks, a 17 MB file left ~35 MB of them behind.
const CHUNK = 1 << 16;

/** Calls `fn` with each 64 KiB chunk of a file (`n` bytes of `buf`, then n = 0 at the end) until it returns false. E_DATA naming the errno when the file cannot be read. */
function forEachChunk(file: string, fn: (buf: Buffer, n: number) => boolean | void): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw readError(file, e);
  }
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        throw readError(file, e);
      }
      if (fn(buf, n) === false || n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

function readError(file: string, e: unknown): DataError {
  return new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the --data/--train path`, 'cannot read its data file');
}

/** Calls `fn` with each line of a file (without its `\r\n`/`\n`) and its 1-based number, until it returns false. */
function forEachLine(file: string, fn: (line: string, lineNo: number) => boolean | void): void {
  const dec = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  const emit = (line: string): boolean => fn(line.endsWith('\r') ? line.slice(0, -1) : line, ++lineNo) !== false;
  forEachChunk(file, (buf, n) => {
    const text = n > 0 ? rest + dec.write(buf.subarray(0, n)) : rest + dec.end();
    let at = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
      if (!emit(text.slice(at, nl))) return false;
      at = nl + 1;
    }
    rest = text.slice(at);
    return n > 0 || emit(rest);
  });
}

/** The number of lines of a file, counting a last one without a newline (a cheap pass that never decodes text). */
function countLines(file: string): number {
  let count = 0;
  let last = 10;
  forEachChunk(file, (buf, n) => {
    for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) count++;
    if (n > 0) last = buf[n - 1]!;
  });
  return last === 10 ? count : count + 1;
}

/**
 * Open a CSV file as a TableSource that streams it (same format and errors as readTable, which
 * holds the whole table; E_DATA naming the line). The header is read and checked here; the rows
 * on each forEachRow.
 */
export function openTable(file: string): TableSource {
  let header: string[] | undefined;
  let headerLine = 0;
  forEachLine(file, (line, no) => {
    if (line.trim() === '') return;
    header = parseHeader(line, file, no);
    headerLine = no;
    return false;
  });
  if (!header) throw new DataError(file, NO_HEADER);
  const h = header;
  const maxRows = Math.max(0, countLines(file) - headerLine);
  return {
    file, header: h, maxRows,
    forEachRow(fn) {
      let rows = 0;
      forEachLine(file, (line, no) => {
        if (no <= headerLine || line.trim() === '') return;
        if (++rows > maxRows) throw new DataError(file, 'the file grew while it was read; read it again when it is complete', 'its data file changed while it was read');
        fn(rowCells(line, h.length, file, no), no);
      });
      if (rows === 0) throw new DataError(file, NO_ROWS);
    },
  };
}

/** Read and parse a CSV file (E_DATA if it cannot be read; the message names the errno, not the contents). */
export function readTable(file: string): RawTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw readError(file, e);
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
