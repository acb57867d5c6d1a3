import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { blockKitViolations, slackErrorMessages, type Violation } from './blockKit.ts';
import { FakeSocketMode } from './fakeSocketMode.ts';

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
 * So are calls the bot token's scopes do not allow (`missing_scope`, see REQUIRED_BOT_SCOPES) and
 * a response_url used a 6th time or after 30 minutes (see ResponseUrls).
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
  readonly #files = new FakeFiles(() => this.url);
  #ts = 1_700_000_000;
  url = '';
  /** Slack's Socket Mode side, when started with `{ socketMode: true }`: `apps.connections.open` points at it. */
  socketMode: FakeSocketMode | undefined;

  /** The bot token's scopes: the app manifest's by default (see `start`). */
  #scopes: ReadonlySet<string>;

  readonly #responseUrls: ResponseUrls;

  private constructor(scopes: readonly string[], now: () => number) {
    this.#scopes = new Set(scopes);
    this.#responseUrls = new ResponseUrls(now);
    this.#server = createServer((req, res) => {
      if ((req.url ?? '').startsWith(UPLOAD_PATH)) {
        this.#files.receive(req, res).then((upload) => {
          // Recorded as method `upload`: the POST of a file's bytes to the URL Slack gave for it.
          this.calls.push({ method: 'upload', body: upload.body, at: Date.now(), ok: upload.ok });
          for (const wake of this.#waiters.splice(0)) wake();
        });
        return;
      }
      readBody(req).then(async (body) => {
        const path = req.url ?? '/';
        const method = path.startsWith('/api/')
          ? (path.slice(5).split('?')[0] ?? '')
          : `response:${path.slice(10)}`;
        const failure = this.#takeFailure(method, body);
        const refused =
          this.#responseUrls.refusal(method, body) ??
          scopeRefusal(method, body, this.#scopes) ??
          slackRefusal(method, body) ??
          this.#files.refusal(method, body) ??
          conversationsOpenRefusal(method, body);
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
        const answer =
          method === 'apps.connections.open'
            ? this.#connectionsOpen(req.headers.authorization)
            : this.#answer(method, body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
  }

  /**
   * `scopes`: the bot token's scopes; by default those the app manifest grants (manifest.yml, or
   * manifest.socket-mode.yml with `socketMode`), so a test fails when the bot calls a method the
   * manifest does not allow. A test passes fewer to see how the bot takes a `missing_scope`.
   * `now`: the clock response_url expiry is measured on (Date.now by default).
   */
  static async start(
    options: { socketMode?: boolean; scopes?: readonly string[]; now?: () => number } = {},
  ): Promise<FakeSlack> {
    const manifest = options.socketMode ? SOCKET_MODE_MANIFEST : HTTP_MANIFEST;
    const fake = new FakeSlack(options.scopes ?? manifestBotScopes(manifest), options.now ?? Date.now);
    if (options.socketMode) fake.socketMode = await FakeSocketMode.start();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /**
   * The response_url of one interaction, handed out now: its 30 minutes start at the first call for
   * `name` (a test makes one name per interaction, as Slack makes one URL per interaction).
   */
  responseUrl(name: string): string {
    this.#responseUrls.issue(name);
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
      : method === 'files.completeUploadExternal' && body.channel_id !== undefined
        ? this.#channelErrors.get(String(body.channel_id))
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

  /** Every file the bot started uploading, in order, with its bytes and where it was shared. */
  get files(): readonly FakeFile[] {
    return this.#files.all;
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

  /** From now on the bot token has these scopes, as after reinstalling the app with them. */
  grantScopes(scopes: readonly string[]): void {
    this.#scopes = new Set(scopes);
  }

  /** Removes and returns the refusals with `error`: the ones a test expected, so `close()` passes them. */
  takeRefusals(error: string): Refusal[] {
    const taken = this.refusals.filter((r) => r.error === error);
    for (const refusal of taken) this.refusals.splice(this.refusals.indexOf(refusal), 1);
    return taken;
  }

  /** This test sends what Slack refuses on purpose: `close()` will not fail on refusals. */
  allowRefusals(): void {
    this.#refusalsAllowed = true;
  }

  /** Stops the server; fails when the bot sent something Slack refuses (see `allowRefusals`). */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await this.socketMode?.close();
    if (!this.#refusalsAllowed) assertNoRefusals(this.refusals);
  }

  /**
   * apps.connections.open takes an app-level token only (`not_allowed_token_type` otherwise, as
   * Slack documents) and answers the WebSocket URL; without Socket Mode the app is not enabled for it.
   */
  #connectionsOpen(authorization: string | undefined): Record<string, unknown> {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) return { ok: false, error: 'not_authed' };
    if (!token.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
    if (!this.socketMode) return { ok: false, error: 'not_allowed' };
    return { ok: true, url: this.socketMode.url };
  }

  #answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    if (method === 'chat.postMessage') this.#ts += 1;
    return this.#files.answer(method, body) ?? slackAnswer(method, body, `${this.#ts}.000100`);
  }
}

/** Slack: a response_url can be used "up to 5 times within 30 minutes" of the interaction. */
export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/**
 * The response_urls the fake handed out, each with its time of issue and its uses. Slack documents
 * the limits ("You can use a response_url up to 5 times within 30 minutes of receiving the
 * payload") but not its answer past them: HTTP 404 with the text `used_url` for a 6th use and
 * `expired_url` after 30 minutes is this fake's guess, in the shape of the webhook errors Slack
 * documents (an HTTP error status with a bare code as text). Every POST counts as a use, refused or not.
 */
class ResponseUrls {
  readonly #issued = new Map<string, { at: number; uses: number }>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  issue(name: string): { at: number; uses: number } {
    let url = this.#issued.get(name);
    if (!url) {
      url = { at: this.#now(), uses: 0 };
      this.#issued.set(name, url);
    }
    return url;
  }

  refusal(method: string, body: Record<string, unknown>): ReturnType<typeof slackRefusal> {
    if (!method.startsWith('response:')) return undefined;
    const url = this.issue(method.slice('response:'.length));
    url.uses += 1;
    const error =
      this.#now() - url.at > RESPONSE_URL_LIFETIME_MS
        ? 'expired_url'
        : url.uses > RESPONSE_URL_MAX_USES
          ? 'used_url'
          : undefined;
    if (!error) return undefined;
    return {
      status: 404,
      contentType: 'text/plain',
      answer: error,
      refusal: { method, error, violations: [], body },
    };
  }
}

/** The app manifests, at the repository's root: the scopes a real install grants the bot. */
export const HTTP_MANIFEST = fileURLToPath(new URL('../manifest.yml', import.meta.url));
export const SOCKET_MODE_MANIFEST = fileURLToPath(new URL('../manifest.socket-mode.yml', import.meta.url));

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

/** Slack's refusal of a call whose arguments it rejects: HTTP 200 with ok:false and the error's code. */
function okFalse(
  method: string,
  error: string,
  body: Record<string, unknown>,
): { status: number; contentType: string; answer: string; refusal: Refusal } {
  return {
    status: 200,
    contentType: 'application/json',
    answer: JSON.stringify({ ok: false, error }),
    refusal: { method, error, violations: [], body },
  };
}

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

/**
 * The bot-token scopes each Web API method the bot calls requires, from the "Required scopes" /
 * "Bot token" facts of each method's reference page (https://docs.slack.dev/reference/methods/<method>,
 * api.slack.com/methods/<method>) and the scope pages' "Compatible API methods"
 * (https://docs.slack.dev/reference/scopes/<scope>). Any one scope in a list is enough; an empty list
 * is "No scope required". A method missing here is refused by the fake (see `scopeRefusal`): a method
 * the bot starts calling needs its row before its tests pass.
 */
export const REQUIRED_BOT_SCOPES: Readonly<Record<string, readonly string[]>> = {
  // auth.test: "No scope required".
  'auth.test': [],
  // chat.postMessage, chat.update, chat.postEphemeral: bot token "chat:write".
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  // chat.getPermalink: "Bot tokens: No scope required".
  'chat.getPermalink': [],
  // views.publish: the reference lists no required scope (the app needs its Home tab enabled).
  'views.publish': [],
  // conversations.open: bot token channels:manage, groups:write, im:write or mpim:write.
  'conversations.open': ['channels:manage', 'groups:write', 'im:write', 'mpim:write'],
  // files.getUploadURLExternal, files.completeUploadExternal: bot token "files:write".
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
};

/**
 * Slack's refusal of a bot-token call whose token lacks the method's scope: HTTP 200,
 * `{ok:false, error:'missing_scope', needed, provided}` as the Web API documents it ("needed" names
 * the scope to add, "provided" the token's scopes, comma-separated). When any of several scopes
 * would do, `needed` lists them comma-separated: which one Slack names then is this fake's guess.
 * apps.connections.open takes the app-level token (its own `connections:write`) and is not checked
 * here; a method absent from REQUIRED_BOT_SCOPES is refused as `unknown_method` (the fake's gap, not
 * Slack's answer) so that it cannot pass unchecked.
 */
export function scopeRefusal(
  method: string,
  body: Record<string, unknown>,
  granted: ReadonlySet<string>,
): ReturnType<typeof slackRefusal> {
  if (method.startsWith('response:') || method === 'apps.connections.open') return undefined;
  const required = REQUIRED_BOT_SCOPES[method];
  if (required === undefined) return okFalse(method, 'unknown_method', body);
  if (required.length === 0 || required.some((scope) => granted.has(scope))) return undefined;
  const answer = {
    ok: false,
    error: 'missing_scope',
    needed: required.join(','),
    provided: [...granted].join(','),
  };
  return {
    status: 200,
    contentType: 'application/json',
    answer: JSON.stringify(answer),
    refusal: { method, error: 'missing_scope', violations: [], body },
  };
}

/** The bot scopes an app manifest grants (`oauth_config.scopes.bot`), read from the YAML file. */
export function manifestBotScopes(path: string): string[] {
  const manifest = parseYaml(readFileSync(path, 'utf8')) as {
    oauth_config?: { scopes?: { bot?: unknown } };
  };
  const bot = manifest.oauth_config?.scopes?.bot;
  if (!Array.isArray(bot) || !bot.every((s) => typeof s === 'string'))
    throw new Error(`${path}: oauth_config.scopes.bot is not a list of scopes`);
  return bot;
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
    case 'conversations.open':
      // The bot's DM with one user: one stable ID per user, as in Slack.
      return { ok: true, channel: { id: dmChannelOf(String(body.users)) } };
    case 'chat.getPermalink': {
      // Slack's documented answer: the message's link in the workspace's domain (auth.test's url),
      // "p" and the ts without its dot; channel and message_ts are required arguments.
      const channel = body.channel;
      const messageTs = body.message_ts;
      if (typeof channel !== 'string' || typeof messageTs !== 'string' || !/^\d+\.\d+$/.test(messageTs)) {
        return { ok: false, error: 'invalid_arguments' };
      }
      return {
        ok: true,
        channel,
        permalink: `https://example.slack.com/archives/${channel}/p${messageTs.replace('.', '')}`,
      };
    }
    default:
      return { ok: true };
  }
}

/** The ID of the bot's direct message channel with `user` in the fake workspace. */
export function dmChannelOf(user: string): string {
  return `D${user.replace(/^U/, '')}`;
}

/**
 * conversations.open as the bot uses it: one user in `users` (a DM). Slack answers
 * `users_list_not_supplied` without `users` or `channel`, and `user_not_found` for what is not a user ID.
 */
function conversationsOpenRefusal(
  method: string,
  body: Record<string, unknown>,
): ReturnType<typeof slackRefusal> {
  if (method !== 'conversations.open') return undefined;
  const users = body.users;
  const error =
    users === undefined && body.channel === undefined
      ? 'users_list_not_supplied'
      : typeof users === 'string' && !users.split(',').every((u) => /^[UW][A-Z0-9]{2,}$/.test(u))
        ? 'user_not_found'
        : undefined;
  if (!error) return undefined;
  return okFalse(method, error, body);
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
  for (const key of ['blocks', 'attachments', 'view', 'files']) {
    if (typeof form[key] === 'string') parsed[key] = JSON.parse(form[key]);
  }
  return parsed;
}

const UPLOAD_PATH = '/upload/';

/** A file as the fake Slack knows it: announced, maybe uploaded, maybe shared. */
export interface FakeFile {
  readonly id: string;
  readonly filename: string;
  /** The length announced to files.getUploadURLExternal. */
  readonly length: number;
  readonly altText: string | undefined;
  /** The bytes posted to its upload URL, once they arrived with the announced length. */
  bytes: Buffer | undefined;
  /** Set by files.completeUploadExternal. */
  completed:
    | {
        title: string | undefined;
        channelId: string | undefined;
        threadTs: string | undefined;
        initialComment: string | undefined;
      }
    | undefined;
}

/**
 * Slack's upload flow, as its documentation describes it (the flow `files.uploadV2` of @slack/web-api
 * runs): `files.getUploadURLExternal` takes a `filename` and the file's `length` in bytes and answers
 * an `upload_url` and a `file_id`; the bytes are POSTed to that URL, raw or as multipart form data,
 * and any answer but HTTP 200 is a failure; `files.completeUploadExternal` takes `files` (a JSON array
 * of `{id, title?}`) and optionally `channel_id`, `thread_ts`, `initial_comment`, and shares the file
 * there (no channel: the file stays private). Refused as Slack refuses: a missing filename or a length
 * that is not a positive whole number, an alt text over 1,000 characters, bytes that do not match the
 * announced length, a file ID Slack never issued or whose bytes never arrived, a `thread_ts` without a
 * channel (the reference asks for exactly one channel with `thread_ts` but names no error for it:
 * `invalid_arguments` is this fake's guess; the bot never sends `thread_ts`). Not enforced: file
 * size limits, workspace upload settings, files shared twice.
 */
class FakeFiles {
  readonly all: FakeFile[] = [];
  readonly #baseUrl: () => string;
  #next = 0;

  constructor(baseUrl: () => string) {
    this.#baseUrl = baseUrl;
  }

  /** Slack's ok:false error for a files.* call it refuses, or undefined. */
  refusal(method: string, body: Record<string, unknown>): ReturnType<typeof slackRefusal> {
    const error = this.#error(method, body);
    if (!error) return undefined;
    return okFalse(method, error, body);
  }

  #error(method: string, body: Record<string, unknown>): string | undefined {
    if (method === 'files.getUploadURLExternal') {
      if (typeof body.filename !== 'string' || body.filename === '') return 'invalid_arguments';
      const length = Number(body.length);
      if (body.length === undefined || !Number.isInteger(length) || length < 0) return 'invalid_arguments';
      // Slack: "Typically only occurs when the length provided is 0."
      if (length === 0) return 'missing_argument';
      // Slack documents `alt_txt`; @slack/web-api sends `alt_text`. Either is held to the limit.
      const alt = body.alt_txt ?? body.alt_text;
      if (typeof alt === 'string' && alt.length > 1000) return 'alt_txt_too_large';
      return undefined;
    }
    if (method === 'files.completeUploadExternal') {
      const files = body.files;
      if (!Array.isArray(files) || files.length === 0) return 'invalid_arguments';
      for (const entry of files) {
        const id = (entry as { id?: unknown } | null)?.id;
        const file = this.all.find((f) => f.id === id);
        if (!file || file.bytes === undefined) return 'file_not_found';
      }
      if (body.thread_ts !== undefined && body.channel_id === undefined && body.channels === undefined) {
        return 'invalid_arguments';
      }
      return undefined;
    }
    return undefined;
  }

  /** The answer to an accepted files.* call, or undefined for other methods. */
  answer(method: string, body: Record<string, unknown>): Record<string, unknown> | undefined {
    if (method === 'files.getUploadURLExternal') {
      this.#next += 1;
      const id = `F${String(this.#next).padStart(10, '0')}`;
      this.all.push({
        id,
        filename: String(body.filename),
        length: Number(body.length),
        altText: String(body.alt_txt ?? body.alt_text ?? '') || undefined,
        bytes: undefined,
        completed: undefined,
      });
      return { ok: true, upload_url: `${this.#baseUrl()}${UPLOAD_PATH}${id}`, file_id: id };
    }
    if (method === 'files.completeUploadExternal') {
      const entries = body.files as { id: string; title?: string }[];
      const optional = (value: unknown) => (typeof value === 'string' ? value : undefined);
      for (const entry of entries) {
        const file = this.all.find((f) => f.id === entry.id);
        if (!file) continue;
        file.completed = {
          title: entry.title,
          channelId: optional(body.channel_id),
          threadTs: optional(body.thread_ts),
          initialComment: optional(body.initial_comment),
        };
      }
      return {
        ok: true,
        files: entries.map((entry) => ({ id: entry.id, title: entry.title ?? '' })),
      };
    }
    return undefined;
  }

  /** The POST of a file's bytes to its upload URL: 200 when they match what was announced. */
  async receive(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ ok: boolean; body: Record<string, unknown> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const file = this.all.find((f) => f.id === (req.url ?? '').slice(UPLOAD_PATH.length));
    const contentType = req.headers['content-type'] ?? '';
    let bytes = raw;
    if (contentType.startsWith('multipart/form-data')) {
      // The one file part of the form is the file.
      const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
      const part = [...form.values()].find((value) => typeof value !== 'string');
      bytes = part ? Buffer.from(await part.arrayBuffer()) : Buffer.alloc(0);
    }
    const body = { file_id: file?.id, bytes: bytes.length, multipart: contentType.startsWith('multipart/') };
    if (req.method !== 'POST' || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return { ok: false, body };
    }
    if (bytes.length !== file.length) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('length mismatch');
      return { ok: false, body };
    }
    file.bytes = bytes;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
    return { ok: true, body };
  }
}
