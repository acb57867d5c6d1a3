import type { Registry } from 'prom-client';
import type { HttpRoute } from './HttpFront.ts';
import type { Store } from './store/Store.ts';

/** GET /healthz: the process is up and serving HTTP (load balancers and orchestrators poll it). */
export function healthRoute(): HttpRoute {
  return {
    path: '/healthz',
    handle(_req, res) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    },
  };
}

/** GET /readyz: the store answers and its migrations are applied; 503 otherwise (take the replica out). */
export function readyRoute(store: Pick<Store, 'ready'>, isStopping: () => boolean): HttpRoute {
  return {
    path: '/readyz',
    async handle(_req, res) {
      let ready = false;
      let reason = 'stopping';
      if (!isStopping()) {
        try {
          ready = await withTimeout(store.ready(), 2_000);
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
