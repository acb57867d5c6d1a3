import { AsyncLocalStorage } from 'node:async_hooks';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from './logger.ts';

/** A plain HTTP route (health, readiness, metrics): answers GET, and HEAD the same way without a body. */
export interface HttpRoute {
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

/** The one POST endpoint (Slack's), handed over as it came. */
export interface PostEndpoint {
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export interface HttpFrontOptions {
  routes: readonly HttpRoute[];
  post?: PostEndpoint;
  logger: Logger;
  /** Milliseconds, for the once-a-minute log of stray requests; tests inject it. */
  now?: () => number;
}

/** What the front does with a request, decided from its method and target alone. */
export type Routing =
  | { kind: 'route'; route: HttpRoute }
  | { kind: 'post'; endpoint: PostEndpoint }
  | { kind: 'refuse'; status: 400 | 404 | 405; allow?: string };

const ROUTE_METHODS = 'GET, HEAD';
/** Longest path and method written to a log line; the rest is the scanner's business. */
const LOGGED_PATH_CHARS = 120;
const LOGGED_METHOD_CHARS = 16;
const LOG_EVERY_MS = 60_000;

/** Picks the route for a request: 404 for paths not served, 405 (with Allow) for the wrong method. */
export function routeRequest(
  method: string | undefined,
  target: string | undefined,
  routes: readonly HttpRoute[],
  post: PostEndpoint | undefined,
): Routing {
  const path = pathOf(target);
  if (path === undefined || method === undefined) return { kind: 'refuse', status: 400 };
  if (post && path === post.path) {
    return method === 'POST'
      ? { kind: 'post', endpoint: post }
      : { kind: 'refuse', status: 405, allow: 'POST' };
  }
  const route = routes.find((candidate) => candidate.path === path);
  if (!route) return { kind: 'refuse', status: 404 };
  return method === 'GET' || method === 'HEAD'
    ? { kind: 'route', route }
    : { kind: 'refuse', status: 405, allow: ROUTE_METHODS };
}

/**
 * The path of a request target as sent (`//` and `/..` stay what they are, and match nothing);
 * an absolute-form target (`http://host/path`) gives its path; anything else is not a path.
 */
function pathOf(target: string | undefined): string | undefined {
  if (target === undefined || target === '') return undefined;
  if (target.startsWith('/')) return target.split('?', 1)[0];
  if (!/^https?:\/\//i.test(target)) return undefined;
  try {
    return new URL(target).pathname;
  } catch {
    return undefined;
  }
}

interface RequestScope {
  readonly res: ServerResponse;
  fail(error: unknown): void;
}

// Promise rejections nobody handled, raised while serving a request (Bolt runs its request handling
// in a promise it never returns), end only that request. The async context of the request tells
// which one; a rejection outside any request keeps Node's default and ends the process.
const requestScope = new AsyncLocalStorage<RequestScope>();
const listening = new Set<HttpFront>();

function onUnhandledRejection(reason: unknown): void {
  const scope = requestScope.getStore();
  if (scope) {
    scope.fail(reason);
    return;
  }
  if (process.listenerCount('unhandledRejection') === 1) throw reason;
}

/**
 * The bot's HTTP server: answers every request, whatever a client sends. Routes get GET and HEAD,
 * the POST endpoint gets POST, the rest 404 or 405; malformed HTTP gets 400 from the server; a
 * request whose handling throws, synchronously or later, gets 500 and the process carries on.
 */
export class HttpFront {
  readonly #options: HttpFrontOptions;
  readonly #server: Server;
  readonly #now: () => number;
  readonly #lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(options: HttpFrontOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => Date.now());
    this.#server = createServer((req, res) => this.#serve(req, res));
    this.#server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      this.#clientError(error, socket);
    });
  }

  /** Listens; resolves to the port actually bound (useful with port 0). */
  listen(port: number, host: string | undefined): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        this.#server.on('error', (error) => this.#options.logger.error({ err: error }, 'HTTP server error'));
        if (listening.size === 0) process.on('unhandledRejection', onUnhandledRejection);
        listening.add(this);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections; resolves when the open ones are done. */
  close(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#server.close((error) => {
        listening.delete(this);
        if (listening.size === 0) process.off('unhandledRejection', onUnhandledRejection);
        if (error) reject(error);
        else resolve();
      });
      this.#server.closeIdleConnections();
    });
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const scope: RequestScope = { res, fail: (error) => this.#fail(req, res, error) };
    requestScope.run(scope, () => {
      try {
        const routing = routeRequest(req.method, req.url, this.#options.routes, this.#options.post);
        switch (routing.kind) {
          case 'post':
            routing.endpoint.handle(req, res);
            return;
          case 'route': {
            const done = routing.route.handle(req, res);
            if (done) done.catch(scope.fail);
            return;
          }
          case 'refuse':
            this.#stray(routing.status, req);
            res.writeHead(routing.status, routing.allow ? { allow: routing.allow } : {}).end();
            // The body, if any, is not wanted: read and drop it so the connection can be reused.
            req.resume();
            return;
        }
      } catch (error) {
        scope.fail(error);
      }
    });
  }

  /** The last resort for one request: log, answer 500 if nothing was sent yet, else cut it short. */
  #fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    this.#rateLimited('failed', 'error', 'HTTP request failed', {
      // Named fields only: errors from Bolt carry the request and response objects.
      error: describeError(error),
      method: clip(req.method, LOGGED_METHOD_CHARS),
      path: clip(pathOf(req.url) ?? req.url, LOGGED_PATH_CHARS),
    });
    if (res.writableEnded) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500, { connection: 'close' }).end();
    req.resume();
  }

  #stray(status: number, req: IncomingMessage): void {
    this.#rateLimited(String(status), 'debug', 'stray HTTP request', {
      status,
      method: clip(req.method, LOGGED_METHOD_CHARS),
      path: clip(req.url, LOGGED_PATH_CHARS),
    });
  }

  #clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    this.#rateLimited('client error', 'debug', 'stray HTTP request', { status: 400, code: error.code });
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
  }

  /** One line per kind per minute, saying how many were left out since the last one. */
  #rateLimited(
    kind: string,
    level: 'debug' | 'error',
    message: string,
    fields: Record<string, unknown>,
  ): void {
    const now = this.#now();
    const last = this.#lastLogged.get(kind);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.suppressed += 1;
      return;
    }
    this.#lastLogged.set(kind, { at: now, suppressed: 0 });
    this.#options.logger[level]({ ...fields, ...(last ? { suppressed: last.suppressed } : {}) }, message);
  }
}

function describeError(error: unknown): Record<string, string | undefined> {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { message: clip(String(error), 500) };
}

function clip(value: string | undefined, max: number): string | undefined {
  if (value === undefined || value.length <= max) return value;
  return `${value.slice(0, max)}…`;
}
