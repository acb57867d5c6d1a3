import { ACTION, openTarget, openTargetSchema } from '../actionIds.ts';
import {
  actions,
  type ButtonElement,
  button,
  context,
  fitMessage,
  type SlackMessage,
  section,
} from './blocks.ts';
import { mention } from './noticeView.ts';
import { code, escapeMrkdwn } from './text.ts';

/** What the answers about a session's picture say about it. */
export interface TimelineFacts {
  readonly stageArn: string;
  readonly sessionId: string;
  /** The picture in words (its alt text). */
  readonly summary: string;
}

/**
 * The `Timeline` button of the participant view and of alerts: draws the session for whoever
 * clicks. Undefined when the IDs would not make a value its listener accepts.
 */
export function timelineButton(stageArn: string, sessionId: string): ButtonElement | undefined {
  const value = openTarget({ a: stageArn, s: sessionId });
  if (!openTargetSchema.safeParse(value).success) return undefined;
  return button({ text: 'Timeline', actionId: ACTION.timeline, value });
}

/**
 * The answer to the asker (visible only to them) once the picture is in their messages with the
 * bot: where it is, what it shows, and Share to post it in this channel.
 */
export function renderTimelineSent(facts: TimelineFacts): SlackMessage {
  const share = button({
    text: 'Share',
    actionId: ACTION.timelineShare,
    value: openTarget({ a: facts.stageArn, s: facts.sessionId }),
  });
  return fitMessage(`The timeline of session ${facts.sessionId} is in your messages with the bot`, [
    section(
      `:frame_with_picture: The timeline of session ${code(facts.sessionId)} is in your messages with the bot (the app's *Messages* tab): only you can see it there. *Share* posts it in this channel, drawn afresh.`,
    ),
    context(escapeMrkdwn(facts.summary)),
    actions([share]),
  ]);
}

/** The message that comes with the picture in the asker's messages with the bot. */
export function timelineCommentForAsker(facts: TimelineFacts, channelId: string | undefined): string {
  const where = channelId?.startsWith('C') || channelId?.startsWith('G') ? ` (asked in <#${channelId}>)` : '';
  return `Timeline of session ${code(facts.sessionId)} on stage ${code(facts.stageArn)}${where}. ${escapeMrkdwn(facts.summary)}`;
}

/** The message that comes with the picture shared in a channel. */
export function timelineCommentForChannel(facts: TimelineFacts, sharedBy: string): string {
  return `Timeline of session ${code(facts.sessionId)} on stage ${code(facts.stageArn)}, shared by ${mention(sharedBy)}. ${escapeMrkdwn(facts.summary)}`;
}
