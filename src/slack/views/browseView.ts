import type { BrowseView } from '../../browse/BrowseService.ts';
import type { SlackMessage } from './blocks.ts';
import { renderParticipants, renderSessions, renderStages } from './listViews.ts';
import { type DisconnectOptions, renderParticipant } from './participantView.ts';

/** Renders whichever view the browse service produced. */
export function renderBrowseView(view: BrowseView, disconnect: DisconnectOptions = {}): SlackMessage {
  switch (view.kind) {
    case 'stages':
      return renderStages(view);
    case 'sessions':
      return renderSessions(view);
    case 'participants':
      return renderParticipants(view);
    case 'participant':
      return renderParticipant(view, disconnect);
  }
}
