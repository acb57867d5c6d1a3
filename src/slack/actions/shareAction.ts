import { pageRefSchema } from '../actionIds.ts';
import { type BrowseViews, renderBrowseView } from '../browseViews/registry.ts';
import type { SlackPoster } from '../SlackPoster.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderBrowseProblem, renderNotice } from '../views/noticeView.ts';
import { describePostFailure } from '../views/postFailureText.ts';
import { BAD_BUTTON } from './pageActions.ts';

/**
 * Share: posts the page to the channel for everyone, as a snapshot (its buttons open a copy for
 * whoever clicks, never replace the channel's message); answers the clicker only on trouble.
 */
export async function runShareAction(
  value: string,
  who: { userId: string; channelId: string | undefined },
  deps: { browse: BrowseViews; slack: SlackPoster },
): Promise<SlackMessage | undefined> {
  const ref = pageRefSchema.safeParse(value);
  if (!ref.success) return renderNotice(BAD_BUTTON);
  if (!who.channelId) return renderNotice('There is no channel to share into here.');
  const outcome = await deps.browse.page(ref.data.stateId, ref.data.pageIndex);
  if (!outcome.ok) return renderBrowseProblem(outcome.problem);
  // Rendered once, so its fallback text is escaped once.
  const shared = renderBrowseView(outcome.view, { snapshot: { sharedBy: who.userId } });
  const posted = await deps.slack.post(who.channelId, shared);
  if (posted.ok) return undefined;
  return renderNotice(describePostFailure(posted.failure));
}
