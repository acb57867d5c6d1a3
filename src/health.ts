import type { HttpRoute } from './slack/createSlackApp.ts';

/** GET /healthz: the process is up and serving HTTP (load balancers and orchestrators poll it). */
export function healthRoute(): HttpRoute {
  return {
    path: '/healthz',
    handle(_req, res) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    },
  };
}
