import type { Messenger, WatchStarted } from '../alerts/Messenger.ts';
import type { PostFailure, PostResult } from '../domain/delivery.ts';
import type { AlertGroup, Mute, StageNotice } from '../domain/model.ts';
import type { ReplyPayload } from '../domain/planDetections.ts';
import type { AccountRoles } from '../ivs/accountRoles.ts';
import type { SlackPoster } from './SlackPoster.ts';
import { renderAlertGroup, renderAlertReply, renderStageNotice } from './views/alertViews.ts';
import type { SlackMessage } from './views/blocks.ts';
import { renderWatchStarted } from './views/noticeView.ts';
import { describePostFailure } from './views/postFailureText.ts';

/** Permalinks kept in memory at most; a cleared one is asked for again. */
const MAX_PERMALINKS = 1_000;

/** The alerts' Messenger in Slack: renders with the alert views and posts through a SlackPoster. */
export class SlackMessenger implements Messenger {
  readonly #poster: SlackPoster;
  /** Links to other bursts' messages, asked of Slack once per message (a link never changes). */
  readonly #permalinks = new Map<string, string>();

  /** IVS_ACCOUNT_ROLES, for the stages' account aliases. */
  readonly #accounts: AccountRoles | undefined;

  constructor(poster: SlackPoster, accounts?: AccountRoles) {
    this.#poster = poster;
    this.#accounts = accounts;
  }

  async postAlert(group: AlertGroup, mute: Mute | undefined, now: Date): Promise<PostResult> {
    // The group's first message: it pages the watch's mention (renderAlertGroup checks its form).
    return this.#poster.post(group.channelId, await this.renderAlert(group, mute, now, { first: true }));
  }

  async updateAlert(
    group: AlertGroup,
    messageTs: string,
    mute: Mute | undefined,
    now: Date,
  ): Promise<PostResult> {
    return this.#poster.update(group.channelId, messageTs, await this.renderAlert(group, mute, now));
  }

  /**
   * The group's alert message, whole: with the links to the bursts before and after it and the
   * account alias. Every rendering of an alert goes through here (the outbox, and a Mute click that
   * replaces the message), so none loses a line another shows.
   */
  async renderAlert(
    group: AlertGroup,
    mute: Mute | undefined,
    now: Date,
    how: { first?: boolean } = {},
  ): Promise<SlackMessage> {
    const [previousPermalink, nextPermalink] = await Promise.all([
      this.#permalink(group.channelId, group.previous?.messageTs),
      this.#permalink(group.channelId, group.next?.messageTs),
    ]);
    return renderAlertGroup(group, mute, now, {
      ...(how.first ? { first: true } : {}),
      ...(previousPermalink ? { previousPermalink } : {}),
      ...(nextPermalink ? { nextPermalink } : {}),
      ...(this.#accounts ? { accounts: this.#accounts } : {}),
    });
  }

  /** The permalink of one of the bot's messages, asked of Slack once per message (a link never changes). */
  async #permalink(channelId: string, ts: string | null | undefined): Promise<string | undefined> {
    if (!ts || !this.#poster.permalink) return undefined;
    const key = `${channelId}|${ts}`;
    let link = this.#permalinks.get(key);
    if (link === undefined) {
      link = await this.#poster.permalink(channelId, ts);
      if (link === undefined) return undefined;
      if (this.#permalinks.size >= MAX_PERMALINKS) this.#permalinks.clear();
      this.#permalinks.set(key, link);
    }
    return link;
  }

  postAlertReply(group: AlertGroup, reply: ReplyPayload, threadTs: string): Promise<PostResult> {
    return this.#poster.post(group.channelId, renderAlertReply(group, reply), { threadTs });
  }

  postStageNotice(channelId: string, notice: StageNotice): Promise<PostResult> {
    return this.#poster.post(channelId, renderStageNotice(notice, this.#accounts));
  }

  postWatchStarted(channelId: string, watch: WatchStarted): Promise<PostResult> {
    return this.#poster.post(channelId, renderWatchStarted(watch));
  }

  describeFailure(failure: PostFailure): string {
    return describePostFailure(failure);
  }
}
