/**
 * lib/operations.ts on the package's registry: messages grouped by the flow tab
 * a node is on (nodes no longer deployed left out), rates and error rate over
 * the readings kept in the window, a restarted counter counted from zero, and
 * the state gauges as the operations page shows them.
 */
import { circuitState, deadLetterDepth, nodeMeter, retriesPending, supplierLastSuccess, apiKeyDaysLeft } from '../../lib/metrics';
import { OperationsView } from '../../lib/operations';

const tabs: Record<string, string> = { a1: 'tabA', a2: 'tabA', b1: 'tabB', gate: 'tabA', dl: 'tabB' };
const flowOf = (id: string) => tabs[id];

test('per flow tab: totals, rates over the window and error rate; gates, dead letters, suppliers, keys', async () => {
  const view = new OperationsView(60_000);
  const a1 = nodeMeter('odoo-write', 'a1', 'partners');
  const a2 = nodeMeter('dead-letter', 'a2');
  const b1 = nodeMeter('canonical-map', 'b1');
  const gone = nodeMeter('odoo-write', 'gone');
  gone.received = 1000;
  const removers = [
    retriesPending.add(() => [[{ id: 'gate', name: 'retries' }, 3]]),
    circuitState.add(() => [[{ id: 'gate', name: 'retries' }, 2]]),
    deadLetterDepth.add(() => [[{ id: 'dl', name: 'parked', source: 'partners' }, 2], [{ id: 'dl', name: 'parked', source: 'map' }, 5]]),
    apiKeyDaysLeft.add(() => [[{ server: 'cfg', name: 'sandbox' }, 12.5]]),
  ];
  supplierLastSuccess.set({ supplier: 'acme', channel: 'sftp' }, 1_700_000_000);
  try {
    a1.received = 10;
    a1.ok = 8;
    a1.failed = 2;
    const first = await view.snapshot(flowOf, 1_000_000);
    expect(first.flows).toEqual([{ flow: 'tabA', nodes: 1, in: 10, ok: 8, error: 2, inPerSecond: 0, okPerSecond: 0, errorPerSecond: 0, errorRate: 0.2 }]);

    // 10 s later: 20 more in on tab A (19 ok, 1 error), tab B starts
    a1.received += 20;
    a1.ok += 19;
    a1.failed += 1;
    a2.received = 1;
    a2.ok = 1;
    b1.received = 5;
    b1.ok = 5;
    const second = await view.snapshot(flowOf, 1_010_000);
    expect(second.windowSeconds).toBe(10);
    const [tabA, tabB] = second.flows;
    expect(tabA).toMatchObject({ flow: 'tabA', nodes: 2, in: 31, ok: 28, error: 3, inPerSecond: 2.1, okPerSecond: 2, errorPerSecond: 0.1 });
    expect(tabA?.errorRate).toBeCloseTo(1 / 21);
    expect(tabB).toMatchObject({ flow: 'tabB', nodes: 1, in: 5, inPerSecond: 0.5, errorRate: 0 });

    expect(second.retries).toEqual([{ id: 'gate', name: 'retries', flow: 'tabA', pending: 3, circuit: 'open' }]);
    expect(second.deadLetters).toEqual([{ id: 'dl', name: 'parked', flow: 'tabB', depth: 7, bySource: { partners: 2, map: 5 } }]);
    expect(second.suppliers).toEqual([{ supplier: 'acme', channel: 'sftp', lastSuccess: 1_700_000_000_000 }]);
    expect(second.apiKeys).toEqual([{ server: 'cfg', name: 'sandbox', daysLeft: 12.5 }]);

    // 70 s after the first reading it has left the window: rates are over the last 60 s (from the second reading)
    a1.received += 60;
    a1.ok += 60;
    const third = await view.snapshot(flowOf, 1_070_000);
    expect(third.windowSeconds).toBe(60);
    expect(third.flows[0]).toMatchObject({ flow: 'tabA', inPerSecond: 1, errorPerSecond: 0, errorRate: 0 });

    // a redeploy of b1 with another name: a new meter, counted from zero, not a negative rate
    const b1again = nodeMeter('canonical-map', 'b1', 'renamed');
    b1again.received = 2;
    b1again.ok = 2;
    const fourth = await view.snapshot(flowOf, 1_080_000);
    expect(fourth.flows[1]).toMatchObject({ flow: 'tabB', in: 2 });
    expect(fourth.flows[1]!.inPerSecond).toBeGreaterThan(0);
  } finally {
    for (const remove of removers) remove();
  }
});
