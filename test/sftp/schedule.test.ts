import { checkSchedule, startSchedule } from '../../lib/sftp/schedule';

describe('poll schedule', () => {
  it('refuses a bad cron expression or time zone with a message that names it', () => {
    expect(() => checkSchedule({ kind: 'cron', expression: '61 * * * *' })).toThrow(/cron "61 \* \* \* \*": .*minute: 61/);
    expect(() => checkSchedule({ kind: 'cron', expression: '' })).toThrow(/an expression is required/);
    expect(() => checkSchedule({ kind: 'cron', expression: '0 6 * * *', timezone: 'Mars/Olympus' })).toThrow(/"Mars\/Olympus" is not an IANA time zone/);
    expect(() => checkSchedule({ kind: 'cron', expression: '0 6 * * 1-5', timezone: 'Europe/Berlin' })).not.toThrow();
  });

  it('runs on a cron expression, skips a tick while the previous run is busy, and stops', async () => {
    let runs = 0;
    let inFlight = 0;
    let overlap = false;
    const s = startSchedule({ kind: 'cron', expression: '* * * * * *' }, async () => {
      runs++;
      inFlight++;
      if (inFlight > 1) overlap = true;
      await new Promise((r) => setTimeout(r, 1500)); // longer than a tick
      inFlight--;
    });
    expect(s.next()!.getTime()).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, 3300));
    s.stop();
    const after = runs;
    expect(overlap).toBe(false);
    expect(runs).toBeGreaterThanOrEqual(2); // the immediate run and at least one cron tick
    expect(runs).toBeLessThanOrEqual(3); // 4 ticks would have started without the busy guard
    await new Promise((r) => setTimeout(r, 1600));
    expect(runs).toBe(after);
  });

  it('a run that throws does not stop the schedule', async () => {
    let runs = 0;
    const s = startSchedule({ kind: 'interval', everyMs: 100 }, async () => {
      runs++;
      throw new Error('server down');
    });
    await new Promise((r) => setTimeout(r, 450));
    s.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
  });
});

describe('supplier-sftp numbers from the environment', () => {
  it('`${NAME}` is read from the environment; unset, the default applies; not a number, a clear error', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { supplierSftpConfig } = require('../../lib/sftp/options') as typeof import('../../lib/sftp/options');
    delete process.env.TEST_POLL_SECONDS;
    expect(supplierSftpConfig({ dir: '/in', interval: '${TEST_POLL_SECONDS}' }).intervalMs).toBe(60_000);
    process.env.TEST_POLL_SECONDS = '15';
    expect(supplierSftpConfig({ dir: '/in', interval: '${TEST_POLL_SECONDS}' }).schedule).toEqual({ kind: 'interval', everyMs: 15_000 });
    process.env.TEST_POLL_SECONDS = 'often';
    expect(() => supplierSftpConfig({ dir: '/in', interval: '${TEST_POLL_SECONDS}' })).toThrow(/interval/);
    delete process.env.TEST_POLL_SECONDS;
  });
});
