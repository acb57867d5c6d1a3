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
