import type { BrowseService } from '../../browse/BrowseService.ts';
import type { Shown } from '../../browse/types.ts';
import type { SlackMessage } from '../views/blocks.ts';
import type { BrowseViewDescriptor, BrowseViewOptions } from './BrowseViewDescriptor.ts';
import { participantView } from './participant.ts';
import { participantsView } from './participants.ts';
import { sessionsView } from './sessions.ts';
import { stagesView } from './stages.ts';

/**
 * Every browse view, one descriptor each. A new view is a new file beside these and one line here:
 * its command, help line, access level, paging, rendering and open button all come from it. (The
 * order is /ivs help's.)
 */
export const BROWSE_VIEWS = [participantView, participantsView, sessionsView, stagesView] as const;

export type BrowseViewDescriptors = (typeof BROWSE_VIEWS)[number];
export type BrowseViewName = BrowseViewDescriptors['name'];

type RequestOf<D> =
  D extends BrowseViewDescriptor<string, infer Request, infer _Target, infer _Data> ? Request : never;
type ViewOf<D> =
  D extends BrowseViewDescriptor<infer Name, infer _Request, infer _Target, infer Data>
    ? Shown<Name, Data>
    : never;

/** A browse command as parsed (`/ivs stages eu-west-1`), or what a row button asks for. */
export type BrowseRequest = RequestOf<BrowseViewDescriptors>;
/** A page of any view as the browse service read it, ready to render. */
export type BrowseView = ViewOf<BrowseViewDescriptors>;
/** The browse service over these views. */
export type BrowseViews = BrowseService<BrowseViewDescriptors>;

export function browseViewNamed(name: string): BrowseViewDescriptors | undefined {
  return BROWSE_VIEWS.find((view) => view.name === name);
}

/** One entry per view, e.g. each view's access level, keyed by its name. */
export function perBrowseView<T>(entry: (view: BrowseViewDescriptors) => T): Record<BrowseViewName, T> {
  return Object.fromEntries(BROWSE_VIEWS.map((view) => [view.name, entry(view)])) as Record<
    BrowseViewName,
    T
  >;
}

/** Renders whichever view the browse service produced, for the asker or as a shared snapshot. */
export function renderBrowseView(view: BrowseView, options: BrowseViewOptions = {}): SlackMessage {
  const descriptor = browseViewNamed(view.kind);
  if (!descriptor) throw new Error(`no browse view named ${view.kind}`);
  // view.kind names the descriptor that made this data, so its renderer takes it.
  return (descriptor.render as (view: BrowseView, options: BrowseViewOptions) => SlackMessage)(view, options);
}
