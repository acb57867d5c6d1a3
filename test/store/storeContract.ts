import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type {
  DetectedEvent,
  GroupingPolicy,
  OutboxItem,
  ParticipantCursor,
  PollReport,
  SessionCursor,
  Watch,
} from '../../src/domain/model.ts';
import { purgeExpired } from '../../src/store/purgeExpired.ts';
import type { DetectionInput, PurgeCounts, Store } from '../../src/store/Store.ts';

const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/abcdEFGH1234';
const OTHER_STAGE = 'arn:aws:ivs:eu-west-1:123456789012:stage/zyxwVUTS9876';
const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const POLICY: GroupingPolicy = { burstWindowMs: 30 * MINUTE, maxReplies: 3, sampleSize: 5 };

function at(offsetMs: number): Date {
  return new Date(T0 + offsetMs);
}

function watchOf(channelId: string, codes: readonly string[] | null = null, stageArn = STAGE): Watch {
  return { stageArn, channelId, codes, createdBy: 'U0WATCHER', createdAt: at(0) };
}

function errorEvent(
  participantId: string,
  offsetMs: number,
  overrides: Partial<DetectedEvent> = {},
): DetectedEvent {
  return {
    stageArn: STAGE,
    sessionId: 'st-session-1',
    participantId,
    userId: `user-${participantId}`,
    eventTime: at(offsetMs),
    name: 'SUBSCRIBE_ERROR',
    code: 'B_FRAME_PRESENT',
    remoteParticipantId: null,
    ...overrides,
  };
}

function detection(
  events: readonly DetectedEvent[],
  watches: readonly Watch[],
  nowOffsetMs: number,
  policy: GroupingPolicy = POLICY,
): DetectionInput {
  return { stageArn: STAGE, events, watches, now: at(nowOffsetMs), policy };
}

function poll(ok: boolean, offsetMs: number, channelIds: readonly string[], lagSeconds = 0): PollReport {
  return {
    stageArn: STAGE,
    at: at(offsetMs),
    ok,
    error: ok ? null : 'IVS refused the request: access denied.',
    lagSeconds,
    channelIds,
  };
}

/** Everything pending, whenever it is due. */
async function pending(store: Store): Promise<OutboxItem[]> {
  return store.dueOutbox(new Date(8.64e15), 100_000);
}

function kinds(items: readonly OutboxItem[]): string[] {
  return items.map((item) => `${item.kind}:${item.channelId}`);
}

/**
 * Behaviour every Store implementation must show, through the interface only. `open` must return a
 * fresh, empty store for each test; `close` (default: store.close()) releases it.
 */
