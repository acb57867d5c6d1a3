import type { webApi } from '@slack/bolt';
import type { PostFailure, PostResult } from '../domain/delivery.ts';
import type { SlackMessage } from './views/blocks.ts';

/** The Slack adapter for messages the bot posts itself (shares, watch confirmations, alerts). */
export interface SlackPoster {
  post(channel: string, message: SlackMessage, options?: { threadTs?: string }): Promise<PostResult>;
  update(channel: string, ts: string, message: SlackMessage): Promise<PostResult>;
  /** The link to a message the bot posted (chat.getPermalink); undefined when Slack gives none. */
  permalink?(channel: string, ts: string): Promise<string | undefined>;
}

// Error codes from Slack's documentation of chat.postMessage and chat.update, and the errors it
// documents for every Web API method. Any other ok:false error is taken as permanent for the message:
// an error Slack has not documented is likelier a refusal than a hiccup, and retrying a refusal for
// ever is what this classification exists to prevent.

/** Documented as temporary: the same call may succeed later. */
const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
  'org_login_required',
  'external_channel_migrating',
  'update_failed',
  'message_limit_exceeded',
  'streaming_state_conflict',
]);

/** The token, its scopes or a workspace setting: every channel is refused alike. */
const WORKSPACE_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
  'team_access_not_granted',
  'ekm_access_denied',
  'access_denied',
  'accesslimited',
  'two_factor_setup_required',
  'enterprise_is_restricted',
  'app_access_restricted',
  'restricted_action',
  'method_deprecated',
  'deprecated_endpoint',
]);

/** The channel: inviting the bot, unarchiving or changing the channel's settings fixes it. */
const CHANNEL_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'is_inactive',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'messages_tab_disabled',
  'channel_type_not_supported',
  'team_not_found',
]);

const RATE_LIMITED_ERRORS = new Set(['ratelimited', 'rate_limited']);

interface SlackErrorShape {
  code?: unknown;
  data?: { error?: unknown; needed?: unknown };
  retryAfter?: unknown;
  statusCode?: unknown;
  original?: unknown;
  message?: unknown;
}

/** Classifies what the Web API client threw (see @slack/web-api's ErrorCode) into a PostFailure. */
export function toPostFailure(error: unknown): PostFailure {
  const shape: SlackErrorShape =
    typeof error === 'object' && error !== null ? (error as SlackErrorShape) : {};
  switch (shape.code) {
    case 'slack_webapi_rate_limited_error':
      return {
        kind: 'rate_limited',
        error: 'ratelimited',
        retryAfterSec: typeof shape.retryAfter === 'number' && shape.retryAfter > 0 ? shape.retryAfter : 1,
      };
    case 'slack_webapi_platform_error': {
      const slackError = typeof shape.data?.error === 'string' ? shape.data.error : 'unknown_error';
      const failure = classifySlackError(slackError);
      // Slack names the scope a missing_scope refusal needs: the one thing to add before reinstalling.
      const needed = shape.data?.needed;
      if (failure.kind === 'permanent' && slackError === 'missing_scope' && isScopeList(needed))
        return { ...failure, needed };
      return failure;
    }
    case 'slack_webapi_http_error': {
      const status = typeof shape.statusCode === 'number' ? shape.statusCode : 0;
      // Slack's Web API answers 200 or 429; a 5xx or 408 is trouble on the way, anything else means
      // the address is not Slack's API at all (a wrong SLACK_API_URL or a proxy), for every channel.
      if (status >= 500 || status === 408) return { kind: 'transient', error: `http_${status}` };
      return { kind: 'permanent', error: `http_${status}`, scope: 'workspace' };
    }
    case 'slack_webapi_request_error':
      return { kind: 'transient', error: isTimeout(shape.original) ? 'timeout' : 'network' };
  }
  // A 429 whose Retry-After the client could not read reaches us as a plain Error.
  if (
    typeof shape.message === 'string' &&
    /Retry header did not contain a valid timeout/.test(shape.message)
  ) {
    return { kind: 'transient', error: 'ratelimited' };
  }
  if (isTimeout(error)) return { kind: 'transient', error: 'timeout' };
  return { kind: 'transient', error: 'network' };
}

/** An ok:false error code from Slack, classified by its documentation. */
export function classifySlackError(slackError: string): PostFailure {
  if (RATE_LIMITED_ERRORS.has(slackError))
    return { kind: 'rate_limited', error: slackError, retryAfterSec: 1 };
  if (TRANSIENT_ERRORS.has(slackError)) return { kind: 'transient', error: slackError };
  if (WORKSPACE_ERRORS.has(slackError)) return { kind: 'permanent', error: slackError, scope: 'workspace' };
  if (CHANNEL_ERRORS.has(slackError)) return { kind: 'permanent', error: slackError, scope: 'channel' };
  return { kind: 'permanent', error: slackError, scope: 'message' };
}

function isTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'ETIMEDOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

export interface PosterHooks {
  /** Every failure, classified (metrics). */
  onFailure?: (failure: PostFailure) => void;
  /** Slack accepted a message in `channel`: whatever kept earlier messages out of it is gone. */
  onDelivered?: (channel: string) => void;
}

export class WebClientSlackPoster implements SlackPoster {
  readonly #client: webApi.WebClient;
  readonly #hooks: PosterHooks;

  constructor(client: webApi.WebClient, hooks: PosterHooks = {}) {
    this.#client = client;
    this.#hooks = hooks;
  }

  #fail(error: unknown): PostResult {
    const failure = toPostFailure(error);
    this.#hooks.onFailure?.(failure);
    return { ok: false, failure };
  }

  /** `channel` as the caller named it: the ID the outbox keys its messages by. */
  #delivered(channel: string, result: PostResult): PostResult {
    this.#hooks.onDelivered?.(channel);
    return result;
  }

  async post(
    channel: string,
    message: SlackMessage,
    options: { threadTs?: string } = {},
  ): Promise<PostResult> {
    try {
      const answer = await this.#client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
        ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      });
      return this.#delivered(channel, {
        ok: true,
        ts: String(answer.ts ?? ''),
        channel: String(answer.channel ?? channel),
      });
    } catch (error) {
      return this.#fail(error);
    }
  }

  async permalink(channel: string, ts: string): Promise<string | undefined> {
    try {
      const answer = await this.#client.chat.getPermalink({ channel, message_ts: ts });
      return typeof answer.permalink === 'string' ? answer.permalink : undefined;
    } catch (error) {
      // A message that can no longer be linked (deleted, channel gone) is named without a link.
      this.#hooks.onFailure?.(toPostFailure(error));
      return undefined;
    }
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<PostResult> {
    try {
      const answer = await this.#client.chat.update({
        channel,
        ts,
        text: message.text,
        blocks: message.blocks,
      });
      return this.#delivered(channel, {
        ok: true,
        ts: String(answer.ts ?? ts),
        channel: String(answer.channel ?? channel),
      });
    } catch (error) {
      return this.#fail(error);
    }
  }
}

/** Slack scope names as its `needed` field lists them ("files:write", "chat:write.public"), comma-separated. */
function isScopeList(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 200 &&
    /^[a-z][a-z0-9:._-]*(,[a-z][a-z0-9:._-]*)*$/.test(value)
  );
}
