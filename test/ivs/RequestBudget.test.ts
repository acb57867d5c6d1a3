import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import fc from 'fast-check';
import { type CallPriority, type Clock, RequestBudget } from '../../src/ivs/RequestBudget.ts';

/** A clock that only moves when the test says so; timers fire in due order as it advances. */
class FakeClock implements Clock {
  #now = 0;
  #nextHandle = 1;
  #timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.#nextHandle++;
    this.#timers.set(handle, { at: this.#now + Math.max(0, ms), callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward to `this.now() + ms`, firing due timers and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    // Callers granted before the clock moves must record the time they were let through.
    await turn();
    const end = this.#now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].callback();
      await turn();
    }
    this.#now = end;
    await turn();
  }
}

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
