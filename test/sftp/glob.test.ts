/** File-name globs of supplier-sftp's include and exclude options. */
import { globMatcher } from '../../lib/sftp/glob';

it.each([
  ['*.csv', 'preise.csv', true],
  ['*.csv', 'preise.CSV', false],
  ['*.csv', '.hidden.csv', false],
  ['*', '.part', false],
  ['*-draft.*', 'a-draft.xlsx', true],
  ['preis?.csv', 'preis1.csv', true],
  ['preis?.csv', 'preis12.csv', false],
  ['*.{csv,xlsx}', 'a.xlsx', true],
  ['*.{csv,xlsx}', 'a.json', false],
  ['[0-9]*.csv', '2026-03.csv', true],
  ['[!0-9]*.csv', '2026-03.csv', false],
  ['sub/*.txt', 'sub/f.txt', true],
  ['sub/*.txt', 'sub/deeper/f.txt', false],
  ['**/*.csv', 'a/b/c.csv', true],
  ['**/*.csv', 'c.csv', true],
  ['a+b (1).csv', 'a+b (1).csv', true],
])('%s on %j: %s', (glob, name, expected) => {
  expect(globMatcher(glob)(name)).toBe(expected);
});
