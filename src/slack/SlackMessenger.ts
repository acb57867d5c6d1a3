import type { Messenger, WatchStarted } from '../alerts/Messenger.ts';
import type { PostFailure, PostResult } from '../domain/delivery.ts';
import type { AlertGroup, Mute, StageNotice } from '../domain/model.ts';
import type { ReplyPayload } from '../domain/planDetections.ts';
import type { AccountRoles } from '../ivs/accountRoles.ts';
import type { SlackPoster } from './SlackPoster.ts';
import { renderAlertGroup, renderAlertReply, renderStageNotice } from './views/alertViews.ts';
import { renderWatchStarted } from './views/noticeView.ts';
import { describePostFailure } from './views/postFailureText.ts';

/** Permalinks kept in memory at most; a cleared one is asked for again. */
const MAX_PERMALINKS = 1_000;

/** The alerts' Messenger in Slack: renders with the alert views and posts through a SlackPoster. */
export class SlackMessenger implements Messenger {
  readonly #poster: SlackPoster;
  /** Links to earlier bursts' messages, asked of Slack once per message (a link never changes). */
  readonly #permalinks = new Map<string, string>();

  /** IVS_ACCOUNT_ROLES, for the stages' account aliases. */
  readonly #accounts: AccountRoles | undefined;

  constructor(poster: SlackPoster, accounts?: AccountRoles) {
    this.#poster = poster;
    this.#accounts = accounts;
  }

  async postAlert(group: AlertGroup, mute: Mute | undefined, now: Date): Promise<PostResult> {
    // The group's first message: it pages the watch's mention (renderAlertGroup checks its form).
    const options = { first: true, ...(await this.#previousLink(group)), ...this.#accountsOption() };
    return this.#poster.post(group.channelId, renderAlertGroup(group, mute, now, options));
  }

  async updateAlert(
    group: AlertGroup,
    messageTs: string,
    mute: Mute | undefined,
    now: Date,
  ): Promise<PostResult> {
    const options = { ...(await this.#previousLink(group)), ...this.#accountsOption() };
    return this.#poster.update(group.channelId, messageTs, renderAlertGroup(group, mute, now, options));
  }

  #accountsOption(): { accounts?: AccountRoles } {
    return this.#accounts ? { accounts: this.#accounts } : {};
  }

  /** The permalink of the previous burst's message, when the group is a new burst of one that was posted. */
  async #previousLink(group: AlertGroup): Promise<{ previousPermalink?: string }> {
    const ts = group.previous?.messageTs;
    if (!ts || !this.#poster.permalink) return {};
    const key = `${group.channelId}|${ts}`;
    let link = this.#permalinks.get(key);
    if (link === undefined) {
      link = await this.#poster.permalink(group.channelId, ts);
      if (link === undefined) return {};
      if (this.#permalinks.size >= MAX_PERMALINKS) this.#permalinks.clear();
      this.#permalinks.set(key, link);
    }
    return { previousPermalink: link };
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
