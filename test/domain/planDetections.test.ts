import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AlertGroup,
  DEFAULT_GROUPING,
  type DetectedEvent,
  type GroupingPolicy,
  type Watch,
} from '../../src/domain/model.ts';
import { replyPayloadSchema } from '../../src/domain/outboxPayloads.ts';
import { planDetections, watchCovers } from '../../src/domain/planDetections.ts';

const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const NOW = new Date('2026-11-25T10:00:00Z');

function event(name: string, errorCode: string | undefined, participantId = 'pAbc12345678'): DetectedEvent {
  return {
    stageArn: STAGE,
    sessionId: 'st-AbCdEf1234567',
    participantId,
    userId: null,
    eventTime: new Date(NOW.getTime() - 1_000),
    name,
    code: errorCode ?? name,
    remoteParticipantId: null,
  };
}

function watchOf(codes: string[] | null, channelId = 'CALERTS0001'): Watch {
  return { stageArn: STAGE, channelId, codes, createdBy: 'UTEST', createdAt: new Date(0) };
}

test('a filter may name error codes or error event names; an event matches when either is listed', () => {
  const bitrate = event('PUBLISH_ERROR', 'BITRATE_EXCEEDED');
  const codeless = event('SUBSCRIBE_ERROR', undefined);
  assert.equal(watchCovers(watchOf(null), bitrate), true, 'no filter: every error');
  assert.equal(watchCovers(watchOf(['BITRATE_EXCEEDED']), bitrate), true, 'by code');
  assert.equal(watchCovers(watchOf(['PUBLISH_ERROR']), bitrate), true, 'by event name');
  assert.equal(watchCovers(watchOf(['SUBSCRIBE_ERROR', 'JOIN_ERROR']), bitrate), false);
  assert.equal(watchCovers(watchOf(['SUBSCRIBE_ERROR']), codeless), true, 'an event without a code');
  assert.equal(watchCovers(watchOf(['QUOTA_EXCEEDED']), codeless), false);
});

test('a watch on PUBLISH_ERROR, SUBSCRIBE_ERROR, JOIN_ERROR groups the matching events by their code', () => {
  const events = [
    event('PUBLISH_ERROR', 'BITRATE_EXCEEDED', 'pPublisher001'),
    event('JOIN_ERROR', 'QUOTA_EXCEEDED', 'pJoiner000001'),
    event('SUBSCRIBE_ERROR', 'PUBLISHER_NOT_FOUND', 'pViewer000001'),
  ];
  const plan = planDetections(
    [],
    events,
    [watchOf(['PUBLISH_ERROR', 'SUBSCRIBE_ERROR', 'JOIN_ERROR'])],
    NOW,
    DEFAULT_GROUPING,
  );
  assert.deepEqual(plan.newGroups.map((g) => g.code).sort(), [
    'BITRATE_EXCEEDED',
    'PUBLISHER_NOT_FOUND',
    'QUOTA_EXCEEDED',
  ]);
  assert.equal(plan.assignments.length, 3);
  const only = planDetections([], events, [watchOf(['JOIN_ERROR'])], NOW, DEFAULT_GROUPING);
  assert.deepEqual(
    only.newGroups.map((g) => g.code),
    ['QUOTA_EXCEEDED'],
  );
});

function openGroup(
  id: number,
  lastSeenAgoMs: number,
  repliesQueued = 0,
  code = 'BITRATE_EXCEEDED',
): AlertGroup {
  const lastSeen = new Date(NOW.getTime() - lastSeenAgoMs);
  return {
    id,
    stageArn: STAGE,
    sessionId: 'st-AbCdEf1234567',
    code,
    channelId: 'CALERTS0001',
    firstSeen: lastSeen,
    lastSeen,
    eventCount: 1,
    participantCount: 1,
    sample: [],
    messageTs: '1764064800.000100',
    repliesQueued,
    createdAt: lastSeen,
  };
}

const POLICY: GroupingPolicy = { burstWindowMs: 30 * 60_000, maxReplies: 3, sampleSize: 2 };

