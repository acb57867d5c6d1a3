import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { DEFAULT_GROUPING, type DetectedEvent, type Watch } from '../../../src/domain/model.ts';
import { POSTGRES_MIGRATIONS } from '../../../src/store/postgres/migrations.ts';
import { PostgresStore } from '../../../src/store/postgres/PostgresStore.ts';
import { type DetectionInput, type Store, StoreError } from '../../../src/store/Store.ts';
import { storeContract } from '../storeContract.ts';

const url = process.env.TEST_DATABASE_URL;
const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/abcdEFGH1234';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const WATCH: Watch = { stageArn: STAGE, channelId: 'C0A', codes: null, createdBy: 'U0A', createdAt: NOW };

function errorEvent(participantId: string, offsetMs: number): DetectedEvent {
  return {
    stageArn: STAGE,
    sessionId: 'st-1',
    participantId,
    userId: null,
    eventTime: new Date(NOW.getTime() + offsetMs),
    name: 'SUBSCRIBE_ERROR',
    code: 'B_FRAME_PRESENT',
    remoteParticipantId: null,
  };
}

function detection(events: readonly DetectedEvent[], nowOffsetMs: number): DetectionInput {
  return {
    stageArn: STAGE,
    events,
    watches: [WATCH],
    now: new Date(NOW.getTime() + nowOffsetMs),
    policy: DEFAULT_GROUPING,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

describe('PostgresStore without a server', () => {
  test('an unreachable server is a StoreError "unavailable" whose message names the server but not the password', async () => {
    const error = await rejection(PostgresStore.open('postgres://bot:s3cret-Pa55@127.0.0.1:1/ivs'));
    assert.ok(error instanceof StoreError, String(error));
    assert.equal(error.code, 'unavailable');
    assert.match(error.message, /bot@127\.0\.0\.1:1\/ivs cannot be reached/);
    assert.match(error.message, /ECONNREFUSED/);
    assert.doesNotMatch(`${error.message} ${String(error.cause)} ${error.stack}`, /s3cret-Pa55/);
  });

  test('a malformed URL is refused without quoting it', async () => {
    const error = await rejection(PostgresStore.open('postgres://bot:s3cret-Pa55@[not a host/ivs'));
    assert.ok(error instanceof StoreError, String(error));
    assert.equal(error.code, 'unavailable');
    assert.doesNotMatch(error.message, /s3cret-Pa55/);
    assert.equal(error.cause, undefined);
  });
});

if (url === undefined || url === '') {
  // A skipped test rather than a skipped suite, so the summary counts it as skipped, not as nothing.
  test('PostgresStore', { skip: 'TEST_DATABASE_URL is not set: PostgreSQL store tests skipped' }, () => {});
} else {
  const databaseUrl = url;
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  after(() => admin.end());

  const freshSchema = (): string => `ivs_test_${randomBytes(8).toString('hex')}`;
  const dropSchema = async (schema: string): Promise<void> => {
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  };
  /** Runs `work` on a fresh schema and drops it afterwards, whatever happened. */
  const withSchema = async (work: (schema: string) => Promise<void>): Promise<void> => {
    const schema = freshSchema();
    try {
      await work(schema);
    } finally {
      await dropSchema(schema);
    }
  };
  /** Stores on one schema, as replicas of one deployment; closed when `work` ends. */
  const withReplicas = async (
    count: number,
    work: (stores: PostgresStore[], schema: string) => Promise<void>,
  ): Promise<void> =>
    withSchema(async (schema) => {
      // allSettled: when one open fails, the others are still closed before the schema is dropped.
      const opened = await Promise.allSettled(
        Array.from({ length: count }, () => PostgresStore.open(databaseUrl, { schema, poolSize: 3 })),
      );
      const stores = opened.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      try {
        for (const outcome of opened) if (outcome.status === 'rejected') throw outcome.reason;
        await work(stores, schema);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

  const schemas = new Map<Store, string>();
  storeContract(
    'PostgresStore',
    async () => {
      const schema = freshSchema();
      const store = await PostgresStore.open(databaseUrl, { schema, poolSize: 3 });
      schemas.set(store, schema);
      return store;
    },
    async (store) => {
      await store.close();
      const schema = schemas.get(store);
      schemas.delete(store);
      if (schema !== undefined) await dropSchema(schema);
    },
  );

  describe('PostgresStore with several replicas', () => {
    test('three replicas starting at once apply each migration exactly once', async () => {
      await withReplicas(3, async (stores, schema) => {
        const { rows } = await admin.query<{ version: number }>(
          `SELECT version FROM ${pg.escapeIdentifier(schema)}.schema_migrations ORDER BY version`,
        );
        assert.deepEqual(
          rows.map((row) => row.version),
          POSTGRES_MIGRATIONS.map((migration) => migration.version),
        );
        for (const store of stores) {
          assert.equal(await store.migrationsApplied(), true);
          assert.equal(await store.ready(), true);
        }
      });
    });

    test('two replicas recording the same events at once make one group and one post', async () => {
      await withReplicas(2, async ([first, second]) => {
        assert.ok(first && second);
        const events = Array.from({ length: 200 }, (_, index) => errorEvent(`p-${index % 20}`, index));
        const results = await Promise.all([
          first.recordDetections(detection(events, 1_000)),
          second.recordDetections(detection(events, 1_000)),
        ]);
        assert.deepEqual(results.map((result) => result.newEvents).sort(), [0, 200]);
        assert.deepEqual(results.map((result) => result.groupsCreated).sort(), [0, 1]);

        const groups = await first.latestGroups(10);
        assert.equal(groups.length, 1);
        assert.equal(groups[0]?.eventCount, 200);
        assert.deepEqual(
          (await second.dueOutbox(new Date(8.64e15), 100)).map((item) => item.kind),
          ['post'],
        );
      });
    });

    test('two replicas recording different events of one burst at once share one group', async () => {
      await withReplicas(2, async ([first, second]) => {
        assert.ok(first && second);
        const results = await Promise.all([
          first.recordDetections(detection([errorEvent('p-1', 0)], 1_000)),
          second.recordDetections(detection([errorEvent('p-2', 1)], 1_000)),
        ]);
        assert.deepEqual(results.map((result) => result.groupsCreated).sort(), [0, 1]);
        const groups = await first.latestGroups(10);
        assert.equal(groups.length, 1);
        assert.equal(groups[0]?.eventCount, 2);
        assert.deepEqual(
          (await second.dueOutbox(new Date(8.64e15), 100)).map((item) => item.kind),
          ['post', 'update', 'reply'],
        );
      });
    });

    test('pages recorded at once by two replicas all keep their token', async () => {
      await withReplicas(2, async ([first, second]) => {
        assert.ok(first && second);
        await first.savePagingState({ id: 'pg-1', query: null, tokens: [null], createdAt: NOW });
        await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            (index % 2 === 0 ? first : second).setPageToken('pg-1', index + 1, `tok-${index + 1}`),
          ),
        );
        assert.deepEqual((await first.loadPagingState('pg-1'))?.tokens, [
          null,
          ...Array.from({ length: 20 }, (_, index) => `tok-${index + 1}`),
        ]);
      });
    });

    test('one replica at a time holds the poller lease; it renews, releases, and expires', async () => {
      await withReplicas(3, async (stores) => {
        const holders = stores.map((_, index) => `replica-${index}`);
        const won = await Promise.all(
          stores.map((store, index) => store.acquireLeadership(`replica-${index}`, 60_000)),
        );
        assert.equal(won.filter(Boolean).length, 1, 'exactly one wins a free lease');
        const leader = won.indexOf(true);
        const [other] = holders.filter((_, index) => index !== leader);
        const store = stores[0];
        assert.ok(store && other);

        assert.equal(await store.acquireLeadership(other, 60_000), false, 'held by someone else');
        assert.equal(await store.acquireLeadership(holders[leader] ?? '', 60_000), true, 'renewed');
        await store.releaseLeadership(other);
        assert.equal(await store.acquireLeadership(other, 60_000), false, 'only the holder releases');
        await store.releaseLeadership(holders[leader] ?? '');
        assert.equal(await store.acquireLeadership(other, 1), true, 'free after release');

        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(await store.acquireLeadership('replica-late', 60_000), true, 'free once expired');
      });
    });
  });

  describe('PostgresStore migrations and connections', () => {
    test('publish errors stored before issue 13 are found again under the key both paths now give', async () => {
      await withSchema(async (schema) => {
        const quoted = pg.escapeIdentifier(schema);
        const client = await admin.connect();
        const at = Date.parse('2025-03-01T12:00:00.420Z');
        const stage = 'arn:aws:ivs:us-east-1:123456789012:stage/abcdEFGH1234';
        const oldKey = [
          stage,
          'st-session-1',
          'p-1',
          new Date(at).toISOString(),
          'PUBLISH_ERROR',
          'BITRATE_EXCEEDED',
          '',
        ].join('|');
        try {
          await client.query(`CREATE SCHEMA ${quoted}; SET search_path TO ${quoted}`);
          await client.query(
            'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
          );
          for (const migration of POSTGRES_MIGRATIONS.filter((m) => m.version <= 7)) {
            await client.query(migration.sql);
            await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [
              migration.version,
            ]);
          }
          await client.query(
            `INSERT INTO detected_event (dedup_key, stage_arn, session_id, participant_id, user_id, event_time, name,
               code, remote_participant_id, detected_at)
             VALUES ($1, $2, 'st-session-1', 'p-1', NULL, $3, 'PUBLISH_ERROR', 'BITRATE_EXCEEDED', NULL, $3)`,
            [oldKey, stage, at],
          );
          const group = await client.query<{ id: string }>(
            `INSERT INTO alert_group (stage_arn, session_id, code, channel_id, first_seen, last_seen, event_count,
               participant_count, created_at) VALUES ($1, 'st-session-1', 'BITRATE_EXCEEDED', 'C0A', $2, $2, 1, 1, $2)
             RETURNING id`,
            [stage, at],
          );
          await client.query('INSERT INTO alert_group_event (group_id, dedup_key) VALUES ($1, $2)', [
            group.rows[0]?.id,
            oldKey,
          ]);
        } finally {
          await client.query('RESET search_path');
          client.release();
        }
        const store = await PostgresStore.open(databaseUrl, { schema, poolSize: 2 });
        try {
          const polledAgain: DetectedEvent = {
            stageArn: stage,
            sessionId: 'st-session-1',
            participantId: 'p-1',
            userId: null,
            eventTime: new Date(at),
            name: 'PUBLISH_ERROR',
            code: 'BITRATE_EXCEEDED',
            remoteParticipantId: null,
          };
          const fromQueue: DetectedEvent = {
            ...polledAgain,
            eventTime: new Date(Math.floor(at / 1000) * 1000),
            code: 'PUBLISH_ERROR',
            via: 'eventbridge' as const,
          };
          const watch: Watch = {
            stageArn: stage,
            channelId: 'C0A',
            codes: null,
            createdBy: 'U0A',
            createdAt: new Date(at),
          };
          for (const event of [polledAgain, fromQueue]) {
            const result = await store.recordDetections({
              stageArn: stage,
              events: [event],
              watches: [watch],
              now: new Date(at + 1_000),
              policy: DEFAULT_GROUPING,
            });
            assert.equal(result.newEvents, 0, `${event.code}: known`);
          }
          assert.equal((await store.latestGroups(5))[0]?.eventCount, 1);
        } finally {
          await store.close();
        }
      });
    });

    test('migrationsApplied and ready turn false when a known version is missing', async () => {
      await withReplicas(1, async ([store], schema) => {
        assert.ok(store);
        await admin.query(`DELETE FROM ${pg.escapeIdentifier(schema)}.schema_migrations`);
        assert.equal(await store.migrationsApplied(), false);
        assert.equal(await store.ready(), false);
      });
    });

    test('a failing migration is a StoreError "migration" naming the version, and nothing is half applied', async () => {
      await withSchema(async (schema) => {
        const quoted = pg.escapeIdentifier(schema);
        await admin.query(`CREATE SCHEMA ${quoted}; CREATE TABLE ${quoted}.outbox (id INTEGER)`);
        const error = await rejection(PostgresStore.open(databaseUrl, { schema }));
        assert.ok(error instanceof StoreError, String(error));
        assert.equal(error.code, 'migration');
        assert.match(error.message, /PostgreSQL migration 1 failed/);
        assert.match(error.message, /"outbox" already exists/);
        const { rows } = await admin.query<{ present: boolean }>(
          `SELECT to_regclass('${schema}.schema_migrations') IS NOT NULL AS present`,
        );
        assert.equal(rows[0]?.present, false);
      });
    });

    test('idle connections the server terminates are replaced; calls meanwhile fail as "unavailable"', async () => {
      await withReplicas(1, async ([store], schema) => {
        assert.ok(store);
        await store.saveWatch(WATCH);
        const terminated = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [`ivs-realtime-bot:${schema}`],
        );
        assert.ok((terminated.rowCount ?? 0) > 0, 'the store had a connection open');

        let watches: Watch[] | undefined;
        for (let attempt = 0; attempt < 50 && watches === undefined; attempt++) {
          try {
            watches = await store.listWatches();
          } catch (error) {
            assert.ok(error instanceof StoreError, String(error));
            assert.equal(error.code, 'unavailable');
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
        assert.deepEqual(watches, [WATCH]);
      });
    });

    test('a connection the server ends mid-transaction fails that call as "unavailable" and rolls it back', async () => {
      await withReplicas(1, async ([store], schema) => {
        assert.ok(store);
        await store.saveWatch(WATCH);
        // Another session holds the table, so the store's transaction waits inside it until it is killed.
        const blocker = await admin.connect();
        try {
          await blocker.query('BEGIN');
          await blocker.query(`LOCK TABLE ${pg.escapeIdentifier(schema)}.watch IN ACCESS EXCLUSIVE MODE`);
          const removal = rejection(store.removeWatches(STAGE, undefined));

          let killed = 0;
          for (let attempt = 0; attempt < 100 && killed === 0; attempt++) {
            const { rowCount } = await admin.query(
              `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE application_name = $1 AND wait_event_type = 'Lock'`,
              [`ivs-realtime-bot:${schema}`],
            );
            killed = rowCount ?? 0;
            if (killed === 0) await new Promise((resolve) => setTimeout(resolve, 20));
          }
          assert.equal(killed, 1, 'the store waited on the lock');

          const error = await removal;
          assert.ok(error instanceof StoreError, String(error));
          assert.equal(error.code, 'unavailable');
          assert.match(error.message, /closed the connection/);
        } finally {
          await blocker.query('ROLLBACK');
          blocker.release();
        }
        assert.deepEqual(await store.listWatches(), [WATCH]);
      });
    });
  });
}
