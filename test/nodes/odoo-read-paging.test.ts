/**
 * odoo-read in page and record mode against the sandbox: every page leaves as
 * soon as it arrives, the last one is marked without holding anything back,
 * and a failed page leaves a resume point that continues the read.
 */
import type { Sandbox } from '../../sandbox/odoo/server';
import { helper, load, ServerConfig, until, withSandboxAndRuntime } from '../helpers/red';

const ctx = withSandboxAndRuntime();
let sandbox: Sandbox;
const PREFIX = 'ZZT-PAGING';
let ids: number[];
beforeAll(() => {
  sandbox = ctx.sandbox;
  // 12 partners: 4 full pages of 3, an exact multiple
  for (let i = 0; i < 12; i++) sandbox.store.create('res.partner', { name: `${PREFIX} ${String(i).padStart(2, '0')}`, ref: `${PREFIX}-${i}` });
  ids = sandbox.store.search('res.partner', [['ref', '=like', `${PREFIX}-%`]]).sort((a, b) => a - b);
});

const PROTOCOLS = ['json2', 'xmlrpc'] as const;
const serverFor = (protocol: 'json2' | 'xmlrpc'): ServerConfig => ({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey, protocol });
const node = (output: 'page' | 'record', extra: Record<string, unknown> = {}) => ({ type: 'odoo-read', operation: 'search_read', model: 'res.partner', domain: JSON.stringify([['ref', '=like', `${PREFIX}-%`]]), domainType: 'json', fields: 'name', pageSize: 3, output, ...extra });
const searchReads = () => sandbox.stats.byMethod['res.partner.search_read'] ?? 0;

describe.each(PROTOCOLS)('odoo-read paging over %s', (protocol) => {
  it('each page leaves before the next one is fetched; the last is marked, no empty page', async () => {
    const { n1, captured } = await load(serverFor(protocol), node('page'));
    const callsWhenSent: number[] = [];
    const before = searchReads();
    // the helper node sees each message as it is sent: record how many pages had been fetched then
    helper.getNode('ok').on('input', () => callsWhenSent.push(searchReads() - before));
    n1.receive({ payload: null });
    await until(() => captured.ok.some((m) => m.odoo.last) || captured.err.length > 0, 'last page');
    expect(captured.err).toEqual([]);
    expect(captured.ok).toHaveLength(4);
    expect(captured.ok.map((m) => m.odoo.page)).toEqual([0, 1, 2, 3]);
    expect(captured.ok.map((m) => m.odoo.last)).toEqual([false, false, false, true]);
    expect(captured.ok.flatMap((m) => m.payload.map((r: any) => r.id))).toEqual(ids);
    // page n left after n + 1 fetches: it did not wait for the next page
    expect(callsWhenSent).toEqual([1, 2, 3, 4]);
    expect(searchReads() - before).toBe(4);
  });

  it('a failing third fetch keeps the pages already fetched and says where to resume; resuming reads the rest once', async () => {
    const { n1, captured } = await load(serverFor(protocol), node('page'));
    sandbox.inject({ model: 'res.partner', method: 'search_read', skip: 2, httpStatus: 503, times: 1 });
    n1.receive({ payload: null, correlationId: 'c-page' });
    await until(() => captured.err.length === 1, 'error');
    expect(captured.ok.map((m) => m.odoo.page)).toEqual([0, 1]);
    expect(captured.ok.flatMap((m) => m.payload.map((r: any) => r.id))).toEqual(ids.slice(0, 6));
    const error = captured.err[0]!.error;
    expect(error).toMatchObject({ code: 'UNAVAILABLE', transient: true, details: { resume: { lastId: ids[5], records: 6, page: 2 } } });
    // sent again with the resume point (as a retry flow would): the rest, numbered on
    n1.receive({ payload: null, odoo: { resume: error.details.resume } });
    await until(() => captured.ok.some((m) => m.odoo.last), 'last page');
    expect(captured.ok.map((m) => m.odoo.page)).toEqual([0, 1, 2, 3]);
    expect(captured.ok.flatMap((m) => m.payload.map((r: any) => r.id))).toEqual(ids);
  });

  it('record mode: resumes by offset with a custom order, indexes continue', async () => {
    const { n1, captured } = await load(serverFor(protocol), node('record', { order: 'name desc' }));
    sandbox.inject({ model: 'res.partner', method: 'search_read', skip: 1, httpStatus: 503, times: 1 });
    n1.receive({ payload: null });
    await until(() => captured.err.length === 1, 'error');
    const resume = captured.err[0]!.error.details.resume;
    expect(resume).toEqual({ offset: 3, records: 3, page: 1 });
    n1.receive({ payload: null, odoo: { resume } });
    await until(() => captured.ok.some((m) => m.odoo.last), 'last record');
    expect(captured.ok.map((m) => m.payload.id)).toEqual([...ids].reverse());
    expect(captured.ok.map((m) => m.odoo.index)).toEqual(ids.map((_x, i) => i));
    expect(captured.ok.filter((m) => m.odoo.last)).toHaveLength(1);
  });

  it('a limit that ends inside a page stops there, marked last', async () => {
    const { n1, captured } = await load(serverFor(protocol), node('page', { limit: 7 }));
    n1.receive({ payload: null });
    await until(() => captured.ok.some((m) => m.odoo.last), 'last page');
    expect(captured.ok.map((m) => m.payload.length)).toEqual([3, 3, 1]);
  });

  it('a bad resume point is refused, naming it', async () => {
    const { n1, captured } = await load(serverFor(protocol), node('page'));
    n1.receive({ payload: null, odoo: { resume: { page: 'x' } } });
    await until(() => captured.err.length === 1, 'error');
    expect(captured.err[0]!.error).toMatchObject({ code: 'BAD_INPUT' });
    expect(captured.err[0]!.error.message).toMatch(/msg\.odoo\.resume/);
  });

  it('a resume point of a read by id is refused by a read by offset', async () => {
    const { n1, captured } = await load(serverFor(protocol), node('page', { order: 'name desc' }));
    n1.receive({ payload: null, odoo: { resume: { lastId: ids[2], records: 3, page: 1 } } });
    await until(() => captured.err.length === 1, 'error');
    expect(captured.err[0]!.error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/pages by offset/) });
    expect(captured.ok).toEqual([]);
  });
});
