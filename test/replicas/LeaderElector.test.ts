import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { createLogger } from '../../src/platform/logger.ts';
import { LeaderElector, type LeaseStore } from '../../src/replicas/LeaderElector.ts';

// "Am I still leader" is measured on a monotonic clock: the wall clock (Date) may jump either way
// (NTP, an operator, a VM resumed) without making a replica lead longer or shorter than its lease.
const TTL_MS = 30_000;
const LEASE_MS = TTL_MS * 0.6;
const VALID_MS = LEASE_MS * 0.8;
const HOUR = 60 * 60 * 1000;

const quiet = createLogger(
  'fatal',
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  }),
);

/** A lease store that grants the lease once, then cannot be reached. */
function storeThatGoesAway(): LeaseStore {
  let calls = 0;
  return {
    acquireLeadership: async () => {
      calls += 1;
      if (calls === 1) return true;
      throw new Error('connection refused');
    },
    releaseLeadership: async () => {},
  };
}

describe('LeaderElector and the clocks', () => {
  let monotonic = 0;

  beforeEach(() => {
    monotonic = 1_000;
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-11-25T10:00:00Z') });
  });

  afterEach(() => {
    mock.timers.reset();
  });

  const elector = () =>
    new LeaderElector({
      store: storeThatGoesAway(),
      holder: 'a',
      ttlMs: TTL_MS,
      logger: quiet,
      clock: () => monotonic,
    });

  test('the wall clock jumping back does not keep a replica leading past its lease', async () => {
    const e = elector();
    await e.tick();
    assert.equal(e.isLeader, true);
    mock.timers.setTime(Date.now() - HOUR);
    monotonic += VALID_MS;
    assert.equal(e.isLeader, false, 'the lease might have run out: not leader any more');
    await e.tick();
    assert.equal(e.isLeader, false);
  });

  test('the wall clock jumping forward does not end leadership early', async () => {
    const e = elector();
    await e.tick();
    mock.timers.setTime(Date.now() + HOUR);
    monotonic += VALID_MS - 1;
    assert.equal(e.isLeader, true);
  });

  test('by default the clock is monotonic (performance.now), not Date', async () => {
    const e = new LeaderElector({ store: storeThatGoesAway(), holder: 'b', ttlMs: TTL_MS, logger: quiet });
    await e.tick();
    mock.timers.setTime(Date.now() + HOUR);
    assert.equal(e.isLeader, true);
  });
});

/**
 * A lease store answering each attempt as scripted: granted, refused (held by another replica), an
 * error, or never (a connection gone silent). Records what it was asked.
 */
function scriptedStore(answers: ('granted' | 'refused' | 'error' | 'silent')[], onAsk?: () => void) {
  const asked: { holder: string; ttlMs: number }[] = [];
  const released: string[] = [];
  const store: LeaseStore = {
    acquireLeadership: (holder, ttlMs) => {
      asked.push({ holder, ttlMs });
      onAsk?.();
      const answer = answers.shift() ?? 'refused';
      if (answer === 'silent') return new Promise<boolean>(() => {});
      if (answer === 'error') return Promise.reject(new Error('connection refused'));
      return Promise.resolve(answer === 'granted');
    },
    releaseLeadership: async (holder) => {
      released.push(holder);
    },
  };
  return { store, asked, released };
}

describe('LeaderElector taking, keeping and giving up the lease', () => {
  let monotonic = 0;
  let changes: boolean[] = [];

  beforeEach(() => {
    monotonic = 1_000;
    changes = [];
  });

  const electorOn = (store: LeaseStore) =>
    new LeaderElector({
      store,
      holder: 'replica-a',
      ttlMs: TTL_MS,
      logger: quiet,
      clock: () => monotonic,
      onChange: (leader) => changes.push(leader),
    });

  test('asks for a lease of 60% of IVS_LEADER_TIMEOUT; a change is reported once, not at every renewal', async () => {
    const { store, asked } = scriptedStore(['refused', 'granted', 'granted', 'granted', 'refused']);
    const elector = electorOn(store);
    await elector.tick();
    assert.equal(elector.isLeader, false, 'another replica holds it');
    for (let i = 0; i < 3; i++) {
      await elector.tick();
      assert.equal(elector.isLeader, true);
    }
    await elector.tick();
    assert.equal(elector.isLeader, false, 'taken over by another replica');
    assert.deepEqual(changes, [true, false]);
    assert.deepEqual(
      asked,
      Array.from({ length: 5 }, () => ({ holder: 'replica-a', ttlMs: LEASE_MS })),
    );
  });

  test('a failed renewal while the lease is surely still ours keeps leading; one after that steps down', async () => {
    const { store } = scriptedStore(['granted', 'error', 'error']);
    const elector = electorOn(store);
    await elector.tick();
    monotonic += VALID_MS / 2;
    await elector.tick();
    assert.equal(elector.isLeader, true, 'renewed half a validity ago: still ours');
    monotonic += VALID_MS / 2;
    await elector.tick();
    assert.equal(elector.isLeader, false);
    assert.deepEqual(changes, [true, false]);
  });

  test('the lease counts from when the renewal was asked, not from when the store answered', async () => {
    // The store takes most of the validity to answer: what is left is what the lease is good for.
    const { store } = scriptedStore(['granted'], () => {
      monotonic += VALID_MS - 10;
    });
    const elector = electorOn(store);
    await elector.tick();
    assert.equal(elector.isLeader, true);
    monotonic += 10;
    assert.equal(elector.isLeader, false);
  });

  test('a leader whose store goes silent steps down once its lease may have run out, without waiting for an answer', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { store } = scriptedStore(['granted', 'silent']);
    const elector = electorOn(store);
    await elector.tick();
    monotonic += VALID_MS / 4;
    const renewal = elector.tick();
    t.mock.timers.tick(VALID_MS * 0.75 - 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(changes, [true], 'still within the lease');
    t.mock.timers.tick(1);
    await renewal;
    assert.deepEqual(changes, [true, false]);
  });

  test('stop waits for the attempt under way, then releases a lease it holds and reports it', async () => {
    const { store, released } = scriptedStore(['granted']);
    const elector = electorOn(store);
    const attempt = elector.tick();
    await elector.stop();
    await attempt;
    assert.equal(elector.isLeader, false);
    assert.deepEqual(released, ['replica-a']);
    assert.deepEqual(changes, [true, false]);
  });

  test('stop releases nothing when another replica leads, and a release the store refuses is only logged', async () => {
    const follower = scriptedStore(['refused']);
    const notLeading = electorOn(follower.store);
    await notLeading.tick();
    await notLeading.stop();
    assert.deepEqual(follower.released, []);

    const failing: LeaseStore = {
      acquireLeadership: async () => true,
      releaseLeadership: async () => {
        throw new Error('connection refused');
      },
    };
    const leading = electorOn(failing);
    await leading.tick();
    await leading.stop();
    assert.equal(leading.isLeader, false, 'the lease expires by itself');
  });
});
