import { parseStageArn } from '../../ivs/identifiers.ts';
import { openTargetSchema } from '../actionIds.ts';
import type { BrowseViewDescriptors, BrowseViews } from '../browseViews/registry.ts';
import { renderBrowseView } from '../browseViews/registry.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderBrowseProblem, renderNotice } from '../views/noticeView.ts';
import { BAD_BUTTON } from './pageActions.ts';

/**
 * A row's button opens the next level down (stage → sessions → participants → participant): the
 * view whose descriptor names the button's action ID says what it needs from the value.
 */
export async function runOpenAction(
  view: BrowseViewDescriptors,
  value: string,
  browse: BrowseViews,
  viewer: { isAdmin: boolean } = { isAdmin: false },
): Promise<SlackMessage> {
  const target = openTargetSchema.safeParse(value);
  const stage = target.success ? parseStageArn(target.data.a) : undefined;
  if (!target.success || !stage) return renderNotice(BAD_BUTTON);
  const request = view.open?.request({ stage, sessionId: target.data.s, participantId: target.data.p });
  if (!request) return renderNotice(BAD_BUTTON);
  const outcome = await browse.start(request);
  return outcome.ok
    ? renderBrowseView(outcome.view, { offer: viewer.isAdmin })
    : renderBrowseProblem(outcome.problem);
}
