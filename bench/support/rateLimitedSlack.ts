import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  assertNoRefusals,
  type Refusal,
  readBody,
  slackAnswer,
  slackRefusal,
} from '../../testkit/fakeSlack.ts';

/** One request the fake answered, Web API method or `response:<name>` for a response_url post. */
export interface SlackRequest {
  readonly method: string;
  readonly channel: string | undefined;
  readonly body: Record<string, unknown>;
  /** Arrival time (epoch ms), taken before the body is read. */
  readonly at: number;
  /** 200, 429 when the per-channel limit refused it, or Slack's status for a refused message. */
  readonly status: number;
  /** Slack's error when the message broke a Block Kit rule and was refused. */
  readonly refused?: string;
}

export interface RateLimitedSlackOptions {
  /** Minimum spacing of chat.postMessage/chat.update per channel; Slack documents about one per second. */
  perChannelIntervalMs?: number;
}

// Slack's special rate limit for posting: about one message per second per channel. chat.update is
// counted in the same per-channel budget: it repaints a message in that channel just the same.
const CHANNEL_LIMITED = new Set(['chat.postMessage', 'chat.update']);

/**
 * A local Slack Web API and response_url endpoint that enforces the per-channel message rate: a post or
 * update sooner than `perChannelIntervalMs` after the last accepted one in that channel is answered
 * 429 with Retry-After, as Slack does. Web API calls arrive at `${url}/api/<method>`, response URLs
 * at `${url}/response/<name>`. Messages that break Slack's Block Kit rules are refused as Slack
 * refuses them (the test fake's checker) and make `close()` fail, so a benchmark never measures
 * messages a real workspace would not show.
 */
export class RateLimitedSlack {
  readonly requests: SlackRequest[] = [];
  readonly refusals: Refusal[] = [];
  url = '';
  readonly #server: Server;
  readonly #intervalMs: number;
  readonly #lastAcceptedAt = new Map<string, number>();
  readonly #responseWaiters = new Map<string, (at: number) => void>();
  readonly #responseTimes = new Map<string, number>();
  #ts = 1_700_000_000;

  private constructor(options: RateLimitedSlackOptions) {
    this.#intervalMs = options.perChannelIntervalMs ?? 1_000;
    this.#server = createServer((req, res) => {
      const at = Date.now();
      readBody(req).then(
        (body) => {
          const path = req.url ?? '/';
          if (path.startsWith('/response/')) {
            const name = path.slice('/response/'.length);
            const refused = slackRefusal(`response:${name}`, body);
            if (refused) this.refusals.push(refused.refusal);
            const status = refused?.status ?? 200;
            this.requests.push({
              method: `response:${name}`,
              channel: undefined,
              body,
              at,
              status,
              ...(refused ? { refused: refused.refusal.error } : {}),
            });
            this.#responseTimes.set(name, at);
            this.#responseWaiters.get(name)?.(at);
            this.#responseWaiters.delete(name);
            res.writeHead(status, { 'content-type': 'text/plain' }).end(refused?.answer ?? 'ok');
            return;
          }
          const method = path.startsWith('/api/') ? (path.slice(5).split('?')[0] ?? '') : path;
          const channel = typeof body.channel === 'string' ? body.channel : undefined;
          const refused = slackRefusal(method, body);
          if (refused) {
            this.refusals.push(refused.refusal);
            this.requests.push({
              method,
              channel,
              body,
              at,
              status: refused.status,
              refused: refused.refusal.error,
            });
            res.writeHead(refused.status, { 'content-type': refused.contentType }).end(refused.answer);
            return;
          }
          const waitMs = this.#limitedFor(method, channel, at);
          if (waitMs > 0) {
            this.requests.push({ method, channel, body, at, status: 429 });
            res
              .writeHead(429, {
                'content-type': 'application/json',
                'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
              })
              .end(JSON.stringify({ ok: false, error: 'ratelimited' }));
            return;
          }
          this.requests.push({ method, channel, body, at, status: 200 });
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(this.#answer(method, body)));
        },
        (error: unknown) => res.destroy(error instanceof Error ? error : undefined),
      );
    });
  }

  static async start(options: RateLimitedSlackOptions = {}): Promise<RateLimitedSlack> {
    const fake = new RateLimitedSlack(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(name: string): string {
    return `${this.url}/response/${name}`;
  }

  /** Resolves with the arrival time of the response_url post named `name`; rejects after `timeoutMs`. */
  responseArrival(name: string, timeoutMs: number): Promise<number> {
    const seen = this.#responseTimes.get(name);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#responseWaiters.delete(name);
        reject(new Error(`no answer at response_url ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#responseWaiters.set(name, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  /** The response_url post named `name`, once it arrived. */
  response(name: string): SlackRequest | undefined {
    return this.requests.find((r) => r.method === `response:${name}`);
  }

  /** Accepted messages in channels: chat.postMessage and chat.update answered 200 and not refused. */
  accepted(method?: 'chat.postMessage' | 'chat.update'): SlackRequest[] {
    return this.requests.filter(
      (r) =>
        r.status === 200 &&
        r.refused === undefined &&
        CHANNEL_LIMITED.has(r.method) &&
        (method === undefined || r.method === method),
    );
  }

  /** Requests refused with 429. */
  rateLimited(): SlackRequest[] {
    return this.requests.filter((r) => r.status === 429);
  }

  /** Stops the server; fails when the bot sent a message Slack would have refused. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    assertNoRefusals(this.refusals);
  }

  /** How long the caller should have waited; 0 when the call is within the limit (and is counted). */
  #limitedFor(method: string, channel: string | undefined, at: number): number {
    if (!CHANNEL_LIMITED.has(method) || channel === undefined) return 0;
    const last = this.#lastAcceptedAt.get(channel);
    if (last !== undefined && at - last < this.#intervalMs) return last + this.#intervalMs - at;
    this.#lastAcceptedAt.set(channel, at);
    return 0;
  }

  #answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    if (method === 'chat.postMessage') this.#ts += 1;
    return slackAnswer(method, body, `${this.#ts}.000100`);
  }
}
