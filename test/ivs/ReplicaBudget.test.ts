import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { ReplicaBudget, replicaRate } from '../../src/ivs/ReplicaBudget.ts';
import { RequestBudget } from '../../src/ivs/RequestBudget.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { PostgresStore } from '../../src/store/postgres/PostgresStore.ts';
import { SqliteStore } from '../../src/store/sqlite/SqliteStore.ts';
import { FakeClock } from '../support/fakeClock.ts';
import { freshDatabase, NO_POSTGRES } from '../support/postgres.ts';

const logger = createLogger('fatal');

/** The most calls any closed window [t, t + 1000] of the clock sees. */
function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) > 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('replicaRate', () => {
  test('one replica keeps IVS_MAX_TPS; more share it', () => {
    assert.equal(replicaRate(4, 1), 4);
    assert.equal(replicaRate(3, 1), 3);
    assert.equal(replicaRate(3, 2), 1.5);
    // Two at 2/s could each make 3 calls in one closed second (6 > 5): just under 2 makes it 2 each.
    assert.ok(replicaRate(4, 2) < 2 && replicaRate(4, 2) > 1.99);
    assert.ok(replicaRate(4, 3) < 1 && replicaRate(4, 3) > 0.99);
    assert.equal(replicaRate(2, 8), 0.25);
    assert.equal(replicaRate(4, 0), 4, 'never divides by less than one replica');
  });

  test('property: saturated replicas at any phase keep IVS_MAX_TPS + 1 in every second and IVS_MAX_TPS on average', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2, 3, 4, 2.5),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 5, maxLength: 5 }),
        async (maxTps, replicas, phases) => {
          fc.pre(replicas <= maxTps + 1);
          const clock = new FakeClock();
          const rate = replicaRate(maxTps, replicas);
          const grants: number[] = [];
          const budgets = Array.from({ length: replicas }, () => new RequestBudget(rate, clock));
          const seconds = 20;
          for (const [i, budget] of budgets.entries()) {
            // Each replica starts at its own moment and always has more calls waiting than it may make.
            clock.setTimeout(() => {
              for (let c = 0; c < Math.ceil(rate * seconds) + 2; c++) {
                void budget
                  .acquire('us-east-1:GetParticipant', 'interactive')
                  .then(() => grants.push(clock.now()));
              }
            }, phases[i] ?? 0);
          }
          await clock.advance(1_000);
          await clock.advance(seconds * 1000);
          const within = grants.filter((at) => at <= seconds * 1000);
          assert.ok(
            busiestSecond(within) <= maxTps + 1,
            `busiest ${busiestSecond(within)} at ${maxTps}×${replicas}`,
          );
          assert.ok(within.length <= maxTps * seconds + replicas, `${within.length} calls in ${seconds} s`);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('ReplicaBudget', () => {
  test('SQLite: one process, so the whole IVS_MAX_TPS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replica-budget-'));
    const store = await SqliteStore.open(join(dir, 'bot.db'));
    try {
      const budget = new RequestBudget(4);
      const replica = new ReplicaBudget({
        registry: store,
        budget,
        maxTps: 4,
        holder: 'a',
        ttlMs: 30_000,
        logger,
      });
      await replica.start();
      assert.equal(replica.replicas, 1);
      assert.equal(budget.ratePerSecond, 4);
      await replica.stop();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('PostgreSQL: replicas count each other through their heartbeats', { skip: NO_POSTGRES }, () => {
    const databases: Array<{ drop(): Promise<void> }> = [];
    after(async () => {
      for (const db of databases) await db.drop();
    });

    test('a second replica halves the first one’s rate; when it leaves, the first takes it back', async () => {
      const db = await freshDatabase();
      databases.push(db);
      const [storeA, storeB] = await Promise.all([PostgresStore.open(db.url), PostgresStore.open(db.url)]);
      const budgetA = new RequestBudget(4);
      const budgetB = new RequestBudget(4);
      const options = { maxTps: 4, ttlMs: 30_000, everyMs: 60_000, logger };
      const a = new ReplicaBudget({ ...options, registry: storeA, budget: budgetA, holder: 'host-a:1:aa' });
      const b = new ReplicaBudget({ ...options, registry: storeB, budget: budgetB, holder: 'host-b:2:bb' });
      try {
        await a.start();
        assert.equal(a.replicas, 1);
        assert.equal(budgetA.ratePerSecond, 4);
        await b.start();
        assert.equal(b.replicas, 2, 'the new replica counts the first at once');
        assert.equal(budgetB.ratePerSecond, replicaRate(4, 2));
        await a.beat();
        assert.equal(a.replicas, 2, 'the first counts the new one at its next beat');
        assert.equal(budgetA.ratePerSecond, replicaRate(4, 2));
        await a.beat();
        assert.equal(a.replicas, 2, 'beating again does not count itself twice');
        assert.ok(
          (await storeA.acquireLeadership('host-a:1:aa', 30_000)) === true,
          'heartbeats do not take the poller lease',
        );
        await b.stop();
        await a.beat();
        assert.equal(a.replicas, 1);
        assert.equal(budgetA.ratePerSecond, 4);
      } finally {
        await a.stop();
        await Promise.all([storeA.close(), storeB.close()]);
      }
    });

    test('a replica that stopped beating without leaving is counted until its heartbeat expires', async () => {
      const db = await freshDatabase();
      databases.push(db);
      const store = await PostgresStore.open(db.url);
      try {
        assert.equal(await store.heartbeatReplica('dead', 300), 1);
        assert.equal(await store.heartbeatReplica('alive', 30_000), 2);
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.equal(await store.heartbeatReplica('alive', 30_000), 1, 'the dead one expired');
      } finally {
        await store.close();
      }
    });

    test('when the store cannot be reached the last count stays', async () => {
      const db = await freshDatabase();
      databases.push(db);
      const [storeA, storeB] = await Promise.all([PostgresStore.open(db.url), PostgresStore.open(db.url)]);
      const budget = new RequestBudget(4);
      const a = new ReplicaBudget({
        registry: storeA,
        budget,
        maxTps: 4,
        holder: 'a',
        ttlMs: 30_000,
        everyMs: 60_000,
        logger,
      });
      await storeB.heartbeatReplica('b', 30_000);
      await a.start();
      assert.equal(a.replicas, 2);
      await storeA.close();
      await a.beat();
      assert.equal(a.replicas, 2);
      assert.equal(budget.ratePerSecond, replicaRate(4, 2), 'still its share, not the whole budget');
      await a.stop();
      await storeB.close();
    });
  });
});
