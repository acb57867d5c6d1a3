import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import cron from 'node-cron';
import { CronSchedule } from '../../src/alerts/CronSchedule.ts';

// node-cron (a dev dependency since the bot stopped running it) is the reference: whatever the bot
// accepts, node-cron accepts, and both name the same run times.

function schedule(expression: string): CronSchedule {
  const parsed = CronSchedule.parse(expression);
  assert.ok(parsed.ok, `${expression}: ${parsed.ok ? '' : parsed.problem}`);
  return parsed.schedule;
}

/** Run times as node-cron computes them, from now, and ours chained from a moment around now. */
function compareWithNodeCron(expression: string, count: number): void {
  const before = new Date();
  const task = cron.createTask(expression, () => {});
  const theirs = task.getNextRuns(count).map((d) => d.getTime());
  void task.destroy();
  const after = new Date();
  const ours = (from: Date) => {
    const runs: number[] = [];
    let at: Date | undefined = from;
    for (let i = 0; i < count && at; i++) {
      at = schedule(expression).nextAfter(at);
      if (at) runs.push(at.getTime());
    }
    return runs;
  };
  // node-cron reads the clock itself: ours must match from one of the two moments around its call.
  const fromBefore = ours(before);
  const fromAfter = ours(after);
  assert.ok(
    JSON.stringify(theirs) === JSON.stringify(fromBefore) ||
      JSON.stringify(theirs) === JSON.stringify(fromAfter),
    `${expression}\nnode-cron ${theirs.map((t) => new Date(t).toISOString()).join(' ')}\nours      ${fromAfter.map((t) => new Date(t).toISOString()).join(' ')}`,
  );
}

const field = (min: number, max: number) =>
  fc.oneof(
    fc.constant('*'),
    fc.integer({ min, max }).map(String),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${a}-${b}`),
    fc.integer({ min: 1, max: max - min + 1 }).map((s) => `*/${s}`),
    fc
      .tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min: 1, max: 10 }))
      .map(([a, b, s]) => `${a}-${b}/${s}`),
  );
const list = (min: number, max: number) =>
  fc.array(field(min, max), { minLength: 1, maxLength: 3 }).map((items) => items.join(','));

describe('CronSchedule', () => {
  test('the schedules the bot documents, with their intervals', () => {
    assert.equal(schedule('* * * * *').intervalSeconds(), 60);
    assert.equal(schedule('*/30 * * * * *').intervalSeconds(), 30);
    assert.equal(schedule('*/5 * * * * *').intervalSeconds(), 5);
    assert.equal(schedule('0 */2 * * *').intervalSeconds(), 7_200);
  });

  test('every second-field step lands on the seconds cron names', () => {
    const s = schedule('*/15 * * * * *');
    const from = new Date(2026, 10, 25, 10, 0, 7, 500);
    assert.deepEqual(s.nextAfter(from), new Date(2026, 10, 25, 10, 0, 15));
    assert.deepEqual(s.nextAfter(new Date(2026, 10, 25, 10, 0, 15)), new Date(2026, 10, 25, 10, 0, 30));
    assert.deepEqual(s.nextAfter(new Date(2026, 10, 25, 10, 0, 45)), new Date(2026, 10, 25, 10, 1, 0));
  });

  test('names, 7 for Sunday, ? in a day field, wrapping ranges and nicknames', () => {
    const weekdays = schedule('0 9 * * MON-FRI');
    // 2026-11-28 is a Saturday: the next run is Monday 30 November at 09:00.
    assert.deepEqual(weekdays.nextAfter(new Date(2026, 10, 28, 12)), new Date(2026, 10, 30, 9));
    assert.deepEqual(schedule('0 0 * * 7').nextAfter(new Date(2026, 10, 25)), new Date(2026, 10, 29));
    assert.deepEqual(schedule('0 0 ? jan,July *').nextAfter(new Date(2026, 10, 25)), new Date(2027, 0, 1));
    assert.deepEqual(
      schedule('0 22-2 * * *').nextAfter(new Date(2026, 10, 25, 3)),
      new Date(2026, 10, 25, 22),
    );
    assert.deepEqual(schedule('@hourly').nextAfter(new Date(2026, 10, 25, 3, 5)), new Date(2026, 10, 25, 4));
  });

  test('refuses what cannot run, naming the field', () => {
    const problems = {
      '* * * *': /4 fields/,
      '61 * * * *': /minute: 61 is outside 0-59/,
      '* * * * * * *': /7 fields/,
      '*/0 * * * *': /step .* at least 1/,
      '5/10 * * * *': /step needs \* or a range/,
      '0 0 30 2 *': /never runs/,
      'L * * * *': /not a valid minute/,
      '0 0 L * *': /not a valid day of month/,
      '0 0 * * MON#2': /not a valid day of week/,
      '': /0 fields/,
    };
    for (const [expression, problem] of Object.entries(problems)) {
      const parsed = CronSchedule.parse(expression);
      assert.equal(parsed.ok, false, expression);
      if (!parsed.ok) assert.match(parsed.problem, problem, expression);
    }
  });

  test('the documented schedules run when node-cron runs them', () => {
    for (const expression of [
      '* * * * *',
      '*/30 * * * * *',
      '*/5 * * * * *',
      '*/7 * * * * *',
      '0 */2 * * *',
      '15,45 * * * *',
      '0 9 * * MON-FRI',
      '@daily',
    ]) {
      compareWithNodeCron(expression, 5);
    }
  });

  test('property: what the bot accepts node-cron accepts, with the same next runs', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        list(0, 59),
        list(0, 59),
        list(0, 23),
        list(1, 31),
        list(1, 12),
        list(0, 7),
        (withSeconds, second, minute, hour, day, month, weekday) => {
          const expression = `${withSeconds ? `${second} ` : ''}${minute} ${hour} ${day} ${month} ${weekday}`;
          const parsed = CronSchedule.parse(expression);
          if (!parsed.ok) return; // an impossible date, or a form node-cron may read differently
          assert.ok(cron.validate(expression), `node-cron refuses ${expression}`);
          compareWithNodeCron(expression, 3);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('property: nothing node-cron refuses is accepted', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('*', '0', '5', '59', '60', '7', '1-5', '*/2', '3/2', ',', 'L', 'MON', 'x', '?'),
          {
            minLength: 1,
            maxLength: 7,
          },
        ),
        (words) => {
          const expression = words.join(' ');
          if (CronSchedule.parse(expression).ok) assert.ok(cron.validate(expression), expression);
        },
      ),
      { numRuns: 300 },
    );
  });
});
