/**
 * The versioned flow flows/po-publish.json, run as committed in a real
 * Node-RED runtime, against the sandbox Odoo and a real OpenSSH server:
 * 50 confirmed purchase orders become 50 supplier files, a changed order one
 * revision file, a change the supplier does not see none, and a restart of
 * Node-RED sends nothing twice and misses what changed while it was down.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OdooClient } from '../../lib/odoo/client';
import { decodeFile } from '../../lib/canonical/file';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';
import { repositoryFlows, Runtime, startNodeRed } from '../helpers/runtime';
import { startSshd, type Sshd } from '../helpers/sshd';
import { until } from '../helpers/red';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('flow: PO publish', () => {
  let sandbox: Sandbox;
  let sshd: Sshd;
  let client: OdooClient;
  let rt: Runtime | undefined;
  let dataDir: string;
  let inbox: string;

  /** Node-RED with the repository's flows, and the SFTP password as the sftp-server's credential (never in a flow file). */
  async function startRuntime(): Promise<Runtime> {
    const r = await startNodeRed({ odooSupplyDataDir: dataDir }, repositoryFlows(['flow-po-publish']), { 'cfg-supplier-sftp': { password: sshd.password } });
    // odoo-changes takes "now" at its first poll
    await sleep(1000);
    return r;
  }

  beforeAll(async () => {
    sandbox = await startSandbox();
    sshd = await startSshd();
    inbox = `${sshd.home}/inbox`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-publish-'));
    Object.assign(process.env, {
      ODOO_URL: sandbox.url, ODOO_DB: sandbox.database, ODOO_LOGIN: sandbox.login, ODOO_API_KEY: sandbox.apiKey,
      SUPPLIER_SFTP_HOST: sshd.host, SUPPLIER_SFTP_PORT: String(sshd.port), SUPPLIER_SFTP_USER: sshd.user, SUPPLIER_SFTP_FINGERPRINT: sshd.fingerprint, SUPPLIER_SFTP_INBOX: inbox,
    });
    client = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: sandbox.apiKey, protocol: 'json2' });
    rt = await startRuntime();
  }, 60_000);

  afterAll(async () => {
    await rt?.close();
    client?.close();
    await sshd?.destroy();
    await sandbox?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const files = () => (fs.existsSync(inbox) ? sshd.ls(inbox).filter((f) => !f.startsWith('.')) : []);
  const notes = (po: number) => sandbox.store.read('mail.message', sandbox.store.search('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', po]]), ['body']).map((m) => String(m.body));
  const nameOf = (po: number) => sandbox.store.read('purchase.order', po, ['name'])[0]!.name as string;

  it('50 confirmed POs → 50 files; a changed PO → one revision file; a restart sends nothing twice and misses nothing', async () => {
    const acme = sandbox.store.search('res.partner', [['ref', '=', 'SUP-ACME']])[0];
    const product = (code: string) => sandbox.store.search('product.product', [['default_code', '=', code]])[0];
    const ids = await client.create('purchase.order', Array.from({ length: 50 }, (_, i) => ({
      partner_id: acme,
      order_line: [
        [0, 0, { product_id: product('FAS-BOLT-M8'), product_qty: i + 1, price_unit: 6.9, product_uom_id: 1, name: 'Hex Bolt M8x40' }],
        [0, 0, { product_id: product('PKG-TAPE-50'), product_qty: 12, price_unit: 1.05, product_uom_id: 1, name: 'Packing Tape' }],
      ],
    })));
    // a draft (RFQ) is not published; confirming makes it a purchase order
    await client.call('purchase.order', 'button_confirm', { ids });
    await until(() => files().length === 50, '50 files on the SFTP server', 30_000);
    expect(files().sort()).toEqual(ids.map((id) => `PO_${nameOf(id)}_R1.csv`).sort());
    const first = ids[0] as number;
    const text = decodeFile(fs.readFileSync(path.join(inbox, `PO_${nameOf(first)}_R1.csv`)), { encoding: 'windows-1252' }).text;
    expect(text.split('\r\n')[0]).toBe('Bestellnr;Revision;Lieferant;Bestelldatum;Pos;Art.-Nr.;Unsere Nr.;Bezeichnung;Menge;Einheit;Preis;Währung;Liefertermin');
    expect(text).toContain(`${nameOf(first)};1;SUP-ACME;`);
    expect(text).toContain(';AC-M8-40;FAS-BOLT-M8;Hex Bolt M8x40;1,000;Stk;6,90;');
    await until(() => ids.every((id) => notes(id).some((b) => /revision 1\), correlation id [0-9a-f-]{36}/.test(b))), 'a chatter note on each PO', 15_000);

    // the supplier sees a quantity change: revision 2; a field it never sees (our reference) is no revision
    const changed = ids[1] as number;
    const line = sandbox.store.search('purchase.order.line', [['order_id', '=', changed]])[0];
    await client.write('purchase.order', [changed], { order_line: [[1, line, { product_qty: 99 }]] });
    await client.write('purchase.order', [ids[2] as number], { partner_ref: 'internal note only' });
    await until(() => files().length === 51, 'the revision file', 15_000);
    expect(files()).toContain(`PO_${nameOf(changed)}_R2.csv`);
    expect(fs.readFileSync(path.join(inbox, `PO_${nameOf(changed)}_R2.csv`), 'latin1')).toContain(';99,000;Stk;');
    await sleep(3000);
    expect(files()).toHaveLength(51);

    // Node-RED stops; an order changes while it is down; it starts again
    await rt?.close();
    rt = undefined;
    const whileDown = ids[3] as number;
    const line3 = sandbox.store.search('purchase.order.line', [['order_id', '=', whileDown]])[0];
    await client.write('purchase.order', [whileDown], { order_line: [[1, line3, { price_unit: 5.5 }]] });
    rt = await startRuntime();
    await until(() => files().length === 52, 'the change made while Node-RED was down', 15_000);
    expect(files()).toContain(`PO_${nameOf(whileDown)}_R2.csv`);
    await sleep(4000);
    expect(files()).toHaveLength(52);
    const sentNotes = ids.flatMap((id) => notes(id).filter((b) => b.includes('Sent to the supplier')));
    expect(sentNotes).toHaveLength(52);
  }, 120_000);
});
