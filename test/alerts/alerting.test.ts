import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import type { OutboxSender } from '../../src/alerts/OutboxSender.ts';
import type { Poller } from '../../src/alerts/Poller.ts';
import { DEFAULT_GROUPING, type GroupingPolicy } from '../../src/domain/model.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { SqliteStore } from '../../src/store/sqlite/SqliteStore.ts';
import { alertPipeline, useAlertingWorld } from '../support/alertPipeline.ts';

const CHANNEL = 'CALERTS0001';
const T0 = Date.parse('2026-11-25T10:00:00Z');

const world = useAlertingWorld({ tmpPrefix: 'ivs-alerts-' });

/** One bot's alerting pipeline on a given SQLite file, with a clock the test moves. */
interface Pipeline {
  store: SqliteStore;
  poller: Poller;
  sender: OutboxSender;
  clock: { now: number };
  close(): Promise<void>;
}

function pipeline(
  file: string,
  options: { maxTps?: number; intervalSeconds?: number; policy?: GroupingPolicy; maxAttempts?: number } = {},
): Pipeline {
  const clock = { now: T0 };
  const store = SqliteStore.open(join(world.dir, file));
  const parts = alertPipeline({
    store,
    ivsUrl: world.ivs.url,
    slackApiUrl: world.slack.apiUrl,
    now: () => new Date(clock.now),
    logger: createLogger('fatal'),
    ...options,
    maxAttempts: options.maxAttempts ?? 3,
  });
  return {
    store,
    poller: parts.poller,
    sender: parts.sender,
    clock,
    async close() {
      await parts.close();
      await store.close();
    },
  };
}

async function watch(
  p: Pipeline,
  stageArn: string,
  codes: string[] | null = null,
  channelId = CHANNEL,
): Promise<void> {
  await p.store.saveWatch({
    stageArn,
    channelId,
    codes,
    createdBy: 'UTEST',
    createdAt: new Date(T0 - 60_000),
  });
}

async function cycle(p: Pipeline): Promise<void> {
  const report = await p.poller.runCycle();
  assert.equal(report.skipped, false);
  await p.sender.drain();
}

/** Messages Slack accepted in the alert channel. */
const posts = () => world.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.body.channel === CHANNEL);
/** An alert message, firing (🚨) or already quiet (✅) when it is sent late. */
const isAlert = (c: { body: Record<string, unknown> }) =>
  /"(🚨|✅) [^"]* on stage /.test(JSON.stringify(c.body.blocks));
const alertPosts = () => posts().filter((c) => c.body.thread_ts === undefined && isAlert(c));
const replies = () => posts().filter((c) => c.body.thread_ts !== undefined);
const updates = () => world.slack.callsTo('chat.update').filter((c) => c.ok);

/** The value of a "*Label*\nvalue" field in a message's blocks. */
function field(call: { body: Record<string, unknown> } | undefined, label: string): string | undefined {
  const blocks = (call?.body.blocks ?? []) as { fields?: { text: string }[] }[];
  for (const block of blocks) {
    for (const f of block.fields ?? []) {
      if (f.text.startsWith(`*${label}*\n`)) return f.text.slice(label.length + 3);
    }
  }
  return undefined;
}

function seedLiveStage(name = 'main') {
  const stageArn = world.ivs.addStage({ name });
  const sessionId = world.ivs.startSession(stageArn, { startTime: new Date(T0 - 30_000) });
  return { stageArn, sessionId };
}

function errorEvent(stageArn: string, sessionId: string, participantId: string, code: string, at: number) {
  world.ivs.addEvent(stageArn, sessionId, participantId, {
    name: code === 'PUBLISHER_NOT_FOUND' ? 'SUBSCRIBE_ERROR' : 'PUBLISH_ERROR',
    errorCode: code as EventErrorCode,
    eventTime: new Date(at),
    ...(code === 'PUBLISHER_NOT_FOUND' ? { remoteParticipantId: 'pPublisher01' } : {}),
  });
}

