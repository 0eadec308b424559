/**
 * lib/intake on a real HTTP server and a real journal: a 202 only once the
 * upload is on disk (a simulated write error gives 503 and keeps nothing),
 * tokens per supplier, size limit, and the outcome a status URL reports.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileIo, type JournalIo } from '../../lib/resilience/journal';
import { handleStatus, handleUpload, type IntakeRoute } from '../../lib/intake/http';
import { IntakeStore, statusOf, type UploadRecord } from '../../lib/intake/store';
import { outcomeOf } from '../../lib/intake/outcome';
import { checkToken, tokenList } from '../../lib/intake/tokens';
import { createHash } from 'node:crypto';
import { intakeUploads, scrape } from '../../lib/metrics';

let dir: string;
let server: http.Server;
let base: string;
let store: IntakeStore;
let full = false;
const accepted: UploadRecord[] = [];
let tokens = 'acme-secret-1';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-'));
  const io: JournalIo = { write: (fh, b) => (full ? Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })) : fileIo.write(fh, b)), sync: fileIo.sync };
  store = await IntakeStore.open(path.join(dir, 'uploads.journal'), { io });
  const route: IntakeRoute = {
    supplier: 'acme-tools',
    document: 'price-list',
    maxBytes: 1000,
    tokens: () => tokenList(tokens),
    store: () => store,
    statusUrl: (_req, id) => `${base}/suppliers/acme-tools/price-list/uploads/${id}`,
    accepted: (rec) => accepted.push(rec),
  };
  server = http.createServer((req, res) => {
    const m = /^\/suppliers\/acme-tools\/price-list(?:\/uploads\/([^/]+))?$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'POST' && !m[1]) void handleUpload(route, req, res);
    else if (req.method === 'GET' && m[1]) handleStatus(route, req, res, m[1]);
    else res.writeHead(405).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await store.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

const post = (body: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/suppliers/acme-tools/price-list`, { method: 'POST', headers: { 'Content-Type': 'text/csv', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers }, body });

describe('upload', () => {
  it('answers 202 with id, correlation id and status URL once the bytes are in the journal', async () => {
    const res = await post('a;b\n1;2\n', 'acme-secret-1', { 'X-Correlation-Id': 'acme-2026-03' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, any>;
    // the supplier's own id is kept as its reference; the correlation id is the upload's, never reused
    expect(body).toMatchObject({ accepted: true, durable: true, stored: 'journal', correlationId: body.id, reference: 'acme-2026-03', state: 'received', size: 8 });
    expect(res.headers.get('location')).toBe(body.statusUrl);
    // on disk: a fresh store on the same file has it, with its bytes
    const again = await IntakeStore.open(path.join(dir, 'uploads.journal'));
    const rec = again.get(body.id)!;
    expect(again.bodyOf(rec)?.toString()).toBe('a;b\n1;2\n');
    expect(rec.sha256).toBe(createHash('sha256').update('a;b\n1;2\n').digest('hex'));
    await again.release();
    expect(accepted.map((a) => a.id)).toContain(body.id);
  });

  it('a write error (full disk) gives 503 and keeps nothing; the next upload goes through', async () => {
    const before = store.count;
    const seen = accepted.length;
    full = true;
    const res = await post('x;y\n', 'acme-secret-1');
    full = false;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(await res.json()).toMatchObject({ accepted: false, durable: false, error: { code: 'UNAVAILABLE' } });
    expect(store.count).toBe(before);
    expect(accepted.length).toBe(seen);
    expect((await post('x;y\n', 'acme-secret-1')).status).toBe(202);
  });

  it('401 without a token, 403 with a wrong one, 403 for every token once it is revoked', async () => {
    const none = await post('a\n');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post('a\n', 'nordic-secret')).status).toBe(403);
    // rotation: old and new side by side, one of them as its hash
    tokens = `acme-secret-1, sha256:${createHash('sha256').update('acme-secret-2').digest('hex')}`;
    expect((await post('a\n', 'acme-secret-2')).status).toBe(202);
    tokens = '';
    const revoked = await post('a\n', 'acme-secret-1');
    expect(revoked.status).toBe(403);
    expect(((await revoked.json()) as any).error.message).toMatch(/not enabled/);
    tokens = 'acme-secret-1';
  });

  it('a body parsed before us (Node-RED\'s editor app on the same root parses JSON) is taken as parsed', async () => {
    const parsed = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        Object.assign(req, { _body: true, body: JSON.parse(raw) });
        void handleUpload({ supplier: 'acme-tools', document: 'po-ack', maxBytes: 1000, tokens: () => ['t'], store: () => store, statusUrl: () => 'x', accepted: () => undefined }, req, res);
      });
    });
    await new Promise<void>((r) => parsed.listen(0, '127.0.0.1', r));
    const res = await fetch(`http://127.0.0.1:${(parsed.address() as AddressInfo).port}/`, { method: 'POST', headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' }, body: '{"a": 1}' });
    const body = (await res.json()) as { id: string };
    parsed.closeAllConnections();
    await new Promise((r) => parsed.close(r));
    expect(res.status).toBe(202);
    expect(JSON.parse(store.bodyOf(store.get(body.id)!)!.toString())).toEqual({ a: 1 });
  });

  it('413 for an upload above the limit, with or without a Content-Length', async () => {
    expect((await post('x'.repeat(1001), 'acme-secret-1')).status).toBe(413);
    const chunked = await fetch(`${base}/suppliers/acme-tools/price-list`, {
      method: 'POST',
      headers: { Authorization: 'Bearer acme-secret-1' },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode('y'.repeat(300)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('the status URL needs the token and shows only this route\'s uploads', async () => {
    const res = await post('h\n1\n', 'acme-secret-1');
    const { statusUrl, id } = (await res.json()) as { statusUrl: string; id: string };
    expect((await fetch(statusUrl)).status).toBe(401);
    const ok = await fetch(statusUrl, { headers: { Authorization: 'Bearer acme-secret-1' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id, state: 'received', durable: true, applied: [], refused: [] });
    expect((await fetch(`${base}/suppliers/acme-tools/price-list/uploads/nope`, { headers: { Authorization: 'Bearer acme-secret-1' } })).status).toBe(404);
  });
});

describe('outcomes', () => {
  const file = { format: 'csv', encoding: 'utf-8', rows: 5 };
  it('lines applied, refused with problems, skipped: done once every line is accounted for', async () => {
    const rec = await store.accept({ supplier: 'acme-tools', document: 'price-list', via: 'http', body: Buffer.from('...') });
    // refused by the mapping (file lines 3 and 5), as retry-gate gives it up
    await store.record(rec.id, outcomeOf({ canonical: { rows: undefined, file, skipped: { blank: [6], duplicate: [] } }, error: { message: '2 rows do not fit', code: 'VALIDATION', transient: false, source: { type: 'canonical-map' }, details: { problems: [{ row: 3, message: 'row 3, price: expected number' }, { row: 5, message: 'row 5, uom: unknown' }, { row: 5, message: 'row 5, date: invalid' }] } }, retry: { gaveUp: 'permanent' } }));
    expect(store.get(rec.id)?.state).toBe('processing');
    // odoo-write applied two of three planned rows (its rows 1 and 3 = file lines 2 and 7) …
    await store.record(rec.id, outcomeOf({ canonical: { rows: [2, 4, 7], file }, odoo: { ids: [1, 2], rows: [1, 3] } }));
    // … and refused its row 2 (file line 4), permanently
    await store.record(rec.id, outcomeOf({ canonical: { rows: [2, 4, 7], file }, error: { message: 'x', transient: false, source: { type: 'odoo-write' }, details: { failures: [{ row: 2, message: 'product unknown' }] } }, retry: { gaveUp: 'permanent' } }));
    const status = statusOf(store.get(rec.id)!);
    expect(status).toMatchObject({
      state: 'done',
      summary: { lines: 5, applied: 2, refused: 3, parked: 0, skipped: 1 },
      applied: [2, 7],
      refused: [
        { line: 3, problems: ['row 3, price: expected number'] },
        { line: 4, problems: ['product unknown'] },
        { line: 5, problems: ['row 5, uom: unknown', 'row 5, date: invalid'] },
      ],
      skipped: { blank: [6], duplicate: [] },
    });
    // a finished upload drops its bytes, keeps its status, and survives a reopen
    expect(store.get(rec.id)?.body).toBeUndefined();
    const again = await IntakeStore.open(store.file);
    expect(statusOf(again.get(rec.id)!)).toEqual(status);
    await again.release();
  });

  it('a transient give-up parks the lines; a file error fails the whole upload', async () => {
    const a = await store.accept({ supplier: 'acme-tools', document: 'price-list', via: 'http', body: Buffer.from('...') });
    await store.record(a.id, outcomeOf({ canonical: { rows: [1] }, error: { message: 'Odoo unavailable', code: 'UNAVAILABLE', transient: true, source: { type: 'odoo-write' } }, retry: { gaveUp: 'attempts' } }));
    expect(statusOf(store.get(a.id)!)).toMatchObject({ state: 'parked', parked: [{ line: 1, problems: ['Odoo unavailable'] }] });
    const b = await store.accept({ supplier: 'acme-tools', document: 'price-list', via: 'http', body: Buffer.from('...') });
    await store.record(b.id, outcomeOf({ error: { message: 'the file has no column "Preis"', code: 'BAD_INPUT', transient: false }, retry: { gaveUp: 'permanent' } }));
    expect(statusOf(store.get(b.id)!)).toMatchObject({ state: 'failed', error: { message: 'the file has no column "Preis"' }, applied: [], refused: [] });
  });

  it('a line the plan writes in several steps is applied once every step is, a retried step counting once', async () => {
    const rec = await store.accept({ supplier: 'acme-tools', document: 'po-ack', via: 'http', body: Buffer.from('{}') });
    const step = (write: number) => outcomeOf({ canonical: { rows: [1], file: { format: 'json', rows: 1 }, plan: { write, of: 2, needs: { 1: 2 } } }, odoo: { ids: [7] } });
    await store.record(rec.id, step(1));
    await store.record(rec.id, step(1));
    expect(statusOf(store.get(rec.id)!)).toMatchObject({ state: 'processing', applied: [] });
    await store.record(rec.id, step(2));
    expect(statusOf(store.get(rec.id)!)).toMatchObject({ state: 'done', applied: [1] });
  });

  it('a one-document file whose document does not fit is refused as line 1, with every problem', async () => {
    const rec = await store.accept({ supplier: 'acme-tools', document: 'invoice', via: 'http', body: Buffer.from('{}') });
    await store.record(rec.id, outcomeOf({ canonical: { file: { format: 'json', rows: 1 } }, error: { message: 'the object does not fit', transient: false, details: { problems: [{ message: 'totals.total: expected untaxed + tax' }, { message: 'dueDate: invalid' }] } }, retry: { gaveUp: 'permanent' } }));
    expect(statusOf(store.get(rec.id)!)).toMatchObject({ state: 'done', refused: [{ line: 1, problems: ['totals.total: expected untaxed + tax', 'dueDate: invalid'] }] });
  });

  it('unfinished uploads are resent at most maxDispatches times, then called stalled', async () => {
    const rec = await store.accept({ supplier: 'acme-tools', document: 'invoice', via: 'http', body: Buffer.from('...') });
    expect(store.unfinished('acme-tools', 'invoice').map((r) => r.id)).toEqual([rec.id]);
    expect(await store.dispatched(rec.id, 2)).toBe(true);
    expect(await store.dispatched(rec.id, 2)).toBe(true);
    expect(await store.dispatched(rec.id, 2)).toBe(false);
    expect(store.get(rec.id)?.state).toBe('stalled');
    expect(store.unfinished('acme-tools', 'invoice')).toEqual([]);
  });
});

it('tokens compare by hash; an empty list refuses all', () => {
  expect(checkToken('a', [])).toBe('none-configured');
  expect(checkToken(undefined, ['a'])).toBe('missing');
  expect(checkToken('a', ['b', 'a'])).toBe('ok');
  expect(checkToken('ab', ['a'])).toBe('wrong');
});

test('uploads are counted per supplier, accepted and refused, with when one last went through (metrics)', async () => {
  tokens = 'acme-secret-1';
  const count = async (outcome: string) => (await intakeUploads.get()).values.find((v) => v.labels.supplier === 'acme-tools' && v.labels.outcome === outcome)?.value ?? 0;
  const [accepted0, refused0] = [await count('accepted'), await count('refused')];
  const before = Date.now() / 1000;
  expect((await post('sku;price\nA;1\n', 'acme-secret-1')).status).toBe(202);
  expect((await post('sku;price\nA;1\n', 'not-the-token')).status).toBe(403);
  expect((await post('', 'acme-secret-1')).status).toBe(400);
  expect(await count('accepted')).toBe(accepted0 + 1);
  expect(await count('refused')).toBe(refused0 + 2);
  const line = (await scrape()).split('\n').find((l) => l.startsWith('odoo_supply_supplier_last_success_seconds{supplier="acme-tools",channel="intake"}'));
  expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(Math.floor(before));
});
