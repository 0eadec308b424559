/**
 * An exported flow holding an odoo-config carries no secret: the key lives in
 * Node-RED's encrypted credentials file, never in flows.json or the editor's
 * flow export (GET /flows). Committed flows and examples hold no secret either.
 */
import fs from 'node:fs';
import path from 'node:path';
import { adminRequest, Runtime, startNodeRed } from '../helpers/runtime';

const SECRET = 'k3y-that-must-never-leak-0123456789abcdef';

describe('secrets', () => {
  let rt: Runtime;
  beforeAll(async () => {
    process.env.ODOO_URL = 'http://127.0.0.1:9';
    rt = await startNodeRed();
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('deploying an odoo-config with a key keeps the key out of flows.json and out of the exported flow', async () => {
    const flows = [
      { id: 'tab1', type: 'tab', label: 'Odoo' },
      { id: 'cfg1', type: 'odoo-config', name: 'prod', url: '${ODOO_URL}', database: 'prod', login: 'bot', protocol: 'auto', secretKind: 'apikey', timeout: 30, concurrency: 4, credentials: { secret: SECRET } },
      { id: 'r1', type: 'odoo-read', z: 'tab1', server: 'cfg1', operation: 'search_read', model: 'res.partner', domain: '[]', domainType: 'json', wires: [[], []] },
    ];
    const deploy = await adminRequest(rt, 'POST', '/flows', { flows }, { 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v2' });
    expect(deploy.status).toBe(200);

    const exported = await adminRequest(rt, 'GET', '/flows');
    expect(exported.status).toBe(200);
    expect(exported.text).not.toContain(SECRET);
    const cfg = (exported.json.flows ?? exported.json).find((n: any) => n.id === 'cfg1');
    expect(cfg).toMatchObject({ type: 'odoo-config', url: '${ODOO_URL}' });
    expect(cfg.secret).toBeUndefined();

    const onDisk = fs.readFileSync(path.join(rt.userDir, 'flows.json'), 'utf8');
    expect(onDisk).toContain('odoo-config');
    expect(onDisk).not.toContain(SECRET);
    const creds = fs.readFileSync(path.join(rt.userDir, 'flows_cred.json'), 'utf8');
    expect(creds).not.toContain(SECRET);

    const stored = await adminRequest(rt, 'GET', '/credentials/odoo-config/cfg1');
    expect(stored.json).toEqual({ has_secret: true });
  });

  it('committed flows and examples reference secrets only through ${ENV} variables', () => {
    const root = path.resolve(__dirname, '..', '..');
    const files = ['flows', 'examples'].flatMap((dir) => listJson(path.join(root, dir)));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const nodes = JSON.parse(text) as Array<Record<string, unknown>>;
      for (const node of Array.isArray(nodes) ? nodes : []) {
        for (const key of ['secret', 'password', 'apiKey', 'api_key', 'passphrase', 'privateKey', 'credentials']) {
          const value = node[key];
          if (value === undefined || value === '') continue;
          expect(`${path.basename(file)}:${String(node.id)}.${key}=${typeof value === 'string' && /^\$\{[A-Z0-9_]+\}$/.test(value) ? 'env' : 'literal'}`).toMatch(/=env$/);
        }
      }
    }
  });
});

function listJson(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listJson(p);
    return e.name.endsWith('.json') && !e.name.includes('.sample') ? [p] : [];
  });
}
