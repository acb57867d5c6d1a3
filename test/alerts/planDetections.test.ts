import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_GROUPING, type DetectedEvent, type Watch } from '../../src/alerts/model.ts';
import { planDetections, watchCovers } from '../../src/alerts/planDetections.ts';

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
