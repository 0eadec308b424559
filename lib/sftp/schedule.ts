/**
 * When a poller runs: every N seconds, or on a cron expression in a time zone
 * (croner: 5 or 6 fields, `L`, `#`, nicknames like `@hourly`). A tick that comes
 * while the previous poll still runs is skipped, never queued, so a slow server
 * never piles polls up.
 */
import { Cron } from 'croner';
import { configError } from '../errors';

export type Schedule = { kind: 'interval'; everyMs: number } | { kind: 'cron'; expression: string; timezone?: string };

/** Throws a config error that names the problem when the expression or zone is not valid. */
export function checkSchedule(schedule: Schedule): Schedule {
  if (schedule.kind === 'interval') return schedule;
  if (!schedule.expression.trim()) throw configError('cron: an expression is required, e.g. "*/15 6-20 * * 1-5" (every 15 min, 6:00–20:59, Monday to Friday)');
  if (schedule.timezone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: schedule.timezone });
    } catch {
      throw configError(`cron: "${schedule.timezone}" is not an IANA time zone such as Europe/Berlin`);
    }
  }
  try {
    const probe = new Cron(schedule.expression, { paused: true, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) });
    const next = probe.nextRun();
    probe.stop();
    if (!next) throw new Error('it never fires');
  } catch (err) {
    throw configError(`cron "${schedule.expression}": ${(err as Error).message.replace(/^CronPattern: /, '')}`);
  }
  return schedule;
}

export interface Scheduled {
  /** when the next run is due, if known */
  next(): Date | undefined;
  stop(): void;
}

/** Runs `run` on the schedule (and once right away when `immediately`); overlapping ticks are skipped. */
export function startSchedule(schedule: Schedule, run: () => Promise<unknown>, immediately = true): Scheduled {
  let busy = false;
  let stopped = false;
  const tick = () => {
    if (busy || stopped) return;
    busy = true;
    Promise.resolve()
      .then(run)
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  };
  const first = immediately ? setImmediate(tick) : undefined;
  if (schedule.kind === 'interval') {
    const started = Date.now();
    const timer = setInterval(tick, schedule.everyMs);
    return {
      next: () => new Date(started + schedule.everyMs * (Math.floor((Date.now() - started) / schedule.everyMs) + 1)),
      stop() {
        stopped = true;
        if (first) clearImmediate(first);
        clearInterval(timer);
      },
    };
  }
  const job = new Cron(schedule.expression, { ...(schedule.timezone ? { timezone: schedule.timezone } : {}) }, tick);
  return {
    next: () => job.nextRun() ?? undefined,
    stop() {
      stopped = true;
      if (first) clearImmediate(first);
      job.stop();
    },
  };
}
