import http from 'node:http';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { executeKw, executeKwFault, json2, request, xmlrpcCall } from './helpers';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => {
  sb.clearFaults();
  sb.resetStats();
  sb.store.reset();
});

describe('fault injection', () => {
  it('latency delays matching calls only', async () => {
    sb.inject({ model: 'res.partner', method: 'search_count', latencyMs: 150 });
    let t = Date.now();
    expect((await json2(sb, 'res.partner', 'search_count', { domain: [] })).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
    t = Date.now();
    await json2(sb, 'res.partner', 'search', { domain: [] });
    expect(Date.now() - t).toBeLessThan(100);
  });

  it('httpStatus answers like a proxy, with Retry-After on 503/429, for `times` calls', async () => {
    sb.inject({ httpStatus: 503, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await json2(sb, 'res.partner', 'search_count', { domain: [] });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.text).toContain('503 Service Unavailable');
    }
    expect((await json2(sb, 'res.partner', 'search_count', { domain: [] })).status).toBe(200);
    expect(sb.stats.calls).toBe(3);
  });

  it('httpStatus applies to XML-RPC execute_kw as well', async () => {
    sb.inject({ model: 'res.partner', httpStatus: 502, times: 1 });
    await expect(executeKw(sb, 'res.partner', 'search', [[]])).rejects.toThrow();
    expect(await executeKw(sb, 'res.partner', 'search_count', [[]])).toBeGreaterThan(0);
    expect(sb.stats.byMethod['res.partner.search']).toBe(1);
  });

  it('drop destroys the socket without an answer', async () => {
    sb.inject({ method: 'search_read', drop: true, times: 1 });
    await expect(json2(sb, 'res.partner', 'search_read', { domain: [], limit: 1 })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await json2(sb, 'res.partner', 'search_read', { domain: [], limit: 1 })).status).toBe(200);
  });

  it('loseAnswer drop commits the call, then closes the socket without an answer (JSON-2 and XML-RPC)', async () => {
    const before = sb.store.count('res.partner');
    sb.inject({ model: 'res.partner', method: 'create', loseAnswer: 'drop', times: 2 });
    await expect(json2(sb, 'res.partner', 'create', { vals_list: [{ name: 'Lost answer' }] })).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(executeKw(sb, 'res.partner', 'create', [[{ name: 'Lost answer 2' }]])).rejects.toThrow();
    expect(sb.store.count('res.partner')).toBe(before + 2);
    expect((await json2(sb, 'res.partner', 'create', { vals_list: [{ name: 'Answered' }] })).status).toBe(200);
  });

  it('loseAnswer delay commits the call and holds the answer back', async () => {
    const before = sb.store.count('res.partner');
    sb.inject({ model: 'res.partner', method: 'create', loseAnswer: 'delay', loseAnswerDelayMs: 300, times: 1 });
    const t = Date.now();
    const answer = json2(sb, 'res.partner', 'create', { vals_list: [{ name: 'Slow answer' }] });
    await new Promise((r) => setTimeout(r, 100));
    expect(sb.store.count('res.partner')).toBe(before + 1);
    expect((await answer).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
  });

  it('serializationFailure over JSON-2 is a 500 psycopg2 error and changes nothing', async () => {
    sb.inject({ model: 'res.partner', method: 'create', serializationFailure: true, times: 1 });
    const before = sb.store.count('res.partner');
    const res = await json2(sb, 'res.partner', 'create', { vals_list: [{ name: 'Concurrent' }] });
    expect(res.status).toBe(500);
    expect(res.json.name).toBe('psycopg2.errors.SerializationFailure');
    expect(res.json.message).toBe('could not serialize access due to concurrent update\n');
    expect(res.json.debug).toContain('psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update');
    expect(sb.store.count('res.partner')).toBe(before);
    expect((await json2(sb, 'res.partner', 'create', { vals_list: [{ name: 'Concurrent' }] })).status).toBe(200);
  });

  it('serializationFailure over XML-RPC is fault 1 with the exception in the traceback', async () => {
    sb.inject({ serializationFailure: true, times: 1 });
    const fault = await executeKwFault(sb, 'res.partner', 'write', [[1], { ref: 'X' }]);
    expect(fault.faultCode).toBe(1);
    expect(fault.faultString).toMatch(/^Traceback/);
    expect(fault.faultString).toContain('psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update');
    expect(sb.store.get('res.partner', 1)?.ref).toBe(false);
  });

  it('faults do not touch version or authentication routes', async () => {
    sb.inject({ httpStatus: 504 });
    expect((await request(sb, '/web/version')).status).toBe(200);
    expect(await xmlrpcCall(sb, 'common', 'authenticate', [sb.database, sb.login, sb.password, {}])).toBe(2);
    expect((await json2(sb, 'res.partner', 'search', { domain: [] })).status).toBe(504);
    sb.clearFaults();
    expect((await json2(sb, 'res.partner', 'search', { domain: [] })).status).toBe(200);
  });
});

describe('connections', () => {
  it('keeps one socket alive across many calls', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports = new Set<number | undefined>();
      for (let i = 0; i < 20; i++) {
        const res = await json2(sb, 'res.partner', 'search_count', { domain: [] }, { agent });
        expect(res.status).toBe(200);
        expect(res.headers.connection).not.toBe('close');
        ports.add(res.socketPort);
      }
      // errors must not close the connection either
      expect((await json2(sb, 'x.y', 'search', { domain: [] }, { agent })).status).toBe(404);
      const last = await json2(sb, 'res.partner', 'search_count', { domain: [] }, { agent });
      ports.add(last.socketPort);
      expect(ports.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('serves parallel requests, including slow ones', async () => {
    sb.inject({ method: 'search_count', latencyMs: 200 });
    const t = Date.now();
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => json2(sb, 'res.partner', 'search_count', { domain: [] })),
      ...Array.from({ length: 10 }, (_, i) => json2(sb, 'res.partner', 'create', { vals_list: [{ name: `P${i}` }] })),
    ]);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(Date.now() - t).toBeLessThan(1500);
    expect(sb.stats.byMethod['res.partner.create']).toBe(10);
  });
});

describe('stats', () => {
  it('counts model calls per transport and authentications', async () => {
    await json2(sb, 'res.partner', 'search', { domain: [] });
    await executeKw(sb, 'res.partner', 'search', [[]]);
    await xmlrpcCall(sb, 'common', 'authenticate', [sb.database, sb.login, sb.password, {}]);
    expect(sb.stats).toEqual({ calls: 2, byMethod: { 'res.partner.search': 2 }, authentications: 1 });
    const held = sb.stats;
    sb.resetStats();
    expect(held).toEqual({ calls: 0, byMethod: {}, authentications: 0 });
  });
});
