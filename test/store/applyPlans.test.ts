// Plan application, written once for both stores, against a recording in-memory PlanStatements: which
// statements it asks for, in which order, with what. The real SQL of each store is covered by the
// shared contract (storeContract.ts), run against SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AlertGroup,
  DEFAULT_GROUPING,
  type DetectedEvent,
  dedupKey,
  type PollReport,
  type Watch,
} from '../../src/domain/model.ts';
import type { NewGroupSpec } from '../../src/domain/planDetections.ts';
import type { PreviousHealth } from '../../src/domain/planPoll.ts';
import type { DetectionInput } from '../../src/store/AlertRepository.ts';
import {
  applyDetections,
  applyPollReport,
  type CreatedGroup,
  NO_DETECTIONS,
  type OutboxWrite,
  type PlanStatements,
  runAwaiting,
  runNow,
  type StageHealthWrite,
  type StoredEventKey,
} from '../../src/store/applyPlans.ts';

const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const SESSION = 'st-AbCdEf1234567';
const NOW = new Date('2026-11-25T10:00:00Z');

function errorEvent(participantId: string, secondsAgo = 1): DetectedEvent {
  return {
    stageArn: STAGE,
    sessionId: SESSION,
    participantId,
    userId: null,
    eventTime: new Date(NOW.getTime() - secondsAgo * 1_000),
    name: 'PUBLISH_ERROR',
    code: 'BITRATE_EXCEEDED',
    remoteParticipantId: null,
  };
}

function watchOf(channelId: string): Watch {
  return { stageArn: STAGE, channelId, codes: null, createdBy: 'UTEST', createdAt: new Date(0) };
}

function detection(events: DetectedEvent[], watches: Watch[] = [watchOf('C0A')]): DetectionInput {
  return { stageArn: STAGE, events, watches, now: NOW, policy: DEFAULT_GROUPING };
}

function openGroup(id: number, channelId: string, repliesQueued = 0): AlertGroup {
  return {
    id,
    stageArn: STAGE,
    sessionId: SESSION,
    code: 'BITRATE_EXCEEDED',
    channelId,
    firstSeen: new Date(NOW.getTime() - 60_000),
    lastSeen: new Date(NOW.getTime() - 60_000),
    eventCount: 1,
    participantCount: 1,
    sample: [],
    messageTs: '1700000000.000100',
    repliesQueued,
    createdAt: new Date(NOW.getTime() - 60_000),
  };
}

/** Answers from a few in-memory facts and records every statement asked for, in order. */
class RecordingStatements implements PlanStatements {
  readonly calls: [string, ...unknown[]][] = [];
  readonly known = new Set<string>();
  groups: AlertGroup[] = [];
  readonly pendingUpdates = new Set<number>();
  health: PreviousHealth | undefined;
  #nextGroupId = 100;

  /** What each inserted key was stored as (a key added to `known` by hand reads as EventBridge's). */
  readonly storedAs = new Map<string, { code: string; name: string }>();
  /** storedUnder's look-ups, apart from `calls` (they come before the insert). */
  readonly lookups: string[] = [];

  /** What countDetected answers: the stored repeats of the kind asked about. */
  repeatsStored = 0;

