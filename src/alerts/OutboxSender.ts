import { randomBytes } from 'node:crypto';
import type { PostFailure, PostResult } from '../domain/delivery.ts';
import type { AlertGroup, FailureScope, Mute, OutboxItem, OutboxKind } from '../domain/model.ts';
import { replyPayloadSchema, stageNoticeSchema } from '../domain/outboxPayloads.ts';
import type { Logger } from '../platform/logger.ts';
import type { AlertRepository } from '../store/AlertRepository.ts';
import type { MuteRepository } from '../store/MuteRepository.ts';
import type { OutboxRepository } from '../store/OutboxRepository.ts';
import type { Messenger } from './Messenger.ts';

/** What became of one outbox item in one attempt (metrics). */
export type SendOutcome = 'sent' | 'skipped_muted' | 'superseded' | 'retry' | 'failed';

/** The repositories OutboxSender reads and writes: the outbox, and the groups and mutes its messages are about. */
export type OutboxSenderStore = OutboxRepository &
  Pick<AlertRepository, 'getGroup' | 'setGroupMessage'> &
  Pick<MuteRepository, 'findMute'>;

export interface OutboxSenderOptions {
  store: OutboxSenderStore;
  /** Renders and posts each message (the Slack adapter in production). */
  messenger: Messenger;
  logger: Logger;
  now?: () => Date;
  /** Slack allows about one message per second per channel. */
  perChannelIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Only the leader replica sends; checked before every message. */
  canSend?: () => boolean;
  /** Observes each attempt (metrics). */
  onSend?: (kind: OutboxKind, outcome: SendOutcome) => void;
  /** Names this sender's claims in the store; unique per process by default. */
  holder?: string;
  /** How long a claim holds (default 2 minutes); sends stop well before it runs out. */
  leaseMs?: number;
}

/** Items claimed per pass, and per channel within it. */
const BATCH = 200;
const PER_CHANNEL = 10;
const DEFAULT_LEASE_MS = 2 * 60 * 1000;
const MAX_BACKOFF_MS = 15 * 60 * 1000;
/** After a pass that hit a store error, the next one waits this long. */
const STORE_RETRY_MS = 5_000;

/** What one attempt at an item came to. */
type Attempt =
  | { kind: 'sent'; posted?: { groupId: number; messageTs: string } }
  | { kind: 'skipped_muted' }
  | { kind: 'superseded' }
  | { kind: 'refused'; failure: PostFailure };

/** Errors of items the bot cannot even render: kept as failed like a message Slack refused. */
const UNREADABLE: PostFailure = { kind: 'permanent', error: 'unreadable_outbox_item', scope: 'message' };
const GROUP_MISSING: PostFailure = { kind: 'permanent', error: 'alert_group_missing', scope: 'message' };

/**
 * Drains the outbox: per channel in order, at most one message per second per channel.
 *
 * Each pass claims what may be sent now (a lease in the store, so no other sender, in this process
 * or another, sends the same item), sends channel by channel in parallel and waits for every channel
 * before the next pass: one drainer per process, whatever fails. Slack's answer decides the item's
 * fate: accepted → done; 429 → the channel waits Retry-After; 5xx, network, time-out → retried with
 * back-off; refused for good → kept as failed with Slack's error, set aside so newer messages flow,
 * and put back in line when the cause is gone (see requeueFailed). The one duplicate left: the process
 * dies after Slack accepted a message and before the store recorded it.
 */
