/// <reference lib="dom" />
/**
 * The operations tab of the editor sidebar, as an operator sees it: a small
 * flow writes partners into the sandbox Odoo (a bad one goes to a dead-letter
 * node), a supplier uploads a price list; the tab's numbers follow, refreshed
 * on their own. Needs `npm run build` and Chromium (see test/helpers/editor.ts).
 */
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { startEditor, type Editor } from '../helpers/editor';

jest.setTimeout(90_000);

const KEY_ENV = 'ZZT_UI_OPS_KEY';
const TOKEN_ENV = 'ZZT_UI_OPS_INTAKE_TOKEN';

describe('operations tab in the editor sidebar', () => {
  let sandbox: Sandbox;
  let editor: Editor;

  beforeAll(async () => {
    sandbox = await startSandbox();
    process.env[KEY_ENV] = sandbox.apiKey;
    process.env[TOKEN_ENV] = 'ops-intake-token';
    editor = await startEditor({}, [
      { id: 'tab1', type: 'tab', label: 'Partners' },
      { id: 'tab2', type: 'tab', label: 'Suppliers' },
      { id: 'cfg1', type: 'odoo-config', name: 'sandbox', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'auto', secretKind: 'apikey', timeout: 10, concurrency: 2, secretEnv: KEY_ENV },
      { id: 'in1', z: 'tab1', type: 'http in', url: '/ops-partner', method: 'post', x: 120, y: 80, wires: [['w1']] },
      { id: 'w1', z: 'tab1', type: 'odoo-write', name: 'partners', server: 'cfg1', operation: 'create', model: 'res.partner', batchSize: 200, batchWindow: 5, x: 320, y: 80, wires: [['res1'], ['dl1', 'res1']] },
      { id: 'dl1', z: 'tab1', type: 'dead-letter', name: 'parked partners', store: 'local', x: 520, y: 140, wires: [[]] },
      { id: 'gate1', z: 'tab1', type: 'retry-gate', name: 'partner retries', x: 320, y: 200, wires: [[], []] },
      { id: 'res1', z: 'tab1', type: 'http response', statusCode: '200', headers: {}, x: 520, y: 80, wires: [] },
      { id: 'up1', z: 'tab2', type: 'supplier-intake', name: 'acme prices', mode: 'receive', supplier: 'acme', document: 'price-list', http: true, tokenEnv: TOKEN_ENV, maxSize: 1, x: 150, y: 80, wires: [[], []] },
    ]);
  });

  afterAll(async () => {
    await editor?.close();
    await sandbox?.close();
    delete process.env[KEY_ENV];
    delete process.env[TOKEN_ENV];
  });

  const partner = (body: Record<string, unknown>) =>
    fetch(`${editor.runtime.url}/api/ops-partner`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);

  it('shows messages per flow tab with rates and error rate, dead-letter depth, retries, the last supplier upload; the numbers follow the flow', async () => {
    const { page } = editor;
    await editor.open(['odoo-write', 'dead-letter', 'retry-gate', 'supplier-intake']);
    const ops = page.locator('.odoo-supply-operations');
    // the editor shows its info tab once the flows are in: ask for the operations tab after that, until it stays on screen
    await page.waitForFunction(() => !!(window as unknown as { RED: any }).RED.nodes.node('w1'));
    const shown = () => page.evaluate(() => (document.querySelector('.odoo-supply-operations') as HTMLElement | null)?.offsetParent != null);
    for (let i = 0; i < 20 && !(await shown()); i++) {
      await page.evaluate(() => (window as unknown as { RED: any }).RED.sidebar.show('odoo-supply-operations'));
      await page.waitForTimeout(500);
    }
    // before any message: nothing counted, the gate closed with nothing pending, no dead letter, no supplier yet
    await ops.locator('.ops-flows-empty').waitFor();
    await ops.locator('.ops-retries tr[data-id="gate1"] .ops-circuit-closed').waitFor();
    expect(await ops.locator('.ops-retries tr[data-id="gate1"] .ops-pending').textContent()).toBe('0');
    await ops.locator('.ops-suppliers-empty').waitFor();

    for (const name of ['Ops A', 'Ops B', 'Ops C']) expect(await partner({ name })).toBe(200);
    expect(await partner({ name: 'Ops bad', no_such_field: 1 })).toBe(200);
    const upload = await fetch(`${editor.runtime.url}/api/suppliers/acme/price-list`, { method: 'POST', headers: { Authorization: 'Bearer ops-intake-token' }, body: 'sku;price\nA-1;2.50\n' });
    expect(upload.status).toBe(202);
    // what the user sees in Odoo: the three good partners
    expect(sandbox.store.search('res.partner', [['name', 'like', 'Ops ']]).length).toBe(3);

    // the tab refreshes on its own (every 3 s): odoo-write took 4 and sent 3 on, failed 1; dead-letter kept that 1
    const row = ops.locator('.ops-flows tr[data-flow="tab1"]');
    await row.locator('.ops-totals', { hasText: '5 / 4 / 1' }).waitFor({ timeout: 15_000 });
    expect(await row.locator('.ops-flow-label').textContent()).toBe('Partners');
    expect(Number(await row.locator('.ops-in-rate').textContent())).toBeGreaterThan(0);
    expect(await row.locator('.ops-error-ratio').textContent()).toBe('20 %');
    await ops.locator('.ops-dead-letters tr[data-id="dl1"] .ops-depth', { hasText: '1' }).waitFor();
    expect(await ops.locator('.ops-dead-letters tr[data-id="dl1"]').textContent()).toContain('parked partners');
    // the upload: one message in on the Suppliers tab, sent on
    await ops.locator('.ops-flows tr[data-flow="tab2"] .ops-totals', { hasText: '1 / 1 / 0' }).waitFor();
    expect(await ops.locator('.ops-flows tr[data-flow="tab2"] .ops-flow-label').textContent()).toBe('Suppliers');
    const supplier = ops.locator('.ops-suppliers tr[data-supplier="acme"][data-channel="intake"] .ops-last-success');
    await supplier.waitFor();
    expect(await supplier.textContent()).toMatch(/^\d+ s ago$/);
    const file = await editor.shot('operations-tab');
    // eslint-disable-next-line no-console
    console.log(`operations tab screenshot: ${file}`);

    // more traffic, and the numbers move again without a click
    for (const name of ['Ops D', 'Ops E']) expect(await partner({ name })).toBe(200);
    await row.locator('.ops-totals', { hasText: '7 / 6 / 1' }).waitFor({ timeout: 15_000 });
    expect(sandbox.store.search('res.partner', [['name', 'like', 'Ops ']]).length).toBe(5);
    expect(editor.pageErrors).toEqual([]);
  });
});
