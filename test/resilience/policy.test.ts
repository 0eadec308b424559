import { CircuitBreaker, breakerSchema } from '../../lib/resilience/breaker';
import { parseRetryPolicy, RetryPolicy } from '../../lib/resilience/policy';
import { TimerQueue } from '../../lib/resilience/timer-queue';

describe('RetryPolicy', () => {
  it('backs off exponentially up to the cap, with full jitter between 0 and the ceiling', () => {
    const o = parseRetryPolicy({ initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 'none', maxAttempts: 10 });
    const p = new RetryPolicy(o);
    expect([1, 2, 3, 4, 5, 6].map((a) => p.delay(a))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const jittered = new RetryPolicy({ ...o, jitter: 'full' }, () => 0.5);
    expect(jittered.delay(3)).toBe(200);
  });

  it('honours Retry-After as the least wait', () => {
    const p = new RetryPolicy(parseRetryPolicy({ initialDelayMs: 100, jitter: 'none' }));
    expect(p.delay(1, 5000)).toBe(5000);
    expect(p.delay(1, 10)).toBe(100);
    const ignoring = new RetryPolicy(parseRetryPolicy({ initialDelayMs: 100, jitter: 'none', honourRetryAfter: false }));
    expect(ignoring.delay(1, 5000)).toBe(100);
  });

  it('follows a stepped schedule, repeating its last step', () => {
    const p = new RetryPolicy(parseRetryPolicy({ strategy: 'schedule', schedule: '1000, 5000, 30000', maxAttempts: 6 }));
    expect([1, 2, 3, 4].map((a) => p.delay(a))).toEqual([1000, 5000, 30000, 30000]);
  });

  it('stops after max attempts or max total time', () => {
    const p = new RetryPolicy(parseRetryPolicy({ maxAttempts: 3, initialDelayMs: 1000, jitter: 'none', maxTotalMs: 10_000 }));
    expect(p.decide(3, 0, 0)).toEqual({ retry: true, delayMs: 4000, at: 4000 });
    expect(p.decide(4, 0, 0)).toEqual({ retry: false, reason: 'attempts' });
    expect(p.decide(2, 0, 9000)).toEqual({ retry: false, reason: 'time' });
  });

  it('rejects a policy that would retry for ever, or a schedule without steps, in plain words', () => {
    expect(() => parseRetryPolicy({ maxAttempts: 0, maxTotalMs: 0 })).toThrow(/set a maximum number of attempts or a maximum total time/);
    expect(() => parseRetryPolicy({ strategy: 'schedule', schedule: '' })).toThrow(/needs at least one wait/);
    expect(() => parseRetryPolicy({ strategy: 'schedule', schedule: '1s, 2s' })).toThrow(/schedule: must be a list of waits in milliseconds/);
    expect(() => parseRetryPolicy({ maxAttempts: 'many' })).toThrow(/maxAttempts/);
  });
});

describe('CircuitBreaker', () => {
  it('opens after a run of failures, lets one probe through after the cooldown, closes when the probe does not fail', () => {
    const changes: string[] = [];
    const b = new CircuitBreaker(breakerSchema.parse({ threshold: 3, windowMs: 1000, cooldownMs: 500, probeTimeoutMs: 200 }), (s) => changes.push(s));
    b.failure(0);
    b.failure(10);
    expect(b.tryPass(20)).toBe(true);
    b.failure(30);
    expect(b.state).toBe('open');
    expect(b.tryPass(100)).toBe(false);
    expect(b.tryPass(530)).toBe(true); // the probe
    expect(b.tryPass(540)).toBe(false);
    expect(b.poll(800)).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again when the probe fails, and failures spread beyond the window do not open it', () => {
    const b = new CircuitBreaker(breakerSchema.parse({ threshold: 2, windowMs: 100, cooldownMs: 50, probeTimeoutMs: 100 }));
    b.failure(0);
    b.failure(500);
    expect(b.state).toBe('closed');
    b.failure(510);
    expect(b.state).toBe('open');
    expect(b.tryPass(600)).toBe(true);
    b.failure(610);
    expect(b.state).toBe('open');
    expect(b.tryPass(620)).toBe(false);
    expect(b.opens).toBe(2);
  });

  it('with threshold 0 is off', () => {
    const b = new CircuitBreaker(breakerSchema.parse({ threshold: 0 }));
    for (let i = 0; i < 100; i++) b.failure(i);
    expect(b.tryPass(100)).toBe(true);
  });
});

describe('TimerQueue', () => {
  it('fires items in due order behind one timer, and clear() leaves none', async () => {
    const fired: number[] = [];
    const q = new TimerQueue<number>((items) => fired.push(...items));
    const timeouts = () => (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const idle = timeouts();
    const start = Date.now();
    for (let i = 0; i < 10_000; i++) q.push(start + 20 + ((i * 7919) % 30), i);
    expect(timeouts() - idle).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(fired).toHaveLength(10_000);
    const dueOrder = fired.map((i) => (i * 7919) % 30);
    expect([...dueOrder].sort((a, b) => a - b)).toEqual(dueOrder);
    const q2 = new TimerQueue<number>((items) => fired.push(...items));
    q2.push(Date.now() + 30, -1);
    q2.clear();
    await new Promise((r) => setTimeout(r, 50));
    expect(fired).not.toContain(-1);
  });
});