describe('detection and grouping', () => {
  test('first detection posts one alert; the same events never alert twice', async () => {
    const p = pipeline('a.db');
    const { stageArn, sessionId } = seedLiveStage();
    const alice = world.ivs.addParticipant(stageArn, sessionId, { userId: 'alice', state: 'CONNECTED' });
    world.ivs.addEvent(stageArn, sessionId, alice, { name: 'JOINED', eventTime: new Date(T0 - 20_000) });
    errorEvent(stageArn, sessionId, alice, 'QUOTA_EXCEEDED', T0 - 10_000);
    await watch(p, stageArn);

    await cycle(p);
    assert.equal(alertPosts().length, 1);
    const text = JSON.stringify(alertPosts()[0]?.body.blocks);
    assert.match(text, /QUOTA_EXCEEDED/);
    assert.match(text, /alice/);

    p.clock.now += 60_000;
    await cycle(p);
    p.clock.now += 60_000;
    await cycle(p);
    assert.equal(alertPosts().length, 1, 'no second alert for the same event');
    assert.equal(updates().length, 0);
    await p.close();
  });

  test('new events of the same group update its message and add a bounded number of replies', async () => {
    const p = pipeline('b.db');
    const { stageArn, sessionId } = seedLiveStage();
    const ids = [0, 1, 2, 3, 4, 5, 6].map((i) =>
      world.ivs.addParticipant(stageArn, sessionId, { userId: `user${i}`, state: 'CONNECTED' }),
    );
    await watch(p, stageArn);
    errorEvent(stageArn, sessionId, ids[0] ?? '', 'PUBLISHER_NOT_FOUND', T0 - 5_000);
    await cycle(p);
    assert.equal(alertPosts().length, 1);

    for (let round = 1; round <= 6; round++) {
      p.clock.now += 60_000;
      errorEvent(stageArn, sessionId, ids[round] ?? '', 'PUBLISHER_NOT_FOUND', p.clock.now - 1_000);
      await cycle(p);
    }
    assert.equal(alertPosts().length, 1, 'still one message for the group');
    assert.equal(updates().length, 6, 'each cycle with new events updates the message');
    assert.equal(replies().length, DEFAULT_GROUPING.maxReplies, 'replies are capped');
    const [group] = await p.store.latestGroups(1);
    assert.ok(group?.messageTs);
    assert.ok(
      replies().every((r) => r.body.thread_ts === group.messageTs),
      'replies are in the alert thread',
    );
    assert.equal(field(updates().at(-1), 'Events'), '7', 'the update shows the new counts');
    assert.equal(field(updates().at(-1), 'Participants'), '7');
    await p.close();
  });

  test('different codes and sessions are separate groups; a watch with codes= ignores the others', async () => {
    const p = pipeline('c.db');
    const { stageArn, sessionId } = seedLiveStage();
    const a = world.ivs.addParticipant(stageArn, sessionId, { userId: 'a' });
    errorEvent(stageArn, sessionId, a, 'QUOTA_EXCEEDED', T0 - 3_000);
    errorEvent(stageArn, sessionId, a, 'PUBLISHER_NOT_FOUND', T0 - 2_000);
    errorEvent(stageArn, sessionId, a, 'BITRATE_EXCEEDED', T0 - 1_000);
    await watch(p, stageArn, ['QUOTA_EXCEEDED', 'PUBLISHER_NOT_FOUND']);
    await cycle(p);
    const texts = alertPosts().map((c) => String(c.body.text));
    assert.equal(texts.length, 2);
    assert.ok(texts.some((t) => t.includes('QUOTA_EXCEEDED')));
    assert.ok(texts.some((t) => t.includes('PUBLISHER_NOT_FOUND')));
    assert.ok(!texts.some((t) => t.includes('BITRATE_EXCEEDED')));
    await p.close();
  });

  test('a watch naming error event names (codes=PUBLISH_ERROR,…) alerts events of those names', async () => {
    const p = pipeline('names.db');
    const { stageArn, sessionId } = seedLiveStage();
    const a = world.ivs.addParticipant(stageArn, sessionId, { userId: 'a' });
    errorEvent(stageArn, sessionId, a, 'BITRATE_EXCEEDED', T0 - 3_000); // a PUBLISH_ERROR
    world.ivs.addEvent(stageArn, sessionId, a, {
      name: 'JOIN_ERROR',
      errorCode: 'QUOTA_EXCEEDED',
      eventTime: new Date(T0 - 2_000),
    });
    errorEvent(stageArn, sessionId, a, 'PUBLISHER_NOT_FOUND', T0 - 1_000); // a SUBSCRIBE_ERROR
    await watch(p, stageArn, ['PUBLISH_ERROR', 'JOIN_ERROR']);
    await cycle(p);
    const texts = alertPosts().map((c) => String(c.body.text));
    assert.equal(texts.length, 2);
    assert.ok(texts.some((t) => t.includes('BITRATE_EXCEEDED')));
    assert.ok(texts.some((t) => t.includes('QUOTA_EXCEEDED')));
    assert.ok(!texts.some((t) => t.includes('PUBLISHER_NOT_FOUND')));
    await p.close();
  });

  test('an error code newer than the SDK model is alerted as it came', async () => {
    const p = pipeline('d.db');
    const { stageArn, sessionId } = seedLiveStage();
    const a = world.ivs.addParticipant(stageArn, sessionId, { userId: 'a' });
    world.ivs.addEvent(stageArn, sessionId, a, {
      name: 'PUBLISH_ERROR', // A value newer than the SDK model, as a future IVS would send it.
      errorCode: 'FUTURE_CODE_2027' as EventErrorCode,
      eventTime: new Date(T0 - 1_000),
    });
    await watch(p, stageArn);
    await cycle(p);
    assert.equal(alertPosts().length, 1);
    assert.match(JSON.stringify(alertPosts()[0]?.body.blocks), /FUTURE_CODE_2027/);
    await p.close();
  });
});

