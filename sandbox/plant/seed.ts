/** Creates in Odoo the products and locations the plant simulator names, when missing (by default_code / barcode). */
import type { OdooClient } from '../../lib/odoo/client';
import type { OdooVersion } from '../../lib/odoo/versions';
import type { PlantMasterData } from './simulator';

export async function seedPlantMasterData(client: OdooClient, data: PlantMasterData, version: OdooVersion): Promise<{ products: number; locations: number }> {
  const codes = data.products.map((p) => p.default_code);
  const have = new Set((await client.searchRead('product.product', { domain: [['default_code', 'in', codes]], fields: ['default_code'], context: { active_test: false } })).map((r) => String(r.default_code)));
  const missing = data.products.filter((p) => !have.has(p.default_code));
  for (let i = 0; i < missing.length; i += 500) await client.create('product.product', missing.slice(i, i + 500).map((p) => ({ ...p, ...version.fields.storableProduct })));
  const [wh] = await client.searchRead('stock.warehouse', { domain: [], fields: ['lot_stock_id'], limit: 1, order: 'id' });
  const parent = Array.isArray(wh?.lot_stock_id) ? (wh?.lot_stock_id[0] as number) : undefined;
  const haveLoc = new Set((await client.searchRead('stock.location', { domain: [['barcode', 'in', data.locations.map((l) => l.barcode)]], fields: ['barcode'] })).map((r) => String(r.barcode)));
  const newLocs = data.locations.filter((l) => !haveLoc.has(l.barcode));
  if (newLocs.length) await client.create('stock.location', newLocs.map((l) => ({ name: l.name, barcode: l.barcode, usage: 'internal', ...(parent ? { location_id: parent } : {}) })));
  return { products: missing.length, locations: newLocs.length };
}
