import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import { Poller } from '../../src/alerts/Poller.ts';
import { DEFAULT_GROUPING } from '../../src/domain/model.ts';
import { createIvsClientFactory } from '../../src/ivs/ivsClients.ts';
import { RequestBudget } from '../../src/ivs/RequestBudget.ts';
import { SdkIvsGateway } from '../../src/ivs/SdkIvsGateway.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { purgeExpired } from '../../src/store/purgeExpired.ts';
import { SqliteStore } from '../../src/store/sqlite/SqliteStore.ts';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';

// Retention against the poller that reads IVS: what the purge deletes must never come back as a new
// alert. IVS keeps listing old sessions (ListStageSessions "gets all sessions"; no retention is
// documented), so a purged session is met again on the first page.
const DAY = 24 * 60 * 60 * 1000;
const RETENTION_MS = 30 * DAY;
const T0 = Date.parse('2026-11-25T10:00:00Z');
const CHANNEL = 'CRETENTION1';

let sim: IvsSimulator;
let dir: string;
let clock: { now: number };
let store: SqliteStore;
let poller: Poller;
let destroyClients: () => void;

before(() => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
});

after(() => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
});

beforeEach(async () => {
  clock = { now: T0 };
  sim = await IvsSimulator.start({ clock: () => clock.now });
  dir = mkdtempSync(join(tmpdir(), 'ivs-retention-'));
  store = SqliteStore.open(join(dir, 'bot.db'));
  const logger = createLogger('fatal');
  const clients = createIvsClientFactory({
    maxAttempts: 1,
    requestTimeoutMs: 2_000,
    overrides: { endpoint: sim.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
  });
  destroyClients = clients.destroy;
  poller = new Poller({
    ivs: new SdkIvsGateway({ clientFor: clients.clientFor, budget: new RequestBudget(200), logger }),
    store,
    logger,
    policy: DEFAULT_GROUPING,
    intervalSeconds: 60,
    maxTps: 200,
    now: () => new Date(clock.now),
    historyMs: RETENTION_MS,
  });
});

afterEach(async () => {
  destroyClients();
  await store.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One poll cycle; returns the alert posts it queued, and marks every queued message sent. */
async function cycle(): Promise<number> {
  const report = await poller.runCycle();
  assert.equal(report.skipped, false);
  assert.ok(
    report.stages.every((stage) => stage.ok),
    JSON.stringify(report.stages),
  );
  const queued = await store.dueOutbox(new Date(8.64e15), 1_000);
  for (const item of queued) await store.completeOutbox(item.id);
  return queued.filter((item) => item.kind === 'post').length;
}

function addError(stageArn: string, sessionId: string, participantId: string, at: number): void {
  sim.addEvent(stageArn, sessionId, participantId, {
    name: 'SUBSCRIBE_ERROR',
    errorCode: 'PUBLISHER_NOT_FOUND' as EventErrorCode,
    remoteParticipantId: 'pPublisher01',
    eventTime: new Date(at),
  });
}

describe('retention with the poller', () => {
  test('a session purged after retention is met again in IVS and is not alerted twice; new sessions still are', async () => {
    const stageArn = sim.addStage({ name: 'kept-short' });
    await store.saveWatch({
      stageArn,
      channelId: CHANNEL,
      codes: null,
      createdBy: 'UTEST',
      createdAt: new Date(T0 - 60_000),
    });
    const sessionId = sim.startSession(stageArn, { startTime: T0 - 30_000 });
    const alice = sim.addParticipant(stageArn, sessionId, { userId: 'alice' });
    addError(stageArn, sessionId, alice, T0 - 10_000);
    assert.equal(await cycle(), 1, 'alerted once while live');

    // The session ends and the poller settles it.
    clock.now += 60_000;
    sim.setParticipantState(stageArn, sessionId, alice, 'DISCONNECTED');
    sim.endSession(stageArn, sessionId);
    // One cycle learns that alice left, the next reads her to the end: the session is finished.
    assert.equal(await cycle(), 0);
    clock.now += 60_000;
    assert.equal(await cycle(), 0);
    assert.deepEqual(
      (await store.loadSessionCursors(stageArn)).map((s) => s.finished),
      [true],
    );

    // 40 days on, the purge lets the session and its dedup key go.
    clock.now += 40 * DAY;
    const purged = await purgeExpired(store, { retentionMs: RETENTION_MS, now: new Date(clock.now) });
    assert.equal(purged.sessionCursors, 1);
    assert.equal(purged.detectedEvents, 1);
    assert.equal(purged.alertGroups, 1);
    assert.deepEqual(await store.loadSessionCursors(stageArn), []);

    // IVS still lists the session: it is history, not new; its participants are not even listed.
    sim.resetCalls();
    assert.equal(await cycle(), 0, 'the purged session is not alerted again');
    assert.equal(sim.callCount('ListParticipants'), 0);
    assert.equal(sim.callCount('ListParticipantEvents'), 0);

    // A session that starts now is alerted as always.
    const next = sim.startSession(stageArn);
    const bob = sim.addParticipant(stageArn, next, { userId: 'bob' });
    addError(stageArn, next, bob, clock.now);
    clock.now += 60_000;
    assert.equal(await cycle(), 1);
    assert.equal(await cycle(), 0);
  });

  test('a session still live after retention keeps its dedup keys: its old errors are not alerted twice', async () => {
    const stageArn = sim.addStage({ name: 'long-lived' });
    await store.saveWatch({
      stageArn,
      channelId: CHANNEL,
      codes: null,
      createdBy: 'UTEST',
      createdAt: new Date(T0 - 60_000),
    });
    const sessionId = sim.startSession(stageArn, { startTime: T0 - 30_000 });
    const carol = sim.addParticipant(stageArn, sessionId, { userId: 'carol' });
    addError(stageArn, sessionId, carol, T0 - 10_000);
    assert.equal(await cycle(), 1);

    clock.now += 40 * DAY;
    const purged = await purgeExpired(store, { retentionMs: RETENTION_MS, now: new Date(clock.now) });
    assert.equal(purged.detectedEvents, 0, 'the key of a session still read stays');
    assert.equal(await cycle(), 0, 'carol is read again, and her old error is known');
  });
});