describe('storms', () => {
  test('5,000 error events in one cycle make one message per group and bounded replies', async () => {
    const p = pipeline('storm.db');
    const { stageArn, sessionId } = seedLiveStage();
    const ids = Array.from({ length: 50 }, (_, i) =>
      world.ivs.addParticipant(stageArn, sessionId, { userId: `viewer${i}` }),
    );
    for (const [i, id] of ids.entries()) {
      // A second apart: a participant's publish errors within one second are one event (their dedup key
      // is what EventBridge carries too: stage, session, participant and the second).
      for (let e = 0; e < 100; e++)
        errorEvent(stageArn, sessionId, id, 'QUOTA_EXCEEDED', T0 - 100_000 + e * 1000 + i);
    }
    await watch(p, stageArn);
    await cycle(p);
    assert.equal(alertPosts().length, 1, 'one message for 5,000 events');
    // The first participant's errors are stored as soon as they are read (the alert goes out at once);
    // the other 49 participants' come at the end of the cycle as one update and one reply.
    assert.ok(updates().length <= 1);
    assert.ok(replies().length <= 1);
    const [group] = await p.store.latestGroups(5);
    assert.equal(group?.eventCount, 5_000);
    assert.equal(group?.participantCount, 50);
    assert.match(field(alertPosts()[0], 'Events') ?? '', /^5,?000$/);

    for (let round = 0; round < 5; round++) {
      p.clock.now += 60_000;
      for (const id of ids) errorEvent(stageArn, sessionId, id, 'QUOTA_EXCEEDED', p.clock.now - 500);
      await cycle(p);
    }
    assert.equal(alertPosts().length, 1);
    assert.ok(replies().length <= DEFAULT_GROUPING.maxReplies);
    assert.ok(
      world.slack.callsTo('chat.postMessage').length + updates().length <=
        1 + 6 + DEFAULT_GROUPING.maxReplies,
      'one post, at most one update per cycle, capped replies',
    );
    await p.close();
  });
});

