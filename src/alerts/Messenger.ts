import type { PostFailure, PostResult } from '../domain/delivery.ts';
import type { AlertGroup, AlertMention, Mute, StageNotice } from '../domain/model.ts';
import type { ReplyPayload } from '../domain/planDetections.ts';

/** What a channel is told when a watch starts there. */
export interface WatchStarted {
  readonly stageArn: string;
  readonly stageName: string | undefined;
  readonly codes: readonly string[] | null;
  readonly userId: string;
  /** Who the first message of each new alert pages (AlertMention); null = nobody. */
  readonly mention?: AlertMention | null;
  /** The name Slack gave beside the mention when it was picked (`@video-oncall`), shown as text. */
  readonly mentionName?: string;
}

/**
 * The port alerts speak through to reach a channel; the Slack adapter (slack/SlackMessenger.ts)
 * renders each message and posts it. Every method answers with Slack's verdict, never throws for it.
 */
export interface Messenger {
  postAlert(group: AlertGroup, mute: Mute | undefined, now: Date): Promise<PostResult>;
  /** Re-renders the alert's message (`messageTs`) from the group as it is now. */
  updateAlert(group: AlertGroup, messageTs: string, mute: Mute | undefined, now: Date): Promise<PostResult>;
  postAlertReply(group: AlertGroup, reply: ReplyPayload, threadTs: string): Promise<PostResult>;
  postStageNotice(channelId: string, notice: StageNotice): Promise<PostResult>;
  postWatchStarted(channelId: string, watch: WatchStarted): Promise<PostResult>;
  /** One sentence for the user on why a message did not go. */
  describeFailure(failure: PostFailure): string;
}
