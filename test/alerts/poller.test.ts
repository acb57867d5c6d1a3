// The poller against the IVS simulator (real SDK, real SQLite store): what it reads, in which order,
// and what it costs in calls. The clock is the test's; the Poller's own budget (interval ×
// IVS_MAX_TPS − 1 calls per operation) decides what a cycle reads, so no result depends on timing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import { type CycleReport, Poller } from '../../src/alerts/Poller.ts';
import { DEFAULT_GROUPING } from '../../src/domain/model.ts';
import { createIvsClientFactory } from '../../src/ivs/ivsClients.ts';
import { RequestBudget } from '../../src/ivs/RequestBudget.ts';
import { SdkIvsGateway } from '../../src/ivs/SdkIvsGateway.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { SqliteStore } from '../../src/store/sqlite/SqliteStore.ts';
import { IvsSimulator, type ListOrder } from '../../testkit/ivsSimulator.ts';

const T0 = Date.parse('2026-11-25T10:00:00Z');

let sim: IvsSimulator;
let dir: string;

interface Rig {
  store: SqliteStore;
  poller: Poller;
  clock: { now: number };
  logs: Array<Record<string, unknown>>;
  /** Runs a cycle and returns its report with the simulator's call counts by operation. */
  cycle(): Promise<CycleReport & { calls: Record<string, number> }>;
  close(): Promise<void>;
}

/** A poller as main.ts builds one, at the given schedule interval and IVS_MAX_TPS. */
function rig(options: { intervalSeconds: number; maxTps: number | (() => number) }): Rig {
  const clock = { now: T0 };
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', {
    write: (line: string) => {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  const store = SqliteStore.open(join(dir, `poller-${Math.random().toString(36).slice(2)}.db`));
  const clients = createIvsClientFactory({
    maxAttempts: 1,
    requestTimeoutMs: 5_000,
    overrides: { endpoint: sim.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
  });
  // The request budget does not hold the test up: the poller's own per-cycle budget is what is tested.
  const ivs = new SdkIvsGateway({ clientFor: clients.clientFor, budget: new RequestBudget(500), logger });
  const poller = new Poller({
    ivs,
    store,
    logger,
    policy: DEFAULT_GROUPING,
    intervalSeconds: options.intervalSeconds,
    maxTps: options.maxTps,
    now: () => new Date(clock.now),
  });
  return {
    store,
    poller,
    clock,
    logs,
    async cycle() {
      const before = sim.calls.length;
      const report = await poller.runCycle();
      assert.equal(report.skipped, false);
      const calls: Record<string, number> = {};
      for (const call of sim.calls.slice(before)) calls[call.operation] = (calls[call.operation] ?? 0) + 1;
      return { ...report, calls };
    },
    async close() {
      clients.destroy();
      await store.close();
    },
  };
}

async function watch(r: Rig, stageArn: string, createdAt = T0): Promise<void> {
  await r.store.saveWatch({
    stageArn,
    channelId: 'CALERTS0001',
    codes: null,
    createdBy: 'UTEST',
    createdAt: new Date(createdAt),
  });
}

function addError(
  stageArn: string,
  sessionId: string,
  participantId: string,
  code: EventErrorCode,
  at: number,
) {
  sim.addEvent(stageArn, sessionId, participantId, {
    name: code === 'QUOTA_EXCEEDED' ? 'JOIN_ERROR' : 'PUBLISH_ERROR',
    errorCode: code,
    eventTime: new Date(at),
  });
}

/** Error events the store has detected, by code. */
async function detected(r: Rig): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const group of await r.store.latestGroups(100))
    counts[group.code] = (counts[group.code] ?? 0) + group.eventCount;
  return counts;
}

