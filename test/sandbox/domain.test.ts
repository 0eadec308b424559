import { ModelStore } from '../../sandbox/odoo/store';
import { OdooError } from '../../sandbox/odoo/errors';

// Expected results were cross-checked against a real Odoo 19 with the same records.
const store = new ModelStore({ seed: false });
const P = 'ZZ';
let ids: Record<string, number>;

function names(domain: unknown[], context: Record<string, unknown> = {}): string[] {
  const found = store.search('res.partner', [['id', 'in', Object.values(ids)], ...domain], { context });
  return found.map((id) => (store.get('res.partner', id)!.name as string).slice(P.length + 1)).sort();
}

function error(domain: unknown): { name: string; message: string } {
  try {
    store.search('res.partner', domain as unknown[]);
  } catch (err) {
    if (err instanceof OdooError) return { name: err.pyName, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

beforeAll(() => {
  const [alpha, beta, gamma, delta] = store.createMany('res.partner', [
    { name: `${P} Alpha`, ref: 'ZR1', email: 'a@x.example', is_company: true, supplier_rank: 3 },
    { name: `${P} beta`, ref: 'ZR2', is_company: true },
    { name: `${P} Gamma_1`, ref: '', email: 'g@x.example' },
    { name: `${P} Delta%`, supplier_rank: 1 },
  ]);
  const [kid, archived] = store.createMany('res.partner', [
    { name: `${P} Kid`, parent_id: alpha },
    { name: `${P} Archived`, active: false, parent_id: beta },
  ]);
  ids = { alpha, beta, gamma, delta, kid, archived };
});

const ALL = ['Alpha', 'Delta%', 'Gamma_1', 'Kid', 'beta'];

it.each<[unknown[], string[]]>([
  [[['name', 'ilike', '']], ALL],
  [[['name', 'like', 'alpha']], []],
  [[['name', 'ilike', 'ALPHA']], ['Alpha']],
  [[['name', '=like', 'ZZ G%']], ['Gamma_1']],
  [[['name', '=ilike', 'zz g%']], ['Gamma_1']],
  [[['name', 'like', '_']], ALL],
  [[['name', 'ilike', '%gamma\\_%']], ['Gamma_1']],
  [[['name', 'not ilike', 'a']], ['Kid']],
  [[['ref', '=', false]], ['Delta%', 'Gamma_1', 'Kid']],
  [[['ref', '=', '']], ['Delta%', 'Gamma_1', 'Kid']],
  [[['ref', '!=', false]], ['Alpha', 'beta']],
  [[['ref', '!=', 'ZR1']], ['Delta%', 'Gamma_1', 'Kid', 'beta']],
  [[['ref', 'in', ['ZR1', false]]], ['Alpha', 'Delta%', 'Gamma_1', 'Kid']],
  [[['ref', 'not in', ['ZR1']]], ['Delta%', 'Gamma_1', 'Kid', 'beta']],
  [[['ref', 'in', []]], []],
  [[['ref', 'not in', []]], ALL],
  [[['email', '=?', false]], ALL],
  [[['email', '=?', 'a@x.example']], ['Alpha']],
  [[['supplier_rank', '>', 0]], ['Alpha', 'Delta%']],
  [[['supplier_rank', '<', 1]], ['Gamma_1', 'Kid', 'beta']],
  [[['supplier_rank', '=', 0]], ['Gamma_1', 'Kid', 'beta']],
  [[['supplier_rank', '>=', '2']], ['Alpha']],
  [[['is_company', '=', false]], ['Delta%', 'Gamma_1', 'Kid']],
  [[['is_company', '!=', true]], ['Delta%', 'Gamma_1', 'Kid']],
  [['!', ['supplier_rank', '>', 0]], ['Gamma_1', 'Kid', 'beta']],
  [['|', ['ref', '=', 'ZR1'], ['ref', '=', 'ZR2']], ['Alpha', 'beta']],
  [['!', '|', ['ref', '=', 'ZR1'], ['ref', '=', 'ZR2']], ['Delta%', 'Gamma_1', 'Kid']],
  [['&', ['is_company', '=', true], '|', ['ref', '=', 'ZR1'], ['supplier_rank', '>', 5]], ['Alpha']],
  [[['parent_id', '=', false]], ['Alpha', 'Delta%', 'Gamma_1', 'beta']],
  [[['parent_id.ref', '=', 'ZR1']], ['Kid']],
  [[['parent_id', 'ilike', 'alpha']], ['Kid']],
  [[['parent_id', '=', `${P} Alpha`]], ['Kid']],
  [[['parent_id', 'not ilike', 'alpha']], ['Alpha', 'Delta%', 'Gamma_1', 'beta']],
  [[['child_ids', '!=', false]], ['Alpha']],
  [[['child_ids.name', 'ilike', 'kid']], ['Alpha']],
  [[['parent_id', 'any', [['ref', '=', 'ZR1']]]], ['Kid']],
  [[['parent_id', 'not any', [['ref', '=', 'ZR1']]]], ['Alpha', 'Delta%', 'Gamma_1', 'beta']],
  [[['active', '=', false]], ['Archived']],
  [[['active', 'in', [true, false]]], ['Alpha', 'Archived', 'Delta%', 'Gamma_1', 'Kid', 'beta']],
  [[['display_name', '=', `${P} Alpha`]], ['Alpha']],
  [[['name', 'in', `${P} Alpha`]], ['Alpha']],
  [[['name', '==', `${P} Alpha`]], ['Alpha']],
  [[['name', '<>', `${P} Alpha`]], ['Delta%', 'Gamma_1', 'Kid', 'beta']],
  [[['name', '<', `${P} beta`]], ['Alpha', 'Delta%', 'Gamma_1', 'Kid']],
  [[[1, '=', 1]], ALL],
  [[[0, '=', 1]], []],
  [[['ref', 'like', false]], ALL],
  [[['ref', 'not like', '']], []],
  [[['parent_id', 'like', '']], ['Kid']],
])('%j', (domain, expected) => {
  expect(names(domain)).toEqual(expected);
});

it('active_test=false in the context shows archived records', () => {
  expect(names([], { active_test: false })).toEqual(['Alpha', 'Archived', 'Delta%', 'Gamma_1', 'Kid', 'beta']);
});

it('child_of and parent_of follow the parent field', () => {
  expect(names([['id', 'child_of', ids.alpha]])).toEqual(['Alpha', 'Kid']);
  expect(names([['id', 'parent_of', ids.kid]])).toEqual(['Alpha', 'Kid']);
  expect(names([['id', 'child_of', []]])).toEqual([]);
  const seeded = new ModelStore();
  const stock = seeded.search('stock.location', [['id', 'child_of', 5]]);
  expect(stock.map((id) => seeded.get('stock.location', id)!.complete_name)).toEqual(['WH/Stock', 'WH/Stock/Shelf 1', 'WH/Stock/Shelf 2']);
  expect(seeded.count('stock.quant', [['location_id', 'child_of', 'WH/Stock']])).toBe(seeded.count('stock.quant', [['location_id.usage', '=', 'internal']]));
});

it.each<[unknown, string, string]>([
  [[['name', '=']], 'builtins.ValueError', "Domain() invalid item in domain: ['name', '=']"],
  [['garbage'], 'builtins.ValueError', "Domain() invalid item in domain: 'garbage'"],
  ['garbage', 'builtins.TypeError', "Domain() invalid argument type for domain: 'garbage'"],
  [[['x', '=', 1]], 'builtins.ValueError', "Invalid field res.partner.x in condition ('x', '=', 1)"],
  [[['name', '~~', 'x']], 'builtins.ValueError', "Invalid operator in condition ('name', '~~', 'x')"],
  [['|', ['name', '=', 'a']], 'builtins.ValueError', "Domain() malformed domain ['|', ['name', '=', 'a']]"],
  [[['parent_id', '<', 'abc']], 'builtins.TypeError', "Inequality not supported for relational field using a string in condition ('parent_id', '<', 'abc')"],
  [[['name', '=like', 5]], 'builtins.TypeError', "The pattern to match must be a string in condition ('name', '=like', 5)"],
  [[['', '=', 1]], 'builtins.TypeError', "Empty field name in condition ('', '=', 1)"],
  [[[2, '=', 1]], 'builtins.TypeError', "Domain() invalid arguments: (2, '=', 1)"],
  [[['name', 'any', [['x', '=', 1]]]], 'builtins.ValueError', "Cannot use 'any' with non-relational fields in condition ('name', 'any', [('x', '=', 1)])"],
])('malformed %j', (domain, name, message) => {
  expect(error(domain)).toEqual({ name, message });
});
