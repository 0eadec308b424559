import { Batcher } from '../../lib/odoo/batcher';
import { badInput, IntegrationError } from '../../lib/errors';

describe('Batcher', () => {
  it('groups items that arrive one at a time and answers each caller in order', async () => {
    const calls: number[][] = [];
    const b = new Batcher<number, number>({ maxSize: 100, windowMs: 20 }, async (_k, items) => {
      calls.push(items);
      return items.map((i) => i * 10);
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => b.submit('k', i)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(calls).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('sends a full batch at once and keeps keys apart', async () => {
    const calls: Array<[string, number[]]> = [];
    const b = new Batcher<number, number>({ maxSize: 3, windowMs: 10_000 }, async (k, items) => {
      calls.push([k, items]);
      return items;
    });
    const p = [1, 2, 3].map((i) => b.submit('a', i));
    await Promise.all(p);
    const q = b.submit('b', 9);
    await b.flush();
    await q;
    expect(calls).toEqual([['a', [1, 2, 3]], ['b', [9]]]);
  });

  it('isolates the one bad item of 500 by splitting, and the other 499 succeed', async () => {
    let calls = 0;
    const b = new Batcher<number, number>({ maxSize: 500, windowMs: 5 }, async (_k, items) => {
      calls++;
      if (items.includes(137)) throw badInput('row 137 is bad');
      return items;
    });
    const settled = await Promise.allSettled(Array.from({ length: 500 }, (_, i) => b.submit('k', i)));
    const rejected = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []));
    expect(rejected).toEqual([137]);
    expect((settled[137] as PromiseRejectedResult).reason.message).toBe('row 137 is bad');
    expect(calls).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(500)) + 1);
  });

  it('fails the whole batch on a transient error without splitting', async () => {
    let calls = 0;
    const b = new Batcher<number, number>({ maxSize: 10, windowMs: 1 }, async () => {
      calls++;
      throw new IntegrationError({ message: 'down', code: 'UNAVAILABLE', transient: true });
    });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => b.submit('k', i)));
    expect(settled.every((s) => s.status === 'rejected' && s.reason.transient)).toBe(true);
    expect(calls).toBe(1);
  });
});
