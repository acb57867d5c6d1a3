import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockKitViolations, slackErrorMessages, type Violation } from './blockKit.ts';

export interface RecordedCall {
  /** Web API method (chat.postMessage) or `response:<name>` for response_url posts. */
  method: string;
  body: Record<string, unknown>;
  at: number;
  /** False when the fake answered with a failure (HTTP error or ok:false). */
  ok: boolean;
}

/** A failure to inject; with `channel`, only calls to that channel take it. */
type Failure = { status?: number; error?: string; retryAfterSec?: number; channel?: string };

/** A message or view the fake refused because Slack would: what was sent, and why. */
export interface Refusal {
  method: string;
  error: string;
  violations: Violation[];
  body: Record<string, unknown>;
}

/**
 * A local stand-in for the Slack Web API and for response_url endpoints, recording every call.
 * Web API calls arrive at `${url}/api/<method>` (set SLACK_API_URL to `apiUrl`); response URLs are
 * `${url}/response/<name>`. Messages and views that break Slack's Block Kit rules are refused as
 * Slack refuses them, and `close()` fails the test that sent one unless it called `allowRefusals()`.
 */
export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  /** Every message or view refused by the Block Kit rules, in order. */
  readonly refusals: Refusal[] = [];
  #refusalsAllowed = false;
  readonly #server: Server;
  readonly #failures = new Map<string, Failure[]>();
  readonly #channelErrors = new Map<string, string>();
  /** Per method, how the next calls' answers wait: a number of ms, or a promise the test settles. */
  readonly #delays = new Map<string, Array<number | Promise<void>>>();
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
        const failure = this.#takeFailure(method, body);
        const refused = slackRefusal(method, body);
        if (refused) this.refusals.push(refused.refusal);
        this.calls.push({ method, body, at: Date.now(), ok: failure === undefined && !refused });
        for (const wake of this.#waiters.splice(0)) wake();
        const delay = this.#delays.get(method)?.shift();
        if (typeof delay === 'number') await new Promise((resolve) => setTimeout(resolve, delay));
        else if (delay) await delay;
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
        if (refused) {
          res.writeHead(refused.status, { 'content-type': refused.contentType }).end(refused.answer);
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

  /**
   * Every chat.* call to `channel` gets `error` (ok:false) until called again with undefined: the
   * channel's state as Slack sees it, e.g. not_in_channel until the bot is invited, is_archived.
   */
  setChannelError(channel: string, error: string | undefined): void {
    if (error === undefined) this.#channelErrors.delete(channel);
    else this.#channelErrors.set(channel, error);
  }

  #takeFailure(method: string, body: Record<string, unknown>): Failure | undefined {
    const channelError = method.startsWith('chat.')
      ? this.#channelErrors.get(String(body.channel))
      : undefined;
    if (channelError) return { error: channelError };
    const queue = this.#failures.get(method);
    const index = queue?.findIndex((f) => f.channel === undefined || f.channel === body.channel) ?? -1;
    return index < 0 ? undefined : queue?.splice(index, 1)[0];
  }

  /** The next call of `method` is recorded at once but answered only after `ms`. */
  delayNext(method: string, ms: number): void {
    const queue = this.#delays.get(method) ?? [];
    queue.push(ms);
    this.#delays.set(method, queue);
  }

  /**
   * The next call of `method` is recorded at once but answered only when the returned function is
   * called: a test can act between Slack receiving a message and the bot reading Slack's answer.
   */
  holdNext(method: string): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queue = this.#delays.get(method) ?? [];
    queue.push(held);
    this.#delays.set(method, queue);
    return release;
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

  /** This test sends what Slack refuses on purpose: `close()` will not fail on refusals. */
  allowRefusals(): void {
    this.#refusalsAllowed = true;
  }

  /** Stops the server; fails when the bot sent something Slack refuses (see `allowRefusals`). */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (!this.#refusalsAllowed) assertNoRefusals(this.refusals);
  }

  #answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    if (method === 'chat.postMessage') this.#ts += 1;
    return slackAnswer(method, body, `${this.#ts}.000100`);
  }
}

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

/**
 * How Slack refuses a message or view that breaks its Block Kit rules, or undefined when it accepts
 * it. Web API methods answer HTTP 200 with `ok: false`: `invalid_blocks` with each rule and JSON
 * pointer in `response_metadata.messages`, `msg_blocks_too_long` (no detail) for the size of the
 * blocks, `no_text` for an empty message; `views.publish` answers `invalid_arguments` with pointers
 * under `/view`. A response_url, like an incoming webhook, answers HTTP 400 with the bare error code
 * as text. Guidance Slack does not enforce (a missing fallback text) is not refused.
 */
export function slackRefusal(
  method: string,
  body: Record<string, unknown>,
): { status: number; contentType: string; answer: string; refusal: Refusal } | undefined {
  const isResponse = method.startsWith('response:');
  if (isResponse && body.delete_original === true) return undefined;
  let violations: Violation[];
  let prefix = '';
  if (method === 'views.publish') {
    const view = body.view as { type?: unknown } | undefined;
    violations = blockKitViolations(view, view?.type === 'modal' ? 'modal' : 'home');
    prefix = '/view';
  } else if (isResponse || MESSAGE_METHODS.has(method)) {
    violations = blockKitViolations({ text: body.text, blocks: body.blocks }, 'message');
  } else {
    return undefined;
  }
  const refused = violations.filter((v) => v.refusal !== undefined);
  if (refused.length === 0) return undefined;
  const code =
    (['invalid_blocks', 'msg_blocks_too_long', 'no_text'] as const).find((c) =>
      refused.some((v) => v.refusal === c),
    ) ?? 'invalid_blocks';
  const error = method === 'views.publish' ? 'invalid_arguments' : code;
  const refusal: Refusal = { method, error, violations: refused, body };
  if (isResponse) return { status: 400, contentType: 'text/plain', answer: code, refusal };
  const messages = slackErrorMessages(
    refused.filter((v) => v.refusal === code),
    prefix,
  );
  const answer =
    code === 'invalid_blocks'
      ? {
          ok: false,
          error,
          errors: messages.map((m) => m.replace(/^\[ERROR\] /, '')),
          response_metadata: { messages },
        }
      : { ok: false, error };
  return { status: 200, contentType: 'application/json', answer: JSON.stringify(answer), refusal };
}

/** Fails listing each refused message: the bot sent something a real workspace would not show. */
export function assertNoRefusals(refusals: readonly Refusal[]): void {
  if (refusals.length === 0) return;
  const lines = refusals.map(
    (r) => `${r.method} → ${r.error}\n  ${slackErrorMessages(r.violations).join('\n  ')}`,
  );
  throw new Error(`Slack would have refused ${refusals.length} message(s):\n${lines.join('\n')}`);
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
