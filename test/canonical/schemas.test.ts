import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { z } from 'zod';
import {
  getSchema,
  listSchemas,
  registerSchema,
  supplierPriceSchema,
  poAckSchema,
  inventoryEventSchema,
  compileMapping,
} from '../../lib/canonical';
import { writeSchemas } from '../../scripts/schemas';

describe('schema registry', () => {
  it('lists the six canonical objects with name, version and id', () => {
    expect(listSchemas().map((e) => e.id)).toEqual(
      expect.arrayContaining(['supplier-price@1', 'purchase-order@1', 'po-ack@1', 'shipment-notice@1', 'supplier-invoice@1', 'inventory-event@1']),
    );
    for (const e of listSchemas()) {
      expect(e.id).toBe(`${e.name}@${e.version}`);
      expect(e.description.length).toBeGreaterThan(10);
    }
  });

  it('looks up by id, by name and version, and by name for the latest version', () => {
    expect(getSchema('supplier-price@1')?.schema).toBe(supplierPriceSchema);
    expect(getSchema('supplier-price', 1)?.id).toBe('supplier-price@1');
    expect(getSchema('supplier-price')?.id).toBe('supplier-price@1');
    expect(getSchema('supplier-price@2')).toBeUndefined();
    expect(getSchema('supplier-price@1', 2)).toBeUndefined();
    expect(getSchema('nope')).toBeUndefined();
  });

  it('lists the target fields a mapping can use, lines included', () => {
    expect(getSchema('supplier-price@1')?.targetFields).toEqual([
      'supplierCode',
      'supplierProductCode',
      'internalRef',
      'productName',
      'price',
      'currency',
      'minQty',
      'uom',
      'leadTimeDays',
      'validFrom',
      'validTo',
      'discountPercent',
    ]);
    const ack = getSchema('po-ack@1');
    expect(ack?.targetFields).toEqual(expect.arrayContaining(['lines', 'lines[].status', 'lines[].confirmedQty', 'lines[].promisedDate']));
    expect(ack?.fieldByPath.get('lines[].status')).toMatchObject({ kind: 'enum', required: true, values: ['accepted', 'changed', 'rejected', 'backordered'] });
    expect(ack?.fieldByPath.get('acknowledgedAt')).toMatchObject({ kind: 'datetime', required: true });
    expect(getSchema('supplier-invoice@1')?.targetFields).toEqual(expect.arrayContaining(['totals', 'totals.total', 'lines[].lineTotal']));
    expect(getSchema('supplier-price@1')?.fieldByPath.get('price')).toMatchObject({ kind: 'number', expected: 'number ≥ 0' });
    expect(getSchema('supplier-price@1')?.fieldByPath.get('leadTimeDays')).toMatchObject({ kind: 'integer', expected: 'whole number from 0 to 3650' });
    expect(getSchema('supplier-price@1')?.fieldByPath.get('internalRef')).toMatchObject({ maxLength: 64, expected: 'text of 1 to 64 characters' });
  });

  it('registers a new canonical object for mappings, once', () => {
    const schema = z.object({ code: z.string().min(1).max(10), weightKg: z.number().positive() });
    const entry = registerSchema({ name: 'test-parcel', version: 1, schema, description: 'A parcel, for this test.' });
    expect(getSchema('test-parcel')).toBe(entry);
    expect(() => registerSchema({ name: 'test-parcel', version: 1, schema, description: 'again' })).toThrow(/already registered/);
    expect(() => registerSchema({ name: 'Test Parcel', version: 1, schema, description: 'x' })).toThrow(/kebab-case/);
    const m = compileMapping({ schema: 'test-parcel@1', specVersion: 1, fields: { code: { path: 'c' }, weightKg: { path: 'w', number: { decimal: ',' }, convert: { from: 'g', to: 'kg' } } } });
    expect(m.mapSync({ c: 'P1', w: '1500' })).toEqual({ ok: true, value: { code: 'P1', weightKg: 1.5 } });
  });
});

