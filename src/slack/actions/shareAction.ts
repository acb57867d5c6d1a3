import type { BrowseService } from '../../browse/BrowseService.ts';
import { describePostFailure, type SlackPoster } from '../SlackPoster.ts';
import { context, fitMessage, type SlackMessage } from '../views/blocks.ts';
import { renderBrowseView } from '../views/browseView.ts';
import { renderBrowseProblem, renderNotice } from '../views/noticeView.ts';
import { pageRefSchema } from './actionIds.ts';
import { BAD_BUTTON } from './pageActions.ts';

/** Share: posts the same page to the channel for everyone; answers the clicker only on trouble. */
export async function runShareAction(
  value: string,
  who: { userId: string; channelId: string | undefined },
  deps: { browse: BrowseService; slack: SlackPoster },
): Promise<SlackMessage | undefined> {
  const ref = pageRefSchema.safeParse(value);
  if (!ref.success) return renderNotice(BAD_BUTTON);
  if (!who.channelId) return renderNotice('There is no channel to share into here.');
  const outcome = await deps.browse.page(ref.data.stateId, ref.data.pageIndex);
  if (!outcome.ok) return renderBrowseProblem(outcome.problem);
  const view = renderBrowseView(outcome.view);
  // who.userId was validated as a Slack ID, so the mention cannot carry anything else.
  const shared = fitMessage(view.text, [...view.blocks, context(`Shared by <@${who.userId}>`)]);
  const posted = await deps.slack.post(who.channelId, shared);
  if (posted.ok) return undefined;
  return renderNotice(describePostFailure(posted.failure));
}