before(() => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
});
after(() => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ivs-poller-'));
});
afterEach(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('read order and detection latency', () => {
  test('10 stages of 2 connected + 48 left, 2 s schedule, IVS_MAX_TPS=3: a new error is alerted within 10 s', async () => {
    sim = await IvsSimulator.start();
    const r = rig({ intervalSeconds: 2, maxTps: 3 });
    const stages: Array<{ stageArn: string; sessionId: string; connected: string[] }> = [];
    for (let s = 0; s < 10; s++) {
      const stageArn = sim.addStage();
      const sessionId = sim.startSession(stageArn, { startTime: T0 - 3_600_000 });
      // The hosts joined first and stay; 48 viewers came later and left, all before the watch began.
      const connected = [0, 1].map(() =>
        sim.addParticipant(stageArn, sessionId, { firstJoinTime: T0 - 3_000_000 }),
      );
      for (let v = 0; v < 48; v++) {
        const viewer = sim.addParticipant(stageArn, sessionId, {
          state: 'DISCONNECTED',
          firstJoinTime: T0 - 600_000 + v * 1_000,
        });
        sim.addEvent(stageArn, sessionId, viewer, { name: 'JOINED', eventTime: T0 - 600_000 + v * 1_000 });
      }
      for (const host of connected)
        sim.addEvent(stageArn, sessionId, host, { name: 'JOINED', eventTime: T0 - 3_000_000 });
      stages.push({ stageArn, sessionId, connected });
      await watch(r, stageArn);
    }
    // Just after the watches start, one host of the last stage hits BITRATE_EXCEEDED.
    const target = stages[9] as (typeof stages)[number];
    addError(target.stageArn, target.sessionId, target.connected[1] as string, 'BITRATE_EXCEEDED', T0 + 100);

    let alertedAfter: number | null = null;
    for (let cycle = 0; cycle < 5 && alertedAfter === null; cycle++) {
      r.clock.now = T0 + cycle * 2_000;
      const report = await r.cycle();
      assert.ok((report.calls.ListParticipantEvents ?? 0) <= 5, 'at most 2 s × 3/s − 1 reads a cycle');
      if ((await detected(r)).BITRATE_EXCEEDED === 1) alertedAfter = cycle * 2_000 + 2_000;
    }
    assert.ok(
      alertedAfter !== null && alertedAfter <= 10_000,
      `alerted within 10 s (after ${alertedAfter} ms)`,
    );
    await r.close();
  });

  test('arrivals and connected participants are read before the backlog, which gets the spare quota', async () => {
    sim = await IvsSimulator.start();
    const r = rig({ intervalSeconds: 2, maxTps: 3 }); // 5 reads a cycle
    const stageArn = sim.addStage();
    const sessionId = sim.startSession(stageArn, { startTime: T0 - 3_600_000 });
    const hosts = [0, 1].map(() =>
      sim.addParticipant(stageArn, sessionId, { firstJoinTime: T0 - 3_000_000 }),
    );
    // Viewers who joined (after the hosts) and left before the watch began.
    const backlog = Array.from({ length: 20 }, (_, v) =>
      sim.addParticipant(stageArn, sessionId, { state: 'DISCONNECTED', firstJoinTime: T0 - 600_000 + v }),
    );
    await watch(r, stageArn);
    // Which participants a cycle read (the two readers run side by side: the set, not the order).
    const readIn = async () => {
      const before = sim.calls.length;
      await r.cycle();
      r.clock.now += 2_000;
      return sim.calls
        .slice(before)
        .filter((c) => c.operation === 'ListParticipantEvents')
        .map((c) => String(c.body?.participantId));
    };
    const isBacklog = (id: string) => backlog.includes(id);

    const first = await readIn();
    assert.equal(first.length, 5);
    assert.ok(
      hosts.every((h) => first.includes(h)),
      'the connected hosts are read first, before the backlog',
    );
    assert.equal(first.filter(isBacklog).length, 3, 'the backlog gets what is left');

    // A participant joins after the watch began and fails to join: it is never CONNECTED.
    const failed = sim.addParticipant(stageArn, sessionId, {
      state: 'DISCONNECTED',
      firstJoinTime: r.clock.now - 500,
    });
    addError(stageArn, sessionId, failed, 'QUOTA_EXCEEDED', r.clock.now - 400);
    const second = await readIn();
    assert.ok(second.includes(failed), 'the arrival is read in the cycle that finds it');
    assert.ok(
      hosts.every((h) => second.includes(h)),
      'the hosts again, one interval after their last read',
    );
    assert.equal(second.filter(isBacklog).length, 2);
    assert.equal((await detected(r)).QUOTA_EXCEEDED, 1);
    await r.close();
  });

  test('read first: a request made after many that were never read (stages no longer watched) is still honoured', async () => {
    sim = await IvsSimulator.start();
    const r = rig({ intervalSeconds: 2, maxTps: 3 }); // 5 reads a cycle
    const stageArn = sim.addStage();
    const sessionId = sim.startSession(stageArn, { startTime: T0 - 3_600_000 });
    const viewers = Array.from({ length: 20 }, (_, v) =>
      sim.addParticipant(stageArn, sessionId, { state: 'DISCONNECTED', firstJoinTime: T0 - 600_000 + v }),
    );
    await watch(r, stageArn);
    const readIn = async () => {
      const before = sim.calls.length;
      await r.cycle();
      r.clock.now += 2_000;
      return sim.calls
        .slice(before)
        .filter((c) => c.operation === 'ListParticipantEvents')
        .map((c) => String(c.body?.participantId));
    };
    const first = await readIn();
    // The backlog goes newest arrival first: the first viewer to join is read last.
    const last = viewers[0] as string;
    assert.ok(!first.includes(last));
    // Publish errors EventBridge reported on a stage since unwatched: never read, so never let go.
    const gone = 'arn:aws:ivs:us-east-1:123456789012:stage/GoneStage001';
    for (let i = 0; i < 10_000; i++) {
      r.poller.readFirst({ stageArn: gone, sessionId: 'st-gone', participantId: `p${i}` });
    }
    r.poller.readFirst({ stageArn, sessionId, participantId: last });
    const second = await readIn();
    assert.ok(second.includes(last), 'read in the next cycle, ahead of the others');
    await r.close();
  });

  test('the budget counts calls, not participants; a read cut short goes on next cycle', async () => {
    sim = await IvsSimulator.start();
    const r = rig({ intervalSeconds: 2, maxTps: 3 }); // 5 calls a cycle
    const stageArn = sim.addStage();
    const sessionId = sim.startSession(stageArn, { startTime: T0 - 60_000 });
    const chatty = sim.addParticipant(stageArn, sessionId, {
      state: 'DISCONNECTED',
      firstJoinTime: T0 - 50_000,
    });
    for (let e = 0; e < 300; e++) {
      sim.addEvent(stageArn, sessionId, chatty, { name: 'SUBSCRIBE_STARTED', eventTime: T0 - 40_000 + e });
    }
    addError(stageArn, sessionId, chatty, 'BITRATE_EXCEEDED', T0 - 30_000);
    for (let p = 0; p < 4; p++) {
      sim.addParticipant(stageArn, sessionId, { state: 'DISCONNECTED', firstJoinTime: T0 - 30_000 + p });
    }
    await watch(r, stageArn, T0 - 120_000);
    // Four pages of one participant and one page each of four others: 8 calls.
    const first = await r.cycle();
    assert.equal(first.calls.ListParticipantEvents, 5, 'one interval of calls, whatever the participants');
    r.clock.now += 2_000;
    const second = await r.cycle();
    assert.equal(second.calls.ListParticipantEvents, 3, 'the rest, not a new start');
    assert.equal((first.stages[0]?.participantsRead ?? 0) + (second.stages[0]?.participantsRead ?? 0), 5);
    assert.equal((await detected(r)).BITRATE_EXCEEDED, 1);
    r.clock.now += 2_000;
    const third = await r.cycle();
    assert.equal(third.calls.ListParticipantEvents ?? 0, 0, 'everyone left and was read to the end');
    await r.close();
  });
  test("the cycle's budget follows this replica's share of IVS_MAX_TPS as replicas come and go", async () => {
    sim = await IvsSimulator.start();
    let rate = 3; // alone: 2 s × 3/s − 1 = 5 reads a cycle
    const r = rig({ intervalSeconds: 2, maxTps: () => rate });
    const stageArn = sim.addStage();
    const sessionId = sim.startSession(stageArn, { startTime: T0 - 60_000 });
    for (let p = 0; p < 12; p++) {
      sim.addParticipant(stageArn, sessionId, { state: 'DISCONNECTED', firstJoinTime: T0 - 30_000 + p });
    }
    await watch(r, stageArn, T0 - 120_000);
    const alone = await r.cycle();
    assert.equal(alone.calls.ListParticipantEvents, 5);
    rate = 1.5; // a second replica joined: 2 s × 1.5/s − 1 = 2 reads a cycle
    r.clock.now += 2_000;
    const shared = await r.cycle();
    assert.equal(shared.calls.ListParticipantEvents, 2);
    await r.close();
  });
});

describe('history cost', () => {
  for (const order of ['oldest-first', 'newest-first'] as const satisfies readonly ListOrder[]) {
    test(`${order}: a connected participant with 1,000 events costs what 10 do, and a new error is found`, async () => {
      sim = await IvsSimulator.start({ eventOrder: order });
      const r = rig({ intervalSeconds: 60, maxTps: 3 });
      const stageArn = sim.addStage();
      const sessionId = sim.startSession(stageArn, { startTime: T0 - 3_600_000 });
      const few = sim.addParticipant(stageArn, sessionId, { firstJoinTime: T0 - 3_000_000 });
      const many = sim.addParticipant(stageArn, sessionId, { firstJoinTime: T0 - 3_000_000 });
      for (let e = 0; e < 10; e++)
        sim.addEvent(stageArn, sessionId, few, { name: 'SUBSCRIBE_STARTED', eventTime: T0 - 3_000_000 + e });
      for (let e = 0; e < 1_000; e++)
        sim.addEvent(stageArn, sessionId, many, { name: 'SUBSCRIBE_STARTED', eventTime: T0 - 3_000_000 + e });
      await watch(r, stageArn);
      const readsOf = async (participantId: string) => {
        const before = sim.calls.length;
        await r.cycle();
        r.clock.now += 60_000;
        return sim.calls
          .slice(before)
          .filter((c) => c.operation === 'ListParticipantEvents' && c.body?.participantId === participantId)
          .length;
      };
      const perCycle = async () => {
        const before = sim.calls.length;
        await r.cycle();
        r.clock.now += 60_000;
        const calls = sim.calls.slice(before).filter((c) => c.operation === 'ListParticipantEvents');
        return {
          few: calls.filter((c) => c.body?.participantId === few).length,
          many: calls.filter((c) => c.body?.participantId === many).length,
        };
      };

      assert.deepEqual(await perCycle(), { few: 1, many: 10 }, 'the first read learns the order');
      assert.deepEqual(await perCycle(), { few: 1, many: 1 }, 'then one page a cycle');
      assert.deepEqual(await perCycle(), { few: 1, many: 1 });
      addError(stageArn, sessionId, many, 'BITRATE_EXCEEDED', r.clock.now - 1_000);
      assert.ok((await readsOf(many)) <= 2, 'a new event costs at most the page it starts');
      assert.equal((await detected(r)).BITRATE_EXCEEDED, 1);
      assert.equal(await readsOf(many), 1);

      // IVS may refuse a page position: every page is read again, and nothing is missed.
      sim.expireTokens();
      addError(stageArn, sessionId, many, 'RESOLUTION_EXCEEDED', r.clock.now - 1_000);
      await r.cycle();
      r.clock.now += 60_000;
      assert.equal((await detected(r)).RESOLUTION_EXCEEDED, 1);
      assert.equal(await readsOf(many), 1, 'and then one page a cycle again');
      await r.close();
    });
  }

  test('when the order changes under it, the read notices and reads every page', async () => {
    sim = await IvsSimulator.start({ eventOrder: 'oldest-first' });
    const r = rig({ intervalSeconds: 60, maxTps: 3 });
    const stageArn = sim.addStage();
    const sessionId = sim.startSession(stageArn, { startTime: T0 - 3_600_000 });
    const p = sim.addParticipant(stageArn, sessionId, { firstJoinTime: T0 - 3_000_000 });
    for (let e = 0; e < 250; e++)
      sim.addEvent(stageArn, sessionId, p, { name: 'SUBSCRIBE_STARTED', eventTime: T0 - 3_000_000 + e });
    await watch(r, stageArn);
    await r.cycle();
    r.clock.now += 60_000;
    sim.setEventOrder('newest-first');
    addError(stageArn, sessionId, p, 'B_FRAME_PRESENT', r.clock.now - 1_000);
    await r.cycle();
    assert.equal((await detected(r)).B_FRAME_PRESENT, 1);
    await r.close();
  });
});

describe('session discovery', () => {
  test('a live stage costs GetStage and ListParticipants a cycle; no ListStageSessions while the live session stays', async () => {
    sim = await IvsSimulator.start();
    const r = rig({ intervalSeconds: 60, maxTps: 3 });
    const stageArn = sim.addStage();
    for (let s = 0; s < 250; s++) {
      const old = sim.startSession(stageArn, { startTime: T0 - 10_000_000 + s * 10_000 });
      sim.endSession(stageArn, old, T0 - 10_000_000 + s * 10_000 + 5_000);
    }
    const live = sim.startSession(stageArn, { startTime: T0 - 60_000 });
    sim.addParticipant(stageArn, live, { firstJoinTime: T0 - 30_000 });
    await watch(r, stageArn);
    const first = await r.cycle();
    assert.deepEqual(
      [first.calls.GetStage, first.calls.ListStageSessions, first.calls.ListParticipants],
      [1, 1, 1],
      'the first listing pages sessions only to the first that ended before the watch',
    );
    for (let i = 0; i < 2; i++) {
      r.clock.now += 60_000;
      const steady = await r.cycle();
      assert.deepEqual(
        [steady.calls.GetStage, steady.calls.ListStageSessions ?? 0, steady.calls.ListParticipants],
        [1, 0, 1],
      );
    }
    await r.close();
  });

  test('a session that ended between two cycles is found, listed once more, and its late errors alerted', async () => {
    sim = await IvsSimulator.start();
    const r = rig({ intervalSeconds: 60, maxTps: 3 });
    const stageArn = sim.addStage();
    const first = sim.startSession(stageArn, { startTime: T0 - 60_000 });
    sim.addParticipant(stageArn, first, { firstJoinTime: T0 - 50_000 });
    await watch(r, stageArn, T0 - 120_000);
    await r.cycle();
    // Someone joins, fails and leaves, and the session ends; a second one starts and ends too,
    // and a third is live: all between two cycles.
    const late = sim.addParticipant(stageArn, first, { state: 'DISCONNECTED', firstJoinTime: T0 + 10_000 });
    addError(stageArn, first, late, 'QUOTA_EXCEEDED', T0 + 10_500);
    const second = sim.startSession(stageArn, { startTime: T0 + 20_000 });
    const brief = sim.addParticipant(stageArn, second, { state: 'DISCONNECTED', firstJoinTime: T0 + 21_000 });
    addError(stageArn, second, brief, 'INVALID_VIDEO_CODEC', T0 + 22_000);
    sim.endSession(stageArn, second, T0 + 30_000);
    const third = sim.startSession(stageArn, { startTime: T0 + 40_000 });
    r.clock.now += 60_000;
    const report = await r.cycle();
    assert.equal(report.calls.ListStageSessions, 1);
    const listedSessions = sim.calls
      .filter((c) => c.operation === 'ListParticipants')
      .slice(-3)
      .map((c) => c.body?.sessionId);
    assert.deepEqual(listedSessions.sort(), [first, second, third].sort());
    assert.deepEqual(await detected(r), { QUOTA_EXCEEDED: 1, INVALID_VIDEO_CODEC: 1 });

    r.clock.now += 60_000;
    const quiet = await r.cycle();
    assert.deepEqual(
      [quiet.calls.ListStageSessions ?? 0, quiet.calls.ListParticipants],
      [0, 1],
      'only the live one',
    );
    const sessions = await r.store.loadSessionCursors(stageArn);
    assert.deepEqual(
      sessions
        .filter((s) => s.finished)
        .map((s) => s.sessionId)
        .sort(),
      [first, second].sort(),
      'ended sessions whose participants are read to the end are finished',
    );
    await r.close();
  });

  test('ListStageSessions out of the newest-first order is logged once and read to the end', async () => {
    sim = await IvsSimulator.start({ sessionOrder: 'oldest-first' });
    const r = rig({ intervalSeconds: 60, maxTps: 3 });
    const stageArn = sim.addStage();
    for (let s = 0; s < 150; s++) {
      const old = sim.startSession(stageArn, { startTime: T0 - 10_000_000 + s * 10_000 });
      sim.endSession(stageArn, old, T0 - 10_000_000 + s * 10_000 + 5_000);
    }
    const live = sim.startSession(stageArn, { startTime: T0 - 60_000 });
    const p = sim.addParticipant(stageArn, live, { firstJoinTime: T0 - 30_000 });
    addError(stageArn, live, p, 'BITRATE_EXCEEDED', T0 - 20_000);
    await watch(r, stageArn, T0 - 120_000);
    const first = await r.cycle();
    assert.equal(first.calls.ListStageSessions, 2, 'every page, as the order cannot be relied on');
    assert.equal((await detected(r)).BITRATE_EXCEEDED, 1);
    sim.endSession(stageArn, live, T0 + 10_000);
    sim.startSession(stageArn, { startTime: T0 + 20_000 });
    r.clock.now += 60_000;
    const second = await r.cycle();
    assert.equal(second.calls.ListStageSessions, 2);
    const warnings = r.logs.filter((l) =>
      String(l.msg).startsWith('ListStageSessions did not list sessions'),
    );
    assert.equal(warnings.length, 1, 'logged once');
    await r.close();
  });
});
