import type { BrowseRequest, BrowseViews } from '../browseViews/registry.ts';
import { renderBrowseView } from '../browseViews/registry.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderBrowseProblem } from '../views/noticeView.ts';

/** /ivs <view> (stages, sessions, participants, participant, …): the first page of a browse view. */
export async function runBrowseCommand(
  command: BrowseRequest,
  browse: BrowseViews,
  viewer: { isAdmin: boolean } = { isAdmin: false },
): Promise<SlackMessage> {
  const outcome = await browse.start(command);
  return outcome.ok
    ? renderBrowseView(outcome.view, { offer: viewer.isAdmin })
    : renderBrowseProblem(outcome.problem);
}
