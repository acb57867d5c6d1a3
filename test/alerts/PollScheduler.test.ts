import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { CycleReport, Poller } from '../../src/alerts/Poller.ts';
import { startPollSchedule } from '../../src/alerts/PollScheduler.ts';
import { createLogger } from '../../src/platform/logger.ts';

// node-cron arms a setTimeout for the next match of the expression and reads the time with Date: both
// are mocked, so each tick below is a step of the mocked clock, not a wait.
const EVERY_10_SECONDS = '*/10 * * * * *';
const START = Date.parse('2026-11-25T10:00:01Z');
const MARGIN_MS = 1_250;

const quiet = createLogger(
  'fatal',
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  }),
);

const done: CycleReport = { skipped: false, stages: [], apiCalls: 0, durationMs: 0 };
const skipped: CycleReport = { skipped: true, stages: [], apiCalls: 0, durationMs: 0 };

/** A poller whose cycles end when the test says so; like Poller, it skips a cycle asked for while one runs. */
class HeldPoller {
  readonly deadlines: (number | undefined)[] = [];
  skips = 0;
  #release: (() => void) | undefined;

  get running(): boolean {
    return this.#release !== undefined;
  }

  runCycle(options: { deadline?: number } = {}): Promise<CycleReport> {
    if (this.running) {
      this.skips += 1;
      return Promise.resolve(skipped);
    }
    this.deadlines.push(options.deadline);
    return new Promise((resolve) => {
      this.#release = () => {
        this.#release = undefined;
        resolve(done);
      };
    });
  }

  finish(): void {
    assert.ok(this.#release, 'a cycle is running');
    this.#release();
  }

  /** The scheduler takes a Poller; it uses only `running` and `runCycle`. */
  asPoller(): Poller {
    return this as unknown as Poller;
  }
}

/** Lets promise callbacks and node-cron's awaits run (setImmediate is not mocked). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Moves the mocked clock to `epochMs`, a second at a time, running what each step wakes. */
async function advanceTo(epochMs: number): Promise<void> {
  while (Date.now() < epochMs) {
    mock.timers.tick(Math.min(1_000, epochMs - Date.now()));
    await settle();
  }
}

const at = (seconds: number) => Date.parse('2026-11-25T10:00:00Z') + seconds * 1_000;

beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: START });
});

afterEach(() => {
  mock.timers.reset();
});

test('ticks run a cycle only while this replica is the leader', async () => {
  const poller = new HeldPoller();
  let leader = false;
  const cycles: (CycleReport | 'failed')[] = [];
  const schedule = startPollSchedule({
    expression: EVERY_10_SECONDS,
    poller: poller.asPoller(),
    logger: quiet,
    shouldRun: () => leader,
    endMarginMs: () => MARGIN_MS,
    onCycle: (report) => cycles.push(report),
  });
  await advanceTo(at(25));
  assert.equal(poller.deadlines.length, 0, 'a follower polls nothing (ticks at :10 and :20)');
  leader = true;
  await advanceTo(at(30));
  assert.equal(poller.deadlines.length, 1, 'the tick at :30 runs a cycle once leading');
  poller.finish();
  await settle();
  assert.deepEqual(cycles, [done]);
  leader = false;
  await advanceTo(at(55));
  assert.equal(poller.deadlines.length, 1, 'no cycle after leadership is lost');
  await schedule.stop(1_000);
});

test('the deadline handed to a cycle is the next tick less endMarginMs()', async () => {
  const poller = new HeldPoller();
  let margin = MARGIN_MS;
  const schedule = startPollSchedule({
    expression: EVERY_10_SECONDS,
    poller: poller.asPoller(),
    logger: quiet,
    shouldRun: () => true,
    endMarginMs: () => margin,
  });
  await advanceTo(at(10));
  assert.deepEqual(poller.deadlines, [at(20) - MARGIN_MS]);
  poller.finish();
  margin = 4_000;
  await advanceTo(at(20));
  assert.deepEqual(poller.deadlines, [at(20) - MARGIN_MS, at(30) - 4_000], 'the margin is read every cycle');
  poller.finish();
  await schedule.stop(1_000);
});

test('a tick while a cycle runs is skipped, not overlapped, and the next free tick runs', async () => {
  const poller = new HeldPoller();
  const cycles: (CycleReport | 'failed')[] = [];
  const schedule = startPollSchedule({
    expression: EVERY_10_SECONDS,
    poller: poller.asPoller(),
    logger: quiet,
    shouldRun: () => true,
    endMarginMs: () => MARGIN_MS,
    onCycle: (report) => cycles.push(report),
  });
  await advanceTo(at(10));
  await advanceTo(at(30));
  assert.equal(poller.deadlines.length, 1, 'one cycle started');
  assert.equal(poller.skips, 2, 'the ticks at :20 and :30 fell inside it');
  assert.deepEqual(cycles, [skipped, skipped]);
  poller.finish();
  await advanceTo(at(40));
  assert.equal(poller.deadlines.length, 2, 'the tick after the cycle ended runs one');
  poller.finish();
  await schedule.stop(1_000);
});

test('stop() waits for the running cycle (not a skipped tick), up to its timeout', async () => {
  const poller = new HeldPoller();
  const schedule = startPollSchedule({
    expression: EVERY_10_SECONDS,
    poller: poller.asPoller(),
    logger: quiet,
    shouldRun: () => true,
    endMarginMs: () => MARGIN_MS,
  });
  await advanceTo(at(20));
  assert.equal(poller.skips, 1, 'the tick at :20 was skipped while the :10 cycle runs');

  let stopped = false;
  const stopping = schedule.stop(60_000).then(() => {
    stopped = true;
  });
  await settle();
  mock.timers.tick(30_000);
  await settle();
  assert.equal(stopped, false, 'still waiting for the cycle started at :10');
  poller.finish();
  await stopping;
  assert.equal(poller.deadlines.length, 1);
  await advanceTo(at(80));
  assert.equal(poller.deadlines.length + poller.skips, 2, 'no tick after stop()');
});

test('stop() gives up on a cycle that outlasts its timeout', async () => {
  const poller = new HeldPoller();
  const schedule = startPollSchedule({
    expression: EVERY_10_SECONDS,
    poller: poller.asPoller(),
    logger: quiet,
    shouldRun: () => true,
    endMarginMs: () => MARGIN_MS,
  });
  await advanceTo(at(10));
  let stopped = false;
  const stopping = schedule.stop(5_000).then(() => {
    stopped = true;
  });
  await settle();
  mock.timers.tick(4_999);
  await settle();
  assert.equal(stopped, false);
  mock.timers.tick(1);
  await stopping;
  assert.equal(poller.running, true, 'the cycle is still running; stop() returned at its timeout');
  poller.finish();
});
