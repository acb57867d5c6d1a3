import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { toBoltLogger } from './boltLogger.ts';

/** Plain HTTP routes served beside Slack's endpoint (health, readiness, metrics). */
export interface HttpRoute {
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface SlackAppHandle {
  app: App;
  /** The bot token's Web API client, for messages the bot posts on its own (alerts, shares). */
  client: webApi.WebClient;
  /** The bot's workspace and identity from auth.test, cached once it succeeded. */
  identity: () => Promise<BotIdentity>;
  /** Starts listening; resolves to the HTTP port actually bound (useful with PORT=0). */
  start(): Promise<number>;
  stop(): Promise<void>;
}

export interface BotIdentity {
  teamId: string;
  botId: string;
  botUserId: string;
}

export const SLACK_EVENTS_PATH = '/slack/events';
/** Slack's payloads are a few kilobytes; anything near this is not from Slack. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** Builds the Bolt app: HTTP receiver on POST /slack/events, or Socket Mode when SLACK_APP_TOKEN is set. */
export function createSlackApp(
  config: Pick<
    Config,
    'slackBotToken' | 'slackSigningSecret' | 'slackAppToken' | 'port' | 'host' | 'slackApiUrl'
  >,
  logger: Logger,
  routes: readonly HttpRoute[],
): SlackAppHandle {
  const boltLogger = toBoltLogger(logger);
  const customRoutes = routes.map((route) => ({
    path: route.path,
    method: ['GET'],
    handler: (req: IncomingMessage, res: ServerResponse) => {
      Promise.resolve(route.handle(req, res)).catch((error: unknown) => {
        logger.error({ err: error, path: route.path }, 'route failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    },
  }));
  // Rate limits and retries are the outbox's job (it honours Retry-After per channel and never drops a
  // message), so the Web API client fails fast instead of sleeping inside a request for minutes.
  const clientOptions = {
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, minTimeout: 200, maxTimeout: 1_000 },
    timeout: 10_000,
    ...(config.slackApiUrl ? { slackApiUrl: ensureTrailingSlash(config.slackApiUrl) } : {}),
  };

  // Bolt's own token check calls auth.test in the constructor and leaves the promise unhandled, so
  // an unreachable Slack at start-up would crash the process. The bot authorizes itself instead:
  // auth.test once, cached on success, retried on the next request after a failure.
  const client = new webApi.WebClient(config.slackBotToken, { ...clientOptions, logger: boltLogger });
  const identity = cachedIdentity(client, logger);
  const authorize = async () => {
    const bot = await identity();
    return { botToken: config.slackBotToken, botId: bot.botId, botUserId: bot.botUserId, teamId: bot.teamId };
  };

  if (config.slackAppToken) {
    const receiver = new SocketModeReceiver({
      appToken: config.slackAppToken,
      logger: boltLogger,
      logLevel: LogLevel.INFO,
      customRoutes,
      installerOptions: { port: config.port },
    });
    const app = new App({ authorize, receiver, logger: boltLogger, clientOptions });
    return {
      app,
      client,
      identity,
      async start() {
        await app.start();
        return config.port;
      },
      async stop() {
        await app.stop();
      },
    };
  }

  const receiver = new HTTPReceiver({
    signingSecret: config.slackSigningSecret ?? '',
    endpoints: SLACK_EVENTS_PATH,
    customRoutes,
    logger: boltLogger,
    // Slack bodies are small; refusing big ones early keeps memory flat under abuse.
    bodyLimit: BODY_LIMIT_BYTES,
  });
  const app = new App({ authorize, receiver, logger: boltLogger, clientOptions });
  // Our own server in front of Bolt's listener: Bolt refuses stale timestamps but not ones from the
  // future, and Slack's replay window is ±5 minutes.
  const server = createServer((req, res) => {
    // A declared size over the limit is refused before a byte is read, and the connection closed so
    // the rest of the upload is never buffered.
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES) {
      logger.warn(
        { path: req.url, bytes: req.headers['content-length'] },
        'refused an oversized request body',
      );
      res.writeHead(413, { connection: 'close' }).end();
      req.destroy();
      return;
    }
    if (
      req.method === 'POST' &&
      isOutsideReplayWindow(req.headers['x-slack-request-timestamp'], Date.now())
    ) {
      logger.warn({ path: req.url }, 'refused a Slack request outside the ±5 minute replay window');
      res.writeHead(401).end();
      req.resume();
      return;
    }
    receiver.requestListener(req, res);
  });
  return {
    app,
    client,
    identity,
    start: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve((server.address() as AddressInfo).port));
      }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

const REPLAY_WINDOW_SEC = 5 * 60;

/** True when a request's X-Slack-Request-Timestamp is missing, malformed or more than 5 minutes off. */
export function isOutsideReplayWindow(header: string | string[] | undefined, nowMs: number): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,12}$/.test(value)) return true;
  return Math.abs(Math.floor(nowMs / 1000) - Number(value)) > REPLAY_WINDOW_SEC;
}

function cachedIdentity(client: webApi.WebClient, logger: Logger): () => Promise<BotIdentity> {
  let cached: Promise<BotIdentity> | undefined;
  return () => {
    cached ??= client.auth
      .test()
      .then((result) => {
        if (!result.team_id || !result.bot_id || !result.user_id) {
          throw new Error('auth.test answered without team and bot IDs');
        }
        return { teamId: result.team_id, botId: result.bot_id, botUserId: result.user_id };
      })
      .catch((error: unknown) => {
        cached = undefined;
        logger.warn({ err: error }, 'auth.test failed: the bot cannot verify its Slack workspace yet');
        throw error;
      });
    return cached;
  };
}

function ensureTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
