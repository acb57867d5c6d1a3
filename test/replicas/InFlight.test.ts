import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { InFlight } from '../../src/replicas/InFlight.ts';

function held<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets promise callbacks run (setImmediate is not mocked). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout'] });
});

afterEach(() => {
  mock.timers.reset();
});

test('track() hands the same promise back and forgets it once settled, fulfilled or rejected', async () => {
  const inFlight = new InFlight();
  const a = held<string>();
  const b = held<string>();
  assert.equal(inFlight.track(a.promise), a.promise);
  const tracked = inFlight.track(b.promise);
  tracked.catch(() => {});
  assert.equal(inFlight.size, 2);
  a.resolve('answered');
  await turn();
  assert.equal(inFlight.size, 1);
  b.reject(new Error('Slack said no'));
  await turn();
  assert.equal(inFlight.size, 0, 'a rejected answer is forgotten too');
});

test('settle() is true at once with nothing in flight', async () => {
  assert.equal(await new InFlight().settle(1_000), true);
});

test('settle() waits for every tracked answer, a rejected one included, and says true', async () => {
  const inFlight = new InFlight();
  const a = held<void>();
  const b = held<void>();
  inFlight.track(a.promise);
  inFlight.track(b.promise).catch(() => {});
  let result: boolean | undefined;
  const settling = inFlight.settle(10_000).then((value) => {
    result = value;
  });
  b.reject(new Error('timed out'));
  await turn();
  assert.equal(result, undefined, 'one answer is still out');
  a.resolve();
  await settling;
  assert.equal(result, true);
});

test('settle() gives up after its timeout and says false; the work stays tracked', async () => {
  const inFlight = new InFlight();
  const slow = held<void>();
  inFlight.track(slow.promise);
  let result: boolean | undefined;
  const settling = inFlight.settle(5_000).then((value) => {
    result = value;
  });
  mock.timers.tick(4_999);
  await turn();
  assert.equal(result, undefined);
  mock.timers.tick(1);
  await settling;
  assert.equal(result, false);
  assert.equal(inFlight.size, 1);
  slow.resolve();
  await turn();
  assert.equal(inFlight.size, 0);
});

test('settle() covers what was in flight when called, not work tracked afterwards', async () => {
  const inFlight = new InFlight();
  const first = held<void>();
  inFlight.track(first.promise);
  const settling = inFlight.settle(5_000);
  inFlight.track(held<void>().promise);
  first.resolve();
  assert.equal(await settling, true);
  assert.equal(inFlight.size, 1);
});
