/// <reference lib="dom" />
/**
 * The operator's dead-letter tab in the editor sidebar, in a real headless
 * Chromium against a real Node-RED runtime (needs `npm run build` first).
 */
import { startEditor, type Editor } from '../helpers/editor';
import { adminRequest } from '../helpers/runtime';

jest.setTimeout(90_000);

describe('dead-letter sidebar tab', () => {
  let editor: Editor;
  beforeAll(async () => {
    editor = await startEditor();
  });
  afterAll(async () => {
    await editor?.close();
  });

  it('lists a seeded entry with its counts, shows its payload and error, replays it, and it leaves the list', async () => {
    const { page, runtime } = editor;
    await editor.open(['dead-letter', 'retry-gate']);
    const error = { message: 'product "ACME-404" does not exist in Odoo', code: 'VALIDATION', transient: false, source: { id: 'w9', type: 'odoo-write', name: 'supplier prices' } };
    await editor.importNodes([
      { id: 'uiinj', type: 'inject', x: 120, y: 100, props: [{ p: 'payload', v: '{"default_code":"ACME-404","price":12.5}', vt: 'json' }, { p: 'error', v: JSON.stringify(error), vt: 'json' }, { p: 'correlationId', v: 'ui-corr-1', vt: 'str' }], repeat: '', once: false, wires: [['uidl']] },
      { id: 'uidl', type: 'dead-letter', name: 'parked prices', x: 320, y: 100, wires: [['uidbg']] },
      { id: 'uidbg', type: 'debug', x: 520, y: 100, active: true, wires: [] },
    ]);
    // a deploy on a loaded machine may not reach the runtime at the first click: deploy until the runtime has the flow
    const deployed = async () => ((await adminRequest(runtime, 'GET', '/flows')).json as Array<{ id: string }> | undefined)?.some((n) => n.id === 'uidl') ?? false;
    for (let i = 0; i < 3 && !(await deployed()); i++) {
      await page.evaluate(() => (window as unknown as { RED: { nodes: { dirty(d: boolean): void } } }).RED.nodes.dirty(true));
      await editor.deploy();
      for (let k = 0; k < 20 && !(await deployed()); k++) await page.waitForTimeout(250);
    }
    expect(await deployed()).toBe(true);
    // the runtime starts the deployed flow a moment after it has it
    let injected = 0;
    for (let i = 0; i < 50 && injected !== 200; i++) {
      injected = (await adminRequest(runtime, 'POST', '/inject/uiinj')).status;
      if (injected !== 200) await page.waitForTimeout(100);
    }
    expect(injected).toBe(200);
    await page.evaluate(() => (window as unknown as { RED: { sidebar: { show(id: string): void } } }).RED.sidebar.show('dead-letter'));
    const entry = page.locator('.dead-letter-tab .dead-letter-entry');
    // the entry is durable a moment after the inject: refresh until the tab shows it
    for (let i = 0; i < 50 && (await entry.count()) === 0; i++) {
      await page.click('.dead-letter-tab .dead-letter-refresh');
      await page.waitForTimeout(200);
    }
    await expect(entry.count()).resolves.toBe(1);
    expect(await page.locator('.dead-letter-tab .dead-letter-node option:checked').innerText()).toBe('parked prices (local)');
    expect(await page.locator('.dead-letter-tab .dead-letter-summary').innerText()).toMatch(/1 dead letters[\s\S]*supplier prices: 1[\s\S]*VALIDATION: 1/);
    expect(await entry.innerText()).toContain('product "ACME-404" does not exist in Odoo');
    expect(await entry.innerText()).toContain('ui-corr-1');
    await entry.locator('.dead-letter-code').click();
    const details = entry.locator('.dead-letter-details');
    await details.waitFor({ state: 'visible' });
    expect(await details.innerText()).toMatch(/"default_code": "ACME-404"[\s\S]*"price": 12.5[\s\S]*"code": "VALIDATION"/);
    await editor.shot('dead-letter-tab');

    await entry.locator('.dead-letter-replay').click();
    await page.locator('.dead-letter-tab .dead-letter-empty').waitFor({ state: 'visible' });
    expect(await entry.count()).toBe(0);
    expect(await page.locator('.dead-letter-tab .dead-letter-message').innerText()).toBe('Replay of 1 started');
    const replayed = await adminRequest(runtime, 'GET', '/dead-letter/uidl/entries?state=replayed');
    expect(replayed.json.entries).toEqual([expect.objectContaining({ replays: 1, correlationId: 'ui-corr-1' })]);

    // two more, replayed together with the button for all that match
    for (let i = 0; i < 2; i++) expect((await adminRequest(runtime, 'POST', '/inject/uiinj')).status).toBe(200);
    for (let i = 0; i < 50 && (await entry.count()) < 2; i++) {
      await page.click('.dead-letter-tab .dead-letter-refresh');
      await page.waitForTimeout(200);
    }
    expect(await entry.count()).toBe(2);
    await page.click('.dead-letter-tab .dead-letter-replay-shown');
    await page.locator('.dead-letter-tab .dead-letter-empty').waitFor({ state: 'visible' });
    expect(await page.locator('.dead-letter-tab .dead-letter-message').innerText()).toBe('Replay of 2 started');
    expect(editor.pageErrors).toEqual([]);
    expect(editor.consoleErrors.filter((e) => /dead-letter|retry-gate/i.test(e))).toEqual([]);
  });
});
