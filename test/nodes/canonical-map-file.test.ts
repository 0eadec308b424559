/**
 * canonical-map given the supplier's file itself: the same objects and the
 * same file lines whatever the encoding, a file that does not fit is one
 * message on the error output, and the editor's Try it panel agrees.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as iconv from 'iconv-lite';
import { helper, until } from '../helpers/red';
import canonicalMapNode = require('../../nodes/canonical-map/canonical-map');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const csvNode = require('@node-red/nodes/core/parsers/70-CSV.js');

const MAPPINGS = path.resolve(__dirname, '..', '..', 'mappings');
const ACME_SPEC = fs.readFileSync(path.join(MAPPINGS, 'acme-tools.price-list.json'), 'utf8');
const ACME_CSV = fs.readFileSync(path.join(MAPPINGS, 'acme-tools.price-list.sample.csv'), 'utf8');

beforeEach((done) => {
  helper.startServer(done);
});
afterEach(async () => {
  await helper.unload();
  await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
});

async function mapNode(extra: Record<string, unknown> = {}) {
  await helper.load([csvNode, canonicalMapNode] as any, [
    { id: 'cm', type: 'canonical-map', direction: 'to-canonical', mapping: ACME_SPEC, output: 'grouped', wires: [['ok'], ['bad']], ...extra },
    { id: 'ok', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ]);
  const ok: any[] = [];
  const bad: any[] = [];
  helper.getNode('ok').on('input', (m: any) => ok.push(m));
  helper.getNode('bad').on('input', (m: any) => bad.push(m));
  return { cm: helper.getNode('cm'), ok, bad };
}

describe('canonical-map reads the file in msg.payload', () => {
  it.each([
    ['utf-8', Buffer.from(ACME_CSV)],
    ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ACME_CSV)])],
    ['windows-1252', iconv.encode(ACME_CSV, 'windows-1252')],
  ])('%s: valid objects with their file lines, problems on the file lines', async (_name, bytes) => {
    const { cm, ok, bad } = await mapNode();
    cm.receive({ payload: bytes, file: { name: 'preise.csv' } });
    await until(() => ok.length === 1 && bad.length === 1, 'two messages');
    expect(ok[0].payload.map((p: any) => p.supplierProductCode)).toEqual(['A-1001', 'A-1002', 'A-1003']);
    expect(ok[0].payload[1]).toMatchObject({ currency: 'EUR', validFrom: '2026-01-01', validTo: '2026-12-31' });
    expect(ok[0].canonical).toMatchObject({ rows: [2, 3, 4], skipped: { blank: [5] }, file: { format: 'csv', rows: 7 } });
    expect(ok[0].file).toEqual({ name: 'preise.csv' });
    expect([...new Set(bad[0].error.details.problems.map((p: any) => p.row))]).toEqual([6, 7, 8]);
  });

  it('a file that does not fit: one message on the error output with the file untouched, nothing on output 1', async () => {
    const { cm, ok, bad } = await mapNode();
    const latin1AsText = iconv.encode(ACME_CSV, 'windows-1252').toString('utf8');
    cm.receive({ payload: latin1AsText });
    const commas = Buffer.from(ACME_CSV.replace(/;/g, ','));
    cm.receive({ payload: commas });
    cm.receive({ payload: Buffer.alloc(0) });
    await until(() => bad.length === 3, 'three errors');
    expect(ok).toEqual([]);
    expect(bad[0].payload).toBe(latin1AsText);
    expect(bad[0].error).toMatchObject({ code: 'BAD_INPUT', transient: false, details: { reason: 'encoding', missingColumns: ['Währung', 'Gültig ab', 'Gültig bis'] } });
    expect(bad[1].error.message).toMatch(/separated by ",", not ";"/);
    expect(Buffer.isBuffer(bad[1].payload) && bad[1].payload.equals(commas)).toBe(true);
    expect(bad[2].error.message).toBe('the file is empty (0 bytes)');
  });

  it("rows from Node-RED's own CSV node keep working, BOM and all", async () => {
    await helper.load([csvNode, canonicalMapNode] as any, [
      { id: 'parser', type: 'csv', sep: ';', hdrin: true, hdrout: 'none', multi: 'mult', ret: '\\n', temp: '', skip: '0', strings: false, wires: [['cm']] },
      { id: 'cm', type: 'canonical-map', direction: 'to-canonical', mapping: ACME_SPEC, output: 'grouped', wires: [['ok'], ['bad']] },
      { id: 'ok', type: 'helper' },
      { id: 'bad', type: 'helper' },
    ]);
    const ok: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    helper.getNode('parser').receive({ payload: '\ufeff' + ACME_CSV });
    await until(() => ok.length === 1, 'mapped rows');
    expect(ok[0].payload.map((p: any) => p.supplierProductCode)).toEqual(['A-1001', 'A-1002', 'A-1003']);
    expect(ok[0].payload[0].validFrom).toBe('2026-01-01');
  });

  it('Try it reads a pasted file as the runtime does: the same file lines', async () => {
    await mapNode();
    const res = await helper.request().post('/canonical-map/try').send({ mapping: ACME_SPEC, sampleText: ACME_CSV }).expect(200);
    expect(res.body.valid.map((v: any) => v.row)).toEqual([2, 3, 4]);
    expect(res.body.skippedBlank).toEqual([5]);
    expect(res.body.invalid.map((v: any) => v.row)).toEqual([6, 7, 8]);
    expect(res.body.invalid[0].problems[0].message).toMatch(/^row 6: duplicate of row 3/);
    const wrong = await helper.request().post('/canonical-map/try').send({ mapping: ACME_SPEC, sampleText: ACME_CSV.replace(/;/g, ',') }).expect(200);
    expect(wrong.body.fileError.message).toMatch(/separated by ","/);
  });
});
