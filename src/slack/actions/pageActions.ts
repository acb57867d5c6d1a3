import { pageRefSchema } from '../actionIds.ts';
import { type BrowseViews, renderBrowseView } from '../browseViews/registry.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderBrowseProblem, renderNotice } from '../views/noticeView.ts';

export const BAD_BUTTON = 'This button carries data the bot does not recognise. Run the /ivs command again.';

/** Previous / Next / Start again: re-renders the page a button points at, for the message it replaces. */
export async function runPageAction(
  value: string,
  browse: BrowseViews,
  viewer: { isAdmin: boolean } = { isAdmin: false },
): Promise<SlackMessage> {
  const ref = pageRefSchema.safeParse(value);
  if (!ref.success) return renderNotice(BAD_BUTTON);
  const outcome = await browse.page(ref.data.stateId, ref.data.pageIndex);
  return outcome.ok
    ? renderBrowseView(outcome.view, { offer: viewer.isAdmin })
    : renderBrowseProblem(outcome.problem);
}