describe('mutes', () => {
  test('a muted stage and code posts nothing new; after unmute the next events post', async () => {
    const p = pipeline('mute.db');
    const { stageArn, sessionId } = seedLiveStage();
    const a = world.ivs.addParticipant(stageArn, sessionId, { userId: 'a' });
    await watch(p, stageArn);
    await p.store.saveMute({
      stageArn,
      code: 'QUOTA_EXCEEDED',
      until: new Date(T0 + 3_600_000),
      mutedBy: 'UMUTER01',
      createdAt: new Date(T0),
    });
    errorEvent(stageArn, sessionId, a, 'QUOTA_EXCEEDED', T0 - 1_000);
    await cycle(p);
    assert.equal(alertPosts().length, 0, 'muted: no message');
    assert.equal(await p.store.outboxDepth(), 0, 'the muted post is settled, not stuck');

    await p.store.removeMute(stageArn, 'QUOTA_EXCEEDED');
    p.clock.now += 60_000;
    errorEvent(stageArn, sessionId, a, 'QUOTA_EXCEEDED', p.clock.now - 1_000);
    await cycle(p);
    assert.equal(alertPosts().length, 1, 'posted once unmuted, with the whole group');
    assert.equal(field(alertPosts()[0], 'Events'), '2');
    await p.close();
  });
});

describe('durability', () => {
  test('a restart on the same SQLite file neither repeats nor drops an alert', async () => {
    const first = pipeline('restart.db');
    const { stageArn, sessionId } = seedLiveStage();
    const a = world.ivs.addParticipant(stageArn, sessionId, { userId: 'a' });
    await watch(first, stageArn);
    errorEvent(stageArn, sessionId, a, 'QUOTA_EXCEEDED', T0 - 1_000);
    await cycle(first);
    await first.close();

    errorEvent(stageArn, sessionId, a, 'PUBLISHER_NOT_FOUND', T0 + 30_000);
    const second = pipeline('restart.db');
    second.clock.now = T0 + 60_000;
    await cycle(second);
    const texts = alertPosts().map((c) => String(c.body.text));
    assert.equal(texts.filter((t) => t.includes('QUOTA_EXCEEDED')).length, 1, 'not repeated');
    assert.equal(texts.filter((t) => t.includes('PUBLISHER_NOT_FOUND')).length, 1, 'not dropped');
    await second.close();
  });

  test('a crash between the outbox write and the send: the restart sends it, once', async () => {
    const first = pipeline('crash.db');
    const { stageArn, sessionId } = seedLiveStage();
    const a = world.ivs.addParticipant(stageArn, sessionId, { userId: 'a' });
    await watch(first, stageArn);
    errorEvent(stageArn, sessionId, a, 'QUOTA_EXCEEDED', T0 - 1_000);
    await first.poller.runCycle(); // detected and written to the outbox, never sent
    assert.equal(await first.store.outboxDepth(), 1);
    await first.close();
    assert.equal(alertPosts().length, 0);

    const second = pipeline('crash.db');
    await second.sender.drain();
    assert.equal(alertPosts().length, 1);
    await second.sender.drain();
    await cycle(second);
    assert.equal(alertPosts().length, 1);
    await second.close();
  });

  test('Slack 429 with Retry-After delays the message but loses nothing', async () => {
    const p = pipeline('ratelimit.db');
    const { stageArn, sessionId } = seedLiveStage();
    const a = world.ivs.addParticipant(stageArn, sessionId, { userId: 'a' });
    await watch(p, stageArn);
    errorEvent(stageArn, sessionId, a, 'QUOTA_EXCEEDED', T0 - 1_000);
    world.slack.fail('chat.postMessage', { status: 429, error: 'ratelimited', retryAfterSec: 7 });
    await cycle(p);
    assert.equal(alertPosts().length, 0);
    assert.equal(await p.store.outboxDepth(), 1);
    const [item] = await p.store.dueOutbox(new Date(T0 + 7_000), 10);
    assert.ok(item, 'due again after Retry-After');
    assert.equal((await p.store.dueOutbox(new Date(T0 + 6_000), 10)).length, 0, 'not before Retry-After');
    p.clock.now = T0 + 7_000;
    await p.sender.drain();
    assert.equal(alertPosts().length, 1);
    await p.close();
  });
});

