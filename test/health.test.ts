import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  cachedFor,
  cachedGauges,
  metricsRoute,
  PROBE_CACHE_MS,
  READY_CACHE_MS,
  readyRoute,
} from '../src/health.ts';
import { HttpFront } from '../src/platform/HttpFront.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createMetrics } from '../src/platform/metrics.ts';

// A scrape or probe storm must not become a query storm: the store reads behind /metrics and
// /readyz are shared by concurrent callers and reused for a few seconds.
const quiet = createLogger(
  'fatal',
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  }),
);

/** A store that counts its reads. */
function countingStore() {
  const counts = { ready: 0, outboxDepth: 0, undelivered: 0 };
  return {
    counts,
    ready: async () => {
      counts.ready += 1;
      return true;
    },
    outboxDepth: async () => {
      counts.outboxDepth += 1;
      return 7;
    },
    undeliveredSummary: async () => {
      counts.undelivered += 1;
      return [];
    },
  };
}

describe('cachedFor', () => {
  test('concurrent and repeated calls within the time share one read; a later call reads again', async () => {
    let now = 0;
    let reads = 0;
    const read = cachedFor(
      async () => ++reads,
      5_000,
      () => now,
    );
    assert.deepEqual(await Promise.all([read(), read(), read()]), [1, 1, 1]);
    now = 4_999;
    assert.equal(await read(), 1);
    now = 5_000;
    assert.equal(await read(), 2);
  });

  test('a failed read is not kept', async () => {
    let fail = true;
    const read = cachedFor(
      async () => {
        if (fail) throw new Error('store down');
        return 'ok';
      },
      5_000,
      () => 0,
    );
    await assert.rejects(read(), /store down/);
    fail = false;
    assert.equal(await read(), 'ok');
  });
});

describe('/metrics and /readyz under a storm', () => {
  const store = countingStore();
  let now = 0;
  let front: HttpFront;
  let base: string;

  before(async () => {
    const metrics = createMetrics(cachedGauges(store, () => now));
    front = new HttpFront({
      routes: [
        metricsRoute(metrics.registry),
        readyRoute(
          store,
          () => false,
          () => now,
        ),
      ],
      logger: quiet,
    });
    base = `http://127.0.0.1:${await front.listen(0, '127.0.0.1')}`;
  });

  after(() => front.close());

  test('100 scrapes of /metrics count the outbox once', async () => {
    const bodies = await Promise.all(
      Array.from({ length: 100 }, () => fetch(`${base}/metrics`).then((res) => res.text())),
    );
    assert.ok(bodies.every((body) => body.includes('ivs_bot_outbox_depth 7')));
    assert.equal(store.counts.outboxDepth, 1);
    assert.equal(store.counts.undelivered, 1);
    now += PROBE_CACHE_MS;
    await fetch(`${base}/metrics`).then((res) => res.text());
    assert.equal(store.counts.outboxDepth, 2, 'read again once the cache time passed');
  });

  test('100 probes of /readyz check the store once', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 100 }, () => fetch(`${base}/readyz`).then((res) => res.status)),
    );
    assert.ok(statuses.every((status) => status === 200));
    assert.equal(store.counts.ready, 1);
    now += READY_CACHE_MS;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.equal(store.counts.ready, 2);
  });
});
