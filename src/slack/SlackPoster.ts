import type { webApi } from '@slack/bolt';
import type { SlackMessage } from './views/blocks.ts';

/** Slack Web API failures the bot tells users about, by Slack's error code. */
export type PostFailure =
  | {
      kind: 'not_in_channel' | 'channel_not_found' | 'is_archived' | 'invalid_auth' | 'rate_limited';
      retryAfterSec?: number;
    }
  | { kind: 'other'; error: string };

export type PostResult = { ok: true; ts: string; channel: string } | { ok: false; failure: PostFailure };

/** The Slack adapter for messages the bot posts itself (shares now, alerts later). */
export interface SlackPoster {
  post(channel: string, message: SlackMessage, options?: { threadTs?: string }): Promise<PostResult>;
  update(channel: string, ts: string, message: SlackMessage): Promise<PostResult>;
}

const KNOWN = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'invalid_auth', 'rate_limited']);

interface SlackErrorShape {
  code?: unknown;
  data?: { error?: unknown };
  retryAfter?: unknown;
  message?: unknown;
}

export function toPostFailure(error: unknown): PostFailure {
  const shape: SlackErrorShape =
    typeof error === 'object' && error !== null ? (error as SlackErrorShape) : {};
  if (shape.code === 'slack_webapi_rate_limited_error') {
    return {
      kind: 'rate_limited',
      retryAfterSec: typeof shape.retryAfter === 'number' ? shape.retryAfter : 1,
    };
  }
  const slackError = typeof shape.data?.error === 'string' ? shape.data.error : undefined;
  if (slackError && KNOWN.has(slackError))
    return { kind: slackError as Exclude<PostFailure['kind'], 'other'> };
  return {
    kind: 'other',
    error: slackError ?? (typeof shape.message === 'string' ? shape.message : String(error)),
  };
}

/** Plain-text advice for the person who asked; no channel mention so it can be escaped safely. */
export function describePostFailure(failure: PostFailure): string {
  switch (failure.kind) {
    case 'not_in_channel':
      return 'The bot is not a member of that channel. Invite it there with /invite @IVS bot (needed for private channels).';
    case 'channel_not_found':
      return 'The bot cannot see that channel: it was deleted, or it is private and the bot was not invited.';
    case 'is_archived':
      return 'That channel is archived.';
    case 'invalid_auth':
      return 'Slack refused the bot token (invalid_auth): check SLACK_BOT_TOKEN and reinstall the app.';
    case 'rate_limited':
      return 'Slack is rate limiting the bot; try again in a moment.';
    case 'other':
      return `Slack refused the message: ${failure.error}`;
  }
}

export class WebClientSlackPoster implements SlackPoster {
  readonly #client: webApi.WebClient;
  readonly #onFailure: ((failure: PostFailure) => void) | undefined;

  constructor(client: webApi.WebClient, onFailure?: (failure: PostFailure) => void) {
    this.#client = client;
    this.#onFailure = onFailure;
  }

  #fail(error: unknown): PostResult {
    const failure = toPostFailure(error);
    this.#onFailure?.(failure);
    return { ok: false, failure };
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
      return { ok: true, ts: String(answer.ts ?? ''), channel: String(answer.channel ?? channel) };
    } catch (error) {
      return this.#fail(error);
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
      return { ok: true, ts: String(answer.ts ?? ts), channel: String(answer.channel ?? channel) };
    } catch (error) {
      return this.#fail(error);
    }
  }
}
