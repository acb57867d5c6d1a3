import type { Registry } from 'prom-client';
import type { HttpRoute } from './platform/HttpFront.ts';
import type { OutboxRepository } from './store/OutboxRepository.ts';
import type { StoreHealth } from './store/Store.ts';

/** GET /healthz: the process is up and serving HTTP (load balancers and orchestrators poll it). */
export function healthRoute(): HttpRoute {
  return {
    path: '/healthz',
    handle(_req, res) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    },
  };
}

/** How long a store-backed gauge or readiness answer is reused: a scrape storm costs one query. */
export const PROBE_CACHE_MS = 5_000;
/** Readiness is reused for less: a load balancer should see a store going away within a second. */
export const READY_CACHE_MS = 1_000;

/**
 * GET /readyz: the store answers and its migrations are applied; 503 otherwise (take the replica out).
 * Probes within READY_CACHE_MS share one store check.
 */
export function readyRoute(
  store: Pick<StoreHealth, 'ready'>,
  isStopping: () => boolean,
  clock: () => number = () => performance.now(),
): HttpRoute {
  const storeReady = cachedFor(() => withTimeout(store.ready(), 2_000), READY_CACHE_MS, clock);
  return {
    path: '/readyz',
    async handle(_req, res) {
      let ready = false;
      let reason = 'stopping';
      if (!isStopping()) {
        try {
          ready = await storeReady();
          reason = ready ? 'ok' : 'migrations not applied';
        } catch {
          reason = 'store unreachable';
        }
      }
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ready ? 'ready' : 'not ready', reason }));
    },
  };
}

/** GET /metrics in Prometheus text format. */
export function metricsRoute(registry: Registry): HttpRoute {
  return {
    path: '/metrics',
    async handle(_req, res) {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
    },
  };
}

/** The store reads behind the gauges, each reused for PROBE_CACHE_MS (one query per scrape storm). */
export function cachedGauges(
  store: Pick<OutboxRepository, 'outboxDepth' | 'undeliveredSummary'>,
  clock: () => number = () => performance.now(),
): {
  outboxDepth: () => ReturnType<OutboxRepository['outboxDepth']>;
  undelivered: () => ReturnType<OutboxRepository['undeliveredSummary']>;
} {
  return {
    outboxDepth: cachedFor(() => store.outboxDepth(), PROBE_CACHE_MS, clock),
    undelivered: cachedFor(() => store.undeliveredSummary(), PROBE_CACHE_MS, clock),
  };
}

/**
 * `read`, answered from its last result for `ttlMs` (monotonic `clock`); callers arriving while a
 * read is under way share it. A failed read is not kept: the next caller tries again.
 */
export function cachedFor<T>(read: () => Promise<T>, ttlMs: number, clock: () => number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = clock();
    if (last && now - last.at < ttlMs) return last.value;
    const entry = { at: now, value: read() };
    last = entry;
    entry.value.catch(() => {
      if (last === entry) last = undefined;
    });
    return entry.value;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
