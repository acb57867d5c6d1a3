import type { Messenger, WatchStarted } from '../alerts/Messenger.ts';
import type { PostFailure, PostResult } from '../domain/delivery.ts';
import type { AlertGroup, Mute, StageNotice } from '../domain/model.ts';
import type { ReplyPayload } from '../domain/planDetections.ts';
import type { SlackPoster } from './SlackPoster.ts';
import { renderAlertGroup, renderAlertReply, renderStageNotice } from './views/alertViews.ts';
import { renderWatchStarted } from './views/noticeView.ts';
import { describePostFailure } from './views/postFailureText.ts';

/** The alerts' Messenger in Slack: renders with the alert views and posts through a SlackPoster. */
export class SlackMessenger implements Messenger {
  readonly #poster: SlackPoster;

  constructor(poster: SlackPoster) {
    this.#poster = poster;
  }

  postAlert(group: AlertGroup, mute: Mute | undefined, now: Date): Promise<PostResult> {
    return this.#poster.post(group.channelId, renderAlertGroup(group, mute, now));
  }

  updateAlert(group: AlertGroup, messageTs: string, mute: Mute | undefined, now: Date): Promise<PostResult> {
    return this.#poster.update(group.channelId, messageTs, renderAlertGroup(group, mute, now));
  }

  postAlertReply(group: AlertGroup, reply: ReplyPayload, threadTs: string): Promise<PostResult> {
    return this.#poster.post(group.channelId, renderAlertReply(group, reply), { threadTs });
  }

  postStageNotice(channelId: string, notice: StageNotice): Promise<PostResult> {
    return this.#poster.post(channelId, renderStageNotice(notice));
  }

  postWatchStarted(channelId: string, watch: WatchStarted): Promise<PostResult> {
    return this.#poster.post(channelId, renderWatchStarted(watch));
  }

  describeFailure(failure: PostFailure): string {
    return describePostFailure(failure);
  }
}
