import type { PostResult } from '../domain/delivery.ts';
import { type AccessPolicy, channelAllowed } from './access.ts';
import type { SlackPoster } from './SlackPoster.ts';
import type { SlackMessage } from './views/blocks.ts';

/** The error the outbox keeps for a message to a channel taken off IVS_ALLOWED_CHANNELS. */
export const CHANNEL_NOT_ALLOWED = 'channel_not_allowed';

/**
 * Keeps the bot's own posts inside IVS_ALLOWED_CHANNELS. A watch saved before its channel was taken
 * off the list would otherwise keep sending participant data there; its messages are held as
 * undelivered (shown in /ivs watches and App Home) until the channel is listed again or an admin
 * unwatches it.
 */
export class AllowedChannelsPoster implements SlackPoster {
  readonly #inner: SlackPoster;
  readonly #policy: AccessPolicy;

  constructor(inner: SlackPoster, policy: AccessPolicy) {
    this.#inner = inner;
    this.#policy = policy;
  }

  post(channel: string, message: SlackMessage, options?: { threadTs?: string }): Promise<PostResult> {
    if (!channelAllowed(this.#policy, channel)) return Promise.resolve(refused());
    return this.#inner.post(channel, message, options);
  }

  update(channel: string, ts: string, message: SlackMessage): Promise<PostResult> {
    if (!channelAllowed(this.#policy, channel)) return Promise.resolve(refused());
    return this.#inner.update(channel, ts, message);
  }

  permalink(channel: string, ts: string): Promise<string | undefined> {
    if (!channelAllowed(this.#policy, channel)) return Promise.resolve(undefined);
    return this.#inner.permalink?.(channel, ts) ?? Promise.resolve(undefined);
  }
}

function refused(): PostResult {
  return { ok: false, failure: { kind: 'permanent', error: CHANNEL_NOT_ALLOWED, scope: 'channel' } };
}
