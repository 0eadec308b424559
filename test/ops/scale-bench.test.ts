/**
 * `npm run bench -- scale --json` in its smallest form, run as a user runs it: the plant
 * flow on one and on two Node-RED processes (one PostgreSQL, one share group), the same
 * events into a fresh sandbox Odoo each time; its JSON line read back. Lost and doubled
 * come from Odoo's quants against what the simulator sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, run } from '../helpers/child';

jest.setTimeout(180_000);

const RUNNER = path.join(ROOT, 'dist', 'bench', 'run.js');

describe('bench scale', () => {
  it('runs 300 events on one and on two instances: every event applied once in Odoo on both, both throughputs, the ratio and what bounds it', async () => {
    if (!fs.existsSync(RUNNER)) throw new Error('dist/ is missing: run npm run build first');
    const child = run(process.execPath, [RUNNER, 'scale', '--json', '--events', '300', '--rate', '300', '--timeout-seconds', '90']);
    const code = await child.exited;
    const line = child
      .log()
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('{"events"'));
    if (!line) throw new Error(`the bench printed no result (exit ${code}):\n${child.log().slice(-3000)}`);
    const out = JSON.parse(line);
    expect(Object.keys(out)).toEqual(['events', 'rate', 'one', 'two', 'ratio', 'bound_by', 'projected_idle_machine', 'load_average', 'cores']);
    for (const [key, instances] of [['one', 1], ['two', 2]] as const) {
      const r = out[key];
      expect(r).toMatchObject({ instances, events: 300, lost: 0, double_applied: 0 });
      expect(r.events_per_s).toBeGreaterThan(0);
      expect(r.p99_latency_ms).toBeGreaterThanOrEqual(r.p50_latency_ms);
      expect(r.odoo_calls).toBeGreaterThan(0);
      // every event applied exactly once, by whichever instance leads
      expect(r.applied_per_instance).toHaveLength(instances);
      expect(r.applied_per_instance.reduce((a: number, b: number) => a + b, 0)).toBe(300);
      expect(r.cpu.node_red).toHaveLength(instances);
      for (const c of [...r.cpu.node_red, r.cpu.sandbox_odoo, r.cpu.broker]) expect(c).toBeGreaterThan(0);
    }
    expect(out.ratio).toBeCloseTo(out.two.events_per_s / out.one.events_per_s, 1);
    expect(out.projected_idle_machine.one).toBeGreaterThan(0);
    expect(out.projected_idle_machine.two).toBeGreaterThan(0);
    expect(out.bound_by).toMatch(/offered load|machine CPU|is the bottleneck|no process saturated/);
    expect(code).toBe(0);
  });
});
