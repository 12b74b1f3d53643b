import { expect } from 'chai';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTable, parseTable, readTable, type TableSource } from '../../src/ml/table.js';
import { encodeLocal, tableSpec, type LocalTable } from '../../src/ml/encode.js';
import { encodeVertical } from '../../src/ml/vertical-table.js';
import { validateJob } from '../../src/ml/job.js';
import { isConcordError } from '../../src/errors.js';
import { messyCsv, MESSY_JOB } from '../helpers/messy-table.js';

/**
 * openTable streams a CSV in 64 KiB chunks and encodeLocal keeps only the used columns, so a
 * party never holds the file's text or its cell strings. Every test compares the stream with the
 * whole-file reader (readTable → parseTable), which is the reference: same numbers, labels, line
 * numbers, IDs and the same errors.
 */

const JOB = validateJob(MESSY_JOB, 'test');

/** Both readings of one file: the whole-file table and the stream, encoded with the same spec. */
function bothWays(file: string, job = JOB): [LocalTable, LocalTable] {
  const raw = readTable(file);
  const src = openTable(file);
  expect(src.header).to.deep.equal(raw.header);
  return [encodeLocal(raw, tableSpec(job, raw.header), 'required'), encodeLocal(src, tableSpec(job, src.header), 'required')];
}

/** The error of `f` (fails the test when it throws nothing). */
function errorOf(f: () => unknown): Error & { code: string; shareable?: string } {
  try {
    f();
  } catch (e) {
    return e as Error & { code: string; shareable?: string };
  }
  throw new Error('expected an error');
}

/** Typed arrays as plain lists (NaN stays NaN, and deep.equal treats NaN as equal to NaN). */
const plain = (t: LocalTable) => ({ rows: t.rows, values: t.values.map((v) => Array.from(v)), y: Array.from(t.y!), lines: t.lines });

