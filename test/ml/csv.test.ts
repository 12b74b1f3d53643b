import { expect } from 'chai';
import { parseCsv, selectColumns, toCsv, DataError } from '../../src/ml/csv.js';
import { isConcordError } from '../../src/errors.js';

function fails(text: string, pattern: RegExp): DataError {
  try {
    parseCsv(text, 'bank-a.csv', 'label');
  } catch (e) {
    expect(isConcordError(e, 'E_DATA'), String(e)).to.equal(true);
    expect((e as Error).message).to.match(/^bank-a\.csv: /);
    expect((e as Error).message).to.match(pattern);
    return e as DataError;
  }
  throw new Error('expected an E_DATA error');
}

describe('ml/csv', () => {
  it('parses a valid file, label by name anywhere', () => {
    const ds = parseCsv('a,label,b\n1.5,1,-2e-3\n0,0,3\n', 'f.csv', 'label');
    expect(ds.features).to.deep.equal(['a', 'b']);
    expect(ds.rows).to.equal(2);
    expect(Array.from(ds.x)).to.deep.equal([1.5, -0.002, 0, 3]);
    expect(Array.from(ds.y)).to.deep.equal([1, 0]);
    expect(parseCsv(toCsv(ds), 'g.csv', 'label').x).to.deep.equal(ds.x);
  });
  it('accepts CRLF line ends and a trailing blank line', () => {
    expect(parseCsv('a,label\r\n1,0\r\n\r\n', 'f.csv', 'label').rows).to.equal(1);
  });
  it('rejects an empty file', () => fails('', /empty/));
  it('rejects a file without a header', () => fails('1,2,0\n3,4,1\n', /header/));
  it('rejects a missing label column, naming it and the columns present', () => fails('a,b,y\n1,2,0\n', /no label column "label".*a, b, y/));
  it('rejects a duplicate column name', () => fails('a,a,label\n1,2,0\n', /"a" appears twice/));
  it('rejects a header-only file', () => fails('a,label\n', /no data rows/));
  it('rejects a row with too few cells, naming the line', () => fails('a,b,label\n1,2,0\n1,0\n', /line 3: 2 cells.*3 columns/));
  it('rejects an empty cell, naming line and column', () => fails('a,b,label\n1,,0\n', /line 2, column "b": empty cell/));
  it('rejects a non-numeric cell, naming line and column', () => {
    const e = fails('a,b,label\n1,2,0\n1,abc,1\n', /line 3, column "b": "abc" is not a finite number/);
    expect(e.shareable).to.not.contain('abc');
    expect(e.shareable).to.match(/line 3, column "b"/);
  });
  it('rejects NaN and Infinity cells', () => {
    fails('a,label\nNaN,0\n', /line 2, column "a": "NaN" is not a finite number/);
    fails('a,label\nInfinity,0\n', /is not a finite number/);
    fails('a,label\n1e999,0\n', /is not a finite number/);
  });
  it('rejects a label that is not 0/1, naming line and column', () => {
    const e = fails('a,label\n1,0\n2,2\n', /line 3, column "label": label 2 is not 0 or 1/);
    expect(e.shareable).to.not.match(/label 2/);
  });
  it('selectColumns keeps the named columns in order, rejects a missing one', () => {
    const ds = parseCsv('a,b,c,label\n1,2,3,0\n4,5,6,1\n', 'f.csv', 'label');
    expect(Array.from(selectColumns(ds, ['c', 'a']).x)).to.deep.equal([3, 1, 6, 4]);
    expect(() => selectColumns(ds, ['z'])).to.throw(/no column "z"/);
  });
});