  countDetected(stageArn: string, sessionId: string, code: string, since: Date): number {
    this.calls.push(['countDetected', stageArn, sessionId, code, since]);
    return this.repeatsStored;
  }
  storedUnder(from: string): StoredEventKey[] {
    this.lookups.push(from);
    return [...this.known]
      .filter((key) => key === from || key.startsWith(`${from}|`))
      .map((key) => ({
        dedupKey: key,
        ...(this.storedAs.get(key) ?? { code: 'PUBLISH_ERROR', name: 'PUBLISH_ERROR' }),
      }));
  }
  insertNewEvents(events: ReadonlyMap<string, DetectedEvent>, detectedAt: Date): Set<string> {
    this.calls.push(['insertNewEvents', [...events.keys()], detectedAt]);
    const inserted = new Set([...events.keys()].filter((key) => !this.known.has(key)));
    for (const key of inserted) {
      this.known.add(key);
      const event = events.get(key);
      if (event) this.storedAs.set(key, { code: event.code, name: event.name });
    }
    return inserted;
  }
  openGroups(stageArn: string, seenSince: Date): AlertGroup[] {
    this.calls.push(['openGroups', stageArn, seenSince]);
    return this.groups.filter((group) => group.stageArn === stageArn && group.lastSeen >= seenSince);
  }
  createGroup(spec: NewGroupSpec, at: Date): CreatedGroup {
    this.calls.push(['createGroup', spec.channelId, at]);
    return { id: this.#nextGroupId++, previous: null };
  }
  linkEvents(links: readonly { groupId: number; dedupKey: string }[]): void {
    this.calls.push(['linkEvents', links]);
  }
  recomputeGroups(groupIds: readonly number[], sampleSize: number): void {
    this.calls.push(['recomputeGroups', groupIds, sampleSize]);
  }
  countQueuedReplies(groupIds: readonly number[]): void {
    this.calls.push(['countQueuedReplies', groupIds]);
  }
  hasPendingUpdate(groupId: number): boolean {
    this.calls.push(['hasPendingUpdate', groupId]);
    return this.pendingUpdates.has(groupId);
  }
  queueMessage(message: OutboxWrite): void {
    this.calls.push(['queueMessage', message]);
  }
  stageHealth(stageArn: string): PreviousHealth | undefined {
    this.calls.push(['stageHealth', stageArn]);
    return this.health;
  }
  saveStageHealth(health: StageHealthWrite): void {
    this.calls.push(['saveStageHealth', health]);
  }
}

/** The same statements answering with promises, as PostgreSQL's do. */
function answeringLater(statements: PlanStatements): PlanStatements {
  return new Proxy(statements, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function'
        ? async (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args)
        : value;
    },
  });
}

test('an event read twice in one cycle is offered once; only the keys the store inserted are grouped', () => {
  const statements = new RecordingStatements();
  const known = errorEvent('pKnown000001', 5);
  statements.known.add(dedupKey(known));
  const fresh = errorEvent('pFresh000001', 2);

  const result = runNow(applyDetections(detection([fresh, known, fresh])), statements);

  assert.deepEqual(result, { newEvents: 1, groupsCreated: 1, groupsUpdated: 0 });
  assert.deepEqual(statements.calls[0], ['insertNewEvents', [dedupKey(fresh), dedupKey(known)], NOW]);
  const links = statements.calls.find(([name]) => name === 'linkEvents');
  assert.deepEqual(links, ['linkEvents', [{ groupId: 100, dedupKey: dedupKey(fresh) }]]);
  const queued = statements.calls.filter(([name]) => name === 'queueMessage').map(([, message]) => message);
  assert.deepEqual(queued, [{ kind: 'post', channelId: 'C0A', groupId: 100, payload: 'null', at: NOW }]);
});

test('only repeats alert: the count is asked inside the run, first; below it the event is stored and reaches no watch', () => {
  const since = new Date(NOW.getTime() - 600_000);
  const repeated = (statements: RecordingStatements, event: DetectedEvent) =>
    runNow(
      applyDetections({
        ...detection([event]),
        onlyRepeated: { sessionId: SESSION, code: event.code, since, atLeast: 3 },
      }),
      statements,
    );
  const below = new RecordingStatements();
  below.repeatsStored = 1;
  const second = errorEvent('pRep00000001', 2);
  assert.deepEqual(repeated(below, second), { ...NO_DETECTIONS, newEvents: 1, notRepeated: true });
  const asked = below.calls.map(([name]) => name);
  assert.deepEqual(asked.slice(0, 2), ['countDetected', 'insertNewEvents']);
  assert.ok(!asked.includes('createGroup') && !asked.includes('queueMessage'), asked.join());
  assert.deepEqual(below.calls[0], ['countDetected', STAGE, SESSION, second.code, since]);

  const enough = new RecordingStatements();
  enough.repeatsStored = 2;
  const third = errorEvent('pRep00000001', 1);
  assert.deepEqual(repeated(enough, third), { newEvents: 1, groupsCreated: 1, groupsUpdated: 0 });
});

test('nothing new: the store is asked only to insert, and nothing is read or written after', () => {
  const statements = new RecordingStatements();
  const seen = errorEvent('pSeen0000001');
  statements.known.add(dedupKey(seen));
  assert.deepEqual(runNow(applyDetections(detection([seen])), statements), NO_DETECTIONS);
  assert.deepEqual(
    statements.calls.map(([name]) => name),
    ['insertNewEvents'],
  );
});

