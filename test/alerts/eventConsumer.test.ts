// EventBridge events through SQS, end to end below Slack's HTTP: the SQS simulator (real
// @aws-sdk/client-sqs), the consumer, the real SQLite (or PostgreSQL) store, the poller against the IVS
// simulator and the outbox sender posting to the fake Slack.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  EventConsumer,
  type EventConsumerStore,
  type EventQueue,
  type MessageOutcome,
} from '../../src/alerts/EventConsumer.ts';
import { DEFAULT_GROUPING } from '../../src/domain/model.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { SqsEventQueue } from '../../src/sqs/SqsEventQueue.ts';
import { PostgresStore } from '../../src/store/postgres/PostgresStore.ts';
import type { Store } from '../../src/store/Store.ts';
import { SqliteStore } from '../../src/store/sqlite/SqliteStore.ts';
import { SqsSimulator } from '../../testkit/sqsSimulator.ts';
import { alertPipeline, TEST_CREDENTIALS, useAlertingWorld } from '../support/alertPipeline.ts';
import { eventFixture } from '../support/eventFixtures.ts';
import { freshDatabase } from '../support/postgres.ts';

const CHANNEL = 'CALERTS0001';
const T0 = Date.parse('2026-11-25T10:00:00Z');
const VISIBILITY_SECONDS = 30;

const world = useAlertingWorld({ tmpPrefix: 'ivs-events-' });
let sqs: SqsSimulator;
const clock = { now: T0 };

beforeEach(async () => {
  clock.now = T0;
  sqs = await SqsSimulator.start({ clock: () => clock.now, longPollCapMs: 100 });
});

afterEach(async () => {
  await sqs.close();
});

/** One replica's alerting: consumer, poller and sender on a store. */
function replica(store: Store, queueUrl: string, options: { queue?: (q: EventQueue) => EventQueue } = {}) {
  const now = () => new Date(clock.now);
  const logs: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const alerting = alertPipeline({
    store,
    ivsUrl: world.ivs.url,
    slackApiUrl: world.slack.apiUrl,
    now,
    logger,
  });
  const sqsQueue = new SqsEventQueue({
    queueUrl,
    region: sqs.region,
    overrides: {
      endpoint: sqs.url,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    },
  });
  const outcomes: MessageOutcome[] = [];
  const queueErrors: string[] = [];
  const consumer = new EventConsumer({
    queue: options.queue ? options.queue(sqsQueue) : sqsQueue,
    store,
    logger,
    policy: DEFAULT_GROUPING,
    now,
    onMessage: (outcome) => outcomes.push(outcome),
    onQueueError: (step) => queueErrors.push(step),
  });
  return {
    store,
    consumer,
    poller: alerting.poller,
    sender: alerting.sender,
    logs,
    outcomes,
    queueErrors,
    async close() {
      await alerting.close();
      sqsQueue.destroy();
    },
  };
}

function liveStage() {
  const stageArn = world.ivs.addStage({ name: 'main' });
  const sessionId = world.ivs.startSession(stageArn, { startTime: new Date(T0 - 60_000) });
  const alice = world.ivs.addParticipant(stageArn, sessionId, { userId: 'alice', state: 'CONNECTED' });
  return { stageArn, sessionId, alice };
}

async function watch(store: Store, stageArn: string): Promise<void> {
  await store.saveWatch({
    stageArn,
    channelId: CHANNEL,
    codes: null,
    createdBy: 'UTEST',
    createdAt: new Date(T0 - 120_000),
  });
}

/** A guide fixture moved onto the simulator's stage, session and participant. */
function bodyOf(
  fixture: string,
  ids: { stageArn: string; sessionId?: string; participantId?: string },
  time = new Date(T0 - 10_000),
): string {
  const event = JSON.parse(eventFixture(fixture));
  event.time = time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (event['detail-type'] === 'IVS Composition State Change') event.detail.stage_arn = ids.stageArn;
  else event.resources = [ids.stageArn];
  if (ids.sessionId) event.detail.session_id = ids.sessionId;
  if (ids.participantId) event.detail.participant_id = ids.participantId;
  return JSON.stringify(event);
}

