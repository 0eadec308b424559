/**
 * supplier-intake in a real Node-RED runtime: a redeploy that removes the node
 * removes its routes, one that changes it serves the new route; two nodes on
 * one route are refused; a file on the input is kept and goes on with its upload id.
 */
import { adminRequest, startNodeRed, type Runtime } from '../helpers/runtime';

let rt: Runtime;
const tab = { id: 't1', type: 'tab', label: 'intake' };
const intake = (id: string, supplier: string, extra: Record<string, unknown> = {}) => ({ id, type: 'supplier-intake', z: 't1', mode: 'receive', supplier, document: 'price-list', http: true, tokenEnv: 'TEST_INTAKE_TOKEN', maxSize: 1, wires: [['sink'], []], ...extra });
const sink = { id: 'sink', type: 'function', z: 't1', func: 'global.set("seen", (global.get("seen") || []).concat([{ id: msg.intake.id, text: msg.payload.toString(), correlationId: msg.correlationId, file: msg.file }])); return null;', outputs: 1, wires: [[]] };

beforeAll(async () => {
  process.env.TEST_INTAKE_TOKEN = 'tok-1';
  rt = await startNodeRed({}, [tab, intake('in1', 'acme-tools'), sink]);
}, 30_000);
afterAll(async () => {
  await rt?.close();
  delete process.env.TEST_INTAKE_TOKEN;
});

const post = (supplier: string) => fetch(`${rt.url}/api/suppliers/${supplier}/price-list`, { method: 'POST', headers: { Authorization: 'Bearer tok-1' }, body: 'a;b\n' });
async function deploy(nodes: unknown[]) {
  const r = await adminRequest(rt, 'POST', '/flows', nodes, { 'Node-RED-Deployment-Type': 'full' });
  expect(r.status).toBe(204);
  await new Promise((res) => setTimeout(res, 300));
}

it('serves its route; a redeploy without it, or with another supplier, leaves no stray route', async () => {
  expect((await post('acme-tools')).status).toBe(202);
  await deploy([tab, intake('in1', 'nordic-fasteners'), sink]);
  expect((await post('acme-tools')).status).toBe(404);
  expect((await post('nordic-fasteners')).status).toBe(202);
  await deploy([tab, sink]);
  expect((await post('nordic-fasteners')).status).toBe(404);
});

it('two nodes on one route: one serves it (the other logs why), and the other alone serves it after a redeploy', async () => {
  await deploy([tab, intake('in1', 'acme-tools'), intake('in2', 'acme-tools'), sink]);
  expect((await post('acme-tools')).status).toBe(202);
  await deploy([tab, intake('in2', 'acme-tools'), sink]);
  expect((await post('acme-tools')).status).toBe(202);
});

it('a file on the input (from supplier-sftp) is kept, then sent on with its upload id and its msg.file', async () => {
  await deploy([
    tab,
    intake('in1', 'acme-tools', { http: false }),
    { id: 'inj', type: 'inject', z: 't1', props: [{ p: 'payload' }, { p: 'correlationId', v: 'sftp-corr-1', vt: 'str' }, { p: 'file', v: '{"name":"p.csv","claim":"/x/.processing/p.csv"}', vt: 'json' }], payload: 'h\n1\n', payloadType: 'str', once: true, onceDelay: 0.1, repeat: '', topic: '', wires: [['in1']] },
    sink,
  ]);
  let seen: any[] = [];
  for (let i = 0; i < 100 && !seen.some((s) => s.correlationId === 'sftp-corr-1'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    const ctx = await adminRequest(rt, 'GET', '/context/global/seen');
    seen = ctx.json?.msg ? JSON.parse(ctx.json.msg) : [];
  }
  const got = seen.find((s) => s.correlationId === 'sftp-corr-1');
  expect(got).toMatchObject({ text: 'h\n1\n', file: { name: 'p.csv', claim: '/x/.processing/p.csv' } });
  expect(got.id).toMatch(/^[0-9a-f-]{36}$/);
  // no route with HTTP off
  expect((await post('acme-tools')).status).toBe(404);
});