test("publish errors: EventBridge's one absorbs the first polled error of its second; another code of that second alerts", () => {
  const statements = new RecordingStatements();
  const at = new Date(Math.floor((NOW.getTime() - 3_000) / 1000) * 1000);
  const reported: DetectedEvent = {
    ...errorEvent('pPub00000001'),
    eventTime: at,
    code: 'PUBLISH_ERROR',
    via: 'eventbridge',
  };
  statements.known.add(dedupKey(reported));
  const bitrate = { ...errorEvent('pPub00000001'), eventTime: new Date(at.getTime() + 120) };
  const codec = { ...bitrate, eventTime: new Date(at.getTime() + 480), code: 'INVALID_AUDIO_CODEC' };
  assert.notEqual(dedupKey(bitrate), dedupKey(codec), 'two polled errors of one second keep two keys');

  const result = runNow(applyDetections(detection([codec, bitrate])), statements);

  assert.equal(result.newEvents, 1, 'the codec error only');
  assert.deepEqual(statements.lookups, [dedupKey(reported)]);
  assert.deepEqual(statements.calls[0], ['insertNewEvents', [dedupKey(codec), dedupKey(bitrate)], NOW]);
  const links = statements.calls.find(([name]) => name === 'linkEvents');
  assert.deepEqual(links, ['linkEvents', [{ groupId: 100, dedupKey: dedupKey(codec) }]]);
  // Read again next cycle: both known.
  assert.deepEqual(runNow(applyDetections(detection([bitrate, codec])), statements), NO_DETECTIONS);
});

test("publish errors: EventBridge's event after a polled one of its second is dropped before any insert", () => {
  const statements = new RecordingStatements();
  const polled = errorEvent('pPub00000001', 3);
  statements.known.add(dedupKey(polled));
  const reported: DetectedEvent = {
    ...polled,
    eventTime: new Date(Math.floor(polled.eventTime.getTime() / 1000) * 1000),
    code: 'PUBLISH_ERROR',
    via: 'eventbridge',
  };
  assert.deepEqual(runNow(applyDetections(detection([reported])), statements), NO_DETECTIONS);
  assert.deepEqual(statements.calls, []);
});

test("publish errors: a watch whose codes= EventBridge's event did not match hears of the polled error", () => {
  const statements = new RecordingStatements();
  const polled = errorEvent('pPub00000001', 3);
  const reported: DetectedEvent = {
    ...polled,
    eventTime: new Date(Math.floor(polled.eventTime.getTime() / 1000) * 1000),
    code: 'PUBLISH_ERROR',
    via: 'eventbridge',
  };
  statements.known.add(dedupKey(reported));
  const everything = watchOf('C0A');
  const bitrateOnly = { ...watchOf('C0B'), codes: ['BITRATE_EXCEEDED'] };

  const result = runNow(applyDetections(detection([polled], [everything, bitrateOnly])), statements);

  assert.equal(result.newEvents, 1);
  const queued = statements.calls.filter(([name]) => name === 'queueMessage').map(([, message]) => message);
  assert.deepEqual(queued, [{ kind: 'post', channelId: 'C0B', groupId: 100, payload: 'null', at: NOW }]);
});

test('no events: no statement at all', () => {
  const statements = new RecordingStatements();
  assert.deepEqual(runNow(applyDetections(detection([])), statements), NO_DETECTIONS);
  assert.deepEqual(statements.calls, []);
});

