import { parseStageArn } from '../../ivs/identifiers.ts';
import { openTargetSchema } from '../actionIds.ts';
import type { TimelineAsker, TimelineDelivery } from '../TimelineDelivery.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderNotice } from '../views/noticeView.ts';
import { BAD_BUTTON } from './pageActions.ts';

/** The stage and session a Timeline or Share button names, or undefined for a value the bot never made. */
function sessionOf(value: string) {
  const target = openTargetSchema.safeParse(value);
  const stage = target.success ? parseStageArn(target.data.a) : undefined;
  if (!target.success || !stage || !target.data.s) return undefined;
  return { stage: { kind: 'arn' as const, stage }, sessionId: target.data.s };
}

/** Timeline (participant view, alerts): the picture to the clicker's messages with the bot. */
export async function runTimelineAction(
  value: string,
  who: TimelineAsker,
  timelines: TimelineDelivery,
): Promise<SlackMessage> {
  const session = sessionOf(value);
  if (!session) return renderNotice(BAD_BUTTON);
  return timelines.toAsker(session.stage, session.sessionId, who);
}

/** Share under a timeline answer: the picture, drawn again, into the channel; answers only on trouble. */
export async function runTimelineShareAction(
  value: string,
  who: TimelineAsker,
  timelines: TimelineDelivery,
): Promise<SlackMessage | undefined> {
  const session = sessionOf(value);
  if (!session) return renderNotice(BAD_BUTTON);
  return timelines.toChannel(session.stage, session.sessionId, who);
}
