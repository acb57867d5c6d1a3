import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  /** Web API method (chat.postMessage) or `response:<name>` for response_url posts. */
  method: string;
  body: Record<string, unknown>;
  at: number;
  /** False when the fake answered with a failure (HTTP error or ok:false). */
  ok: boolean;
}

type Failure = { status?: number; error?: string; retryAfterSec?: number };

/**
 * A local stand-in for the Slack Web API and for response_url endpoints, recording every call.
 * Web API calls arrive at `${url}/api/<method>` (set SLACK_API_URL to `apiUrl`); response URLs are
 * `${url}/response/<name>`.
 */
export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly #server: Server;
  readonly #failures = new Map<string, Failure[]>();
  readonly #delays = new Map<string, number[]>();
  readonly #waiters: Array<() => void> = [];
  #ts = 1_700_000_000;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      readBody(req).then(async (body) => {
        const path = req.url ?? '/';
        const method = path.startsWith('/api/')
          ? (path.slice(5).split('?')[0] ?? '')
          : `response:${path.slice(10)}`;
        const failure = this.#failures.get(method)?.shift();
        this.calls.push({ method, body, at: Date.now(), ok: failure === undefined });
        for (const wake of this.#waiters.splice(0)) wake();
        const delay = this.#delays.get(method)?.shift();
        if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
        if (res.destroyed) return;
        if (failure?.status) {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (failure.retryAfterSec !== undefined) headers['retry-after'] = String(failure.retryAfterSec);
          res
            .writeHead(failure.status, headers)
            .end(JSON.stringify({ ok: false, error: failure.error ?? 'error' }));
          return;
        }
        if (failure?.error) {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ok: false, error: failure.error }));
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(this.#answer(method, body)));
      });
    });
  }

  static async start(): Promise<FakeSlack> {
    const fake = new FakeSlack();
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

  /** The next `times` calls of `method` fail (HTTP status, or ok:false with a Slack error code). */
  fail(method: string, failure: Failure, times = 1): void {
    const queue = this.#failures.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(failure);
    this.#failures.set(method, queue);
  }

  /** The next call of `method` is recorded at once but answered only after `ms`. */
  delayNext(method: string, ms: number): void {
    const queue = this.#delays.get(method) ?? [];
    queue.push(ms);
    this.#delays.set(method, queue);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Resolves once `count` calls of `method` were recorded; rejects after `timeoutMs`. */
  async waitFor(method: string, count = 1, timeoutMs = 5_000): Promise<RecordedCall[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.callsTo(method).length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${count} × ${method}; got ${this.callsTo(method).length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.callsTo(method);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    if (method === 'chat.postMessage') this.#ts += 1;
    return slackAnswer(method, body, `${this.#ts}.000100`);
  }
}

/** What Slack's Web API answers to the methods the bot calls (installed in team T0001). */
export function slackAnswer(
  method: string,
  body: Record<string, unknown>,
  ts: string,
): Record<string, unknown> {
  switch (method) {
    case 'auth.test':
      return {
        ok: true,
        url: 'https://example.slack.com/',
        team: 'Example',
        user: 'ivsbot',
        team_id: 'T0001',
        user_id: 'UBOT0001',
        bot_id: 'BBOT0001',
      };
    case 'chat.postMessage':
      return { ok: true, channel: body.channel, ts, message: { text: body.text } };
    case 'chat.update':
      return { ok: true, channel: body.channel, ts: body.ts };
    default:
      return { ok: true };
  }
}

/** A Web API or response_url request body: JSON, or form-encoded with JSON-valued fields. */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  if ((req.headers['content-type'] ?? '').includes('application/json'))
    return JSON.parse(text) as Record<string, unknown>;
  // The Web API client sends form-encoded bodies; blocks and views arrive as JSON strings.
  const form = Object.fromEntries(new URLSearchParams(text));
  const parsed: Record<string, unknown> = { ...form };
  for (const key of ['blocks', 'attachments', 'view']) {
    if (typeof form[key] === 'string') parsed[key] = JSON.parse(form[key]);
  }
  return parsed;
}
