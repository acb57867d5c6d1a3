import type { BrowseRequest, BrowseService } from '../../browse/BrowseService.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderBrowseView } from '../views/browseView.ts';
import { renderBrowseProblem } from '../views/noticeView.ts';
import type { Command } from './parseCommand.ts';

export type BrowseCommand = Extract<
  Command,
  { name: 'stages' | 'sessions' | 'participants' | 'participant' }
>;

/** /ivs stages | sessions | participants | participant: the first page of a browse view. */
export async function runBrowseCommand(
  command: BrowseCommand,
  browse: BrowseService,
  viewer: { isAdmin: boolean } = { isAdmin: false },
): Promise<SlackMessage> {
  const outcome = await browse.start(toBrowseRequest(command));
  return outcome.ok
    ? renderBrowseView(outcome.view, { offer: viewer.isAdmin })
    : renderBrowseProblem(outcome.problem);
}

function toBrowseRequest(command: BrowseCommand): BrowseRequest {
  switch (command.name) {
    case 'stages':
      return { view: 'stages', region: command.region };
    case 'sessions':
      return { view: 'sessions', stage: command.stage };
    case 'participants':
      return {
        view: 'participants',
        stage: command.stage,
        sessionId: command.sessionId,
        filter: command.filter,
      };
    case 'participant':
      return {
        view: 'participant',
        stage: command.stage,
        sessionId: command.sessionId,
        participantId: command.participantId,
      };
  }
}
