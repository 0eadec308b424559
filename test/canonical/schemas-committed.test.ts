/** The JSON Schemas in schemas/ are what suppliers receive: they must match the zod schemas exactly. */
import fs from 'node:fs';
import path from 'node:path';
import { listSchemas } from '../../lib/canonical';

const DIR = path.resolve(__dirname, '..', '..', 'schemas');

describe('schemas/ (the supplier contract)', () => {
  it.each(listSchemas().map((s) => [s.id, s] as const))('%s is committed and current (npm run schemas)', (id, entry) => {
    const file = path.join(DIR, `${id}.json`);
    expect(fs.existsSync(file)).toBe(true);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(entry.jsonSchema())));
  });
});