const alertPosts = () =>
  world.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.ok && c.body.channel === CHANNEL && c.body.thread_ts === undefined)
    .filter((c) => JSON.stringify(c.body.blocks).includes('🚨'));

describe('EventBridge events through SQS', () => {
  test('a publish error through SQS, then through polling: one alert, and the poller reads the participant first', async () => {
    const store = SqliteStore.open(join(world.dir, 'a.db'));
    const queueUrl = sqs.createQueue('ivs-events', { visibilityTimeoutSeconds: VISIBILITY_SECONDS });
    const r = replica(store, queueUrl);
    const { stageArn, sessionId, alice } = liveStage();
    await watch(store, stageArn);

    sqs.send(
      queueUrl,
      bodyOf('stage-update.participant-publish-error', { stageArn, sessionId, participantId: alice }),
    );
    assert.equal(await r.consumer.pollOnce(), true);
    await r.sender.drain();
    assert.deepEqual(r.outcomes, [{ kind: 'alerted' }]);
    // Asked of whichever replica polls next, through the store (this replica's poller takes it too).
    assert.deepEqual(
      (await store.takeReadFirst(10)).map((participant) => participant.participantId),
      [alice],
    );
    assert.equal(sqs.depth(queueUrl), 0, 'deleted once committed');
    assert.equal(alertPosts().length, 1);
    assert.match(JSON.stringify(alertPosts()[0]?.body.blocks), /PUBLISH_ERROR/);

    // IVS's own list has the same error (with its code, and milliseconds): polling finds it known.
    world.ivs.addEvent(stageArn, sessionId, alice, {
      name: 'PUBLISH_ERROR',
      errorCode: 'BITRATE_EXCEEDED',
      eventTime: new Date(T0 - 10_000 + 420),
    });
    clock.now += 5_000;
    const report = await r.poller.runCycle();
    await r.sender.drain();
    assert.equal(report.stages[0]?.newEvents, 0);
    assert.equal(alertPosts().length, 1, 'one alert, not two');
    assert.equal((await store.latestGroups(10)).length, 1);
    await r.close();
    await store.close();
  });

  test('a crash after receive and before delete: SQS delivers again, still one alert', async () => {
    const store = SqliteStore.open(join(world.dir, 'b.db'));
    const queueUrl = sqs.createQueue('ivs-events', { visibilityTimeoutSeconds: VISIBILITY_SECONDS });
    const { stageArn, sessionId, alice } = liveStage();
    await watch(store, stageArn);
    sqs.send(
      queueUrl,
      bodyOf('participant-recording.recording-start-failure', { stageArn, sessionId, participantId: alice }),
    );

    // The process dies once the alert is committed, before DeleteMessage goes out.
    const dying = replica(store, queueUrl, {
      queue: (q) => ({
        receive: (signal) => q.receive(signal),
        describe: () => q.describe(),
        delete: async () => {
          throw new Error('process died');
        },
      }),
    });
    await dying.consumer.pollOnce();
    await dying.sender.drain();
    assert.deepEqual(dying.outcomes, [{ kind: 'alerted' }]);
    assert.equal(sqs.depth(queueUrl), 1, 'still on the queue, in flight');
    await dying.close();

    const restarted = replica(store, queueUrl);
    await restarted.consumer.pollOnce();
    assert.deepEqual(restarted.outcomes, [], 'hidden until its visibility timeout runs out');
    clock.now += VISIBILITY_SECONDS * 1000;
    sqs.tick();
    await restarted.consumer.pollOnce();
    await restarted.sender.drain();
    assert.deepEqual(restarted.outcomes, [{ kind: 'ignored', reason: 'duplicate' }]);
    assert.equal(sqs.depth(queueUrl), 0);
    assert.equal(alertPosts().length, 1);
    const blocks = JSON.stringify(alertPosts()[0]?.body.blocks);
    assert.match(blocks, /RECORDING_START_FAILURE/);
    assert.match(blocks, /ivs-recordings/);
    await restarted.close();
    await store.close();
  });

  test('a store failure leaves the message for SQS; it alerts once on the next delivery', async () => {
    const inner = SqliteStore.open(join(world.dir, 'c.db'));
    let failures = 1;
    const flaky: EventConsumerStore = {
      listWatches: () => inner.listWatches(),
      requestReadFirst: (...args) => inner.requestReadFirst(...args),
      recordQueueReceive: (report) => inner.recordQueueReceive(report),
      eventQueueStatus: () => inner.eventQueueStatus(),
      recordDetections: async (input) => {
        if (failures-- > 0) throw new Error('database is locked');
        return inner.recordDetections(input);
      },
    };
    const queueUrl = sqs.createQueue('ivs-events', { visibilityTimeoutSeconds: VISIBILITY_SECONDS });
    const { stageArn } = liveStage();
    await watch(inner, stageArn);
    const r = replica(inner, queueUrl);
    const consumer = new EventConsumer({
      queue: new SqsEventQueue({
        queueUrl,
        region: sqs.region,
        overrides: { endpoint: sqs.url, maxAttempts: 1 },
      }),
      store: flaky,
      logger: createLogger('fatal'),
      policy: DEFAULT_GROUPING,
      now: () => new Date(clock.now),
      onMessage: (outcome) => r.outcomes.push(outcome),
    });
    sqs.send(queueUrl, bodyOf('composition.destination-failure', { stageArn }));
    await consumer.pollOnce();
    assert.deepEqual(r.outcomes, [{ kind: 'failed' }]);
    assert.equal(sqs.depth(queueUrl), 1, 'not deleted');
    clock.now += VISIBILITY_SECONDS * 1000;
    await consumer.pollOnce();
    await r.sender.drain();
    assert.deepEqual(r.outcomes, [{ kind: 'failed' }, { kind: 'alerted' }]);
    assert.equal(sqs.depth(queueUrl), 0);
    assert.equal(alertPosts().length, 1);
    assert.match(JSON.stringify(alertPosts()[0]?.body.blocks), /The S3 bucket was not found/);
    await r.close();
    await inner.close();
  });

  test('bodies that are not JSON, not IVS events, not failures or of unwatched stages: deleted, nothing posted', async () => {
    const store = SqliteStore.open(join(world.dir, 'd.db'));
    const queueUrl = sqs.createQueue('ivs-events');
    const r = replica(store, queueUrl);
    const { stageArn, sessionId, alice } = liveStage();
    const other = world.ivs.addStage({ name: 'unwatched' });
    await watch(store, stageArn);
    const bodies = [
      'not json at all',
      '{"Type":"Notification","Message":"an SNS envelope"}',
      JSON.stringify({
        ...JSON.parse(eventFixture('stage-update.participant-publish-error')),
        source: 'aws.ec2',
      }),
      bodyOf('stage-update.participant-published', { stageArn, sessionId, participantId: alice }),
      bodyOf('participant-recording.recording-start', { stageArn, sessionId, participantId: alice }),
      bodyOf('stage-update.participant-publish-error', { stageArn: other, sessionId, participantId: alice }),
    ];
    for (const body of bodies) sqs.send(queueUrl, body);
    await r.consumer.pollOnce();
    await r.sender.drain();
    assert.deepEqual(r.outcomes.map((o) => (o.kind === 'ignored' ? o.reason : o.kind)).sort(), [
      'not_an_alert',
      'not_an_alert',
      'not_ivs_event',
      'not_ivs_event',
      'not_json',
      'unwatched',
    ]);
    assert.equal(sqs.depth(queueUrl), 0);
    assert.equal(world.slack.callsTo('chat.postMessage').length, 0);
    assert.deepEqual(await store.latestGroups(10), []);
    assert.ok(r.logs.some((line) => line.includes('"level":20') && line.includes('event ignored')));
    await r.close();
    await store.close();
  });

  test('at start the queue is read once (GetQueueAttributes): no redrive policy or a short visibility timeout is warned about', async () => {
    const dlq = { queueName: 'ivs-events-dlq', maxReceiveCount: 5 };
    const cases = [
      { name: 'ivs-events-bare', deadLetter: undefined, visibility: 60, warned: true, hurried: false },
      { name: 'ivs-events-safe', deadLetter: dlq, visibility: 60, warned: false, hurried: false },
      { name: 'ivs-events-hurried', deadLetter: dlq, visibility: 5, warned: false, hurried: true },
    ];
    sqs.createQueue(dlq.queueName);
    for (const { name, deadLetter, visibility, warned, hurried } of cases) {
      const store = SqliteStore.open(join(world.dir, `${name}.db`));
      const queueUrl = sqs.createQueue(name, {
        visibilityTimeoutSeconds: visibility,
        ...(deadLetter ? { deadLetter } : {}),
      });
      const r = replica(store, queueUrl);
      r.consumer.start();
      // The attributes are read before the first receive, whose answer the store records.
      for (let i = 0; i < 500 && (await store.eventQueueStatus()).lastReceiveAt === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await r.consumer.stop();
      assert.notEqual((await store.eventQueueStatus()).lastReceiveAt, null, `${name}: received`);
      const warning = r.logs.find((line) => line.includes('no redrive policy'));
      assert.equal(warning !== undefined, warned, `${name}: ${r.logs.join('')}`);
      if (warning) assert.match(warning, /"level":40/);
      const short = r.logs.find((line) => line.includes('visibility timeout is under'));
      assert.equal(short !== undefined, hurried, `${name}: ${r.logs.join('')}`);
      await r.close();
      await store.close();
    }
  });

  test('codes= naming the new kinds and a mute of one: only the named, unmuted kind is posted', async () => {
    const store = SqliteStore.open(join(world.dir, 'codes.db'));
    const queueUrl = sqs.createQueue('ivs-events-codes');
    const r = replica(store, queueUrl);
    const { stageArn, sessionId, alice } = liveStage();
    await store.saveWatch({
      stageArn,
      channelId: CHANNEL,
      codes: ['RECORDING_START_FAILURE', 'COMPOSITION_SESSION_FAILURE'],
      createdBy: 'UTEST',
      createdAt: new Date(T0 - 120_000),
    });
    await store.saveMute({
      stageArn,
      code: 'RECORDING_START_FAILURE',
      until: new Date(T0 + 3_600_000),
      mutedBy: 'UTEST',
      createdAt: new Date(T0 - 60_000),
    });
    for (const fixture of [
      'participant-recording.recording-start-failure',
      'participant-recording.recording-end-failure',
      'composition.session-failure',
    ]) {
      sqs.send(queueUrl, bodyOf(fixture, { stageArn, sessionId, participantId: alice }));
    }
    await r.consumer.pollOnce();
    await r.sender.drain();
    assert.equal(sqs.depth(queueUrl), 0);
    // The end failure is stored but no watch names it: counted as filtered, not as alerted.
    assert.deepEqual(
      r.outcomes.map((o) => (o.kind === 'ignored' ? o.reason : o.kind)),
      ['alerted', 'filtered', 'alerted'],
    );
    const posts = alertPosts().map((call) => JSON.stringify(call.body.blocks));
    assert.equal(posts.length, 1, posts.join('\n'));
    assert.match(posts[0] ?? '', /COMPOSITION_SESSION_FAILURE/);
    assert.deepEqual((await store.latestGroups(10)).map((group) => group.code).sort(), [
      'COMPOSITION_SESSION_FAILURE',
      'RECORDING_START_FAILURE',
    ]);
    await r.close();
    await store.close();
  });

  test('a poll that throws unexpectedly is logged and counted, and the loop goes on to the next message', async () => {
    const store = SqliteStore.open(join(world.dir, 'throws.db'));
    const queueUrl = sqs.createQueue('ivs-events-throws');
    const { stageArn, sessionId, alice } = liveStage();
    await watch(store, stageArn);
    sqs.send(
      queueUrl,
      bodyOf('participant-recording.recording-start-failure', { stageArn, sessionId, participantId: alice }),
    );
    let broken = true;
    // A broken adapter answer (not a list) once: nothing in pollOnce expects it, so it throws there.
    const r = replica(store, queueUrl, {
      queue: (q) => ({
        receive: async (signal) => {
          if (!broken) return q.receive(signal);
          broken = false;
          return null as unknown as Awaited<ReturnType<typeof q.receive>>;
        },
        describe: () => q.describe(),
        delete: (messages) => q.delete(messages),
      }),
    });
    r.consumer.start();
    for (let i = 0; i < 500 && r.outcomes.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await r.consumer.stop();
    assert.deepEqual(r.outcomes, [{ kind: 'alerted' }]);
    assert.deepEqual(r.queueErrors, ['process']);
    assert.ok(
      r.logs.some((line) => line.includes('"level":50') && line.includes('poll failed unexpectedly')),
    );
    await r.close();
    await store.close();
  });

  test('a destination reconnecting alerts once it repeats, then the repeats join that alert', async () => {
    const store = SqliteStore.open(join(world.dir, 'e.db'));
    const queueUrl = sqs.createQueue('ivs-events');
    const r = replica(store, queueUrl);
    const { stageArn } = liveStage();
    await watch(store, stageArn);
    for (let i = 0; i < 4; i++) {
      sqs.send(
        queueUrl,
        bodyOf('composition.destination-reconnect', { stageArn }, new Date(T0 - 60_000 + i * 10_000)),
      );
      await r.consumer.pollOnce();
    }
    await r.sender.drain();
    assert.deepEqual(
      r.outcomes.map((o) => (o.kind === 'ignored' ? o.reason : o.kind)),
      ['not_repeated', 'not_repeated', 'alerted', 'alerted'],
    );
    assert.equal(alertPosts().length, 1);
    assert.match(JSON.stringify(alertPosts()[0]?.body.blocks), /COMPOSITION_DESTINATION_RECONNECT/);
    await r.close();
    await store.close();
  });

  test('SQS unreachable: the receive fails, is counted and warned about once, the status says so', async () => {
    const store = SqliteStore.open(join(world.dir, 'f.db'));
    const queueUrl = sqs.createQueue('ivs-events');
    const r = replica(store, queueUrl);
    sqs.failNext('ReceiveMessage', 500, 3);
    assert.equal(await r.consumer.pollOnce(), false);
    assert.equal(await r.consumer.pollOnce(), false);
    assert.deepEqual(r.queueErrors, ['receive', 'receive']);
    const warnings = r.logs.filter(
      (line) => line.includes('"level":40') && line.includes('events queue not reachable'),
    );
    assert.equal(warnings.length, 1, 'one warning for the outage, not one per attempt');
    const status = await store.eventQueueStatus();
    assert.match(status.lastError ?? '', /SQS ReceiveMessage failed/);
    assert.ok(status.errorSince);
    // The poller does not depend on the queue.
    const { stageArn } = liveStage();
    await watch(store, stageArn);
    assert.equal((await r.poller.runCycle()).stages[0]?.ok, true);
    sqs.clearFailures();
    assert.equal(await r.consumer.pollOnce(), true);
    assert.equal((await store.eventQueueStatus()).lastError, null);
    await r.close();
    await store.close();
  });
});

describe('two replicas', () => {
  const twoStores = async (): Promise<{ stores: [Store, Store]; close(): Promise<void> }> => {
    if (process.env.TEST_DATABASE_URL) {
      const db = await freshDatabase();
      const a = await PostgresStore.open(db.url);
      const b = await PostgresStore.open(db.url);
      return {
        stores: [a, b],
        async close() {
          await a.close();
          await b.close();
          await db.drop();
        },
      };
    }
    // SQLite has one process: both consumers share it, as two replicas share PostgreSQL.
    const one = SqliteStore.open(join(world.dir, 'shared.db'));
    return { stores: [one, one], close: () => one.close() };
  };

  test('a publish error received by one replica is read first by the one that polls', async () => {
    const { stores, close } = await twoStores();
    const queueUrl = sqs.createQueue('ivs-events');
    const consumerSide = replica(stores[0], queueUrl);
    const pollerSide = replica(stores[1], queueUrl);
    const { stageArn, sessionId, alice } = liveStage();
    // Another connected participant, waiting longer than alice: without the request it is read first.
    const bob = world.ivs.addParticipant(stageArn, sessionId, { userId: 'bob', state: 'CONNECTED' });
    await watch(stores[0], stageArn);
    const read: string[] = [];
    const seen = (participantId: string) => {
      if (!read.includes(participantId)) read.push(participantId);
    };
    // The first cycle reads both (in the usual order); the queue's event comes after it.
    await pollerSide.poller.runCycle();
    sqs.send(
      queueUrl,
      bodyOf('stage-update.participant-publish-error', { stageArn, sessionId, participantId: alice }),
    );
    await consumerSide.consumer.pollOnce();
    world.ivs.resetCalls();
    clock.now += 61_000;
    await pollerSide.poller.runCycle();
    for (const call of world.ivs.calls) {
      if (call.operation === 'ListParticipantEvents') seen(String(call.body?.participantId));
    }
    assert.deepEqual(read.slice(0, 1), [alice], `read order ${read.join(', ')}`);
    assert.ok(read.includes(bob));
    assert.deepEqual(await stores[1].takeReadFirst(10), [], 'taken by the cycle');
    await consumerSide.close();
    await pollerSide.close();
    await close();
  });

  test('repeats received by two replicas at once are counted together: the third alerts', async () => {
    const { stores, close } = await twoStores();
    const queueUrl = sqs.createQueue('ivs-events');
    const { stageArn } = liveStage();
    await watch(stores[0], stageArn);
    const send = (i: number) =>
      sqs.send(
        queueUrl,
        bodyOf('composition.destination-reconnect', { stageArn }, new Date(T0 - 60_000 + i * 10_000)),
      );
    const first = replica(stores[0], queueUrl);
    send(0);
    await first.consumer.pollOnce();
    // Each replica's store holds its write until both replicas have reached theirs, as two replicas
    // handling a message each at the same moment do: whatever they read before writing, they read
    // before either wrote.
    let arrived = 0;
    let release: () => void = () => {};
    const bothThere = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gated = (store: Store): Store =>
      new Proxy(store, {
        get(target, property, receiver) {
          if (property === 'recordDetections') {
            return async (...args: Parameters<Store['recordDetections']>) => {
              if (++arrived === 2) release();
              await bothThere;
              return target.recordDetections(...args);
            };
          }
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const a = replica(gated(stores[0]), queueUrl);
    const b = replica(gated(stores[1]), queueUrl);
    send(1);
    const handlingA = a.consumer.pollOnce();
    // A holds the second repeat (in flight, hidden): B receives only the third.
    for (let i = 0; i < 1000 && arrived === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    send(2);
    await Promise.all([handlingA, b.consumer.pollOnce()]);
    await first.sender.drain();
    const outcomes = [...a.outcomes, ...b.outcomes].map((o) => (o.kind === 'ignored' ? o.reason : o.kind));
    assert.deepEqual(outcomes.sort(), ['alerted', 'not_repeated']);
    assert.equal(alertPosts().length, 1);
    await a.close();
    await b.close();
    await first.close();
    await close();
  });

  test('the same event delivered twice (EventBridge is at least once) to two replicas: one alert', async () => {
    const { stores, close } = await twoStores();
    const queueUrl = sqs.createQueue('ivs-events');
    const a = replica(stores[0], queueUrl);
    const b = replica(stores[1], queueUrl);
    const { stageArn, sessionId, alice } = liveStage();
    await watch(stores[0], stageArn);
    const body = bodyOf('stage-update.participant-publish-error', {
      stageArn,
      sessionId,
      participantId: alice,
    });
    sqs.send(queueUrl, body);
    sqs.send(queueUrl, body);
    await Promise.all([a.consumer.pollOnce(), b.consumer.pollOnce()]);
    await a.sender.drain();
    await b.sender.drain();
    const outcomes = [...a.outcomes, ...b.outcomes]
      .map((o) => (o.kind === 'ignored' ? o.reason : o.kind))
      .sort();
    assert.deepEqual(outcomes, ['alerted', 'duplicate']);
    assert.equal(sqs.depth(queueUrl), 0);
    assert.equal(alertPosts().length, 1);
    await a.close();
    await b.close();
    await close();
  });
});
