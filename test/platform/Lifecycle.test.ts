import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseFailure, Lifecycle } from '../../src/platform/Lifecycle.ts';

/** Keeps the warnings; the debug line before each hook is left out. */
function recordingLogger(): {
  debug: (obj: object, msg?: string) => void;
  warn: (obj: object, msg?: string) => void;
  lines: string[];
} {
  const lines: string[] = [];
  return { lines, debug: () => undefined, warn: (_obj: object, msg?: string) => lines.push(msg ?? '') };
}

test('hooks run in reverse order of registration, each after the previous one settled', async () => {
  const lifecycle = new Lifecycle({ logger: recordingLogger() });
  const order: string[] = [];
  for (const part of ['store', 'clients', 'listener']) {
    lifecycle.onClose(part, async () => {
      order.push(`${part} begins`);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`${part} ends`);
    });
  }
  await lifecycle.close(1_000);
  assert.deepEqual(order, [
    'listener begins',
    'listener ends',
    'clients begins',
    'clients ends',
    'store begins',
    'store ends',
  ]);
});

test('a failing hook does not stop the others; the close then rejects naming every failed part', async () => {
  const logger = recordingLogger();
  const lifecycle = new Lifecycle({ logger });
  const closed: string[] = [];
  lifecycle.onClose('store', () => {
    closed.push('store');
  });
  lifecycle.onClose('lease', () => Promise.reject(new Error('database away')));
  lifecycle.onClose('clients', () => {
    closed.push('clients');
  });
  lifecycle.onClose('listener', () => {
    throw new Error('not running');
  });
  await assert.rejects(lifecycle.close(1_000), (error: unknown) => {
    assert.ok(error instanceof AggregateError);
    assert.match(error.message, /listener, lease/);
    const failures = error.errors as CloseFailure[];
    assert.deepEqual(
      failures.map((failure) => [
        failure instanceof CloseFailure,
        failure.part,
        (failure.cause as Error).message,
      ]),
      [
        [true, 'listener', 'not running'],
        [true, 'lease', 'database away'],
      ],
    );
    return true;
  });
  assert.deepEqual(closed, ['clients', 'store']);
  assert.deepEqual(logger.lines, [
    'closing listener failed: not running',
    'closing lease failed: database away',
  ]);
});

test('closing twice runs each hook once and both callers wait for the same close', async () => {
  const lifecycle = new Lifecycle({ logger: recordingLogger() });
  let runs = 0;
  lifecycle.onClose('store', async () => {
    runs += 1;
  });
  const first = lifecycle.close(1_000);
  const second = lifecycle.close(1_000);
  assert.equal(first, second);
  await first;
  await lifecycle.close(1_000);
  assert.equal(runs, 1);
  assert.throws(() => lifecycle.onClose('late', () => undefined), /already closing/);
});

test('hooks see the budget that is left after the hooks before them', async () => {
  let now = 1_000;
  const lifecycle = new Lifecycle({ logger: recordingLogger(), now: () => now });
  const seen: number[] = [];
  lifecycle.onClose('second', (left) => {
    seen.push(left());
    now += 50_000;
    seen.push(left());
  });
  lifecycle.onClose('first', (left) => {
    seen.push(left());
    now += 7_000;
  });
  await lifecycle.close(20_000);
  assert.deepEqual(seen, [20_000, 13_000, 0]);
});

test('a start-up failure closes what was started, in reverse, and rethrows the start-up error', async () => {
  const logger = recordingLogger();
  const lifecycle = new Lifecycle({ logger });
  const closed: string[] = [];
  const failure = new Error('listen EADDRINUSE');
  await assert.rejects(
    lifecycle.startOrUnwind(async () => {
      lifecycle.onClose('store', () => {
        closed.push('store');
      });
      lifecycle.onClose('pool', () => {
        closed.push('pool');
      });
      throw failure;
      // Parts after the failure were never started, so they have no hook to run.
    }, 1_000),
    (error: unknown) => error === failure,
  );
  assert.deepEqual(closed, ['pool', 'store']);
  assert.deepEqual(logger.lines, []);
});

test('a start-up failure still rethrows its own error when a hook fails while unwinding', async () => {
  const logger = recordingLogger();
  const lifecycle = new Lifecycle({ logger });
  const closed: string[] = [];
  const failure = new Error('invalid watch');
  await assert.rejects(
    lifecycle.startOrUnwind(async () => {
      lifecycle.onClose('store', () => {
        closed.push('store');
      });
      lifecycle.onClose('heartbeat', () => Promise.reject(new Error('store away')));
      throw failure;
    }, 1_000),
    (error: unknown) => error === failure,
  );
  assert.deepEqual(closed, ['store']);
  assert.deepEqual(logger.lines, [
    'closing heartbeat failed: store away',
    'start-up failed and some parts did not close',
  ]);
});

test('a start-up that succeeds closes nothing until asked', async () => {
  const lifecycle = new Lifecycle({ logger: recordingLogger() });
  const closed: string[] = [];
  const value = await lifecycle.startOrUnwind(async () => {
    lifecycle.onClose('store', () => {
      closed.push('store');
    });
    return 42;
  }, 1_000);
  assert.equal(value, 42);
  assert.deepEqual(closed, []);
  await lifecycle.close(1_000);
  assert.deepEqual(closed, ['store']);
});
