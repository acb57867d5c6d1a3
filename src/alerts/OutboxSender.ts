import { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { PostFailure, PostResult, SlackPoster } from '../slack/SlackPoster.ts';
import { renderAlertGroup, renderAlertReply, renderStageNotice } from '../slack/views/alertViews.ts';
import type { SlackMessage } from '../slack/views/blocks.ts';
import type { Store } from '../store/Store.ts';
import type { OutboxItem } from './model.ts';

export interface OutboxSenderOptions {
  store: Store;
  slack: SlackPoster;
  logger: Logger;
  now?: () => Date;
  /** Slack allows about one message per second per channel. */
  perChannelIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Only the leader replica sends; checked before every message. */
  canSend?: () => boolean;
  /** Observes each send (metrics). */
  onSend?: (kind: OutboxItem['kind'], outcome: 'sent' | 'skipped_muted' | 'retry') => void;
}

const BATCH = 200;
const MAX_BACKOFF_MS = 15 * 60 * 1000;

const replySchema = z.object({
  events: z.number(),
  participants: z.array(
    z.object({
      participantId: z.string(),
      userId: z.string().nullable(),
      remoteParticipantId: z.string().nullable(),
    }),
  ),
  firstSeen: z.string(),
  lastSeen: z.string(),
});
const noticeSchema = z.object({
  stageArn: z.string(),
  transition: z.enum(['failing', 'recovered']),
  error: z.string().nullable(),
  at: z.string(),
});

type Outcome = { done: true; skipped?: boolean } | { done: false; failure: PostFailure };

/**
 * Drains the outbox: per channel in order, at most one message per second, honouring Slack's
 * Retry-After. An item is marked done only after Slack accepted it, so a crash between Slack's
 * answer and that write can repeat one message; nothing is ever dropped.
 */
export class OutboxSender {
  readonly #options: OutboxSenderOptions;
  readonly #now: () => Date;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #interval: number;
  readonly #lastSentAt = new Map<string, number>();
  #draining: Promise<void> | null = null;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: OutboxSenderOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#interval = options.perChannelIntervalMs ?? 1_000;
  }

  /** Asks for a drain soon; concurrent kicks collapse into one more pass. */
  kick(): void {
    if (this.#stopped || !(this.#options.canSend?.() ?? true)) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = this.#drainLoop().finally(() => {
      this.#draining = null;
    });
  }

  /** Drains until nothing is due; resolves when done (tests and shutdown await this). */
  async drain(): Promise<void> {
    this.kick();
    while (this.#draining) await this.#draining;
  }

  /** Stops scheduling; waits for the send in flight, up to `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    const deadline = Date.now() + timeoutMs;
    while (this.#draining && Date.now() < deadline) {
      await Promise.race([
        this.#draining,
        new Promise((resolve) => setTimeout(resolve, deadline - Date.now()).unref()),
      ]);
    }
  }

  async #drainLoop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#drainOnce();
      } catch (error) {
        this.#options.logger.error({ err: error }, 'outbox drain failed; will retry');
        this.#schedule(5_000);
      }
    } while (this.#again && !this.#stopped);
  }

  async #drainOnce(): Promise<void> {
    const { store } = this.#options;
    for (;;) {
      const due = await store.dueOutbox(this.#now(), BATCH);
      if (due.length === 0) break;
      const byChannel = new Map<string, OutboxItem[]>();
      for (const item of due) {
        const list = byChannel.get(item.channelId) ?? [];
        list.push(item);
        byChannel.set(item.channelId, list);
      }
      await Promise.all(
        [...byChannel.entries()].map(([channel, items]) => this.#sendChannel(channel, items)),
      );
      if (this.#stopped || due.length < BATCH) break;
    }
    await this.#scheduleNextRetry();
  }

  /** One channel's items in order; stops at the first that must wait so order is kept. */
  async #sendChannel(channelId: string, items: OutboxItem[]): Promise<void> {
    for (const item of items) {
      if (this.#stopped || !(this.#options.canSend?.() ?? true)) return;
      const last = this.#lastSentAt.get(channelId);
      if (last !== undefined) {
        const wait = last + this.#interval - Date.now();
        if (wait > 0) await this.#sleep(wait);
      }
      const outcome = await this.#send(item);
      if (!(outcome.done && outcome.skipped)) this.#lastSentAt.set(channelId, Date.now());
      if (outcome.done) {
        await this.#options.store.completeOutbox(item.id);
        this.#options.onSend?.(item.kind, outcome.skipped ? 'skipped_muted' : 'sent');
        continue;
      }
      const delay = retryDelay(outcome.failure, item.attempts);
      await this.#options.store.retryOutbox(
        item.id,
        new Date(this.#now().getTime() + delay),
        describe(outcome.failure),
      );
      this.#options.onSend?.(item.kind, 'retry');
      this.#options.logger.warn(
        { channel: channelId, kind: item.kind, failure: outcome.failure.kind, retryInMs: delay },
        'slack refused an alert message; will retry',
      );
      return;
    }
  }

  async #send(item: OutboxItem): Promise<Outcome> {
    const { store, slack } = this.#options;
    if (item.kind === 'notice') {
      const payload = noticeSchema.safeParse(item.payload);
      if (!payload.success) return this.#dropMalformed(item);
      return outcomeOf(await slack.post(item.channelId, renderStageNotice(payload.data)));
    }
    const group = item.groupId === null ? undefined : await store.getGroup(item.groupId);
    if (!group) return this.#dropMalformed(item);
    const now = this.#now();
    const mute = await store.findMute(group.stageArn, group.code, now);

    const postGroup = async (): Promise<Outcome> => {
      const posted = await slack.post(group.channelId, renderAlertGroup(group, mute, now));
      if (posted.ok) await store.setGroupMessage(group.id, posted.ts);
      return outcomeOf(posted);
    };

    switch (item.kind) {
      case 'post':
        if (group.messageTs) return { done: true };
        // Muted: nothing new appears in the channel; a later update posts once the mute is over.
        if (mute) return { done: true, skipped: true };
        return postGroup();
      case 'update':
        if (!group.messageTs) return mute ? { done: true, skipped: true } : postGroup();
        // Rendered from the group as it is now, so one update carries every change since the last.
        return outcomeOf(
          await slack.update(group.channelId, group.messageTs, renderAlertGroup(group, mute, now)),
        );
      case 'reply': {
        if (!group.messageTs || mute) return { done: true, skipped: Boolean(mute) };
        const reply = replySchema.safeParse(item.payload);
        if (!reply.success) return this.#dropMalformed(item);
        const message: SlackMessage = renderAlertReply(group, reply.data);
        return outcomeOf(await slack.post(group.channelId, message, { threadTs: group.messageTs }));
      }
    }
  }

  #dropMalformed(item: OutboxItem): Outcome {
    // Unreadable rows can only come from a bug or a manual edit; keeping them would block the channel.
    this.#options.logger.error({ id: item.id, kind: item.kind }, 'outbox item unreadable; dropped');
    return { done: true };
  }

  async #scheduleNextRetry(): Promise<void> {
    if (this.#stopped) return;
    const depth = await this.#options.store.outboxDepth();
    if (depth > 0) this.#schedule(1_000);
  }

  #schedule(ms: number): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.kick();
    }, ms);
    this.#timer.unref();
  }
}

function outcomeOf(result: PostResult): Outcome {
  return result.ok ? { done: true } : { done: false, failure: result.failure };
}

function retryDelay(failure: PostFailure, attempts: number): number {
  if (failure.kind === 'rate_limited') return Math.max(1, failure.retryAfterSec ?? 1) * 1000;
  return Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** attempts);
}

function describe(failure: PostFailure): string {
  return failure.kind === 'other' ? failure.error : failure.kind;
}