export class OutboxSender {
  readonly #options: OutboxSenderOptions;
  readonly #now: () => Date;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #interval: number;
  readonly #holder: string;
  readonly #leaseMs: number;
  readonly #lastSentAt = new Map<string, number>();
  /** Items Slack accepted whose completion the store has not recorded yet: recorded before any new claim, never sent again. */
  readonly #unrecorded = new Map<number, { groupId: number; messageTs: string } | undefined>();
  /** Alert messages posted whose ts the store has not recorded yet: a later item must not post them again. */
  readonly #unrecordedTs = new Map<number, string>();
  /** Channels whose failed items went back in line during a pass: their claimed items must yield to them. */
  readonly #requeued = new Set<string>();
  /** (channel or workspace, error) already logged as not delivered: logged once, not per message. */
  readonly #logged = new Set<string>();
  #requeuedAtStart = false;
  #draining: Promise<void> | null = null;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: OutboxSenderOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#interval = options.perChannelIntervalMs ?? 1_000;
    this.#holder = options.holder ?? `outbox:${randomBytes(6).toString('hex')}`;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Asks for a drain soon; concurrent kicks collapse into one more pass. */
  kick(): void {
    if (this.#stopped || !this.#canSend()) return;
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

  /**
   * Slack accepted a message the bot posted in `channelId` outside the outbox (a watch confirmation,
   * a Share): whatever kept messages out of that channel is gone, so its failed ones go back in line.
   */
  noteDelivered(channelId: string): void {
    if (this.#stopped) return;
    this.#requeueAfterDelivery(channelId).then(
      (channels) => {
        if (channels.length > 0) this.kick();
      },
      (error: unknown) =>
        this.#options.logger.warn(
          { err: error, channel: channelId },
          'could not put held messages back in line; the next message delivered there will',
        ),
    );
  }

  /** Stops scheduling; waits for the sends in flight (the rest is given back), up to `timeoutMs`. */
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

  #canSend(): boolean {
    return this.#options.canSend?.() ?? true;
  }

  async #drainLoop(): Promise<void> {
    do {
      this.#again = false;
      try {
        let storeTrouble = false;
        while (!this.#stopped && this.#canSend()) {
          const pass = await this.#pass();
          if (pass.storeTrouble) {
            storeTrouble = true;
            break;
          }
          // Nothing claimed, or nothing settled (every claim given back): the timer resumes later.
          if (pass.claimed === 0 || pass.settled === 0) break;
        }
        if (storeTrouble) this.#schedule(STORE_RETRY_MS);
        else await this.#scheduleNextRetry();
      } catch (error) {
        this.#options.logger.error({ err: error }, 'outbox drain failed; will retry');
        this.#schedule(STORE_RETRY_MS);
      }
    } while (this.#again && !this.#stopped);
  }

  /** Records what earlier passes could not, gives back stale claims, claims and sends one batch. */
  async #pass(): Promise<{ claimed: number; settled: number; storeTrouble: boolean }> {
    const { store } = this.#options;
    await this.#recordUnrecorded();
    if (!this.#requeuedAtStart) {
      // A restart or a new leader gives failures it cannot see fixed one more try: a new token or
      // a new version of the bot may be why it started.
      const channels = await store.requeueFailed({ scopes: ['workspace', 'message'] }, this.#now());
      this.#requeuedAtStart = true;
      if (channels.length > 0) {
        this.#options.logger.info({ channels }, 'held messages put back in line at start-up');
      }
    }
    // Claims of this holder at the start of a pass were left by one that ended in an error.
    await store.releaseOutbox(this.#holder);
    this.#requeued.clear();
    const claimed = await store.claimOutbox({
      holder: this.#holder,
      now: this.#now(),
      leaseMs: this.#leaseMs,
      perChannel: PER_CHANNEL,
      limit: BATCH,
    });
    if (claimed.length === 0) return { claimed: 0, settled: 0, storeTrouble: false };
    const claimedAt = performance.now();
    const byChannel = new Map<string, OutboxItem[]>();
    for (const item of claimed) {
      const list = byChannel.get(item.channelId) ?? [];
      list.push(item);
      byChannel.set(item.channelId, list);
    }
    // Every channel runs to its end before the next pass, whatever another one hit.
    const results = await Promise.allSettled(
      [...byChannel].map(([channelId, items]) => this.#sendChannel(channelId, items, claimedAt)),
    );
    let settled = 0;
    let storeTrouble = false;
    for (const result of results) {
      if (result.status === 'fulfilled') {
        settled += result.value;
      } else {
        storeTrouble = true;
        this.#options.logger.error(
          { err: result.reason },
          'outbox store write failed; the channel resumes with the next pass',
        );
      }
    }
    return { claimed: claimed.length, settled, storeTrouble };
  }

  /** One channel's claimed items in order; returns how many were settled (sent, retried, failed). */
  async #sendChannel(channelId: string, items: OutboxItem[], claimedAt: number): Promise<number> {
    const { store } = this.#options;
    let settled = 0;
    for (const [index, item] of items.entries()) {
      const last = this.#lastSentAt.get(channelId);
      if (last !== undefined) {
        const wait = last + this.#interval - Date.now();
        if (wait > 0) await this.#sleep(wait);
      }
      // Sends stop well before the lease runs out, so no other holder can have taken the item over.
      const leaseLeft = this.#leaseMs - (performance.now() - claimedAt);
      if (
        this.#stopped ||
        !this.#canSend() ||
        this.#requeued.has(channelId) ||
        leaseLeft < this.#leaseMs / 4
      ) {
        await store.releaseOutbox(
          this.#holder,
          items.slice(index).map((rest) => rest.id),
        );
        return settled;
      }
      if (this.#unrecorded.has(item.id)) {
        await this.#recordUnrecorded();
        settled++;
        continue;
      }

      const attempt = await this.#attempt(item);
      settled++;
      if (attempt.kind !== 'skipped_muted' && attempt.kind !== 'superseded') {
        this.#lastSentAt.set(channelId, Date.now());
      }
      if (attempt.kind === 'refused') {
        const keepGoing = await this.#refused(item, attempt.failure);
        if (!keepGoing) {
          await store.releaseOutbox(
            this.#holder,
            items.slice(index + 1).map((rest) => rest.id),
          );
          return settled;
        }
        continue;
      }
      const posted = attempt.kind === 'sent' ? attempt.posted : undefined;
      this.#unrecorded.set(item.id, posted);
      if (posted) this.#unrecordedTs.set(posted.groupId, posted.messageTs);
      this.#options.onSend?.(item.kind, attempt.kind);
      await store.completeOutbox(item.id, posted);
      this.#unrecorded.delete(item.id);
      if (posted) this.#unrecordedTs.delete(posted.groupId);
      if (attempt.kind === 'sent') await this.#requeueAfterDelivery(channelId);
    }
    return settled;
  }

