import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import { HttpFront, type HttpRoute } from '../platform/HttpFront.ts';
import type { Logger } from '../platform/logger.ts';
import { toBoltLogger } from './boltLogger.ts';

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

/** The part of the configuration the Slack app reads. */
export interface SlackAppSettings {
  readonly slackBotToken: string;
  readonly slackSigningSecret: string | undefined;
  readonly slackAppToken: string | undefined;
  readonly port: number;
  readonly host: string | undefined;
  readonly slackApiUrl: string | undefined;
}

/** Builds the Bolt app: HTTP receiver on POST /slack/events, or Socket Mode when SLACK_APP_TOKEN is set. */
export function createSlackApp(
  config: SlackAppSettings,
  logger: Logger,
  routes: readonly HttpRoute[],
): SlackAppHandle {
  const boltLogger = toBoltLogger(logger);
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
    // No customRoutes for Bolt's Socket Mode server: it crashes on some request targets (an
    // unhandled rejection on `GET //`) and ignores HOST. The bot's own front serves the routes.
    const receiver = new SocketModeReceiver({
      appToken: config.slackAppToken,
      logger: boltLogger,
      logLevel: LogLevel.INFO,
    });
    if (config.slackApiUrl) {
      // Bolt gives its Socket Mode client no Web API options, so apps.connections.open would go to
      // slack.com whatever SLACK_API_URL says (GovSlack, a proxy, a fake Slack). Same settings
      // as the client it replaces (its app-token header, its patient retries), at SLACK_API_URL.
      const socketClient = receiver.client as unknown as { webClient: webApi.WebClient };
      socketClient.webClient = new webApi.WebClient('', {
        logger: boltLogger,
        headers: { Authorization: `Bearer ${config.slackAppToken}` },
        retryConfig: { retries: 100, factor: 1.3 },
        slackApiUrl: ensureTrailingSlash(config.slackApiUrl),
      });
    }
    const app = new App({ authorize, receiver, logger: boltLogger, clientOptions, convoStore: false });
    const front = new HttpFront({ routes, logger });
    return {
      app,
      client,
      identity,
      async start() {
        await app.start();
        try {
          return await front.listen(config.port, config.host);
        } catch (error) {
          // The socket is open by now: a start that fails here must close it, or it keeps the process up.
          await app.stop();
          throw error;
        }
      },
      async stop() {
        await Promise.all([app.stop(), front.close()]);
      },
    };
  }

  const receiver = new HTTPReceiver({
    signingSecret: config.slackSigningSecret ?? '',
    endpoints: SLACK_EVENTS_PATH,
    logger: boltLogger,
    // Slack bodies are small; refusing big ones early keeps memory flat under abuse.
    bodyLimit: BODY_LIMIT_BYTES,
  });
  // No conversation store: the bot keeps no per-conversation state, and Bolt's default in-memory one
  // builds an Error ("Conversation not found") with its stack trace on every request.
  const app = new App({ authorize, receiver, logger: boltLogger, clientOptions, convoStore: false });
  // Our own server in front of Bolt's listener, which only ever sees POST /slack/events: Bolt throws
  // on any other request (its own server catches that, a custom one must), and it refuses stale
  // timestamps but not ones from the future, while Slack's replay window is ±5 minutes.
  const front = new HttpFront({
    routes,
    logger,
    post: {
      path: SLACK_EVENTS_PATH,
      handle: (req, res) => {
        if (refusedBeforeBolt(req, res, logger)) return;
        receiver.requestListener(req, res);
      },
    },
  });
  return {
    app,
    client,
    identity,
    start: () => front.listen(config.port, config.host),
    stop: () => front.close(),
  };
}

/** The checks made before Bolt reads a byte; true when the request was answered here. */
function refusedBeforeBolt(req: IncomingMessage, res: ServerResponse, logger: Logger): boolean {
  // A declared size over the limit is refused before a byte is read, and the connection closed so
  // the rest of the upload is never buffered.
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES) {
    logger.warn({ path: req.url, bytes: req.headers['content-length'] }, 'refused an oversized request body');
    res.writeHead(413, { connection: 'close' }).end();
    req.destroy();
    return true;
  }
  if (isOutsideReplayWindow(req.headers['x-slack-request-timestamp'], Date.now())) {
    logger.warn({ path: req.url }, 'refused a Slack request outside the ±5 minute replay window');
    res.writeHead(401).end();
    req.resume();
    return true;
  }
  return false;
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