test('an open group gets its events, a recount, a reply; its update is skipped while one is still pending', () => {
  const statements = new RecordingStatements();
  statements.groups = [openGroup(7, 'C0A'), openGroup(8, 'C0B', DEFAULT_GROUPING.maxReplies)];
  statements.pendingUpdates.add(7);
  const event = errorEvent('pLate0000001');

  const result = runNow(applyDetections(detection([event], [watchOf('C0A'), watchOf('C0B')])), statements);

  assert.deepEqual(result, { newEvents: 1, groupsCreated: 0, groupsUpdated: 2 });
  assert.deepEqual(
    statements.calls.map(([name]) => name),
    [
      'insertNewEvents',
      'openGroups',
      'linkEvents',
      'recomputeGroups',
      'countQueuedReplies',
      'hasPendingUpdate',
      'queueMessage',
      'hasPendingUpdate',
      'queueMessage',
    ],
  );
  assert.deepEqual(statements.calls[1], [
    'openGroups',
    STAGE,
    new Date(NOW.getTime() - DEFAULT_GROUPING.burstWindowMs),
  ]);
  assert.deepEqual(statements.calls[3], ['recomputeGroups', [7, 8], DEFAULT_GROUPING.sampleSize]);
  // Group 8 has had all the replies it may have: it is only updated.
  assert.deepEqual(statements.calls[4], ['countQueuedReplies', [7]]);
  const queued = statements.calls
    .filter(([name]) => name === 'queueMessage')
    .map(([, message]) => message as OutboxWrite)
    .map(({ kind, groupId }) => ({ kind, groupId }));
  assert.deepEqual(queued, [
    { kind: 'reply', groupId: 7 },
    { kind: 'update', groupId: 8 },
  ]);
});

test('SQLite-style and PostgreSQL-style statements are asked the same things in the same order', async () => {
  const setUp = (): RecordingStatements => {
    const statements = new RecordingStatements();
    statements.groups = [openGroup(7, 'C0A')];
    statements.known.add(dedupKey(errorEvent('pOld00000001')));
    return statements;
  };
  const input = detection(
    [errorEvent('pOld00000001'), errorEvent('pNew00000001'), errorEvent('pNew00000002')],
    [watchOf('C0A'), watchOf('C0B')],
  );
  const now = setUp();
  const later = setUp();
  const synchronous = runNow(applyDetections(input), now);
  const awaited = await runAwaiting(applyDetections(input), answeringLater(later));
  assert.deepEqual(awaited, synchronous);
  assert.deepEqual(later.calls, now.calls);
});

test('runNow refuses statements that answer with a promise instead of running them out of order', () => {
  const statements = answeringLater(new RecordingStatements());
  assert.throws(
    () => runNow(applyDetections(detection([errorEvent('pAny00000001')])), statements),
    TypeError,
  );
});

test('a poll that starts a failure saves the health and queues one notice per watching channel', async () => {
  const report: PollReport = {
    stageArn: STAGE,
    at: NOW,
    ok: false,
    error: 'The stage was not found.',
    lagSeconds: 12,
    channelIds: ['C0A', 'C0B'],
  };
  const statements = new RecordingStatements();
  statements.health = { status: 'ok', problemSince: null };

  const result = await runAwaiting(applyPollReport(report), answeringLater(statements));

  assert.deepEqual(result, { transition: 'failing' });
  assert.deepEqual(statements.calls[0], ['stageHealth', STAGE]);
  assert.deepEqual(statements.calls[1], [
    'saveStageHealth',
    {
      stageArn: STAGE,
      lastPollAt: NOW,
      status: 'failing',
      lastError: 'The stage was not found.',
      lagSeconds: 12,
      problemSince: NOW,
    },
  ]);
  const notices = statements.calls.slice(2).map(([, message]) => message as OutboxWrite);
  assert.deepEqual(
    notices.map(({ kind, channelId, groupId, at }) => ({ kind, channelId, groupId, at })),
    [
      { kind: 'notice', channelId: 'C0A', groupId: null, at: NOW },
      { kind: 'notice', channelId: 'C0B', groupId: null, at: NOW },
    ],
  );
  assert.deepEqual(JSON.parse(notices[0]?.payload ?? ''), {
    stageArn: STAGE,
    transition: 'failing',
    error: 'The stage was not found.',
    at: NOW.toISOString(),
  });
});

test('a poll that changes nothing saves the health and queues nothing', () => {
  const statements = new RecordingStatements();
  statements.health = { status: 'ok', problemSince: null };
  const report: PollReport = {
    stageArn: STAGE,
    at: NOW,
    ok: true,
    error: null,
    lagSeconds: 3,
    channelIds: ['C0A'],
  };
  assert.deepEqual(runNow(applyPollReport(report), statements), { transition: null });
  assert.deepEqual(
    statements.calls.map(([name]) => name),
    ['stageHealth', 'saveStageHealth'],
  );
});
