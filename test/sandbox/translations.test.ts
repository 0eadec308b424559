import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { json2 } from './helpers';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

describe('translated fields', () => {
  it('are read, shown in many2one values and searched in the context language, like Odoo 17+', async () => {
    const read = async (lang: string) => (await json2(sb, 'uom.uom', 'search_read', { domain: [['id', '=', 1]], fields: ['name', 'display_name'], context: { lang } })).json;
    expect(await read('fr_FR')).toEqual([{ id: 1, name: 'Unités', display_name: 'Unités' }]);
    expect(await read('en_US')).toEqual([{ id: 1, name: 'Units', display_name: 'Units' }]);
    const find = async (name: string, lang: string) => (await json2(sb, 'uom.uom', 'search', { domain: [['name', '=', name]], context: { lang } })).json;
    // Odoo compares with the value in the context language (falling back to en_US only where none is set)
    expect(await find('Units', 'fr_FR')).toEqual([]);
    expect(await find('Unités', 'fr_FR')).toEqual([1]);
    expect(await find('Units', 'en_US')).toEqual([1]);
    expect(await find('kg', 'fr_FR')).toEqual([16]);
    const product = (await json2(sb, 'product.product', 'search_read', { domain: [['uom_id', '=', 1]], fields: ['uom_id'], limit: 1, context: { lang: 'fr_FR' } })).json;
    expect(product[0].uom_id).toEqual([1, 'Unités']);
    // the store itself (tests) reads the source value
    expect(sb.store.read('uom.uom', [1], ['name'])[0]!.name).toBe('Units');
  });
});
