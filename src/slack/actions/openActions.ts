import type { BrowseService } from '../../browse/BrowseService.ts';
import { parseStageArn } from '../../ivs/identifiers.ts';
import { ACTION, openTargetSchema } from '../actionIds.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderBrowseView } from '../views/browseView.ts';
import { renderBrowseProblem, renderNotice } from '../views/noticeView.ts';
import { BAD_BUTTON } from './pageActions.ts';

type OpenAction = typeof ACTION.openSessions | typeof ACTION.openParticipants | typeof ACTION.openParticipant;

/** A row's button opens the next level down: stage → sessions → participants → participant. */
export async function runOpenAction(
  actionId: OpenAction,
  value: string,
  browse: BrowseService,
  viewer: { isAdmin: boolean } = { isAdmin: false },
): Promise<SlackMessage> {
  const target = openTargetSchema.safeParse(value);
  const stage = target.success ? parseStageArn(target.data.a) : undefined;
  if (!target.success || !stage) return renderNotice(BAD_BUTTON);
  const ref = { kind: 'arn', stage } as const;
  const { s: sessionId, p: participantId } = target.data;
  let outcome: Awaited<ReturnType<BrowseService['start']>>;
  if (actionId === ACTION.openSessions) {
    outcome = await browse.start({ view: 'sessions', stage: ref });
  } else if (actionId === ACTION.openParticipants && sessionId) {
    outcome = await browse.start({ view: 'participants', stage: ref, sessionId, filter: { kind: 'none' } });
  } else if (actionId === ACTION.openParticipant && sessionId && participantId) {
    outcome = await browse.start({ view: 'participant', stage: ref, sessionId, participantId });
  } else {
    return renderNotice(BAD_BUTTON);
  }
  return outcome.ok
    ? renderBrowseView(outcome.view, { offer: viewer.isAdmin })
    : renderBrowseProblem(outcome.problem);
}
