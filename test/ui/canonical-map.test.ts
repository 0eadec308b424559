/// <reference lib="dom" />
/**
 * The canonical-map dialog as an analyst uses it, in a real Node-RED 4 with
 * headless Chromium: fill the Fields table, see the JSON follow, paste a
 * supplier's spec and CSV sample, read what Try it says, deploy. Needs `npm
 * run build` first (see test/helpers/editor.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { SHOTS, startEditor, type Editor, type Page } from '../helpers/editor';

const MAPPINGS = path.resolve(__dirname, '..', '..', 'mappings');
const ACME_SPEC = fs.readFileSync(path.join(MAPPINGS, 'acme-tools.price-list.json'), 'utf8');
const ACME_CSV = fs.readFileSync(path.join(MAPPINGS, 'acme-tools.price-list.sample.csv'), 'utf8');

jest.setTimeout(60_000);

describe('canonical-map in the Node-RED editor', () => {
  let editor: Editor;
  let page: Page;

  beforeAll(async () => {
    editor = await startEditor();
    page = editor.page;
    await editor.open(['canonical-map']);
  });

  afterAll(async () => {
    await editor?.close();
  });

  afterEach(() => editor.closeDialogs());

  const row = (path: string) => page.locator(`#canonical-map-fields tr.cm-row[data-path="${path}"]`);

  /** The text in the JSON view, read from its editor. */
  const jsonText = () =>
    page.evaluate(() => {
      const $ = (window as unknown as { $: any }).$;
      return $('#canonical-map-json').data('canonical-map-editor').getValue() as string;
    });

  let lastTabClick = 0;
  async function tab(name: 'fields' | 'json' | 'try') {
    const link = page.locator(`#canonical-map-tabs a[href="#canonical-map-tab-${name}"]`);
    if (await page.locator(`#canonical-map-tab-${name}`).isVisible()) return;
    // Node-RED's tabs take two clicks within 400 ms, on any tabs, for a double click (rename), not a switch
    await page.waitForTimeout(Math.max(0, 450 - (Date.now() - lastTabClick)));
    await link.click();
    lastTabClick = Date.now();
    await page.locator(`#canonical-map-tab-${name}`).waitFor({ state: 'visible' });
  }

  /** Replaces the whole JSON view, as pasting over a selection does. */
  async function pasteJson(text: string) {
    await tab('json');
    await page.click('#canonical-map-json', { position: { x: 160, y: 12 } });
    await page.keyboard.press('ControlOrMeta+A');
    // a paste event as the browser fires it for Ctrl+V, without touching the machine's clipboard
    await page.evaluate((value) => {
      const target = document.activeElement!;
      const data = new DataTransfer();
      data.setData('text/plain', value);
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);
    await page.waitForFunction((value) => {
      const $ = (window as unknown as { $: any }).$;
      return $('#canonical-map-json').data('canonical-map-editor').getValue() === value;
    }, text);
  }

  async function tryIt(): Promise<void> {
    await tab('try');
    await page.click('#canonical-map-try-run');
    await page.locator('#canonical-map-try-result .cm-try-head:not(:has(.fa-spinner))').waitFor({ state: 'visible' });
  }

  it('palette: canonical map beside the Odoo nodes, with its own icon', async () => {
    const item = page.locator('.red-ui-palette-node[data-palette-type="canonical-map"]');
    expect((await item.locator('.red-ui-palette-label').textContent())!.replace(/\s+/g, ' ').trim()).toBe('canonical map');
    expect(await item.locator('.red-ui-palette-icon').getAttribute('style')).toMatch(/canonical-map\.svg/);
    const colours = await page.evaluate(() => {
      const R = (window as unknown as { RED: any }).RED;
      return [R.nodes.getType('canonical-map').color, R.nodes.getType('odoo-write').color];
    });
    expect(colours[0]).not.toBe(colours[1]);
    await item.screenshot({ path: path.join(SHOTS, 'canonical-map-palette.png') });
    // the help, as the sidebar shows it
    await page.evaluate(() => (window as unknown as { RED: any }).RED.sidebar.help.show('canonical-map'));
    const help = page.locator('.red-ui-help');
    await help.getByText('Valid / operations').first().waitFor({ state: 'visible' });
    expect(await help.filter({ hasText: 'Valid / operations' }).last().innerText()).toMatch(/Inputs[\s\S]*Outputs[\s\S]*Details[\s\S]*References/);
    await editor.shot('canonical-map-help');
  });

  it('Fields table: picking supplier-price@1 and filling rows writes the JSON spec', async () => {
    await editor.importNodes([{ id: 'cm1', type: 'canonical-map', x: 240, y: 120, wires: [[], []] }]);
    await editor.openNode('cm1', '#canonical-map-spec-schema');
    await page.locator('#canonical-map-spec-schema option[value="supplier-price@1"]').waitFor({ state: 'attached' });
    await page.selectOption('#canonical-map-spec-schema', 'supplier-price@1');
    await row('price').waitFor({ state: 'visible' });

    // one row per target field of the schema, in its order
    const paths = await page.locator('#canonical-map-fields tr.cm-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-path')));
    expect(paths.slice(0, 5)).toEqual(['supplierCode', 'supplierProductCode', 'internalRef', 'productName', 'price']);

    await row('supplierCode').locator('select.cm-mode').selectOption('const');
    await row('supplierCode').locator('input.cm-value').fill('ACME-TOOLS');
    await row('supplierProductCode').locator('input.cm-value').fill('Art.-Nr.');
    await row('price').locator('input.cm-value').fill('Preis');
    await row('price').locator('button.cm-options-button').click();
    const options = page.locator('tr.cm-options-row[data-options-for="price"]');
    await options.locator('select.cm-opt-decimal').selectOption(',');
    await options.locator('select.cm-opt-thousands').selectOption('.');
    await row('currency').locator('input.cm-value').fill('Währung');
    await row('currency').locator('input.cm-default').fill('EUR');
    await row('validFrom').locator('input.cm-value').fill('Gültig ab');
    await row('validFrom').locator('button.cm-options-button').click();
    await page.locator('tr.cm-options-row[data-options-for="validFrom"] input.cm-opt-format').fill('DD.MM.YYYY');
    await page.locator('tr.cm-options-row[data-options-for="validFrom"] input.cm-opt-tz').fill('Europe/Berlin');
    // the runtime's verdict on the half-done spec: required fields still missing are marked
    await page.locator('#canonical-map-check.cm-bad').waitFor({ state: 'visible' });
    expect(await row('internalRef').getAttribute('class')).toMatch(/cm-has-issue/);
    expect(await row('price').getAttribute('class')).not.toMatch(/cm-has-issue/);
    expect(await row('price').locator('.cm-summary').innerText()).toBe('1.234,5');
    await editor.shot('canonical-map-fields');

    await tab('json');
    const spec = JSON.parse(await jsonText());
    expect(spec).toEqual({
      schema: 'supplier-price@1',
      specVersion: 1,
      fields: {
        supplierCode: { const: 'ACME-TOOLS' },
        supplierProductCode: { path: 'Art.-Nr.' },
        price: { path: 'Preis', number: { decimal: ',', thousands: '.' } },
        currency: { path: 'Währung', default: 'EUR' },
        validFrom: { path: 'Gültig ab', date: { format: 'DD.MM.YYYY', tz: 'Europe/Berlin' } },
      },
    });
    // laid out like the files in mappings/: one short field spec per line
    expect(await jsonText()).toContain('"supplierCode": { "const": "ACME-TOOLS" },');
    expect(await page.locator('#canonical-map-json .view-lines').innerText()).toContain('supplierProductCode');
    await editor.shot('canonical-map-json');

    // and back: an edit in the JSON shows in the table
    await pasteJson(JSON.stringify({ ...spec, fields: { ...spec.fields, uom: { const: 'Units' } } }, null, 2));
    await tab('fields');
    expect(await row('uom').locator('select.cm-mode').inputValue()).toBe('const');
    expect(await row('uom').locator('input.cm-value').inputValue()).toBe('Units');
    await editor.closeWith('#node-dialog-cancel');
  });

  it('Try it: the ACME spec and CSV sample give A-1001..A-1003 and the problem on file line 7; a misspelt field is named', async () => {
    await editor.openNode('cm1', '#canonical-map-spec-schema');
    await pasteJson(ACME_SPEC);
    expect(JSON.parse(await jsonText())).toEqual(JSON.parse(ACME_SPEC));
    await tab('fields');
    expect(await row('internalRef').locator('input.cm-value').inputValue()).toBe('Unsere Nr.');
    await page.locator('#canonical-map-check:not(.cm-bad)').waitFor({ state: 'visible' });
    // what the table does not edit is named, and kept
    await row('price').locator('button.cm-options-button').click();
    expect(await page.locator('tr.cm-options-row[data-options-for="price"] .cm-opt-json').innerText()).toMatch(/convert/);

    await tab('try');
    await page.fill('#canonical-map-sample', ACME_CSV);
    await tryIt();
    await editor.shot('canonical-map-try');
    expect(await page.locator('#canonical-map-try-info').innerText()).toMatch(/row numbers are file lines/);
    const valid = await page.locator('#canonical-map-try-result .cm-valid-item pre').allTextContents();
    expect(valid.map((v) => JSON.parse(v).supplierProductCode)).toEqual(['A-1001', 'A-1002', 'A-1003']);
    const problems = await page.locator('#canonical-map-try-result .cm-problem-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        row: tr.querySelector('.cm-p-row')!.textContent,
        field: tr.querySelector('.cm-p-field code')!.textContent,
        expected: tr.querySelector('.cm-p-expected')!.textContent,
        received: tr.querySelector('.cm-p-received')!.textContent,
      })),
    );
    expect(problems).toContainEqual({ row: '7', field: 'price', expected: expect.stringMatching(/number/), received: '"18,5x"' });
    expect(await page.locator('#canonical-map-try-result .cm-try-head').innerText()).toMatch(/3 valid, 3 invalid.*blank rows skipped: 5/);

    // a misspelt target field: Try it names it, and the table shows it as not a field of the schema
    await pasteJson(ACME_SPEC.replace('"price": {', '"prize": {'));
    await tryIt();
    await editor.shot('canonical-map-try-bad-spec');
    const issues = await page.locator('#canonical-map-try-result .cm-spec-issues tbody tr').allInnerTexts();
    expect(issues.join('\n')).toMatch(/prize\s+unknown target field.*did you mean "price"/);
    await tab('fields');
    await row('prize').waitFor({ state: 'visible' });
    expect(await row('prize').getAttribute('class')).toMatch(/cm-unknown/);
    await page.locator('#canonical-map-check.cm-bad').waitFor({ state: 'visible' });
    await editor.shot('canonical-map-fields-bad-spec');

    // remove the misspelt field in the table, put the right one back in JSON, keep it
    await row('prize').locator('button.cm-remove').click();
    await row('prize').waitFor({ state: 'detached' });
    expect(JSON.parse(await jsonText()).fields.prize).toBeUndefined();
    await pasteJson(ACME_SPEC);
    await page.fill('#node-input-name', 'ACME price list');
    await editor.closeWith('#node-dialog-ok');
  });

  it('lines: a PO acknowledgement spec shows `each` and one row per line field', async () => {
    const spec = fs.readFileSync(path.join(MAPPINGS, 'nordic-fasteners.po-ack.json'), 'utf8');
    await editor.importNodes([{ id: 'cm3', type: 'canonical-map', mapping: spec, x: 240, y: 320, wires: [[], []] }]);
    await editor.openNode('cm3', '#canonical-map-spec-schema');
    await row('lines').waitFor({ state: 'visible' });
    expect(await page.inputValue('#canonical-map-spec-schema')).toBe('po-ack@1');
    expect(await row('lines').locator('input.cm-value').inputValue()).toBe('orderAck.items');
    // lines are matched by the supplier's article code (its positions are not our line ids)
    expect(await row('lines[].supplierProductCode').locator('select.cm-mode').inputValue()).toBe('path');
    expect(await row('lines[].supplierProductCode').locator('input.cm-value').inputValue()).toBe('article');
    expect(await row('lines[].status').locator('.cm-summary').innerText()).toMatch(/UPPER.*→ status/);
    await page.locator('#canonical-map-check:not(.cm-bad)').waitFor({ state: 'visible' });
    await editor.shot('canonical-map-lines');
    await editor.closeWith('#node-dialog-cancel');
    await page.click('g[id="cm3"] rect.red-ui-flow-node');
    await page.keyboard.press('Delete');
  });

  it('to Odoo: canonical object, server and cache; a missing server is flagged', async () => {
    await editor.importNodes([{ id: 'cm2', type: 'canonical-map', direction: 'to-odoo', x: 240, y: 220, wires: [[], []] }]);
    await editor.openNode('cm2', '#node-input-schema');
    expect(await page.locator('#canonical-map-tabs-content').isVisible()).toBe(false);
    const schemas = await page.locator('#node-input-schema option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(schemas).toEqual(expect.arrayContaining(['', 'supplier-price@1', 'po-ack@1', 'inventory-event@1']));
    expect(await page.locator('#node-input-server').getAttribute('class')).toMatch(/input-error/);
    await page.selectOption('#node-input-schema', 'po-ack@1');
    await editor.shot('canonical-map-to-odoo');
    await editor.closeWith('#node-dialog-ok');
    const node = await page.evaluate(() => {
      const n = (window as unknown as { RED: any }).RED.nodes.node('cm2');
      return { schema: n.schema, valid: n.valid };
    });
    expect(node).toEqual({ schema: 'po-ack@1', valid: false });
    // a flow with an unusable node is not what this test deploys
    await page.click('g[id="cm2"] rect.red-ui-flow-node');
    await page.keyboard.press('Delete');
    await page.locator('g[id="cm2"]').waitFor({ state: 'detached' });
  });

  it('marks a node invalid when its mapping is no spec, naming the problem as the runtime does', async () => {
    const cases: Array<[Record<string, unknown>, RegExp | null]> = [
      [{ mapping: ACME_SPEC }, null],
      [{ mapping: '' }, /mapping: a mapping spec is required/],
      [{ mapping: '{"schema": "supplier-price@1",' }, /mapping: not valid JSON/],
      [{ mapping: '{"schema": "supplier-price", "specVersion": 1, "fields": {}}' }, /"schema" must name a canonical object with its version/],
      [{ mapping: '{"schema": "supplier-price@1", "fields": {}}' }, /"specVersion" must be 1/],
      [{ direction: 'to-odoo', server: 'cmcfg', schema: 'purchase-order@1' }, null],
      [{ direction: 'to-odoo', server: 'cmcfg', schema: '' }, null],
      [{ direction: 'to-odoo', server: 'cmcfg', schema: 'price-list@1' }, /cannot be applied to Odoo/],
      [{ direction: 'to-odoo', server: 'cmcfg', cacheTtl: 90_000 }, /cacheTtl/],
      [{ direction: 'to-odoo' }, /needs an Odoo server/],
    ];
    const results = await page.evaluate((list) => {
      const R = (window as unknown as { RED: any }).RED;
      const z = R.workspaces.active();
      R.view.importNodes(
        [{ id: 'cmcfg', type: 'odoo-config', url: 'https://odoo.example.com' }, ...list.map(([props], i) => ({ id: `cmcase${i}`, type: 'canonical-map', z, x: 700, y: 60 + 40 * i, wires: [[], []], ...props }))],
        { generateIds: false, touchImport: true, notify: false, applyNodeDefaults: true },
      );
      return list.map((_c, i) => {
        const n = R.nodes.node(`cmcase${i}`);
        R.editor.validateNode(n);
        return { valid: n.valid as boolean, errors: ((n.validationErrors as string[]) ?? []).join(' ') };
      });
    }, cases.map(([props]) => [props] as [Record<string, unknown>]));
    await editor.shot('canonical-map-validation');
    cases.forEach(([, problem], i) => {
      expect({ i, ...results[i] }).toEqual({ i, valid: problem === null, errors: problem === null ? '' : expect.stringMatching(problem) });
    });
    // leave the workspace as it was for the deploy
    await page.evaluate((count) => {
      const R = (window as unknown as { RED: any }).RED;
      for (let i = 0; i < count; i++) R.nodes.remove(`cmcase${i}`);
      R.nodes.remove('cmcfg');
      R.view.select('');
      R.view.redraw(true);
    }, cases.length);
  });

  it('deploys the mapping; the runtime accepts it and the page had no errors', async () => {
    await editor.deploy();
    await page.locator('g[id="cm1"] .red-ui-flow-node-status-label').filter({ hasText: 'supplier-price@1' }).waitFor({ state: 'visible' });
    const saved = await page.evaluate(() => {
      const n = (window as unknown as { RED: any }).RED.nodes.node('cm1');
      return { name: n.name, mapping: n.mapping, valid: n.valid };
    });
    expect(saved.name).toBe('ACME price list');
    expect(saved.valid).toBe(true);
    expect(JSON.parse(saved.mapping)).toEqual(JSON.parse(ACME_SPEC));
    await page.locator('#red-ui-header-shade').waitFor({ state: 'hidden' });
    await editor.shot('canonical-map-deployed');
    expect(editor.pageErrors).toEqual([]);
    // the runtime answers 400 to an invalid spec on purpose (the check and Try it); anything else is a bug
    expect(editor.consoleErrors.filter((e) => !(/Failed to load resource/.test(e) && /\/canonical-map\/try/.test(e)))).toEqual([]);
  });
});
