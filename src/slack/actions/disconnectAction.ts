import { parseStageArn } from '../../ivs/identifiers.ts';
import { openTargetSchema } from '../actionIds.ts';
import { type BrowseViews, renderBrowseView } from '../browseViews/registry.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderBrowseProblem, renderNotice } from '../views/noticeView.ts';
import { BAD_BUTTON } from './pageActions.ts';

/**
 * Disconnect (admins only, after Slack's confirm dialog): calls DisconnectParticipant with a reason
 * naming the Slack user, then shows the participant again saying who disconnected whom, when.
 */
export async function runDisconnectAction(
  value: string,
  who: { userId: string },
  browse: BrowseViews,
  now: Date,
): Promise<{ replace: SlackMessage } | { notice: SlackMessage }> {
  const target = openTargetSchema.safeParse(value);
  const stage = target.success ? parseStageArn(target.data.a) : undefined;
  if (!target.success || !stage || !target.data.s || !target.data.p)
    return { notice: renderNotice(BAD_BUTTON) };
  const { s: sessionId, p: participantId } = target.data;
  const problem = await browse.disconnect(
    { stage, participantId },
    `Disconnected from Slack by user ${who.userId} with ivs-realtime-bot`,
  );
  if (problem) return { notice: renderBrowseProblem(problem) };
  const outcome = await browse.start({
    name: 'participant',
    stage: { kind: 'arn', stage },
    sessionId,
    participantId,
  });
  if (!outcome.ok) return { notice: renderBrowseProblem(outcome.problem) };
  return { replace: renderBrowseView(outcome.view, { offer: true, done: { by: who.userId, at: now } }) };
}
