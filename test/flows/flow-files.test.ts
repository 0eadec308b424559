/** The intake flow files: documented, every error output wired, and info text that renders as written. */
import fs from 'node:fs';
import path from 'node:path';

const DIR = path.resolve(__dirname, '..', '..', 'flows');
const FLOWS = ['supplier-price-sync', 'po-ack-ingest', 'asn-inbound', 'invoice-inbound'];
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, `${f}.json`), 'utf8')) as Array<Record<string, any>>;

describe.each(FLOWS)('flows/%s.json', (name) => {
  const nodes = load(name);
  it('is one tab of that name, with Comment nodes', () => {
    expect(nodes.filter((n) => n.type === 'tab').map((n) => n.label)).toEqual([name]);
    expect(nodes.filter((n) => n.type === 'comment' && n.info).length).toBeGreaterThanOrEqual(3);
  });
  it('wires the error output of every node that talks to Odoo, SFTP or disk, and has retry gates and dead letters', () => {
    for (const n of nodes.filter((x) => ['odoo-write', 'canonical-map', 'supplier-sftp', 'supplier-intake'].includes(x.type))) {
      expect(`${n.id}:${(n.wires?.[1] ?? []).length > 0}`).toBe(`${n.id}:true`);
    }
    const gates = nodes.filter((n) => n.type === 'retry-gate');
    expect(gates.length).toBe(2);
    for (const g of gates) expect(g.wires[1].some((t: string) => nodes.find((n) => n.id === t)?.type === 'dead-letter')).toBe(true);
  });
  it('says <supplier> inside code spans only (markdown would eat it as a tag)', () => {
    for (const n of nodes.filter((x) => typeof x.info === 'string')) expect(n.info.replace(/`[^`]*`/g, '')).not.toMatch(/<[a-z]+>/i);
  });
});