  /** Records a refusal; whether the channel's next items may go now (not after a 429 or a transient error). */
  async #refused(item: OutboxItem, failure: PostFailure): Promise<boolean> {
    const { store, logger } = this.#options;
    const now = this.#now();
    const context = {
      channel: item.channelId,
      kind: item.kind,
      error: failure.error,
      attempts: item.attempts + 1,
    };
    switch (failure.kind) {
      case 'rate_limited': {
        // The channel's later items are claimed after this one, so they all wait for Retry-After.
        const delay = Math.max(1, failure.retryAfterSec) * 1000;
        await store.retryOutbox(item.id, new Date(now.getTime() + delay), failure.error);
        this.#options.onSend?.(item.kind, 'retry');
        logger.warn({ ...context, retryInMs: delay }, 'slack rate limited the channel; it waits Retry-After');
        return false;
      }
      case 'transient': {
        const delay = Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** item.attempts);
        await store.retryOutbox(item.id, new Date(now.getTime() + delay), failure.error);
        this.#options.onSend?.(item.kind, 'retry');
        const line = 'slack did not take an alert message; will retry';
        if (item.attempts === 0) logger.warn({ ...context, retryInMs: delay }, line);
        else logger.debug({ ...context, retryInMs: delay }, line);
        return false;
      }
      case 'permanent': {
        await store.failOutbox(item.id, { error: failure.error, scope: failure.scope, at: now });
        this.#options.onSend?.(item.kind, 'failed');
        // With missing_scope, Slack named the scope to add: the log says it, for whoever reinstalls.
        this.#logOnce(item.channelId, failure.error, failure.scope, { ...context, needed: failure.needed });
        return true;
      }
    }
  }

  #logOnce(channelId: string, error: string, scope: FailureScope, context: object): void {
    const key = `${scope === 'workspace' ? '*' : channelId}|${error}`;
    if (this.#logged.has(key)) {
      this.#options.logger.debug(context, 'alert message not delivered (already reported)');
      return;
    }
    this.#logged.add(key);
    this.#options.logger.error(
      { ...context, scope },
      scope === 'workspace'
        ? 'slack refuses every alert message; they are kept as failed until the bot token or workspace settings are fixed'
        : 'slack refused an alert message; it and any more like it are kept as failed and shown in /ivs watches',
    );
  }

  /** After Slack accepted a message in the channel: its held messages go back in line. */
  async #requeueAfterDelivery(channelId: string): Promise<string[]> {
    const channels = await this.#options.store.requeueFailed({ deliveredTo: channelId }, this.#now());
    if (channels.length === 0) return channels;
    for (const channel of channels) this.#requeued.add(channel);
    for (const key of [...this.#logged]) {
      const [where = ''] = key.split('|');
      if (where === '*' || channels.includes(where)) this.#logged.delete(key);
    }
    this.#options.logger.info(
      { deliveredTo: channelId, channels },
      'slack takes messages again; the held ones are sent, in order',
    );
    return channels;
  }

  /** Writes what Slack accepted but the store did not record (a store error after the send). */
  async #recordUnrecorded(): Promise<void> {
    const { store } = this.#options;
    for (const [groupId, messageTs] of this.#unrecordedTs) {
      await store.setGroupMessage(groupId, messageTs);
      this.#unrecordedTs.delete(groupId);
    }
    for (const [id, posted] of this.#unrecorded) {
      await store.completeOutbox(id, posted);
      this.#unrecorded.delete(id);
    }
  }

  async #attempt(item: OutboxItem): Promise<Attempt> {
    const { store, messenger } = this.#options;
    if (item.kind === 'notice') {
      const payload = stageNoticeSchema.safeParse(item.payload);
      if (!payload.success) return { kind: 'refused', failure: UNREADABLE };
      return attemptOf(await messenger.postStageNotice(item.channelId, payload.data));
    }
    const stored = item.groupId === null ? undefined : await store.getGroup(item.groupId);
    if (!stored) return { kind: 'refused', failure: GROUP_MISSING };
    const group: AlertGroup = {
      ...stored,
      messageTs: stored.messageTs ?? this.#unrecordedTs.get(stored.id) ?? null,
    };
    const now = this.#now();
    const mute = await store.findMute(group.stageArn, group.code, now);

    switch (item.kind) {
      case 'post':
        // An update or reply already posted the alert (it carries the whole group): nothing to add.
        if (group.messageTs) return { kind: 'superseded' };
        // Muted: nothing new appears in the channel; a later update posts once the mute is over.
        if (mute) return { kind: 'skipped_muted' };
        return this.#postGroup(group, mute, now);
      case 'update':
        if (!group.messageTs) return mute ? { kind: 'skipped_muted' } : this.#postGroup(group, mute, now);
        // Rendered from the group as it is now, so one update carries every change since the last.
        return attemptOf(await messenger.updateAlert(group, group.messageTs, mute, now));
      case 'reply': {
        // A muted alert gets no thread replies, like it gets no new message.
        if (mute) return { kind: 'skipped_muted' };
        // Someone took the alert since this reply was queued: the thread stays quiet from the click
        // on (the counts in the message, updated, still say it all).
        if (group.acknowledged) return { kind: 'superseded' };
        const reply = replyPayloadSchema.safeParse(item.payload);
        if (!reply.success) return { kind: 'refused', failure: UNREADABLE };
        let threadTs = group.messageTs;
        if (!threadTs) {
          // The parent is not in the channel (held back by a mute now over, or refused earlier): a
          // reply never goes without it, so the alert is posted first, then the reply in its thread.
          const parent = await this.#postGroup(group, mute, now);
          if (parent.kind !== 'sent' || !parent.posted) return parent;
          threadTs = parent.posted.messageTs;
          this.#unrecordedTs.set(group.id, threadTs);
          await store.setGroupMessage(group.id, threadTs);
          this.#unrecordedTs.delete(group.id);
        }
        return attemptOf(await messenger.postAlertReply(group, reply.data, threadTs));
      }
    }
  }

  async #postGroup(group: AlertGroup, mute: Mute | undefined, now: Date): Promise<Attempt> {
    const posted = await this.#options.messenger.postAlert(group, mute, now);
    if (!posted.ok) return { kind: 'refused', failure: posted.failure };
    return { kind: 'sent', posted: { groupId: group.id, messageTs: posted.ts } };
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

function attemptOf(result: PostResult): Attempt {
  return result.ok ? { kind: 'sent' } : { kind: 'refused', failure: result.failure };
}