describe('canonical schemas', () => {
  const price = {
    supplierCode: 'ACME',
    supplierProductCode: 'A-1',
    internalRef: 'FURN_1',
    price: 0,
    currency: 'EUR',
    minQty: 0.5,
    uom: 'kg',
    leadTimeDays: 0,
    validFrom: '2026-01-01',
    validTo: '2026-01-01',
  };

  it('accepts a canonical supplier price and rejects the business-rule breaks', () => {
    expect(supplierPriceSchema.safeParse(price).success).toBe(true);
    const bad = (patch: Record<string, unknown>) => supplierPriceSchema.safeParse({ ...price, ...patch }).success;
    expect(bad({ price: -0.01 })).toBe(false);
    expect(bad({ minQty: 0 })).toBe(false);
    expect(bad({ currency: 'eur' })).toBe(false);
    expect(bad({ currency: 'EURO' })).toBe(false);
    expect(bad({ leadTimeDays: 1.5 })).toBe(false);
    expect(bad({ validFrom: '01.01.2026' })).toBe(false);
    expect(bad({ validTo: '2025-12-31' })).toBe(false);
    expect(bad({ internalRef: 'X'.repeat(65) })).toBe(false);
    expect(bad({ discountPercent: 101 })).toBe(false);
  });

  it('requires offsets on acknowledgement and event timestamps', () => {
    const ack = { poNumber: 'P1', supplierCode: 'S', acknowledgedAt: '2026-03-31T09:15:00', lines: [{ lineRef: '1', status: 'accepted', confirmedQty: 1 }] };
    expect(poAckSchema.safeParse(ack).success).toBe(false);
    expect(poAckSchema.safeParse({ ...ack, acknowledgedAt: '2026-03-31T09:15:00+02:00' }).success).toBe(true);
    expect(poAckSchema.safeParse({ ...ack, acknowledgedAt: '2026-03-31T07:15:00Z', lines: [{ status: 'accepted', confirmedQty: 1 }] }).success).toBe(false);
    const ev = { eventId: 'e', site: 's', location: 'l', internalRef: 'r', kind: 'count', quantity: 1, uom: 'Units', occurredAt: '2026-03-31T07:15:00.123Z' };
    expect(inventoryEventSchema.safeParse(ev).success).toBe(true);
    expect(inventoryEventSchema.safeParse({ ...ev, occurredAt: '2026-03-31' }).success).toBe(false);
  });

  it('exports each as JSON Schema for suppliers (npm run schemas)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schemas-'));
    const files = writeSchemas(dir);
    const names = files.map((f) => path.basename(f));
    expect(names).toEqual(expect.arrayContaining(['supplier-price@1.json', 'po-ack@1.json', 'inventory-event@1.json']));
    const js = JSON.parse(fs.readFileSync(path.join(dir, 'supplier-price@1.json'), 'utf8'));
    expect(js).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:node-red-contrib-odoo-supply:canonical:supplier-price@1',
      title: 'Supplier price',
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['supplierCode', 'price', 'currency', 'minQty', 'uom', 'leadTimeDays']),
    });
    expect(js.properties.currency).toMatchObject({ type: 'string', pattern: '^[A-Z]{3}$' });
    expect(js.properties.validFrom).toMatchObject({ type: 'string', format: 'date' });
    expect(js.properties.productName).toMatchObject({ maxLength: 256 });
    const ack = JSON.parse(fs.readFileSync(path.join(dir, 'po-ack@1.json'), 'utf8'));
    expect(ack.properties.acknowledgedAt).toMatchObject({ format: 'date-time' });
    expect(ack.properties.lines.items.properties.status.enum).toEqual(['accepted', 'changed', 'rejected', 'backordered']);
    fs.rmSync(dir, { recursive: true });
  });
});
