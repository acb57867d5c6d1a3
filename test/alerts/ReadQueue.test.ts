import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadQueue, readKey } from '../../src/alerts/ReadQueue.ts';
import type { ParticipantCursor } from '../../src/domain/model.ts';
import { participantCursor } from '../support/participantCursor.ts';

const WATCHED = Date.parse('2026-11-25T10:00:00Z');
const timing = { now: new Date(WATCHED + 10_000), intervalMs: 2_000 };

function cursor(
  stage: string,
  participantId: string,
  fields: Partial<ParticipantCursor> = {},
): ParticipantCursor {
  return participantCursor(participantId, {
    stageArn: `arn:aws:ivs:us-east-1:123456789012:stage/${stage}`,
    firstJoinTime: new Date(WATCHED + 1_000),
    ...fields,
  });
}
/** Joined before the watch began, left, never read: the backlog. */
const backlog = (stage: string, id: string) =>
  cursor(stage, id, { state: 'DISCONNECTED', firstJoinTime: new Date(WATCHED - 60_000) });

async function drain(queue: ReadQueue<string>): Promise<string[]> {
  const taken: string[] = [];
  for (let read = await queue.next(); read; read = await queue.next())
    taken.push(read.participant.participantId);
  return taken;
}

test('reads come out in read order, each once a cycle, even when its stage is listed again', async () => {
  const queue = new ReadQueue<string>(timing);
  queue.replaceGroup('A', [backlog('AAAAAAAAAAAA', 'old1'), cursor('AAAAAAAAAAAA', 'new1')], WATCHED);
  queue.discoveryDone();
  assert.equal((await queue.next())?.participant.participantId, 'new1', 'an arrival before the backlog');
  // A new listing of stage A names new1 again: it was handed out this cycle, so it is not queued again.
  queue.replaceGroup('A', [cursor('AAAAAAAAAAAA', 'new1'), backlog('AAAAAAAAAAAA', 'old1')], WATCHED);
  assert.deepEqual(await drain(queue), ['old1']);
});

test('while discovery runs the backlog waits; a reader waits for the next listing, then gets its arrival first', async () => {
  const queue = new ReadQueue<string>(timing);
  queue.replaceGroup('A', [backlog('AAAAAAAAAAAA', 'old1')], WATCHED);
  let got: string | undefined;
  const waiting = queue.next().then((read) => {
    got = read?.participant.participantId;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(got, undefined, 'nothing but backlog while discovery runs: the reader waits');
  queue.replaceGroup('B', [cursor('BBBBBBBBBBBB', 'new1')], WATCHED);
  await waiting;
  assert.equal(got, 'new1', 'the arrival found by the listing is read before the backlog');
  queue.discoveryDone();
  assert.deepEqual(await drain(queue), ['old1']);
  assert.equal(await queue.next(), undefined, 'empty and discovery over: readers return');
});

test('replacing a group keeps the other groups and drops what the group no longer lists', async () => {
  const queue = new ReadQueue<string>(timing);
  queue.replaceGroup('A', [cursor('AAAAAAAAAAAA', 'a1'), cursor('AAAAAAAAAAAA', 'a2')], WATCHED);
  queue.replaceGroup('B', [cursor('BBBBBBBBBBBB', 'b1')], WATCHED);
  queue.replaceGroup('A', [cursor('AAAAAAAAAAAA', 'a2')], WATCHED);
  assert.equal(queue.size, 2);
  queue.discoveryDone();
  assert.deepEqual((await drain(queue)).sort(), ['a2', 'b1']);
});

test('done participants are never queued; two readers share the queue without taking one read twice', async () => {
  const queue = new ReadQueue<string>(timing);
  queue.replaceGroup(
    'A',
    [
      cursor('AAAAAAAAAAAA', 'p1'),
      cursor('AAAAAAAAAAAA', 'p2', { done: true }),
      cursor('AAAAAAAAAAAA', 'p3'),
    ],
    WATCHED,
  );
  queue.discoveryDone();
  const [first, second] = await Promise.all([drain(queue), drain(queue)]);
  assert.deepEqual([...(first ?? []), ...(second ?? [])].sort(), ['p1', 'p3']);
});

test('a participant EventBridge saw fail is read before everyone else, the others keep their order', async () => {
  const stage = 'arn:aws:ivs:us-east-1:123456789012:stage/AAAAAAAAAAAA';
  // Read one interval ago and connected: due, behind the arrivals, unless named first.
  const due = cursor('AAAAAAAAAAAA', 'due1', {
    lastReadAt: new Date(WATCHED + 5_000),
    listing: '["CONNECTED"]',
    readListing: '["CONNECTED"]',
  });
  const first = new Set([readKey({ stageArn: stage, sessionId: due.sessionId, participantId: 'due1' })]);
  const queue = new ReadQueue<string>(timing, first);
  queue.replaceGroup('A', [cursor('AAAAAAAAAAAA', 'new1'), due, cursor('AAAAAAAAAAAA', 'new2')], WATCHED);
  queue.discoveryDone();
  assert.deepEqual(await drain(queue), ['due1', 'new1', 'new2']);
});
