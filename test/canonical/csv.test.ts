/** The CSV reader: RFC 4180 cells, file lines, and the same records however the text is cut into chunks. */
import { CsvReader, CsvSyntaxError, readCsv, type CsvOptions } from '../../lib/canonical/csv';

const opts: CsvOptions = { separator: ';', quote: '"', skipLines: 1, comment: '#' };
const TEXT = [
  'Preisliste 2026',
  'a;b;c',
  '# a comment',
  '1;"x;y";"he said ""hi"""',
  '',
  '2;"multi',
  'line";z\r',
  ';;',
  '3;"trailing"junk;\r',
  '4;5;6',
].join('\n');

function all(text: string, o = opts): Array<[number, string[]]> {
  const out: Array<[number, string[]]> = [];
  readCsv(text, o, (cells, line) => out.push([line, [...cells]]));
  return out;
}

describe('CSV reader', () => {
  it('reads quoted separators, doubled quotes, line breaks in quotes, CRLF, comments, empty and skipped lines, with the line each record starts on', () => {
    expect(all(TEXT)).toEqual([
      [2, ['a', 'b', 'c']],
      [4, ['1', 'x;y', 'he said "hi"']],
      [6, ['2', 'multi\nline', 'z']],
      [8, ['', '', '']],
      [9, ['3', 'trailingjunk', '']],
      [10, ['4', '5', '6']],
    ]);
  });

  it('gives the same records whatever the chunk size', () => {
    const whole = all(TEXT);
    for (const size of [1, 2, 3, 5, 8, 13]) {
      const out: Array<[number, string[]]> = [];
      const r = new CsvReader(opts);
      for (let i = 0; i < TEXT.length; i += size) r.push(TEXT.slice(i, i + size), i + size >= TEXT.length, (c, l) => out.push([l, [...c]]));
      expect(out).toEqual(whole);
    }
  });

  it('a separator of several characters, a tab, and an unclosed quote', () => {
    expect(all('a||b\n1||2', { separator: '||', quote: '"', skipLines: 0 })).toEqual([[1, ['a', 'b']], [2, ['1', '2']]]);
    expect(all('a\tb\n1\t2\n', { separator: '\t', quote: '"', skipLines: 0 })).toEqual([[1, ['a', 'b']], [2, ['1', '2']]]);
    expect(() => all('a;b\n1;"open\n2;3\n', { separator: ';', quote: '"', skipLines: 0 })).toThrow(new CsvSyntaxError('a quoted cell starting on line 2 is never closed', 2));
  });
});
