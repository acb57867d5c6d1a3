import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import fc from 'fast-check';
import { type CallPriority, RequestBudget } from '../../src/ivs/RequestBudget.ts';
import { FakeClock } from '../support/fakeClock.ts';

interface Grant {
  who: string;
  key: string;
  at: number;
}

/** Acquires and records when each call was let through, in fake-clock milliseconds. */
function recorder(budget: RequestBudget, clock: FakeClock) {
  const grants: Grant[] = [];
  const acquire = (who: string, key: string, priority: CallPriority) =>
    budget.acquire(key, priority).then(() => {
      grants.push({ who, key, at: clock.now() });
    });
  return { grants, acquire };
}

/** The most grants any closed window [t, t + 1000] of the fake clock sees, per key. */
function busiestSecond(grants: readonly Grant[]): number {
  let most = 0;
  for (const first of grants) {
    const inWindow = grants.filter((g) => g.key === first.key && g.at >= first.at && g.at <= first.at + 1000);
    most = Math.max(most, inWindow.length);
  }
  return most;
}

describe('RequestBudget', () => {
  test('refuses a rate that is not positive', () => {
    for (const rate of [0, -1, Number.NaN])
      assert.throws(() => new RequestBudget(rate, new FakeClock()), RangeError);
  });

  test('the first call goes out at once', async () => {
    const clock = new FakeClock();
    const { grants, acquire } = recorder(new RequestBudget(5, clock), clock);
    void acquire('a', 'us-east-1:GetParticipant', 'interactive');
    await turn();
    assert.deepEqual(grants, [{ who: 'a', key: 'us-east-1:GetParticipant', at: 0 }]);
  });

  test('calls are spaced evenly at the configured rate', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(5, clock);
    const { grants, acquire } = recorder(budget, clock);
    for (let i = 0; i < 6; i++) void acquire(`c${i}`, 'k', 'background');
    await turn();
    assert.equal(budget.waiting('k'), 5);
    await clock.advance(1000);
    assert.deepEqual(
      grants.map((g) => g.at),
      [0, 200, 400, 600, 800, 1000],
    );
    assert.equal(budget.waiting('k'), 0);
    assert.equal(clock.pendingTimers, 0);
  });

  test('a rate that does not divide a second rounds the gap up, never down', async () => {
    const clock = new FakeClock();
    const { grants, acquire } = recorder(new RequestBudget(3, clock), clock);
    for (let i = 0; i < 4; i++) void acquire(`c${i}`, 'k', 'interactive');
    await clock.advance(2000);
    assert.equal(grants.length, 4);
    const gaps = grants.slice(1).map((g, i) => g.at - (grants[i]?.at ?? 0));
    for (const gap of gaps) assert.ok(gap >= 1000 / 3 && gap <= 1000 / 3 + 1, `gap ${gap}`);
  });

  test('no call goes out before its token: nothing at 199 ms, the second at 200 ms', async () => {
    const clock = new FakeClock();
    const { grants, acquire } = recorder(new RequestBudget(5, clock), clock);
    void acquire('first', 'k', 'interactive');
    void acquire('second', 'k', 'interactive');
    await clock.advance(199);
    assert.deepEqual(
      grants.map((g) => g.who),
      ['first'],
    );
    await clock.advance(1);
    assert.deepEqual(
      grants.map((g) => g.who),
      ['first', 'second'],
    );
  });

  test('after a quiet spell the bucket holds only one token, so a burst is still spaced', async () => {
    const clock = new FakeClock();
    const { grants, acquire } = recorder(new RequestBudget(5, clock), clock);
    void acquire('warm-up', 'k', 'background');
    await clock.advance(60_000);
    for (let i = 0; i < 3; i++) void acquire(`burst${i}`, 'k', 'background');
    await clock.advance(1000);
    assert.deepEqual(
      grants.map((g) => g.at),
      [0, 60_000, 60_200, 60_400],
    );
  });

  test('interactive callers are served before background callers already queued', async () => {
    const clock = new FakeClock();
    const { grants, acquire } = recorder(new RequestBudget(5, clock), clock);
    void acquire('poller-1', 'k', 'background');
    void acquire('poller-2', 'k', 'background');
    void acquire('poller-3', 'k', 'background');
    await clock.advance(50);
    void acquire('person-1', 'k', 'interactive');
    void acquire('person-2', 'k', 'interactive');
    await clock.advance(2000);
    assert.deepEqual(
      grants.map((g) => g.who),
      ['poller-1', 'person-1', 'person-2', 'poller-2', 'poller-3'],
    );
    assert.deepEqual(
      grants.map((g) => g.at),
      [0, 200, 400, 600, 800],
    );
  });

  test('the poller keeps its share of the rate while people wait: one call in four at 0.25', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(4, clock, { backgroundShare: 0.25 });
    const { grants, acquire } = recorder(budget, clock);
    for (let i = 0; i < 40; i++) void acquire(`poller${i}`, 'k', 'background');
    for (let i = 0; i < 40; i++) void acquire(`person${i}`, 'k', 'interactive');
    await clock.advance(9_999);
    // 40 grants in 10 s at 4/s; the first went to the poller before anybody else waited.
    assert.equal(grants.length, 40);
    const whose = grants.map((g) => (g.who.startsWith('poller') ? 'P' : 'i')).join('');
    assert.equal(whose, `P${'iiiP'.repeat(9)}iii`);
    assert.equal(budget.backgroundShare, 0.25);
  });

  test('a burst of commands cannot starve the poller: its calls keep coming at share × rate', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(4, clock, { backgroundShare: 0.2 });
    const { grants, acquire } = recorder(budget, clock);
    for (let i = 0; i < 500; i++) void acquire(`person${i}`, 'k', 'interactive');
    await clock.advance(10_000);
    // The poller asks one call at a time (as each of its readers does) in the middle of the burst.
    for (let i = 0; i < 5; i++) {
      const asked = clock.now();
      const granted = acquire(`poller${i}`, 'k', 'background');
      await clock.advance(1_250);
      await granted;
      const at = grants.find((g) => g.who === `poller${i}`)?.at;
      assert.ok(at !== undefined && at - asked <= 1_250, `poller call ${i} waited ${(at ?? 0) - asked} ms`);
    }
  });

  test('with the poller saturated, a person waits at most one call spacing', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(4, clock, { backgroundShare: 0.25 });
    const { grants, acquire } = recorder(budget, clock);
    for (let i = 0; i < 200; i++) void acquire(`poller${i}`, 'k', 'background');
    for (const [i, offset] of [3_000, 1_337, 2_010, 999, 4_321].entries()) {
      await clock.advance(offset);
      const asked = clock.now();
      void acquire(`person${i}`, 'k', 'interactive');
      await clock.advance(250);
      const at = grants.find((g) => g.who === `person${i}`)?.at;
      assert.ok(at !== undefined && at - asked <= 250, `person ${i} waited ${(at ?? 0) - asked} ms`);
    }
  });

  test('a share of 0 keeps the old order: people always first', async () => {
    const clock = new FakeClock();
    const { grants, acquire } = recorder(new RequestBudget(5, clock, { backgroundShare: 0 }), clock);
    void acquire('poller-0', 'k', 'background');
    for (let i = 1; i < 5; i++) void acquire(`poller-${i}`, 'k', 'background');
    for (let i = 0; i < 10; i++) void acquire(`person-${i}`, 'k', 'interactive');
    await clock.advance(3_000);
    const order = grants.map((g) => g.who);
    assert.deepEqual(order.slice(0, 11), [
      'poller-0',
      ...Array.from({ length: 10 }, (_, i) => `person-${i}`),
    ]);
  });

  test('refuses a share outside [0, 1)', () => {
    for (const share of [-0.1, 1, 2, Number.NaN])
      assert.throws(() => new RequestBudget(4, new FakeClock(), { backgroundShare: share }), RangeError);
  });

  test('a raised poller call goes among the people’s', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(5, clock, { backgroundShare: 0 });
    const { grants, acquire } = recorder(budget, clock);
    void acquire('poller-0', 'k', 'background');
    void acquire('poller-1', 'k', 'background');
    const ticket = budget.enqueue('k', 'background');
    void ticket.granted.then(() => grants.push({ who: 'raised', key: 'k', at: clock.now() }));
    void acquire('person', 'k', 'interactive');
    ticket.raise();
    ticket.raise();
    await clock.advance(1_000);
    assert.deepEqual(
      grants.map((g) => g.who),
      ['poller-0', 'person', 'raised', 'poller-1'],
    );
  });

  test('setRate: time already passed refills at the old rate, later calls at the new one', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(4, clock);
    const { grants, acquire } = recorder(budget, clock);
    for (let i = 0; i < 4; i++) void acquire(`c${i}`, 'k', 'interactive');
    await clock.advance(100);
    budget.setRate(2);
    assert.equal(budget.ratePerSecond, 2);
    await clock.advance(2_000);
    // 0; then 100 ms at 4/s (0.4 token) + 300 ms at 2/s (0.6) = 400; then every 500 ms.
    assert.deepEqual(
      grants.map((g) => g.at),
      [0, 400, 900, 1_400],
    );
    assert.throws(() => budget.setRate(0), RangeError);
  });

  test('each key has its own bucket', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget(5, clock);
    const { grants, acquire } = recorder(budget, clock);
    void acquire('a1', 'us-east-1:GetParticipant', 'interactive');
    void acquire('a2', 'us-east-1:GetParticipant', 'interactive');
    void acquire('b1', 'us-east-1:ListParticipantEvents', 'interactive');
    void acquire('c1', 'eu-west-1:GetParticipant', 'interactive');
    await turn();
    assert.deepEqual(grants.map((g) => g.who).sort(), ['a1', 'b1', 'c1']);
    assert.equal(budget.waiting('us-east-1:GetParticipant'), 1);
    assert.equal(budget.waiting('us-east-1:ListParticipantEvents'), 0);
    assert.equal(budget.waiting('unknown'), 0);
    assert.equal(budget.waiting(), 1);
    await clock.advance(200);
    assert.equal(grants.at(-1)?.who, 'a2');
    assert.equal(budget.waiting(), 0);
  });

  test('property: never more than rate + 1 grants in any second, and every caller is served', async () => {
    const arrival = fc.record({
      at: fc.integer({ min: 0, max: 5000 }),
      key: fc.constantFrom(
        'us-east-1:GetParticipant',
        'us-east-1:ListParticipants',
        'eu-west-1:GetParticipant',
      ),
      priority: fc.constantFrom<CallPriority>('interactive', 'background'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.array(arrival, { minLength: 1, maxLength: 60 }),
        async (rate, arrivals) => {
          const clock = new FakeClock();
          const budget = new RequestBudget(rate, clock);
          const { grants, acquire } = recorder(budget, clock);
          const sorted = [...arrivals].sort((a, b) => a.at - b.at);
          const pending: Promise<void>[] = [];
          for (const [index, call] of sorted.entries()) {
            await clock.advance(call.at - clock.now());
            pending.push(acquire(`c${index}`, call.key, call.priority));
          }
          await clock.advance(((sorted.length + 1) * 1000) / rate + 1000);
          await Promise.all(pending);
          assert.equal(grants.length, sorted.length);
          assert.ok(
            busiestSecond(grants) <= rate + 1,
            `busiest second ${busiestSecond(grants)} at rate ${rate}`,
          );
          assert.equal(budget.waiting(), 0);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('property: a fractional rate also keeps every second within rate + 1', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.5, max: 20, noNaN: true }),
        fc.integer({ min: 2, max: 40 }),
        async (rate, count) => {
          const clock = new FakeClock();
          const { grants, acquire } = recorder(new RequestBudget(rate, clock), clock);
          for (let i = 0; i < count; i++) void acquire(`c${i}`, 'k', i % 2 ? 'interactive' : 'background');
          await clock.advance(((count + 1) * 1000) / rate + 1000);
          assert.equal(grants.length, count);
          assert.ok(busiestSecond(grants) <= rate + 1);
        },
      ),
      { numRuns: 100 },
    );
  });
});