describe('Slack refusing alert messages', () => {
  test('HTTP 500: the alert waits in the outbox with back-off and is sent once Slack accepts', async () => {
    const p = pipeline('refuse-500.db');
    const { stageArn, sessionId } = seedLiveStage();
    const a = world.ivs.addParticipant(stageArn, sessionId, { userId: 'a' });
    await watch(p, stageArn);
    errorEvent(stageArn, sessionId, a, 'QUOTA_EXCEEDED', T0 - 1_000);
    world.slack.fail('chat.postMessage', { status: 500, error: 'internal_error' }, 2);
    await cycle(p);
    assert.equal(alertPosts().length, 0);
    assert.equal(await p.store.outboxDepth(), 1, 'kept, not dropped');
    assert.equal((await p.store.dueOutbox(new Date(T0 + 1_000), 10)).length, 0, 'backing off');
    p.clock.now = T0 + 10 * 60_000;
    await p.sender.drain();
    p.clock.now = T0 + 30 * 60_000;
    await p.sender.drain();
    assert.equal(alertPosts().length, 1, 'sent once Slack accepts it');
    assert.equal(await p.store.outboxDepth(), 0);
    await p.close();
  });

  for (const error of ['invalid_auth', 'channel_not_found', 'not_in_channel']) {
    test(`${error}: the alert is kept as failed, not retried, and goes out once a message is delivered there again`, async () => {
      const p = pipeline(`refuse-${error}.db`);
      const { stageArn, sessionId } = seedLiveStage();
      const a = world.ivs.addParticipant(stageArn, sessionId, { userId: 'a' });
      await watch(p, stageArn);
      errorEvent(stageArn, sessionId, a, 'QUOTA_EXCEEDED', T0 - 1_000);
      world.slack.setChannelError(CHANNEL, error);
      await cycle(p);
      p.clock.now = T0 + 30 * 60_000;
      await p.sender.drain();
      assert.equal(world.slack.callsTo('chat.postMessage').length, 1, 'tried once');
      assert.equal(await p.store.outboxDepth(), 0, 'not waiting: set aside');
      assert.deepEqual(
        (await p.store.undeliveredSummary()).map((held) => [held.channelId, held.error, held.count]),
        [[CHANNEL, error, 1]],
        'kept with Slack’s error, not dropped',
      );

      world.slack.setChannelError(CHANNEL, undefined); // the cause is fixed
      p.clock.now += 60_000;
      errorEvent(stageArn, sessionId, a, 'PUBLISHER_NOT_FOUND', p.clock.now - 1_000);
      await cycle(p);
      const texts = alertPosts().map((c) => String(c.body.text));
      assert.equal(texts.length, 2, 'the new alert, then the held one');
      assert.match(texts[0] ?? '', /PUBLISHER_NOT_FOUND/);
      assert.match(texts[1] ?? '', /QUOTA_EXCEEDED/);
      assert.deepEqual(await p.store.undeliveredSummary(), []);
      await p.close();
    });
  }
});