export function storeContract(
  name: string,
  open: () => Promise<Store>,
  close: (store: Store) => Promise<void> = (store) => store.close(),
): void {
  describe(name, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await close(store);
    });

    describe('paging state', () => {
      test('round-trips a saved state and answers undefined for an unknown id', async () => {
        const state = {
          id: 'pg-1',
          query: { kind: 'sessions', stageArn: STAGE },
          tokens: [null, 'tok-1'],
          createdAt: at(0),
        };
        await store.savePagingState(state);
        assert.deepEqual(await store.loadPagingState('pg-1'), state);
        assert.equal(await store.loadPagingState('pg-unknown'), undefined);
        await store.ping();
      });

      test('setPageToken fills the list up to the page and overwrites a known page', async () => {
        await store.savePagingState({ id: 'pg-1', query: null, tokens: [null], createdAt: at(0) });
        await store.setPageToken('pg-1', 2, 'tok-2');
        assert.deepEqual((await store.loadPagingState('pg-1'))?.tokens, [null, null, 'tok-2']);
        await store.setPageToken('pg-1', 1, 'tok-1');
        assert.deepEqual((await store.loadPagingState('pg-1'))?.tokens, [null, 'tok-1', 'tok-2']);
        await store.setPageToken('pg-unknown', 1, 'tok');
        assert.equal(await store.loadPagingState('pg-unknown'), undefined);
      });

      test('deletePagingStatesBefore removes only older states', async () => {
        await store.savePagingState({ id: 'old', query: null, tokens: [null], createdAt: at(0) });
        await store.savePagingState({ id: 'new', query: null, tokens: [null], createdAt: at(10 * MINUTE) });
        assert.equal(await store.deletePagingStatesBefore(at(5 * MINUTE)), 1);
        assert.equal(await store.loadPagingState('old'), undefined);
        assert.ok(await store.loadPagingState('new'));
        assert.equal(await store.deletePagingStatesBefore(at(5 * MINUTE)), 0);
      });
    });

    describe('watches', () => {
      test('saveWatch creates, then replaces; listWatches orders by stage and channel', async () => {
        assert.equal(await store.saveWatch(watchOf('C0B')), 'created');
        assert.equal(await store.saveWatch(watchOf('C0A', ['B_FRAME_PRESENT'])), 'created');
        assert.equal(await store.saveWatch(watchOf('C0A', null, OTHER_STAGE)), 'created');
        const replaced: Watch = {
          ...watchOf('C0B', ['QUOTA_EXCEEDED', 'INTERNAL_SERVER_EXCEPTION']),
          createdBy: 'U0OTHER',
        };
        assert.equal(await store.saveWatch(replaced), 'updated');
        assert.deepEqual(await store.listWatches(), [
          watchOf('C0A', null, OTHER_STAGE),
          watchOf('C0A', ['B_FRAME_PRESENT']),
          replaced,
        ]);
      });

      test('removeWatches removes one channel or all, and forgets the health of an unwatched stage', async () => {
        await store.saveWatch(watchOf('C0A'));
        await store.saveWatch(watchOf('C0B'));
        await store.saveWatch(watchOf('C0A', null, OTHER_STAGE));
        await store.recordPoll(poll(false, 0, ['C0A', 'C0B']));

        assert.equal(await store.removeWatches(STAGE, 'C0A'), 1);
        assert.deepEqual(
          (await store.listStageHealth()).map((health) => health.stageArn),
          [STAGE],
          'still watched from C0B',
        );
        assert.equal(await store.removeWatches(STAGE, 'C0A'), 0);
        assert.equal(await store.removeWatches(STAGE, undefined), 1);
        assert.deepEqual(await store.listStageHealth(), []);
        assert.deepEqual(
          (await store.listWatches()).map((watch) => watch.stageArn),
          [OTHER_STAGE],
        );
      });
    });

    describe('alert lifecycle (issue 16)', () => {
      const updatesOf = async (groupId: number) =>
        (await pending(store)).filter((item) => item.kind === 'update' && item.groupId === groupId);
      const firstGroup = async () => {
        const [group] = await store.latestGroups(1);
        assert.ok(group);
        return group;
      };

      test('a watch keeps its mention; a watch without one reads as before', async () => {
        await store.saveWatch({ ...watchOf('C0A'), mention: '<!subteam^S0VIDEO12>' });
        await store.saveWatch(watchOf('C0B'));
        assert.deepEqual(await store.listWatches(), [
          { ...watchOf('C0A'), mention: '<!subteam^S0VIDEO12>' },
          watchOf('C0B'),
        ]);
        await store.saveWatch({ ...watchOf('C0A'), mention: null });
        assert.equal((await store.listWatches())[0]?.mention, undefined, 'replaced: nobody paged');
      });

      test('a new group carries its watch’s mention', async () => {
        await store.recordDetections(
          detection([errorEvent('p-1', 0)], [{ ...watchOf('C0A'), mention: '<!here>' }], 1_000),
        );
        assert.equal((await firstGroup()).mention, '<!here>');
      });

      test('acknowledge: recorded once with one update queued; the same person again keeps the time; undo clears it', async () => {
        await store.recordDetections(detection([errorEvent('p-1', 0)], [watchOf('C0A')], 1_000));
        const { id } = await firstGroup();
        assert.equal(
          await store.acknowledgeGroup(id + 1000, { by: 'U0ALICE', at: at(2_000) }, at(2_000)),
          undefined,
        );

        const taken = await store.acknowledgeGroup(id, { by: 'U0ALICE', at: at(2_000) }, at(2_000));
        assert.deepEqual(taken?.acknowledged, { by: 'U0ALICE', at: at(2_000) });
        assert.equal((await updatesOf(id)).length, 1);
        const again = await store.acknowledgeGroup(id, { by: 'U0ALICE', at: at(9_000) }, at(9_000));
        assert.deepEqual(again?.acknowledged, { by: 'U0ALICE', at: at(2_000) }, 'kept the time she took it');
        assert.equal((await updatesOf(id)).length, 1, 'nothing changed, nothing queued');
        const other = await store.acknowledgeGroup(id, { by: 'U0BOB', at: at(10_000) }, at(10_000));
        assert.deepEqual(other?.acknowledged, { by: 'U0BOB', at: at(10_000) });
        assert.equal((await updatesOf(id)).length, 1, 'one pending update covers both changes');
        assert.deepEqual((await store.getGroup(id))?.acknowledged, { by: 'U0BOB', at: at(10_000) });

        const undone = await store.acknowledgeGroup(id, null, at(11_000));
        assert.equal(undone?.acknowledged, undefined);
        assert.equal((await store.getGroup(id))?.acknowledged, undefined);
      });

      test('quiet: after the window without events, once, with one update; it then takes no more events', async () => {
        await store.recordDetections(detection([errorEvent('p-1', 0)], [watchOf('C0A')], 1_000));
        const { id } = await firstGroup();
        const window = POLICY.burstWindowMs;
        assert.deepEqual(await store.applyAlertTransitions({ now: at(window), quietAfterMs: window }), {
          quiet: 0,
          sessionEnded: 0,
        });
        assert.equal((await store.getGroup(id))?.quietAt, undefined, 'not before the window has passed');
        assert.deepEqual(await store.applyAlertTransitions({ now: at(window + 1), quietAfterMs: window }), {
          quiet: 1,
          sessionEnded: 0,
        });
        assert.deepEqual((await store.getGroup(id))?.quietAt, at(window + 1));
        assert.equal((await updatesOf(id)).length, 1);
        assert.deepEqual(await store.applyAlertTransitions({ now: at(window + 2), quietAfterMs: window }), {
          quiet: 0,
          sessionEnded: 0,
        });

        // A few seconds later the same error fires again: a new group, linked to the quiet one.
        await store.setGroupMessage(id, '1700000000.000100');
        const later = window + 5_000;
        await store.recordDetections(detection([errorEvent('p-2', later - 1_000)], [watchOf('C0A')], later));
        const groups = await store.latestGroups(5);
        assert.equal(groups.length, 2);
        const fresh = groups.find((g) => g.id !== id);
        assert.deepEqual(fresh?.previous, { groupId: id, messageTs: '1700000000.000100', lastSeen: at(0) });
        assert.equal((await store.getGroup(id))?.eventCount, 1, 'the quiet group took nothing');
      });

      test('reopened: the earlier burst gets one update queued after the new post, and reads both links as they are now', async () => {
        const window = POLICY.burstWindowMs;
        await store.recordDetections(detection([errorEvent('p-1', 0)], [watchOf('C0A')], 1_000));
        const { id } = await firstGroup();
        assert.equal((await store.getGroup(id))?.next, undefined, 'nothing after it yet');
        await store.setGroupMessage(id, '1700000000.000100');
        await store.applyAlertTransitions({ now: at(window + 1), quietAfterMs: window });
        // The quiet update is still waiting (Slack was down) when the error fires again: the update
        // that points forward is queued anew, after the new group's post, not folded into it.
        const later = window + 60_000;
        await store.recordDetections(detection([errorEvent('p-2', later - 1_000)], [watchOf('C0A')], later));
        const fresh = (await store.latestGroups(5)).find((g) => g.id !== id);
        assert.ok(fresh);
        const queued = (await pending(store)).map((item) => [item.kind, item.groupId]);
        assert.deepEqual(queued, [
          ['post', id],
          ['update', id],
          ['post', fresh.id],
          ['update', id],
        ]);
        assert.deepEqual((await store.getGroup(id))?.next, {
          groupId: fresh.id,
          messageTs: null,
          firstSeen: at(later - 1_000),
        });
        assert.equal((await store.getGroup(fresh.id))?.previous?.messageTs, '1700000000.000100');

        // The new message posted since: the earlier group reads it as it is now.
        await store.setGroupMessage(fresh.id, '1700000000.000200');
        assert.equal((await store.getGroup(id))?.next?.messageTs, '1700000000.000200');
        assert.equal((await store.getGroup(fresh.id))?.previous?.messageTs, '1700000000.000100');
        assert.equal((await store.getGroup(fresh.id))?.next, undefined);
      });

      test('reopened after a burst never posted (muted all along): it stays unposted; the new one reads its message as it is now', async () => {
        const window = POLICY.burstWindowMs;
        await store.recordDetections(detection([errorEvent('p-1', 0)], [watchOf('C0A')], 1_000));
        const { id } = await firstGroup();
        await store.applyAlertTransitions({ now: at(window + 1), quietAfterMs: window });
        const before = (await pending(store)).length;
        const later = window + 60_000;
        await store.recordDetections(detection([errorEvent('p-2', later - 1_000)], [watchOf('C0A')], later));
        const fresh = (await store.latestGroups(5)).find((g) => g.id !== id);
        assert.ok(fresh);
        assert.deepEqual(
          (await pending(store)).slice(before).map((item) => [item.kind, item.groupId]),
          [['post', fresh.id]],
          'no update of the earlier burst: it would post it, late',
        );
        // Posted afterwards all the same (an update once a mute ended): the link follows.
        await store.setGroupMessage(id, '1700000000.000100');
        assert.equal((await store.getGroup(fresh.id))?.previous?.messageTs, '1700000000.000100');
      });

      test('session ended: the firing groups of a session the cursors record as ended say so, once', async () => {
        await store.recordDetections(
          detection(
            [errorEvent('p-1', 0), errorEvent('p-2', 0, { sessionId: 'st-session-2' })],
            [watchOf('C0A')],
            1_000,
          ),
        );
        await store.saveCursors(
          STAGE,
          [
            {
              stageArn: STAGE,
              sessionId: 'st-session-1',
              startTime: at(0),
              endTime: at(60_000),
              finished: false,
            },
            { stageArn: STAGE, sessionId: 'st-session-2', startTime: at(0), endTime: null, finished: false },
          ],
          [],
        );
        const now = { now: at(61_000), quietAfterMs: POLICY.burstWindowMs };
        assert.deepEqual(await store.applyAlertTransitions(now), { quiet: 0, sessionEnded: 1 });
        const groups = await store.latestGroups(5);
        const ended = groups.find((g) => g.sessionId === 'st-session-1');
        assert.deepEqual(ended?.sessionEndedAt, at(60_000));
        assert.equal(groups.find((g) => g.sessionId === 'st-session-2')?.sessionEndedAt, undefined);
        assert.equal((await updatesOf(ended?.id ?? 0)).length, 1);
        assert.deepEqual(await store.applyAlertTransitions(now), { quiet: 0, sessionEnded: 0 });
      });
    });

    describe('mutes', () => {
      test('a mute is in force until its end, can be replaced and removed', async () => {
        const mute = {
          stageArn: STAGE,
          code: 'B_FRAME_PRESENT',
          until: at(60 * MINUTE),
          mutedBy: 'U0MUTER',
          createdAt: at(0),
        };
        await store.saveMute(mute);
        await store.saveMute({ ...mute, code: 'QUOTA_EXCEEDED', until: at(10 * MINUTE) });

        assert.deepEqual(await store.findMute(STAGE, 'B_FRAME_PRESENT', at(MINUTE)), mute);
        assert.equal(
          await store.findMute(STAGE, 'B_FRAME_PRESENT', at(60 * MINUTE)),
          undefined,
          'ends at until',
        );
        assert.equal(await store.findMute(OTHER_STAGE, 'B_FRAME_PRESENT', at(MINUTE)), undefined);
        assert.deepEqual(
          (await store.listMutes(at(MINUTE))).map((m) => m.code),
          ['B_FRAME_PRESENT', 'QUOTA_EXCEEDED'],
        );
        assert.deepEqual(
          (await store.listMutes(at(20 * MINUTE))).map((m) => m.code),
          ['B_FRAME_PRESENT'],
        );

        const extended = { ...mute, until: at(120 * MINUTE), mutedBy: 'U0OTHER', createdAt: at(MINUTE) };
        await store.saveMute(extended);
        assert.deepEqual(await store.findMute(STAGE, 'B_FRAME_PRESENT', at(90 * MINUTE)), extended);

        assert.equal(await store.removeMute(STAGE, 'B_FRAME_PRESENT'), true);
        assert.equal(await store.removeMute(STAGE, 'B_FRAME_PRESENT'), false);
        assert.deepEqual(await store.listMutes(at(MINUTE)), [
          { ...mute, code: 'QUOTA_EXCEEDED', until: at(10 * MINUTE) },
        ]);
      });
    });

    describe('poller cursors', () => {
      const session = (sessionId: string, finished = false): SessionCursor => ({
        stageArn: STAGE,
        sessionId,
        startTime: at(0),
        endTime: finished ? at(30 * MINUTE) : null,
        finished,
      });
      const participant = (sessionId: string, participantId: string): ParticipantCursor => ({
        stageArn: STAGE,
        sessionId,
        participantId,
        userId: null,
        state: 'CONNECTED',
        firstJoinTime: at(MINUTE),
        lastReadAt: null,
        done: false,
        lastErrorAt: null,
        listing: null,
        readListing: null,
        eventOrder: null,
        resumeToken: null,
        newestEventAt: null,
      });
      const byKey = <T extends { sessionId: string }>(list: T[]): T[] =>
        [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

      test('round-trips and upserts session and participant cursors per stage', async () => {
        const first = participant('st-1', 'p-1');
        await store.saveCursors(STAGE, [session('st-1'), { ...session('st-2'), startTime: null }], [first]);
        const read: ParticipantCursor = {
          ...first,
          userId: 'user-1',
          state: 'DISCONNECTED',
          lastReadAt: at(5 * MINUTE),
          done: true,
          lastErrorAt: at(4 * MINUTE),
          listing: '["DISCONNECTED","user-1",true,"DISABLED","NONE","STOPPED"]',
          readListing: '["DISCONNECTED","user-1",true,"DISABLED","NONE","STOPPED"]',
          eventOrder: 'oldest-first',
          // IVS tokens are opaque and can be long.
          resumeToken: `AYADe${'x'.repeat(1_500)}==`,
          newestEventAt: at(4 * MINUTE + 1),
        };
        await store.saveCursors(STAGE, [], [read, participant('st-2', 'p-2')]);

        assert.deepEqual(byKey(await store.loadSessionCursors(STAGE)), [
          session('st-1'),
          { ...session('st-2'), startTime: null },
        ]);
        assert.deepEqual(
          byKey(await store.loadParticipantCursors(STAGE)),
          byKey([read, participant('st-2', 'p-2')]),
        );
        assert.deepEqual(await store.loadSessionCursors(OTHER_STAGE), []);
        assert.deepEqual(await store.loadParticipantCursors(OTHER_STAGE), []);
      });

      test('a finished session is still listed but its participants are no longer loaded', async () => {
        await store.saveCursors(
          STAGE,
          [session('st-1'), session('st-2')],
          [participant('st-1', 'p-1'), participant('st-2', 'p-2')],
        );
        await store.saveCursors(STAGE, [session('st-1', true)], []);

        assert.deepEqual(byKey(await store.loadSessionCursors(STAGE)), [
          session('st-1', true),
          session('st-2'),
        ]);
        assert.deepEqual(await store.loadParticipantCursors(STAGE), [participant('st-2', 'p-2')]);
      });
    });

    describe('recordPoll', () => {
      test('queues one notice per channel on ok → failing, none while failing, one per channel on recovery', async () => {
        const channels = ['C0A', 'C0B'];
        assert.deepEqual(
          await store.recordPoll(poll(true, 0, channels)),
          { transition: null },
          'absent → ok',
        );
        assert.deepEqual(await store.recordPoll(poll(true, MINUTE, channels)), { transition: null });
        assert.equal(await store.outboxDepth(), 0);

        assert.deepEqual(await store.recordPoll(poll(false, 2 * MINUTE, channels, 42)), {
          transition: 'failing',
        });
        assert.deepEqual(await store.listStageHealth(), [
          {
            stageArn: STAGE,
            lastPollAt: at(2 * MINUTE),
            status: 'failing',
            lastError: 'IVS refused the request: access denied.',
            lagSeconds: 42,
          },
        ]);
        const failing = await pending(store);
        assert.deepEqual(kinds(failing), ['notice:C0A', 'notice:C0B']);
        for (const item of failing) {
          assert.equal(item.groupId, null);
          assert.deepEqual(item.payload, {
            stageArn: STAGE,
            transition: 'failing',
            error: 'IVS refused the request: access denied.',
            at: at(2 * MINUTE).toISOString(),
          });
        }

        assert.deepEqual(await store.recordPoll(poll(false, 3 * MINUTE, channels)), { transition: null });
        assert.equal(await store.outboxDepth(), 2);

        assert.deepEqual(await store.recordPoll(poll(true, 4 * MINUTE, channels)), {
          transition: 'recovered',
        });
        const recovered = (await pending(store)).slice(2);
        assert.deepEqual(kinds(recovered), ['notice:C0A', 'notice:C0B']);
        assert.deepEqual(recovered[0]?.payload, {
          stageArn: STAGE,
          transition: 'recovered',
          error: null,
          at: at(4 * MINUTE).toISOString(),
        });
        const health = await store.listStageHealth();
        assert.equal(health[0]?.status, 'ok');
        assert.equal(health[0]?.lastError, null);
      });

      test('a first poll that fails is a transition to failing', async () => {
        assert.deepEqual(await store.recordPoll(poll(false, 0, ['C0A'])), { transition: 'failing' });
        assert.deepEqual(kinds(await pending(store)), ['notice:C0A']);
      });

      test('transient failures turn failing only once they have lasted five minutes without an ok poll', async () => {
        const transient = (offsetMs: number) => ({ ...poll(false, offsetMs, ['C0A']), transient: true });
        assert.deepEqual(await store.recordPoll(transient(0)), { transition: null });
        assert.deepEqual(await store.recordPoll(transient(4 * MINUTE)), { transition: null });
        assert.equal((await store.listStageHealth())[0]?.status, 'ok');
        assert.deepEqual(await store.recordPoll(poll(true, 4 * MINUTE + 30_000, ['C0A'])), {
          transition: null,
        });
        assert.deepEqual(
          await store.recordPoll(transient(5 * MINUTE)),
          { transition: null },
          'the ok reset it',
        );
        assert.deepEqual(await store.recordPoll(transient(10 * MINUTE)), { transition: 'failing' });
        assert.deepEqual(await store.recordPoll(poll(true, 11 * MINUTE, ['C0A'])), {
          transition: 'recovered',
        });
        assert.deepEqual(kinds(await pending(store)), ['notice:C0A', 'notice:C0A']);
      });
    });

    describe('recordDetections', () => {
      test('creates one group per (session, code, channel) and queues a post for each', async () => {
        const events = [
          errorEvent('p-1', 0),
          errorEvent('p-2', 1_000),
          errorEvent('p-1', 2_000),
          errorEvent('p-1', 3_000, { code: 'QUOTA_EXCEEDED', name: 'PUBLISH_ERROR' }),
          errorEvent('p-3', 4_000, { sessionId: 'st-session-2' }),
        ];
        const result = await store.recordDetections(detection(events, [watchOf('C0A')], 5_000));
        assert.deepEqual(result, { newEvents: 5, groupsCreated: 3, groupsUpdated: 0 });

        const groups = await store.latestGroups(10);
        assert.equal(groups.length, 3);
        const main = groups.find(
          (group) => group.sessionId === 'st-session-1' && group.code === 'B_FRAME_PRESENT',
        );
        assert.ok(main);
        assert.deepEqual(
          { ...main, id: 0 },
          {
            id: 0,
            stageArn: STAGE,
            sessionId: 'st-session-1',
            code: 'B_FRAME_PRESENT',
            channelId: 'C0A',
            firstSeen: at(0),
            lastSeen: at(2_000),
            eventCount: 3,
            participantCount: 2,
            sample: [
              { participantId: 'p-1', userId: 'user-p-1', remoteParticipantId: null },
              { participantId: 'p-2', userId: 'user-p-2', remoteParticipantId: null },
            ],
            messageTs: null,
            repliesQueued: 0,
            createdAt: at(5_000),
          },
        );
        assert.deepEqual(await store.getGroup(main.id), main);

        const queued = await store.dueOutbox(at(5_000), 10);
        assert.deepEqual(kinds(queued), ['post:C0A', 'post:C0A', 'post:C0A']);
        assert.deepEqual(
          new Set(queued.map((item) => item.groupId)),
          new Set(groups.map((group) => group.id)),
        );
        assert.equal(queued[0]?.payload, null);
        assert.equal(queued[0]?.attempts, 0);
      });

      test('events seen before are ignored and queue nothing', async () => {
        const events = [errorEvent('p-1', 0), errorEvent('p-2', 1_000)];
        await store.recordDetections(detection(events, [watchOf('C0A')], 2_000));
        const depth = await store.outboxDepth();
        const before = await store.latestGroups(10);

        const again = await store.recordDetections(
          detection([...events, events[0] as DetectedEvent], [watchOf('C0A')], 3_000),
        );
        assert.deepEqual(again, { newEvents: 0, groupsCreated: 0, groupsUpdated: 0 });
        assert.equal(await store.outboxDepth(), depth);
        assert.deepEqual(await store.latestGroups(10), before);
      });

      test('a duplicate inside one batch counts once', async () => {
        const event = errorEvent('p-1', 0);
        const result = await store.recordDetections(
          detection([event, { ...event }], [watchOf('C0A')], 1_000),
        );
        assert.equal(result.newEvents, 1);
        assert.equal((await store.latestGroups(1))[0]?.eventCount, 1);
      });

      test('later events recompute the counts, share one pending update and queue replies up to the cap', async () => {
        const watches = [watchOf('C0A')];
        await store.recordDetections(detection([errorEvent('p-1', 0)], watches, 1_000));
        const [group] = await store.latestGroups(1);
        assert.ok(group);

        for (let batch = 1; batch <= 5; batch++) {
          const result = await store.recordDetections(
            detection(
              [errorEvent(`p-${batch + 1}`, batch * MINUTE), errorEvent('p-1', batch * MINUTE + 1)],
              watches,
              batch * MINUTE + 2,
            ),
          );
          assert.deepEqual(result, { newEvents: 2, groupsCreated: 0, groupsUpdated: 1 });
        }

        const updated = await store.getGroup(group.id);
        assert.equal(updated?.eventCount, 11);
        assert.equal(updated?.participantCount, 6);
        assert.deepEqual(updated?.firstSeen, at(0));
        assert.deepEqual(updated?.lastSeen, at(5 * MINUTE + 1));
        assert.equal(updated?.repliesQueued, POLICY.maxReplies);

        const queued = await pending(store);
        assert.deepEqual(kinds(queued), ['post:C0A', 'update:C0A', 'reply:C0A', 'reply:C0A', 'reply:C0A']);
        assert.ok(queued.every((item) => item.groupId === group.id));
        assert.deepEqual(queued[2]?.payload, {
          events: 2,
          participants: [
            { participantId: 'p-2', userId: 'user-p-2', remoteParticipantId: null },
            { participantId: 'p-1', userId: 'user-p-1', remoteParticipantId: null },
          ],
          firstSeen: at(MINUTE).toISOString(),
          lastSeen: at(MINUTE + 1).toISOString(),
        });

        // Once the pending update was sent, the next batch needs a new one.
        const update = queued[1];
        assert.ok(update);
        await store.completeOutbox(update.id);
        await store.recordDetections(detection([errorEvent('p-9', 6 * MINUTE)], watches, 6 * MINUTE + 1));
        assert.deepEqual(kinds((await pending(store)).slice(4)), ['update:C0A']);
      });

      test('a stage watched from two channels gets a group in each', async () => {
        const result = await store.recordDetections(
          detection([errorEvent('p-1', 0), errorEvent('p-2', 1)], [watchOf('C0A'), watchOf('C0B')], 1_000),
        );
        assert.deepEqual(result, { newEvents: 2, groupsCreated: 2, groupsUpdated: 0 });
        const groups = await store.latestGroups(10);
        assert.deepEqual(groups.map((group) => group.channelId).sort(), ['C0A', 'C0B']);
        assert.ok(groups.every((group) => group.eventCount === 2));
        assert.deepEqual(kinds(await pending(store)).sort(), ['post:C0A', 'post:C0B']);
      });

      test("a watch's codes decide which events reach its channel", async () => {
        const events = [
          errorEvent('p-1', 0, { code: 'B_FRAME_PRESENT' }),
          errorEvent('p-2', 1, { code: 'QUOTA_EXCEEDED', name: 'PUBLISH_ERROR' }),
        ];
        const result = await store.recordDetections(
          detection(events, [watchOf('C0A', ['QUOTA_EXCEEDED']), watchOf('C0B', [])], 1_000),
        );
        assert.deepEqual(result, { newEvents: 2, groupsCreated: 1, groupsUpdated: 0 });
        const groups = await store.latestGroups(10);
        assert.deepEqual(
          groups.map((group) => `${group.channelId}:${group.code}`),
          ['C0A:QUOTA_EXCEEDED'],
        );
        assert.deepEqual(kinds(await pending(store)), ['post:C0A']);
      });

      test('events after the burst window has passed start a new group', async () => {
        const watches = [watchOf('C0A')];
        await store.recordDetections(detection([errorEvent('p-1', 0)], watches, 1_000));
        // Exactly at the window's end the group is still open.
        const inside = await store.recordDetections(
          detection([errorEvent('p-2', POLICY.burstWindowMs)], watches, POLICY.burstWindowMs),
        );
        assert.deepEqual(inside, { newEvents: 1, groupsCreated: 0, groupsUpdated: 1 });

        const late = 2 * POLICY.burstWindowMs + 1;
        const after = await store.recordDetections(detection([errorEvent('p-3', late)], watches, late));
        assert.deepEqual(after, { newEvents: 1, groupsCreated: 1, groupsUpdated: 0 });

        const [newest, oldest] = await store.latestGroups(10);
        assert.deepEqual(
          [newest?.eventCount, newest?.firstSeen, oldest?.eventCount, oldest?.lastSeen],
          [1, at(late), 2, at(POLICY.burstWindowMs)],
        );
        // The earlier burst was never posted: nothing points forward from it (see reopened, below).
        assert.deepEqual(kinds(await pending(store)), ['post:C0A', 'update:C0A', 'reply:C0A', 'post:C0A']);
      });

      test('the sample keeps at most sampleSize participants, ordered by their first event', async () => {
        const policy = { ...POLICY, sampleSize: 3 };
        const watches = [watchOf('C0A')];
        await store.recordDetections(
          detection(
            [
              errorEvent('p-4', 4_000),
              errorEvent('p-2', 6_000, { remoteParticipantId: 'r-late' }),
              errorEvent('p-2', 2_000, { remoteParticipantId: 'r-early' }),
              errorEvent('p-5', 5_000),
              errorEvent('p-1', 1_000),
              errorEvent('p-3', 3_000),
            ],
            watches,
            10_000,
            policy,
          ),
        );
        const [group] = await store.latestGroups(1);
        assert.ok(group);
        assert.equal(group.participantCount, 5);
        assert.deepEqual(group.sample, [
          { participantId: 'p-1', userId: 'user-p-1', remoteParticipantId: null },
          { participantId: 'p-2', userId: 'user-p-2', remoteParticipantId: 'r-early' },
          { participantId: 'p-3', userId: 'user-p-3', remoteParticipantId: null },
        ]);

        // An event read late but earlier in time moves to the front.
        await store.recordDetections(detection([errorEvent('p-0', 500)], watches, 11_000, policy));
        assert.deepEqual(
          (await store.getGroup(group.id))?.sample.map((participant) => participant.participantId),
          ['p-0', 'p-1', 'p-2'],
        );
      });

      test('a storm of 5,000 events stays one group and one message', async () => {
        const events = Array.from({ length: 5_000 }, (_, index) =>
          errorEvent(`p-${index % 250}`, index * 10),
        );
        const result = await store.recordDetections(detection(events, [watchOf('C0A')], 60_000));
        assert.deepEqual(result, { newEvents: 5_000, groupsCreated: 1, groupsUpdated: 0 });
        const groups = await store.latestGroups(10);
        assert.equal(groups.length, 1);
        assert.equal(groups[0]?.eventCount, 5_000);
        assert.equal(groups[0]?.participantCount, 250);
        assert.equal(groups[0]?.sample.length, POLICY.sampleSize);
        assert.equal(await store.outboxDepth(), 1);
      });

      test('latestGroups lists newest first; setGroupMessage records the posted message', async () => {
        await store.recordDetections(
          detection(
            [errorEvent('p-1', 0), errorEvent('p-2', 5_000, { sessionId: 'st-session-2' })],
            [watchOf('C0A')],
            6_000,
          ),
        );
        const groups = await store.latestGroups(10);
        assert.deepEqual(
          groups.map((group) => group.sessionId),
          ['st-session-2', 'st-session-1'],
        );
        assert.equal((await store.latestGroups(1)).length, 1);

        const first = groups[0];
        assert.ok(first);
        await store.setGroupMessage(first.id, '1712345678.000100');
        assert.equal((await store.getGroup(first.id))?.messageTs, '1712345678.000100');
        assert.equal(await store.getGroup(first.id + 1_000), undefined);
      });
    });

    describe('retention', () => {
      const DAY = 24 * 60 * MINUTE;
      const RETENTION = 30 * DAY;
      const NONE: PurgeCounts = {
        outbox: 0,
        alertGroupEvents: 0,
        alertGroups: 0,
        sessionCursors: 0,
        participantCursors: 0,
        detectedEvents: 0,
        mutes: 0,
      };
      const purgeNow = (limit = 1_000): Promise<PurgeCounts> =>
        store.purgeExpired({ before: at(-RETENTION), now: at(0), limit });
      const sessionOf = (
        sessionId: string,
        startOffsetMs: number,
        endOffsetMs: number | null,
      ): SessionCursor => ({
        stageArn: STAGE,
        sessionId,
        startTime: at(startOffsetMs),
        endTime: endOffsetMs === null ? null : at(endOffsetMs),
        finished: endOffsetMs !== null,
      });
      const connected = (sessionId: string, participantId: string): ParticipantCursor => ({
        stageArn: STAGE,
        sessionId,
        participantId,
        userId: null,
        state: 'CONNECTED',
        firstJoinTime: at(-41 * DAY),
        lastReadAt: at(-MINUTE),
        done: false,
        lastErrorAt: null,
        listing: null,
        readListing: null,
        eventOrder: null,
        resumeToken: null,
        newestEventAt: null,
      });

      test('old sent messages, closed groups and finished sessions go; every dedup key a poll may still meet stays', async () => {
        const watch = watchOf('C0A');
        await store.saveWatch(watch);
        const old = errorEvent('p-old', -40 * DAY, { sessionId: 'st-old' });
        // A session live for 40 days: its first error is as old, but its participants are still read.
        const longLived = errorEvent('p-live', -40 * DAY, { sessionId: 'st-live' });
        const recent = errorEvent('p-new', -DAY, { sessionId: 'st-new' });
        await store.recordDetections(detection([old, longLived], [watch], -40 * DAY + MINUTE));
        await store.recordDetections(detection([recent], [watch], -DAY + MINUTE));
        for (const item of await pending(store)) await store.completeOutbox(item.id);
        await store.saveCursors(
          STAGE,
          [
            sessionOf('st-old', -41 * DAY, -40 * DAY + 2 * MINUTE),
            sessionOf('st-live', -41 * DAY, null),
            sessionOf('st-new', -2 * DAY, -DAY + 2 * MINUTE),
          ],
          [connected('st-live', 'p-live')],
        );
        const mute = { stageArn: STAGE, mutedBy: 'U0MUTER', createdAt: at(-2 * 60 * MINUTE) };
        await store.saveMute({ ...mute, code: 'QUOTA_EXCEEDED', until: at(-MINUTE) });
        await store.saveMute({ ...mute, code: 'B_FRAME_PRESENT', until: at(60 * MINUTE) });

        assert.deepEqual(await purgeNow(), {
          outbox: 2,
          alertGroupEvents: 2,
          alertGroups: 2,
          sessionCursors: 1,
          participantCursors: 0,
          detectedEvents: 1,
          mutes: 1,
        });
        assert.deepEqual(await purgeNow(), NONE, 'a second purge finds nothing');

        assert.deepEqual((await store.loadSessionCursors(STAGE)).map((s) => s.sessionId).sort(), [
          'st-live',
          'st-new',
        ]);
        assert.deepEqual(
          (await store.loadParticipantCursors(STAGE)).map((p) => p.participantId),
          ['p-live'],
        );
        assert.deepEqual(
          (await store.latestGroups(10)).map((group) => group.sessionId),
          ['st-new'],
        );
        assert.deepEqual(
          (await store.listMutes(at(0))).map((m) => m.code),
          ['B_FRAME_PRESENT'],
        );

        // Read again by a poll, the events of the live and the recent session are known: nothing twice.
        assert.deepEqual(await store.recordDetections(detection([longLived, recent], [watch], MINUTE)), {
          newEvents: 0,
          groupsCreated: 0,
          groupsUpdated: 0,
        });
        assert.deepEqual(await pending(store), []);
        // The old key is gone: what keeps its session from being read again is the poller's history
        // horizon (a session that ended longer ago than retention is history), test/store/retention.test.ts.
        assert.equal((await store.recordDetections(detection([old], [watch], MINUTE))).newEvents, 1);
      });

      test('a message not yet sent holds its group and events; a failed one goes once it failed longer ago than retention', async () => {
        const watch = watchOf('C0A');
        await store.saveWatch(watch);
        await store.recordDetections(detection([errorEvent('p-1', -40 * DAY)], [watch], -40 * DAY + MINUTE));
        const [post] = await pending(store);
        assert.ok(post);
        assert.deepEqual(await purgeNow(), NONE, 'pending');

        await store.failOutbox(post.id, { error: 'not_in_channel', scope: 'channel', at: at(-2 * DAY) });
        assert.deepEqual(await purgeNow(), NONE, 'failed two days ago: it may still be retried');

        assert.deepEqual(await store.purgeExpired({ before: at(-DAY), now: at(0), limit: 10 }), {
          ...NONE,
          outbox: 1,
          alertGroupEvents: 1,
          alertGroups: 1,
          detectedEvents: 1,
        });
        assert.deepEqual(await store.latestGroups(10), []);
      });

      test('purgeExpired works in passes of at most batchSize rows of each kind and leaves nothing behind', async () => {
        const watch = watchOf('C0A');
        await store.saveWatch(watch);
        const events = Array.from({ length: 7 }, (_, index) =>
          errorEvent(`p-${index}`, -40 * DAY + index, { sessionId: `st-session-${index % 3}` }),
        );
        await store.recordDetections(detection(events, [watch], -40 * DAY + MINUTE));
        for (const item of await pending(store)) await store.completeOutbox(item.id);
        await store.saveCursors(
          STAGE,
          [0, 1, 2].map((index) => sessionOf(`st-session-${index}`, -41 * DAY, -40 * DAY + MINUTE)),
          [],
        );

        const passes: PurgeCounts[] = [];
        const total = await purgeExpired(
          {
            purgeExpired: async (input) => {
              const counts = await store.purgeExpired(input);
              passes.push(counts);
              return counts;
            },
          },
          { retentionMs: RETENTION, now: at(0), batchSize: 2 },
        );
        assert.deepEqual(total, {
          ...NONE,
          outbox: 3,
          alertGroupEvents: 7,
          alertGroups: 3,
          sessionCursors: 3,
          detectedEvents: 7,
        });
        assert.ok(passes.length >= 4, `${passes.length} passes`);
        for (const pass of passes)
          assert.ok(
            Object.values(pass).every((count) => count <= 2),
            JSON.stringify(pass),
          );
        assert.deepEqual(await purgeNow(), NONE);
      });

      test('unwatch drops the messages about that stage still waiting for that channel, and only those', async () => {
        const [a, b] = [watchOf('C0A'), watchOf('C0B')];
        const other = watchOf('C0A', null, OTHER_STAGE);
        for (const watch of [a, b, other]) await store.saveWatch(watch);
        await store.recordDetections(detection([errorEvent('p-1', 0)], [a, b], MINUTE));
        await store.recordDetections({
          stageArn: OTHER_STAGE,
          events: [errorEvent('p-2', 0, { stageArn: OTHER_STAGE })],
          watches: [other],
          now: at(MINUTE),
          policy: POLICY,
        });
        await store.recordPoll(poll(false, MINUTE, ['C0A', 'C0B']));
        await store.recordPoll({ ...poll(false, MINUTE, ['C0A']), stageArn: OTHER_STAGE });

        // Which stage each queued message is about: its group's, or the notice's.
        const about = async (item: OutboxItem): Promise<string> =>
          item.groupId === null
            ? String((item.payload as { stageArn?: unknown }).stageArn)
            : String((await store.getGroup(item.groupId))?.stageArn);
        const queued = async (): Promise<string[]> =>
          Promise.all(
            (await pending(store)).map(async (item) => {
              const stage = (await about(item)) === STAGE ? 'stage' : 'other';
              return `${item.kind}:${item.channelId}:${stage}`;
            }),
          );
        assert.deepEqual(await queued(), [
          'post:C0A:stage',
          'post:C0B:stage',
          'post:C0A:other',
          'notice:C0A:stage',
          'notice:C0B:stage',
          'notice:C0A:other',
        ]);

        assert.equal(await store.removeWatches(STAGE, 'C0A'), 1);
        assert.deepEqual(await queued(), [
          'post:C0B:stage',
          'post:C0A:other',
          'notice:C0B:stage',
          'notice:C0A:other',
        ]);

        // A message Slack refused is kept to be retried later; after the unwatch it must not be.
        const [refused] = await pending(store);
        assert.ok(refused);
        await store.failOutbox(refused.id, { error: 'not_in_channel', scope: 'channel', at: at(MINUTE) });
        assert.equal((await store.undeliveredSummary()).length, 1);

        assert.equal(await store.removeWatches(STAGE, undefined), 1);
        assert.deepEqual(await queued(), ['post:C0A:other', 'notice:C0A:other']);
        assert.deepEqual(await store.undeliveredSummary(), []);
      });
    });

    describe('outbox', () => {
      test('dueOutbox gives pending items oldest first; retry postpones and counts; complete removes', async () => {
        await store.recordPoll(poll(false, 0, ['C0A', 'C0B', 'C0C']));
        const [a, b, c] = await store.dueOutbox(at(0), 10);
        assert.ok(a && b && c);
        assert.deepEqual(kinds([a, b, c]), ['notice:C0A', 'notice:C0B', 'notice:C0C']);
        assert.ok(a.id < b.id && b.id < c.id);
        assert.deepEqual(await store.dueOutbox(at(-1), 10), [], 'not due before notBefore');
        assert.deepEqual(
          (await store.dueOutbox(at(0), 2)).map((item) => item.id),
          [a.id, b.id],
        );

        await store.retryOutbox(a.id, at(MINUTE), 'ratelimited');
        assert.deepEqual(
          (await store.dueOutbox(at(0), 10)).map((item) => item.id),
          [b.id, c.id],
        );
        await store.completeOutbox(b.id);
        assert.equal(await store.outboxDepth(), 2);

        const due = await store.dueOutbox(at(MINUTE), 10);
        assert.deepEqual(
          due.map((item) => item.id),
          [a.id, c.id],
        );
        assert.deepEqual(
          { attempts: due[0]?.attempts, notBefore: due[0]?.notBefore, createdAt: due[0]?.createdAt },
          { attempts: 1, notBefore: at(MINUTE), createdAt: at(0) },
        );
        await store.retryOutbox(a.id, at(2 * MINUTE), 'ratelimited again');
        assert.equal((await store.dueOutbox(at(2 * MINUTE), 10))[0]?.attempts, 2);

        await store.completeOutbox(a.id);
        await store.completeOutbox(c.id);
        assert.equal(await store.outboxDepth(), 0);
        assert.deepEqual(await pending(store), []);
      });

      /** Three notices per channel (failing, recovered, failing), created at 0, 1 s and 2 s. */
      async function threePerChannel(channels: readonly string[]): Promise<Map<string, number[]>> {
        await store.recordPoll(poll(false, 0, channels));
        await store.recordPoll(poll(true, 1_000, channels));
        await store.recordPoll(poll(false, 2_000, channels));
        const ids = new Map<string, number[]>();
        for (const item of await pending(store))
          ids.set(item.channelId, [...(ids.get(item.channelId) ?? []), item.id]);
        return ids;
      }
      const claim = (holder: string, nowOffsetMs: number, perChannel = 10, limit = 100) =>
        store.claimOutbox({ holder, now: at(nowOffsetMs), leaseMs: MINUTE, perChannel, limit });
      const ids = (items: readonly OutboxItem[]) => items.map((item) => item.id);

      test('claimOutbox takes each channel in order up to the first message that must wait, and nothing claimed by another', async () => {
        const byChannel = await threePerChannel(['C0A', 'C0B', 'C0C']);
        const [a1, a2, a3] = byChannel.get('C0A') ?? [];
        const [b1, b2, b3] = byChannel.get('C0B') ?? [];
        const [c1, c2, c3] = byChannel.get('C0C') ?? [];
        assert.ok(a1 && a2 && a3 && b1 && b2 && b3 && c1 && c2 && c3);
        // b1 waits (429): the two after it wait with it, though they are due.
        await store.retryOutbox(b1, at(10 * MINUTE), 'ratelimited');

        const first = await claim('holder-1', 2_000, 2);
        assert.deepEqual(
          ids(first),
          [a1, c1, a2, c2].sort((x, y) => x - y),
          'oldest first, two per channel',
        );
        assert.deepEqual(
          first.map((item) => item.kind),
          ['notice', 'notice', 'notice', 'notice'],
        );
        assert.deepEqual(await claim('holder-2', 2_000), [], 'a3 and c3 wait behind claimed ones');
        assert.deepEqual(
          ids(await store.dueOutbox(at(2_000), 10)),
          [b2, a3, b3, c3].sort((x, y) => x - y),
          'claimed ones are not due (dueOutbox lists what is due, whatever waits before it)',
        );
        assert.equal(await store.outboxDepth(), 9, 'claimed ones are still to send');

        await store.completeOutbox(a1);
        await store.completeOutbox(a2);
        assert.deepEqual(ids(await claim('holder-2', 2_000)), [a3]);
        assert.equal(await store.releaseOutbox('holder-2', [c1]), 0, 'only the holder gives its claims back');
        assert.equal(await store.releaseOutbox('holder-1', [c2]), 1);
        assert.equal(await store.releaseOutbox('holder-1'), 1, 'the rest of holder-1 (c1)');
        assert.deepEqual(ids(await claim('holder-2', 2_000, 2)), [c1, c2]);

        // A lease that ran out is taken over (its holder died mid-send), in order, and no earlier.
        assert.deepEqual(await claim('holder-3', 2_000 + MINUTE - 1), []);
        assert.deepEqual(
          ids(await claim('holder-3', 2_000 + MINUTE)),
          [a3, c1, c2, c3].sort((x, y) => x - y),
        );
      });

      test('claimOutbox honours the overall limit and the per-channel limit', async () => {
        const byChannel = await threePerChannel(['C0A', 'C0B']);
        const [a1, a2] = byChannel.get('C0A') ?? [];
        const [b1] = byChannel.get('C0B') ?? [];
        assert.deepEqual(ids(await claim('holder-1', 2_000, 10, 2)), [a1, b1]);
        assert.deepEqual(
          ids(await claim('holder-2', 2_000, 1, 10)),
          [],
          'both channels wait behind holder-1',
        );
        await store.releaseOutbox('holder-1');
        assert.deepEqual(ids(await claim('holder-2', 2_000, 1, 10)), [a1, b1]);
        await store.completeOutbox(a1 ?? 0);
        assert.deepEqual(ids(await claim('holder-2', 2_000, 1, 10)), [a2]);
      });

      test('a failed message is set aside with its error, counted, and put back in line when its cause is gone', async () => {
        const byChannel = await threePerChannel(['C0A', 'C0B', 'C0C']);
        const [a1, a2, a3] = byChannel.get('C0A') ?? [];
        const [b1, b2, b3] = byChannel.get('C0B') ?? [];
        const [c1, c2, c3] = byChannel.get('C0C') ?? [];
        assert.ok(a1 && a2 && a3 && b1 && b2 && b3 && c1 && c2 && c3);
        assert.equal((await claim('holder-1', 2_000, 1)).length, 3);
        await store.failOutbox(a1, { error: 'not_in_channel', scope: 'channel', at: at(3_000) });
        await store.failOutbox(b1, { error: 'invalid_auth', scope: 'workspace', at: at(4_000) });
        await store.failOutbox(c1, { error: 'invalid_blocks', scope: 'message', at: at(5_000) });
        assert.equal(await store.outboxDepth(), 6, 'failed messages are not waiting to be sent');

        // Failed ones hold nothing up: the newer messages of each channel go.
        const next = await claim('holder-1', 6_000);
        assert.deepEqual(
          ids(next),
          [a2, b2, c2, a3, b3, c3].sort((x, y) => x - y),
        );
        for (const id of ids(next)) await store.completeOutbox(id);
        await store.failOutbox(a3, { error: 'not_in_channel', scope: 'channel', at: at(7_000) });
        assert.deepEqual(await pending(store), [], 'failing a message already sent changes nothing');

        assert.deepEqual(await store.undeliveredSummary(), [
          { channelId: 'C0A', error: 'not_in_channel', scope: 'channel', count: 1, since: at(3_000) },
          { channelId: 'C0B', error: 'invalid_auth', scope: 'workspace', count: 1, since: at(4_000) },
          { channelId: 'C0C', error: 'invalid_blocks', scope: 'message', count: 1, since: at(5_000) },
        ]);

        // A message delivered in C0A: C0A's own failures and every workspace-wide one come back.
        assert.deepEqual(await store.requeueFailed({ deliveredTo: 'C0A' }, at(8_000)), ['C0A', 'C0B']);
        const back = await store.dueOutbox(at(8_000), 10);
        assert.deepEqual(ids(back), [a1, b1]);
        assert.deepEqual(
          back.map((item) => item.attempts),
          [1, 1],
          'the failed attempt is counted',
        );
        assert.deepEqual(await store.undeliveredSummary(), [
          { channelId: 'C0C', error: 'invalid_blocks', scope: 'message', count: 1, since: at(5_000) },
        ]);
        assert.deepEqual(
          await store.requeueFailed({ deliveredTo: 'C0C' }, at(8_000)),
          [],
          'not a message refused for itself',
        );
        assert.deepEqual(await store.requeueFailed({ scopes: ['message'] }, at(9_000)), ['C0C']);
        assert.deepEqual(await store.undeliveredSummary(), []);
        // Back in line with their old places: before anything newer of their channel.
        await store.recordPoll(poll(true, 10_000, ['C0A']));
        const newest = (await pending(store)).at(-1);
        assert.ok(newest && newest.id > c3);
        assert.deepEqual(ids(await claim('holder-2', 10_000)), [a1, b1, c1, newest.id]);
      });

      test('completeOutbox records the posted message of its group in the same step', async () => {
        await store.recordDetections(detection([errorEvent('p-1', 0)], [watchOf('C0A')], 1_000));
        const [item] = await claim('holder-1', 1_000);
        assert.ok(item && item.groupId !== null);
        await store.completeOutbox(item.id, { groupId: item.groupId, messageTs: '1712345678.000100' });
        assert.equal((await store.getGroup(item.groupId))?.messageTs, '1712345678.000100');
        assert.equal(await store.outboxDepth(), 0);
      });
    });

    describe('events from EventBridge (issue 13)', () => {
      test("a group opened by an event keeps the event's facts; polled groups have none", async () => {
        const facts = [
          { label: 'S3 bucket', value: 'ivs-recordings' },
          { label: 'S3 key prefix', value: '<stage_id>/<session_id>/<participant_id>/2024-01-01T12-00-55Z' },
        ];
        await store.recordDetections(
          detection(
            [
              errorEvent('p-1', 0, {
                name: 'RECORDING_START_FAILURE',
                code: 'RECORDING_START_FAILURE',
                facts,
              }),
            ],
            [watchOf('C0A')],
            1_000,
          ),
        );
        await store.recordDetections(detection([errorEvent('p-2', 0)], [watchOf('C0A')], 1_000));
        const groups = await store.latestGroups(10);
        const recording = groups.find((g) => g.code === 'RECORDING_START_FAILURE');
        assert.deepEqual(recording?.facts, facts);
        assert.ok(recording && (await store.getGroup(recording.id))?.facts);
        assert.equal(groups.find((g) => g.code === 'B_FRAME_PRESENT')?.facts, undefined);
      });

      test('a publish error seen through EventBridge and then polled is one event', async () => {
        const fromQueue = errorEvent('p-1', 0, {
          name: 'PUBLISH_ERROR',
          code: 'PUBLISH_ERROR',
          userId: null,
          via: 'eventbridge',
        });
        const polled = errorEvent('p-1', 250, { name: 'PUBLISH_ERROR', code: 'BITRATE_EXCEEDED' });
        assert.equal(
          (await store.recordDetections(detection([fromQueue], [watchOf('C0A')], 1_000))).newEvents,
          1,
        );
        assert.equal(
          (await store.recordDetections(detection([polled], [watchOf('C0A')], 2_000))).newEvents,
          0,
        );
        assert.equal((await store.latestGroups(10)).length, 1);
        // SQS delivers it again, the poller reads it again: both known.
        assert.equal(
          (await store.recordDetections(detection([fromQueue], [watchOf('C0A')], 3_000))).newEvents,
          0,
        );
        assert.equal(
          (await store.recordDetections(detection([polled], [watchOf('C0A')], 3_000))).newEvents,
          0,
        );
        // Another error of that participant in that second, with another code: its own alert.
        const codec = errorEvent('p-1', 700, { name: 'PUBLISH_ERROR', code: 'INVALID_AUDIO_CODEC' });
        assert.equal(
          (await store.recordDetections(detection([codec], [watchOf('C0A')], 4_000))).newEvents,
          1,
        );
        assert.deepEqual((await store.latestGroups(10)).map((group) => group.code).sort(), [
          'INVALID_AUDIO_CODEC',
          'PUBLISH_ERROR',
        ]);
      });

      test("a publish error polled first: EventBridge's event of it is known; two polled codes of one second stay two", async () => {
        const bitrate = errorEvent('p-1', 250, { name: 'PUBLISH_ERROR', code: 'BITRATE_EXCEEDED' });
        const codec = errorEvent('p-1', 250, { name: 'PUBLISH_ERROR', code: 'INVALID_AUDIO_CODEC' });
        assert.equal(
          (await store.recordDetections(detection([bitrate, codec], [watchOf('C0A')], 1_000))).newEvents,
          2,
        );
        const fromQueue = errorEvent('p-1', 0, {
          name: 'PUBLISH_ERROR',
          code: 'PUBLISH_ERROR',
          via: 'eventbridge',
        });
        assert.equal(
          (await store.recordDetections(detection([fromQueue], [watchOf('C0A')], 2_000))).newEvents,
          0,
        );
        // Another participant's error in the same second is not theirs.
        const other = { ...fromQueue, participantId: 'p-10' };
        assert.equal(
          (await store.recordDetections(detection([other], [watchOf('C0A')], 2_000))).newEvents,
          1,
        );
      });

      test('read-first requests: asked once however often, taken oldest first, gone once taken', async () => {
        const ref = (participantId: string) => ({
          stageArn: STAGE,
          sessionId: 'st-session-1',
          participantId,
        });
        await store.requestReadFirst(ref('p-2'), at(2_000));
        await store.requestReadFirst(ref('p-1'), at(1_000));
        await store.requestReadFirst(ref('p-2'), at(3_000));
        await store.requestReadFirst(ref('p-3'), at(4_000));
        assert.deepEqual(await store.takeReadFirst(2), [ref('p-1'), ref('p-2')]);
        assert.deepEqual(await store.takeReadFirst(10), [ref('p-3')]);
        assert.deepEqual(await store.takeReadFirst(10), []);
      });

      test('countDetected counts the events of a kind since a time', async () => {
        const reconnect = (offset: number) =>
          errorEvent('', offset, {
            name: 'COMPOSITION_DESTINATION_RECONNECT',
            code: 'COMPOSITION_DESTINATION_RECONNECT',
          });
        await store.recordDetections(
          detection([reconnect(0), reconnect(MINUTE), reconnect(2 * MINUTE)], [], 3 * MINUTE),
        );
        assert.equal(
          await store.countDetected(STAGE, 'st-session-1', 'COMPOSITION_DESTINATION_RECONNECT', at(MINUTE)),
          2,
        );
        assert.equal(await store.countDetected(STAGE, 'st-session-1', 'B_FRAME_PRESENT', at(0)), 0);
        assert.deepEqual(
          await store.latestGroups(10),
          [],
          'recorded without watches: remembered, not alerted',
        );
      });

      test('the queue status keeps the latest receive and message, and a failure until a receive answers', async () => {
        assert.deepEqual(await store.eventQueueStatus(), {
          lastReceiveAt: null,
          lastMessageAt: null,
          lastError: null,
          errorSince: null,
        });
        await store.recordQueueReceive({ at: at(10_000), ok: true, newestMessageAt: at(9_000) });
        // Another replica reports an older receive later: the latest times stay.
        await store.recordQueueReceive({ at: at(5_000), ok: true, newestMessageAt: null });
        await store.recordQueueReceive({ at: at(20_000), ok: false, error: 'SQS is not answering' });
        await store.recordQueueReceive({ at: at(30_000), ok: false, error: 'SQS is still not answering' });
        assert.deepEqual(await store.eventQueueStatus(), {
          lastReceiveAt: at(10_000),
          lastMessageAt: at(9_000),
          lastError: 'SQS is still not answering',
          errorSince: at(20_000),
        });
        await store.recordQueueReceive({ at: at(40_000), ok: true, newestMessageAt: null });
        assert.deepEqual(await store.eventQueueStatus(), {
          lastReceiveAt: at(40_000),
          lastMessageAt: at(9_000),
          lastError: null,
          errorSince: null,
        });
      });
    });
  });
}
