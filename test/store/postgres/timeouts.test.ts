import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Watch } from '../../../src/domain/model.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { LeaderElector } from '../../../src/replicas/LeaderElector.ts';
import { PostgresStore, type PostgresStoreOptions } from '../../../src/store/postgres/PostgresStore.ts';
import { StoreError } from '../../../src/store/Store.ts';
import { NO_POSTGRES, TEST_DATABASE_URL } from '../../support/postgres.ts';
import { TcpProxy } from '../../support/tcpProxy.ts';

// A database that stops answering without closing anything (a host or network path gone silent:
// no FIN, no RST) is noticed only by timeouts. Without them every call, and the poller lease, hangs
// until the kernel gives up; behind a proxy that drops the bytes, forever.
const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/abcdEFGH1234';
const WATCH: Watch = {
  stageArn: STAGE,
  channelId: 'C0A',
  codes: null,
  createdBy: 'U0A',
  createdAt: new Date('2025-03-01T12:00:00.000Z'),
};
/** Short timeouts, so the test waits seconds; the defaults are in POSTGRES_TIMEOUTS. */
const SHORT: PostgresStoreOptions = {
  poolSize: 2,
  statementTimeoutMs: 500,
  queryTimeoutMs: 1_000,
  connectTimeoutMs: 1_000,
};
/** A call that hangs fails the test by this bound, long before any kernel would have given up. */
const BOUND_MS = 10_000;

async function failure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  assert.fail('expected a rejection');
}

function assertUnavailable(error: unknown, pattern: RegExp): void {
  assert.ok(error instanceof StoreError, String(error));
  assert.equal(error.code, 'unavailable');
  assert.match(error.message, pattern);
}

describe('PostgresStore when the server goes silent', { skip: NO_POSTGRES, timeout: 60_000 }, () => {
  const url = new URL(TEST_DATABASE_URL ?? 'postgres://unset');
  let admin: pg.Pool;
  let proxy: TcpProxy;
  const schemas: string[] = [];
  const stores: PostgresStore[] = [];

  /** A store on a fresh schema, directly or through the proxy. */
  const open = async (
    via: 'proxy' | 'direct',
    options: PostgresStoreOptions = SHORT,
  ): Promise<PostgresStore> => {
    const schema = `ivs_test_${randomBytes(8).toString('hex')}`;
    schemas.push(schema);
    const target = new URL(url);
    if (via === 'proxy') target.host = `127.0.0.1:${proxy.port}`;
    const store = await PostgresStore.open(target.toString(), { ...options, schema });
    stores.push(store);
    return store;
  };

  before(async () => {
    admin = new pg.Pool({ connectionString: url.toString(), max: 2 });
    proxy = await TcpProxy.start(url.hostname, Number(url.port || 5432));
  });

  after(async () => {
    await proxy.close();
    await Promise.all(stores.map((store) => store.close()));
    for (const schema of schemas)
      await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    await admin.end();
  });

  test('a query on a connection that went silent fails within the timeout as "unavailable"; the store recovers', async () => {
    proxy.restore();
    const store = await open('proxy');
    await store.saveWatch(WATCH);

    proxy.blackhole();
    // On the pooled connection: the answer never comes, the client gives up and drops it.
    const read = await failure(store.listWatches());
    assertUnavailable(read.error, /did not answer in time/);
    assert.ok(read.ms < BOUND_MS, `failed after ${read.ms} ms`);
    // A transaction is abandoned as well, without waiting out a second timeout for its ROLLBACK.
    const write = await failure(store.saveCursors(STAGE, [], []));
    assertUnavailable(write.error, /did not answer in time|cannot be reached/);
    assert.ok(write.ms < BOUND_MS, `failed after ${write.ms} ms`);
    // A new connection gets no greeting: the connect timeout ends the wait.
    const connect = await failure(store.saveCursors(STAGE, [], []));
    assertUnavailable(connect.error, /cannot be reached/);
    assert.ok(connect.ms < BOUND_MS, `failed after ${connect.ms} ms`);

    proxy.restore();
    let watches: Watch[] | undefined;
    for (let attempt = 0; attempt < 50 && watches === undefined; attempt++) {
      try {
        watches = await store.listWatches();
      } catch (error) {
        assertUnavailable(error, /./);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.deepEqual(watches, [WATCH], 'the same store answers again, without a restart');
  });

  test('a leader whose lease renewal goes unanswered steps down within its lease, and another replica takes over', async () => {
    proxy.restore();
    const silent = await open('proxy');
    const schema = schemas.at(-1) ?? '';
    const other = await PostgresStore.open(url.toString(), { ...SHORT, schema });
    stores.push(other);

    const changes: boolean[] = [];
    // A 3 s timeout: leases of 1.8 s, tried every 0.5 s, held for sure during 80% of a lease.
    const elector = new LeaderElector({
      store: silent,
      holder: 'replica-a',
      ttlMs: 3_000,
      logger: createLogger('fatal'),
      onChange: (leader) => changes.push(leader),
    });
    await elector.start();
    assert.equal(elector.isLeader, true);
    assert.equal(await other.acquireLeadership('replica-b', 1_800), false, 'held by replica-a');

    proxy.blackhole();
    const started = performance.now();
    // replica-b tries as a replica would; the moment it gets the lease, replica-a must already have
    // let go of it locally, or both would poll.
    let takenWhileALed: boolean | undefined;
    while (takenWhileALed === undefined && performance.now() - started < BOUND_MS) {
      if (await other.acquireLeadership('replica-b', 1_800)) takenWhileALed = elector.isLeader;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(takenWhileALed, false, 'replica-b took over, and replica-a had stepped down by then');
    while (changes.length < 2 && performance.now() - started < BOUND_MS) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(changes, [true, false], 'replica-a stepped down (its attempts end, they do not hang)');

    proxy.restore();
    await elector.stop();
  });

  test('a statement stuck behind a lock is cancelled by statement_timeout and fails as "unavailable"', async () => {
    // The client waits longer than the server's limit, so it is the server's cancel that ends the wait.
    const store = await open('direct', { ...SHORT, statementTimeoutMs: 300, queryTimeoutMs: 8_000 });
    const schema = schemas.at(-1) ?? '';
    const blocker = await admin.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE ${pg.escapeIdentifier(schema)}.poller_lease IN ACCESS EXCLUSIVE MODE`);
      const stuck = await failure(store.acquireLeadership('replica-a', 60_000));
      assertUnavailable(stuck.error, /did not answer in time/);
      assert.match(String((stuck.error as StoreError).message), /statement timeout/);
      assert.ok(stuck.ms < BOUND_MS, `failed after ${stuck.ms} ms`);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    assert.equal(await store.acquireLeadership('replica-a', 60_000), true, 'the same store works on');
  });
});
