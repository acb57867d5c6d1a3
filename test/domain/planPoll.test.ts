import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PollReport } from '../../src/domain/model.ts';
import { stageNoticeSchema } from '../../src/domain/outboxPayloads.ts';
import { type PreviousHealth, planPoll, TRANSIENT_GRACE_MS } from '../../src/domain/planPoll.ts';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';

function report(at: number, outcome: 'ok' | 'transient' | 'lasting'): PollReport {
  return {
    stageArn: STAGE,
    at: new Date(at),
    ok: outcome === 'ok',
    error: outcome === 'ok' ? null : 'IVS is not answering',
    ...(outcome === 'transient' ? { transient: true } : {}),
    lagSeconds: 0,
    channelIds: ['CALERTS0001'],
  };
}

/** Runs a stage's polls through planPoll the way a store does, returning the transitions in order. */
function transitions(polls: ReadonlyArray<[number, 'ok' | 'transient' | 'lasting']>): string[] {
  let previous: PreviousHealth | undefined;
  const seen: string[] = [];
  for (const [at, outcome] of polls) {
    const plan = planPoll(previous, report(at, outcome));
    if (plan.transition) seen.push(`${plan.transition}@${(at - T0) / 60_000}`);
    previous = { status: plan.status, problemSince: plan.problemSince };
  }
  return seen;
}

const minutes = (n: number) => T0 + n * 60_000;

test('a lasting cause (not found, access denied) is failing at once and recovered on the next ok', () => {
  assert.deepEqual(
    transitions([
      [minutes(0), 'ok'],
      [minutes(1), 'lasting'],
      [minutes(2), 'lasting'],
      [minutes(3), 'ok'],
    ]),
    ['failing@1', 'recovered@3'],
  );
});

test('transient failures shorter than the grace post nothing, and no "recovered" without "failing"', () => {
  assert.deepEqual(
    transitions([
      [minutes(0), 'transient'],
      [minutes(1), 'transient'],
      [minutes(2), 'transient'],
      [minutes(3), 'ok'],
      [minutes(4), 'transient'],
      [minutes(8), 'transient'],
      [minutes(9), 'ok'],
    ]),
    [],
  );
});

test('transient failures lasting the grace make one "failing", then one "recovered"', () => {
  assert.equal(TRANSIENT_GRACE_MS, 5 * 60_000, 'the README says five minutes');
  assert.deepEqual(
    transitions([
      [minutes(0), 'transient'],
      [minutes(1), 'transient'],
      [minutes(4), 'transient'],
      [minutes(5), 'transient'],
      [minutes(6), 'transient'],
      [minutes(7), 'ok'],
    ]),
    ['failing@5', 'recovered@7'],
  );
});

test('a first poll that succeeds is no transition; the failure sentence goes into the notice', () => {
  const first = planPoll(undefined, report(T0, 'ok'));
  assert.equal(first.transition, null);
  assert.equal(first.problemSince, null);
  const failing = planPoll({ status: 'ok', problemSince: null }, report(T0, 'lasting'));
  // Read back with the schema the outbox sender uses.
  assert.deepEqual(stageNoticeSchema.parse(JSON.parse(failing.noticePayload ?? 'null')), {
    stageArn: STAGE,
    transition: 'failing',
    error: 'IVS is not answering',
    at: new Date(T0).toISOString(),
  });
});

test('a failing stage stays failing without a new notice; problemSince keeps the first failure', () => {
  const failing = planPoll({ status: 'ok', problemSince: null }, report(minutes(1), 'lasting'));
  assert.equal(failing.problemSince?.getTime(), minutes(1));
  const still = planPoll(
    { status: failing.status, problemSince: failing.problemSince },
    report(minutes(2), 'transient'),
  );
  assert.equal(still.status, 'failing', 'a transient failure does not end a failing stage');
  assert.equal(still.transition, null);
  assert.equal(still.noticePayload, null);
  assert.equal(still.problemSince?.getTime(), minutes(1));
  const recovered = planPoll(
    { status: still.status, problemSince: still.problemSince },
    report(minutes(3), 'ok'),
  );
  assert.equal(recovered.problemSince, null);
  assert.equal(JSON.parse(recovered.noticePayload ?? 'null').error, null, 'a recovery carries no error');
});