describe('faults and limits', () => {
  test('a throttled API slows the cycle but loses nothing', async () => {
    const p = pipeline('throttle.db', { maxTps: 50 });
    const { stageArn, sessionId } = seedLiveStage();
    const ids = Array.from({ length: 8 }, (_, i) =>
      world.ivs.addParticipant(stageArn, sessionId, { userId: `u${i}` }),
    );
    for (const id of ids) errorEvent(stageArn, sessionId, id, 'QUOTA_EXCEEDED', T0 - 1_000);
    await watch(p, stageArn);
    world.ivs.setRateLimit(2);
    let cycles = 0;
    let detected = 0;
    while (detected < 8 && cycles < 10) {
      await cycle(p);
      cycles++;
      p.clock.now += 60_000;
      detected = (await p.store.latestGroups(1))[0]?.eventCount ?? 0;
    }
    assert.ok(
      world.ivs.calls.some((c) => c.status === 429),
      'IVS did throttle',
    );
    assert.equal(detected, 8, 'every event detected despite throttling');
    world.ivs.setRateLimit(undefined);
    await cycle(p);
    assert.equal((await p.store.latestGroups(1))[0]?.eventCount, 8, 'and exactly once');
    assert.equal(alertPosts().length, 1);
    await p.close();
  });

  test('a failing stage beside a healthy one: one notice when failing, one on recovery, the other keeps alerting', async () => {
    const p = pipeline('failing.db');
    const bad = seedLiveStage('bad');
    const good = seedLiveStage('good');
    const g = world.ivs.addParticipant(good.stageArn, good.sessionId, { userId: 'g' });
    await watch(p, bad.stageArn);
    await watch(p, good.stageArn);
    world.ivs.failNext(
      'ListStageSessions',
      { name: 'AccessDeniedException', status: 403, message: 'not allowed' },
      { stageArn: bad.stageArn },
    );
    errorEvent(good.stageArn, good.sessionId, g, 'QUOTA_EXCEEDED', T0 - 1_000);
    await cycle(p);
    p.clock.now += 60_000;
    await cycle(p);
    p.clock.now += 60_000;
    await cycle(p);
    const notices = () => posts().filter((c) => /Polling stage/.test(String(c.body.text)));
    assert.equal(notices().length, 1, 'one notice while failing, not one per cycle');
    assert.equal(alertPosts().length, 1, 'the healthy stage still alerts');
    const health = await p.store.listStageHealth();
    assert.equal(health.find((h) => h.stageArn === bad.stageArn)?.status, 'failing');

    world.ivs.clearFailures();
    p.clock.now += 60_000;
    await cycle(p);
    assert.equal(notices().length, 2, 'one notice on recovery');
    await p.close();
  });

  /** Fails every discovery call of one stage until clearFailures(). */
  function failStage(stageArn: string, error: { name: string; status: number; message: string }) {
    for (const operation of ['GetStage', 'ListStageSessions', 'ListParticipants'] as const) {
      world.ivs.failNext(operation, error, { stageArn });
    }
  }
  const notices = () => posts().filter((c) => /Polling stage/.test(String(c.body.text)));

  test('throttling for three cycles posts no notice at all', async () => {
    // One attempt per call: the SDK's retries (and their back-off) are not what is tested here.
    const p = pipeline('throttled-notice.db', { maxAttempts: 1 });
    const { stageArn } = seedLiveStage();
    await watch(p, stageArn);
    await cycle(p);
    failStage(stageArn, { name: 'ThrottlingException', status: 429, message: 'Rate exceeded' });
    for (let i = 0; i < 3; i++) {
      p.clock.now += 60_000;
      await cycle(p);
    }
    world.ivs.clearFailures();
    p.clock.now += 60_000;
    await cycle(p);
    assert.equal(notices().length, 0, 'neither "failing" nor "recovered"');
    assert.equal((await p.store.listStageHealth())[0]?.status, 'ok');
    await p.close();
  });

  test('five minutes of 5xx post one "failing" and, once IVS answers, one "recovered"', async () => {
    const p = pipeline('5xx-notice.db', { maxAttempts: 1 });
    const { stageArn } = seedLiveStage();
    await watch(p, stageArn);
    failStage(stageArn, { name: 'InternalServerException', status: 500, message: 'boom' });
    for (let minute = 0; minute <= 6; minute++) {
      p.clock.now = T0 + minute * 60_000;
      await cycle(p);
      assert.equal(notices().length, minute < 5 ? 0 : 1, `after minute ${minute}`);
    }
    assert.match(String(notices()[0]?.body.text), /failing/);
    world.ivs.clearFailures();
    p.clock.now += 60_000;
    await cycle(p);
    assert.equal(notices().length, 2);
    assert.match(String(notices()[1]?.body.text), /recovered/);
    await p.close();
  });

  test('overlapping cycles are prevented: a second call while one runs is skipped', async () => {
    const p = pipeline('overlap.db');
    const { stageArn } = seedLiveStage();
    await watch(p, stageArn);
    world.ivs.delayNext('ListStageSessions', 300);
    const first = p.poller.runCycle();
    const second = await p.poller.runCycle();
    assert.equal(second.skipped, true);
    assert.equal((await first).skipped, false);
    await p.close();
  });

  test('with more participants than one interval of quota, the rest are carried over and the lag is reported', async () => {
    // 2 calls/s × 5 s, less one so the cycle ends before the next tick = 9 participants per cycle.
    const p = pipeline('lag.db', { maxTps: 2, intervalSeconds: 5 });
    const { stageArn, sessionId } = seedLiveStage();
    const ids = Array.from({ length: 20 }, (_, i) =>
      world.ivs.addParticipant(stageArn, sessionId, {
        userId: `u${i}`,
        firstJoinTime: new Date(T0 - 20_000),
      }),
    );
    for (const id of ids) errorEvent(stageArn, sessionId, id, 'QUOTA_EXCEEDED', T0 - 1_000);
    await watch(p, stageArn);
    const report = await p.poller.runCycle();
    assert.equal(report.stages[0]?.participantsRead, 9);
    assert.equal(report.stages[0]?.participantsBehind, 11);
    assert.ok((report.stages[0]?.lagSeconds ?? 0) > 0);
    const health = await p.store.listStageHealth();
    assert.ok((health[0]?.lagSeconds ?? 0) > 0, 'lag is recorded for /ivs watches');
    p.clock.now += 5_000;
    await p.poller.runCycle();
    p.clock.now += 5_000;
    await p.poller.runCycle();
    await p.sender.drain();
    const [group] = await p.store.latestGroups(1);
    assert.equal(group?.eventCount, 20, 'everyone is read within three cycles');
    await p.close();
  });

  test('a participant that left, was read to the end and rejoins (same ID) is read again and alerted', async () => {
    const p = pipeline('rejoin.db');
    const { stageArn, sessionId } = seedLiveStage();
    const publisher = world.ivs.addParticipant(stageArn, sessionId, {
      userId: 'pub',
      firstJoinTime: new Date(T0 - 20_000),
    });
    world.ivs.addEvent(stageArn, sessionId, publisher, { name: 'JOINED', eventTime: new Date(T0 - 20_000) });
    world.ivs.addEvent(stageArn, sessionId, publisher, { name: 'LEFT', eventTime: new Date(T0 - 10_000) });
    world.ivs.setParticipantState(stageArn, sessionId, publisher, 'DISCONNECTED');
    await watch(p, stageArn);
    await cycle(p);
    p.clock.now += 60_000;
    await cycle(p);
    const settled = world.ivs.callCount('ListParticipantEvents');

    world.ivs.rejoinParticipant(stageArn, sessionId, publisher, p.clock.now + 1_000);
    errorEvent(stageArn, sessionId, publisher, 'BITRATE_EXCEEDED', p.clock.now + 2_000);
    p.clock.now += 60_000;
    await cycle(p);
    assert.ok(world.ivs.callCount('ListParticipantEvents') > settled, 'read again after rejoining');
    assert.equal(alertPosts().length, 1);
    assert.match(String(alertPosts()[0]?.body.text), /BITRATE_EXCEEDED/);
    await p.close();
  });

  test('a participant read to the end after it left is not read again; steady-state cost follows activity', async () => {
    const p = pipeline('cost.db');
    const { stageArn, sessionId } = seedLiveStage();
    const left = Array.from({ length: 10 }, (_, i) =>
      world.ivs.addParticipant(stageArn, sessionId, { userId: `gone${i}` }),
    );
    for (const id of left) world.ivs.setParticipantState(stageArn, sessionId, id, 'DISCONNECTED');
    world.ivs.addParticipant(stageArn, sessionId, { userId: 'live', state: 'CONNECTED' });
    await watch(p, stageArn);
    await p.poller.runCycle();
    const firstEvents = world.ivs.callCount('ListParticipantEvents');
    assert.equal(firstEvents, 11);
    p.clock.now += 60_000;
    await p.poller.runCycle();
    assert.equal(
      world.ivs.callCount('ListParticipantEvents') - firstEvents,
      1,
      'only the connected participant is read again',
    );
    await p.close();
  });
});
