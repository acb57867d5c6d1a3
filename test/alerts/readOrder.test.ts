import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderReads, readUrgency } from '../../src/alerts/readOrder.ts';
import type { ParticipantCursor } from '../../src/domain/model.ts';
import { participantCursor } from '../support/participantCursor.ts';

const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const WATCHED = Date.parse('2026-11-25T10:00:00Z');
const INTERVAL = 2_000;
const at = (offsetMs: number) => new Date(WATCHED + offsetMs);

function cursor(participantId: string, fields: Partial<ParticipantCursor> = {}): ParticipantCursor {
  return participantCursor(participantId, { stageArn: STAGE, firstJoinTime: at(-60_000), ...fields });
}

const read = (offsetMs: number, state = 'CONNECTED'): Partial<ParticipantCursor> => ({
  state,
  lastReadAt: at(offsetMs),
  listing: `["${state}"]`,
  readListing: `["${state}"]`,
});

test('the read order: arrivals and changed listings, then due connected (longest waiting first), then the backlog, then early reads', () => {
  const now = at(10_000);
  const participants = [
    cursor('backlogOld', { state: 'DISCONNECTED', firstJoinTime: at(-50_000) }),
    cursor('backlogRecent', { state: 'DISCONNECTED', firstJoinTime: at(-5_000) }),
    cursor('readJustNow', read(9_000)),
    cursor('readLongAgo', read(2_000)),
    cursor('readBefore', read(6_000)),
    cursor('neverReadConnected', { firstJoinTime: at(-30_000) }),
    cursor('leftSinceRead', { ...read(7_000), state: 'DISCONNECTED', listing: '["DISCONNECTED"]' }),
    cursor('joinError', { state: 'DISCONNECTED', firstJoinTime: at(8_000) }),
    cursor('arrival', { firstJoinTime: at(4_000) }),
    cursor('rejoined', { ...read(1_000, 'DISCONNECTED'), state: 'CONNECTED', listing: '["CONNECTED"]' }),
    cursor('done', { ...read(1_000, 'DISCONNECTED'), done: true }),
  ];
  const ordered = orderReads(
    participants.map((participant) => ({ participant, watchedSince: WATCHED })),
    { now, intervalMs: INTERVAL },
  ).map((c) => c.participant.participantId);
  assert.deepEqual(ordered, [
    // Arrivals: first seen since the last listing, in any state; and those listed differently since
    // their last read (came back, or left).
    'rejoined',
    'arrival',
    'leftSinceRead',
    'joinError',
    // Due: never read since the watch began, then by when they became due.
    'neverReadConnected',
    'readLongAgo',
    'readBefore',
    // Backlog: joined before the watch began, most recent join first.
    'backlogRecent',
    'backlogOld',
    // Read less than one interval ago: only with quota to spare.
    'readJustNow',
  ]);
});

test('a connected participant becomes due one interval after its last read; one that left, at once', () => {
  const timing = (offsetMs: number) => ({ now: at(offsetMs), intervalMs: INTERVAL });
  const connected = cursor('c', read(0));
  assert.deepEqual(readUrgency(connected, WATCHED, timing(1_999)), { reason: 'early', at: WATCHED + 2_000 });
  assert.deepEqual(readUrgency(connected, WATCHED, timing(2_000)), { reason: 'due', at: WATCHED + 2_000 });
  const left = cursor('l', { ...read(0), state: 'DISCONNECTED', listing: '["DISCONNECTED"]' });
  assert.equal(
    readUrgency(left, WATCHED, timing(0))?.reason,
    'arrival',
    'its listing changed since the read',
  );
  const settled = cursor('s', read(0, 'DISCONNECTED'));
  assert.deepEqual(readUrgency(settled, WATCHED, timing(1)), { reason: 'due', at: WATCHED });
  assert.equal(readUrgency({ ...settled, done: true }, WATCHED, timing(1)), null);
});

test('orderReads interleaves stages by urgency, not by stage', () => {
  const other = 'arn:aws:ivs:us-east-1:123456789012:stage/ZzZzZz999999';
  const timing = { now: at(20_000), intervalMs: INTERVAL };
  const ordered = orderReads(
    [
      { participant: cursor('a1', { ...read(10_000) }), watchedSince: WATCHED },
      { participant: cursor('a2', { state: 'DISCONNECTED', firstJoinTime: at(-1) }), watchedSince: WATCHED },
      { participant: { ...cursor('b1', read(12_000)), stageArn: other }, watchedSince: WATCHED },
      { participant: { ...cursor('b2', read(4_000)), stageArn: other }, watchedSince: WATCHED },
    ],
    timing,
  ).map((c) => c.participant.participantId);
  assert.deepEqual(ordered, ['b2', 'a1', 'b1', 'a2']);
});
