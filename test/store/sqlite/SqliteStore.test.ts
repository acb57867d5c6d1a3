import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_GROUPING } from '../../../src/domain/model.ts';
import { SQLITE_MIGRATIONS } from '../../../src/store/sqlite/migrations.ts';
import { SqliteStore } from '../../../src/store/sqlite/SqliteStore.ts';
import { storeContract } from '../storeContract.ts';

const dir = mkdtempSync(join(tmpdir(), 'ivs-sqlite-store-'));
let files = 0;
const freshFile = (): string => join(dir, `store-${++files}.db`);

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

storeContract('SqliteStore', async () => SqliteStore.open(freshFile()));

const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/abcdEFGH1234';
const NOW = new Date('2025-03-01T12:00:00.000Z');

describe('SqliteStore on a file', () => {
  test('keeps everything across a restart', async () => {
    const file = freshFile();
    const first = SqliteStore.open(file);
    await first.saveWatch({
      stageArn: STAGE,
      channelId: 'C0A',
      codes: null,
      createdBy: 'U0A',
      createdAt: NOW,
    });
    await first.recordDetections({
      stageArn: STAGE,
      events: [
        {
          stageArn: STAGE,
          sessionId: 'st-1',
          participantId: 'p-1',
          userId: null,
          eventTime: NOW,
          name: 'SUBSCRIBE_ERROR',
          code: 'B_FRAME_PRESENT',
          remoteParticipantId: 'p-2',
        },
      ],
      watches: await first.listWatches(),
      now: NOW,
      policy: DEFAULT_GROUPING,
    });
    await first.close();

    const second = SqliteStore.open(file);
    try {
      assert.equal((await second.listWatches()).length, 1);
      assert.equal((await second.latestGroups(10))[0]?.eventCount, 1);
      assert.deepEqual(
        (await second.dueOutbox(NOW, 10)).map((item) => item.kind),
        ['post'],
      );
    } finally {
      await second.close();
    }
  });

  test('a second process on the same file is refused with a StoreError that says what to do', async () => {
    const file = freshFile();
    const owner = SqliteStore.open(file);
    try {
      // The child runs plain JavaScript that imports the store module, which Node type-strips.
      const script = `
        const { SqliteStore } = await import(process.argv[1]);
        try {
          SqliteStore.open(process.argv[2]);
          console.log(JSON.stringify({ opened: true }));
        } catch (error) {
          console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }));
        }
      `;
      const moduleUrl = new URL('../../../src/store/sqlite/SqliteStore.ts', import.meta.url).href;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script, moduleUrl, file],
        { timeout: 20_000 },
      );
      const outcome = JSON.parse(stdout) as {
        name?: string;
        code?: string;
        message?: string;
        opened?: boolean;
      };
      assert.equal(outcome.opened, undefined);
      assert.equal(outcome.name, 'StoreError');
      assert.equal(outcome.code, 'locked');
      assert.match(outcome.message ?? '', /stop the other process/);
      assert.match(outcome.message ?? '', /postgres/);
    } finally {
      await owner.close();
    }
  });

  test('reopening applies each migration once', async () => {
    const file = freshFile();
    await SqliteStore.open(file).close();
    await SqliteStore.open(file).close();

    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const versions = db
        .prepare('SELECT version FROM schema_migrations ORDER BY version')
        .all()
        .map((row) => Number(row.version));
      assert.deepEqual(
        versions,
        SQLITE_MIGRATIONS.map((migration) => migration.version),
      );
    } finally {
      db.close();
    }
  });

  test('a file from before the alerting tables is upgraded in place', async () => {
    const file = freshFile();
    const legacy = new DatabaseSync(file);
    const firstMigration = SQLITE_MIGRATIONS[0];
    assert.ok(firstMigration);
    legacy.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);' +
        firstMigration.sql,
    );
    legacy.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)').run();
    legacy
      .prepare(
        "INSERT INTO paging_state (id, query, tokens, created_at) VALUES ('pg-1', 'null', '[null]', 0)",
      )
      .run();
    legacy.close();

    const store = SqliteStore.open(file);
    try {
      assert.deepEqual((await store.loadPagingState('pg-1'))?.tokens, [null]);
      assert.equal(
        await store.saveWatch({
          stageArn: STAGE,
          channelId: 'C0A',
          codes: ['X'],
          createdBy: 'U0A',
          createdAt: NOW,
        }),
        'created',
      );
    } finally {
      await store.close();
    }
  });

  test('publish errors stored before issue 13 are found again under the key both paths now give', async () => {
    const file = freshFile();
    const legacy = new DatabaseSync(file);
    legacy.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);');
    for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version <= 8)) {
      legacy.exec(migration.sql);
      legacy
        .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)')
        .run(migration.version);
    }
    const at = NOW.getTime() - 60_000 + 420;
    // The old key: stage|session|participant|ISO time|name|code|remote.
    const oldKey = [
      STAGE,
      'st-session-1',
      'p-1',
      new Date(at).toISOString(),
      'PUBLISH_ERROR',
      'BITRATE_EXCEEDED',
      '',
    ].join('|');
    legacy
      .prepare(
        `INSERT INTO detected_event (dedup_key, stage_arn, session_id, participant_id, user_id, event_time, name,
           code, remote_participant_id, detected_at) VALUES (?, ?, 'st-session-1', 'p-1', NULL, ?, 'PUBLISH_ERROR',
           'BITRATE_EXCEEDED', NULL, ?)`,
      )
      .run(oldKey, STAGE, at, at);
    legacy
      .prepare(
        `INSERT INTO alert_group (stage_arn, session_id, code, channel_id, first_seen, last_seen, event_count,
           participant_count, created_at) VALUES (?, 'st-session-1', 'BITRATE_EXCEEDED', 'C0A', ?, ?, 1, 1, ?)`,
      )
      .run(STAGE, at, at, at);
    legacy.prepare('INSERT INTO alert_group_event (group_id, dedup_key) VALUES (1, ?)').run(oldKey);
    legacy.close();

    const store = SqliteStore.open(file);
    try {
      const polledAgain = {
        stageArn: STAGE,
        sessionId: 'st-session-1',
        participantId: 'p-1',
        userId: null,
        eventTime: new Date(at),
        name: 'PUBLISH_ERROR',
        code: 'BITRATE_EXCEEDED',
        remoteParticipantId: null,
      };
      const fromQueue = {
        ...polledAgain,
        eventTime: new Date(Math.floor(at / 1000) * 1000),
        code: 'PUBLISH_ERROR',
        via: 'eventbridge' as const,
      };
      const watch = { stageArn: STAGE, channelId: 'C0A', codes: null, createdBy: 'U0A', createdAt: NOW };
      for (const event of [polledAgain, fromQueue]) {
        const result = await store.recordDetections({
          stageArn: STAGE,
          events: [event],
          watches: [watch],
          now: NOW,
          policy: DEFAULT_GROUPING,
        });
        assert.equal(result.newEvents, 0, `${event.code}: known`);
      }
      const [group] = await store.latestGroups(5);
      assert.equal(group?.eventCount, 1);
    } finally {
      await store.close();
    }
  });

  test('an outbox from before delivery claims keeps its messages, ids and order when upgraded', async () => {
    const file = freshFile();
    const legacy = new DatabaseSync(file);
    legacy.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);');
    for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version <= 2)) {
      legacy.exec(migration.sql);
      legacy
        .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)')
        .run(migration.version);
    }
    const insert = legacy.prepare(
      `INSERT INTO outbox (kind, channel_id, group_id, payload, attempts, not_before, created_at, last_error, status)
       VALUES ('notice', ?, NULL, '{}', ?, 0, 0, ?, ?)`,
    );
    insert.run('C0A', 0, null, 'done');
    insert.run('C0A', 2, 'not_in_channel', 'pending');
    insert.run('C0B', 0, null, 'pending');
    legacy.close();

    const store = SqliteStore.open(file);
    try {
      const pendingItems = await store.dueOutbox(NOW, 10);
      assert.deepEqual(
        pendingItems.map((item) => [item.id, item.channelId, item.attempts]),
        [
          [2, 'C0A', 2],
          [3, 'C0B', 0],
        ],
      );
      await store.recordPoll({
        stageArn: STAGE,
        at: NOW,
        ok: false,
        error: 'denied',
        lagSeconds: 0,
        channelIds: ['C0A'],
      });
      const claimed = await store.claimOutbox({
        holder: 'h',
        now: NOW,
        leaseMs: 1_000,
        perChannel: 10,
        limit: 10,
      });
      assert.deepEqual(
        claimed.map((item) => item.id),
        [2, 3, 4],
        'new messages come after the old ones',
      );
    } finally {
      await store.close();
    }
  });

  test('messages a dead process was sending are given back when the file is opened again', async () => {
    const file = freshFile();
    const first = SqliteStore.open(file);
    await first.recordPoll({
      stageArn: STAGE,
      at: NOW,
      ok: false,
      error: 'denied',
      lagSeconds: 0,
      channelIds: ['C0A'],
    });
    const [claimed] = await first.claimOutbox({
      holder: 'dead',
      now: NOW,
      leaseMs: 60_000,
      perChannel: 10,
      limit: 10,
    });
    assert.ok(claimed);
    await first.close();

    const second = SqliteStore.open(file);
    try {
      // The file is one process's alone, so the claim cannot belong to anyone alive: no lease to wait out.
      const again = await second.claimOutbox({
        holder: 'alive',
        now: NOW,
        leaseMs: 60_000,
        perChannel: 10,
        limit: 10,
      });
      assert.deepEqual(
        again.map((item) => item.id),
        [claimed.id],
      );
    } finally {
      await second.close();
    }
  });
});
