import type { BrowseView } from '../../browse/BrowseService.ts';
import type { SlackMessage } from './blocks.ts';
import { renderParticipants, renderSessions, renderStages } from './listViews.ts';
import { type ParticipantViewOptions, renderParticipant } from './participantView.ts';

/** Renders whichever view the browse service produced, for the asker or as a shared snapshot. */
export function renderBrowseView(view: BrowseView, options: ParticipantViewOptions = {}): SlackMessage {
  const list = options.snapshot ? { snapshot: options.snapshot } : {};
  switch (view.kind) {
    case 'stages':
      return renderStages(view, list);
    case 'sessions':
      return renderSessions(view, list);
    case 'participants':
      return renderParticipants(view, list);
    case 'participant':
      return renderParticipant(view, options);
  }
}