describe('ml/table: streamed reading (openTable) against the whole-file reader', function () {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-stream-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a messy table of 6,000 rows (several chunks) with CRLF, a BOM, blank lines and no final newline reads the same', () => {
    const csv = messyCsv(6000, 11);
    expect(csv.length).to.be.greaterThan(4 * 65536);
    const lines = csv.trimEnd().split('\n');
    // Blank lines before the header, inside and at the end; CRLF endings; a BOM; no last newline.
    const variants: Record<string, string> = {
      lf: csv,
      crlf: '\uFEFF' + lines.join('\r\n'),
      blanks: '\n  \n' + lines.slice(0, 3000).join('\n') + '\n\n \r\n' + lines.slice(3000).join('\n') + '\n\n\n',
    };
    for (const [name, text] of Object.entries(variants)) {
      const file = join(dir, `${name}.csv`);
      writeFileSync(file, text);
      const [whole, streamed] = bothWays(file);
      expect(streamed.rows, name).to.equal(6000);
      expect(plain(streamed), name).to.deep.equal(plain(whole));
    }
  });

  it('multi-byte UTF-8 levels split across chunk boundaries decode as in the whole file', () => {
    const levels = ['東京都港区', '大阪府北区', 'Zürich-Ünterstraße', '🏥北病院東棟'];
    const job = validateJob({ label: 'y', features: ['city', 'v'], categorical: { city: levels } }, 't');
    const rows = ['city,v,y'];
    for (let i = 0; i < 20000; i++) rows.push(`${levels[i % 4]},${(i % 97) / 7},${i % 2}`);
    const text = rows.join('\n') + '\n';
    // The reference only means something if a chunk boundary falls inside a character.
    const bytes = Buffer.from(text);
    const splits = [...Array(Math.floor(bytes.length / 65536)).keys()].filter((k) => (bytes[(k + 1) * 65536]! & 0xc0) === 0x80);
    expect(splits.length).to.be.greaterThan(0);
    const file = join(dir, 'utf8.csv');
    writeFileSync(file, text);
    const [whole, streamed] = bothWays(file, job);
    expect(plain(streamed)).to.deep.equal(plain(whole));
    expect(Array.from(streamed.values[0]!.subarray(0, 8))).to.deep.equal([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('a vertical table keeps its IDs, the same as the whole-file reader', () => {
    const job = validateJob({ label: 'label', id: 'id', partitioning: 'vertical', features: ['x1'] }, 't');
    const rows = ['id,x1,label'];
    for (let i = 0; i < 9000; i++) rows.push(` rec-${i} ,${i / 3},${i % 2}`);
    const file = join(dir, 'vertical.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const whole = encodeVertical(readTable(file), job, 'id');
    const streamed = encodeVertical(openTable(file), job, 'id');
    expect(streamed.ids).to.deep.equal(whole.ids);
    expect(streamed.ids[8999]).to.equal('rec-8999');
    expect(Array.from(streamed.local.values[0]!)).to.deep.equal(Array.from(whole.local.values[0]!));
  });

  it('every table error is the same, naming file and line; the shareable form quotes no cell and no path', () => {
    const job = validateJob({ label: 'y', positiveClass: 'pos', features: ['a', 'c'], categorical: { c: ['X', 'Y'] } }, 't');
    const cases: string[] = [
      '',
      '\n \n',
      'a,c,y\n',
      'a,c,y\n\n\n',
      '1,2,3\n1,X,pos\n',
      'a,a,y\n1,X,pos\n',
      'a,,y\n1,X,pos\n',
      'a,c,y\n1,X,pos\n2,Y\n',
      'a,c,y\n1,X,pos\n2,SECRET-LEVEL,neg\n',
      'a,c,y\n1,X,pos\nSECRET-4111,Y,neg\n',
      'a,c,y\n1,X,pos\n2,Y,?\n',
      'a,y\n1,pos\n',
      'a,c,y\n1e31,X,pos\n',
    ];
    const path = join(dir, 'SECRET-path.csv');
    for (const csv of cases) {
      writeFileSync(path, csv);
      const read = (t: () => TableSource | ReturnType<typeof readTable>) => errorOf(() => {
        const table = t();
        encodeLocal(table, tableSpec(job, table.header), 'required');
      });
      const whole = read(() => readTable(path));
      const streamed = read(() => openTable(path));
      expect(isConcordError(streamed, 'E_DATA'), `${JSON.stringify(csv)}: ${streamed}`).to.equal(true);
      expect(streamed.message, JSON.stringify(csv)).to.equal(whole.message).and.to.contain(path);
      expect(streamed.shareable).to.equal(whole.shareable).and.not.to.match(/SECRET|concord-stream/);
    }
  });

  it('an unreadable file and a file that grows while it is read stop with E_DATA', () => {
    const missing = errorOf(() => openTable(join(dir, 'no-such.csv')));
    expect(isConcordError(missing, 'E_DATA')).to.equal(true);
    expect(missing.message).to.match(/cannot read the file \(ENOENT\); check the --data\/--train path/);
    const file = join(dir, 'growing.csv');
    writeFileSync(file, 'a,y\n1,0\n2,1\n');
    const src = openTable(file);
    appendFileSync(file, '3,0\n4,1\n');
    const grew = errorOf(() => encodeLocal(src, tableSpec(validateJob({ label: 'y' }, 't'), src.header), 'required'));
    expect(isConcordError(grew, 'E_DATA')).to.equal(true);
    expect(grew.message).to.match(/the file grew while it was read/);
  });

  it('a stream is read again on each pass (a test set is checked, then predicted)', () => {
    const file = join(dir, 'twice.csv');
    writeFileSync(file, messyCsv(500, 3));
    const src = openTable(file);
    const spec = tableSpec(JOB, src.header);
    expect(plain(encodeLocal(src, spec, 'required'))).to.deep.equal(plain(encodeLocal(src, spec, 'required')));
    expect(plain(encodeLocal(src, spec, 'required'))).to.deep.equal(plain(encodeLocal(parseTable(messyCsv(500, 3), file), spec, 'required')));
  });
});
