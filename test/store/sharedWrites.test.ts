// The writes of several statements that both stores share (removeWatches.ts, completeOutbox.ts,
// purgeExpired.ts's purgePass), against recording in-memory ports: which statements each asks for,
// in which order, with what. The real SQL of each store is covered by the shared contract
// (storeContract.ts), run against SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAwaiting, runNow } from '../../src/store/applyPlans.ts';
import { completeOutbox, type OutboxCompletionStatements } from '../../src/store/completeOutbox.ts';
import { type PurgeStatements, purgePass } from '../../src/store/purgeExpired.ts';
import type { PurgeInput } from '../../src/store/RetentionRepository.ts';
import { removeWatches, type WatchRemovalStatements } from '../../src/store/removeWatches.ts';

const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';

test('removeWatches deletes the watches, then the health of a stage nobody watches, then its undelivered messages', () => {
  const asked: string[] = [];
  const statements: WatchRemovalStatements = {
    deleteWatches: (stageArn, channelId) => {
      asked.push(`watches ${stageArn} ${channelId}`);
      return 2;
    },
    deleteHealthIfUnwatched: (stageArn) => {
      asked.push(`health ${stageArn}`);
    },
    deleteUndeliveredAbout: (stageArn, channelId) => {
      asked.push(`outbox ${stageArn} ${channelId}`);
    },
  };
  assert.equal(runNow(removeWatches(STAGE, 'C0A'), statements), 2, 'how many watches went');
  assert.deepEqual(asked, [`watches ${STAGE} C0A`, `health ${STAGE}`, `outbox ${STAGE} C0A`]);
  asked.length = 0;
  runNow(removeWatches(STAGE, undefined), statements);
  assert.deepEqual(asked, [`watches ${STAGE} undefined`, `health ${STAGE}`, `outbox ${STAGE} undefined`]);
});

test('completeOutbox records a post’s ts before marking it done; anything else is only marked done', async () => {
  const asked: string[] = [];
  const statements: OutboxCompletionStatements = {
    setGroupMessage: async (groupId, messageTs) => {
      asked.push(`group ${groupId} ${messageTs}`);
    },
    markOutboxDone: async (id) => {
      asked.push(`done ${id}`);
    },
  };
  await runAwaiting(completeOutbox(7, { groupId: 3, messageTs: '1712345678.000100' }), statements);
  assert.deepEqual(asked, ['group 3 1712345678.000100', 'done 7']);
  asked.length = 0;
  await runAwaiting(completeOutbox(8, undefined), statements);
  assert.deepEqual(asked, ['done 8']);
});

test('a purge pass deletes links before groups, groups and sessions before events, and counts each kind', () => {
  const input: PurgeInput = { before: new Date(1_000), now: new Date(2_000), limit: 50 };
  const asked: string[] = [];
  const step =
    (name: string, count: number) =>
    (given: PurgeInput): number => {
      assert.equal(given, input);
      asked.push(name);
      return count;
    };
  const statements: PurgeStatements = {
    purgeOutbox: step('outbox', 1),
    purgeAlertGroupEvents: step('alertGroupEvents', 2),
    purgeAlertGroups: step('alertGroups', 3),
    purgeSessionCursors: step('sessionCursors', 4),
    purgeParticipantCursors: step('participantCursors', 5),
    purgeDetectedEvents: step('detectedEvents', 6),
    purgeMutes: step('mutes', 7),
  };
  assert.deepEqual(runNow(purgePass(input), statements), {
    outbox: 1,
    alertGroupEvents: 2,
    alertGroups: 3,
    sessionCursors: 4,
    participantCursors: 5,
    detectedEvents: 6,
    mutes: 7,
  });
  assert.deepEqual(asked, [
    'outbox',
    'alertGroupEvents',
    'alertGroups',
    'sessionCursors',
    'participantCursors',
    'detectedEvents',
    'mutes',
  ]);
});
