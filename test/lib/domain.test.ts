import { parseDomain } from '../../lib/odoo/domain';
import { andAll } from '../../lib/odoo/client';

describe('domain check before the call', () => {
  it('accepts Odoo domains, as JSON text too', () => {
    expect(parseDomain('[["default_code", "=like", "W-%"]]')).toEqual([['default_code', '=like', 'W-%']]);
    expect(parseDomain(['|', ['a', '=', 1], '!', ['b', 'in', [1, 2]]])).toHaveLength(4);
    expect(parseDomain(undefined)).toEqual([]);
  });

  it.each([
    ['{"name": 1}', /must be a list/],
    ['[["name", "=="]]', /term 1 must have 3 parts/],
    ['[["name", "like!", "x"]]', /unknown operator "like!"/],
    ['["garbage"]', /term 1 must be a \[field, operator, value\]/],
    ['[[', /not valid JSON/],
    ['["|", ["a", "=", 1]]', /1 "&"\/"\|" operators for 1 terms/],
  ])('rejects %s with a message naming the problem', (domain, message) => {
    expect(() => parseDomain(domain)).toThrow(message);
    try {
      parseDomain(domain);
    } catch (e) {
      expect(e).toMatchObject({ code: 'BAD_INPUT', transient: false });
    }
  });

  it('composes a domain with an extra term', () => {
    expect(andAll([['a', '=', 1], ['b', '=', 2]])).toEqual(['&', ['a', '=', 1], ['b', '=', 2]]);
    expect(andAll(['|', ['a', '=', 1], ['b', '=', 2]])).toEqual(['|', ['a', '=', 1], ['b', '=', 2]]);
  });
});