test('an event within the burst window of an open group joins it: an update and one reply naming what is new', () => {
  const events = [
    event('PUBLISH_ERROR', 'BITRATE_EXCEEDED', 'pPublisher001'),
    event('PUBLISH_ERROR', 'BITRATE_EXCEEDED', 'pPublisher002'),
    event('PUBLISH_ERROR', 'BITRATE_EXCEEDED', 'pPublisher003'),
  ];
  const plan = planDetections([openGroup(7, POLICY.burstWindowMs)], events, [watchOf(null)], NOW, POLICY);
  assert.deepEqual(plan.newGroups, []);
  assert.deepEqual(
    plan.assignments.map((a) => a.target),
    [{ id: 7 }, { id: 7 }, { id: 7 }],
  );
  assert.deepEqual(
    plan.messages.map((m) => m.kind),
    ['update', 'reply'],
  );
  assert.deepEqual(plan.repliesQueuedFor, [7]);
  const reply = plan.messages.find((m) => m.kind === 'reply');
  assert.equal(reply?.payload?.events, 3);
  assert.deepEqual(
    reply?.payload?.participants.map((p) => p.participantId),
    ['pPublisher001', 'pPublisher002'],
    'the reply names at most sampleSize participants',
  );
  // What the planner writes is what the sender reads back: the same schema, through JSON as stored.
  const stored = JSON.parse(JSON.stringify(reply?.payload)) as unknown;
  assert.deepEqual(replyPayloadSchema.parse(stored), reply?.payload);
});

test('past the burst window the same code opens a new group with its own post', () => {
  const plan = planDetections(
    [openGroup(7, POLICY.burstWindowMs + 1)],
    [event('PUBLISH_ERROR', 'BITRATE_EXCEEDED')],
    [watchOf(null)],
    NOW,
    POLICY,
  );
  assert.equal(plan.newGroups.length, 1);
  assert.deepEqual(
    plan.messages.map((m) => m.kind),
    ['post'],
  );
  assert.deepEqual(plan.repliesQueuedFor, []);
});

test('a group at the reply cap is still updated but gets no more replies', () => {
  const plan = planDetections(
    [openGroup(7, 60_000, POLICY.maxReplies)],
    [event('PUBLISH_ERROR', 'BITRATE_EXCEEDED')],
    [watchOf(null)],
    NOW,
    POLICY,
  );
  assert.deepEqual(
    plan.messages.map((m) => m.kind),
    ['update'],
  );
  assert.deepEqual(plan.repliesQueuedFor, []);
});

test('one event watched from two channels joins a group in each; another stage or code is not joined', () => {
  const plan = planDetections(
    [openGroup(7, 60_000, 0, 'QUOTA_EXCEEDED')],
    [
      event('PUBLISH_ERROR', 'BITRATE_EXCEEDED'),
      { ...event('JOIN_ERROR', 'QUOTA_EXCEEDED'), stageArn: `${STAGE}x` },
    ],
    [watchOf(null, 'CALERTS0001'), watchOf(['BITRATE_EXCEEDED'], 'CALERTS0002')],
    NOW,
    POLICY,
  );
  assert.deepEqual(plan.newGroups.map((g) => g.channelId).sort(), ['CALERTS0001', 'CALERTS0002']);
  assert.equal(plan.assignments.length, 2);
  assert.ok(plan.messages.every((m) => m.kind === 'post'));
});

test('an acknowledged group keeps updating its counts but adds no thread reply (issue 16)', () => {
  const acknowledged = { ...openGroup(7, 60_000), acknowledged: { by: 'U0ALICE99', at: NOW } };
  const plan = planDetections(
    [acknowledged],
    [event('PUBLISH_ERROR', 'BITRATE_EXCEEDED')],
    [watchOf(null)],
    NOW,
    POLICY,
  );
  assert.deepEqual(
    plan.messages.map((m) => m.kind),
    ['update'],
  );
  assert.deepEqual(plan.repliesQueuedFor, []);
});

test('a quiet group takes no more events: the same code is a new group, paging the watch’s mention', () => {
  const quiet = { ...openGroup(7, 60_000), quietAt: NOW };
  const plan = planDetections(
    [quiet],
    [event('PUBLISH_ERROR', 'BITRATE_EXCEEDED')],
    [{ ...watchOf(null), mention: '<!subteam^S0VIDEO12>' }],
    NOW,
    POLICY,
  );
  assert.equal(plan.newGroups.length, 1);
  assert.equal(plan.newGroups[0]?.mention, '<!subteam^S0VIDEO12>');
  assert.deepEqual(
    plan.messages.map((m) => m.kind),
    ['post'],
  );
});
