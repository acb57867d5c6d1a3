import type { EventOrder, ParticipantCursor } from '../domain/model.ts';
import type { IvsFailure } from '../ivs/IvsFailure.ts';
import type { IvsGateway, ParticipantEvent } from '../ivs/IvsGateway.ts';
import type { StageArn } from '../ivs/identifiers.ts';
import type { Logger } from '../platform/logger.ts';

// Pages as large as the API allows: fewer calls.
const MAX_RESULTS = 100;

/** What a participant's events cursor remembers between cycles. */
export interface EventsCursor {
  readonly eventOrder: EventOrder | null;
  readonly resumeToken: string | null;
  readonly newestEventAt: Date | null;
}

interface TimeSpan {
  readonly oldest: number;
  readonly newest: number;
}

/** Where a read that ran out of calls stopped; the next cycle goes on from there. */
export interface ReadProgress {
  /** The nextToken of the next page to read. */
  readonly token: string;
  /** The read began at the first page: its first and last pages tell the order. */
  readonly fromStart: boolean;
  readonly stopAtKnown: boolean;
  /** Events at or before this were known when the read began. */
  readonly knownUntil: number | null;
  readonly firstPage: TimeSpan | null;
  readonly lastPage: TimeSpan | null;
  /** The nextToken that fetched the last page with events; null for the first page. */
  readonly lastPageToken: string | null;
  readonly newestSeen: number | null;
  readonly orderBroken: boolean;
  readonly restarted: boolean;
}

export type EventRead =
  /** Read to where nothing new can be: the cursor moves on. */
  | { readonly status: 'complete'; readonly events: ParticipantEvent[]; readonly cursor: EventsCursor }
  /** The cycle's calls ran out on the way; `progress` says where to go on (null: from the start). */
  | {
      readonly status: 'partial';
      readonly events: ParticipantEvent[];
      readonly progress: ReadProgress | null;
    }
  /** No call was left for it: nothing was read, nothing changes. */
  | { readonly status: 'skipped' }
  | { readonly status: 'failed'; readonly events: ParticipantEvent[]; readonly failure: IvsFailure };

export interface ReadNewEventsOptions {
  ivs: IvsGateway;
  stage: StageArn;
  participant: ParticipantCursor;
  /** Where the previous cycle stopped, if it ran out of calls. */
  progress: ReadProgress | undefined;
  /** Takes one ListParticipantEvents call from the cycle's budget; false when none is left. */
  takeCall: () => boolean;
  logger: Logger;
}

/**
 * Reads the events of one participant that can be new, with as few calls as its history allows. IVS
 * documents no order for ListParticipantEvents, so where new events appear is learned from a read of
 * every page (two pages or more: the first holds the newest events, or the last does):
 * - newest-first: pages from the first until one holds the newest event read before;
 * - oldest-first: from the nextToken of the last page, which must still hold the newest event read
 *   before (IVS may refuse an old token: then every page);
 * - not known yet: every page.
 * A page that contradicts the order turns the read into a read of every page, which learns it again.
 */
export async function readNewEvents(options: ReadNewEventsOptions): Promise<EventRead> {
  const { ivs, stage, participant: p, logger } = options;
  const known = p.newestEventAt?.getTime() ?? null;
  let state: ReadState;
  if (options.progress) {
    state = { ...options.progress, resuming: false };
  } else {
    const resume = p.eventOrder === 'oldest-first' && p.resumeToken !== null;
    state = {
      token: resume ? (p.resumeToken ?? undefined) : undefined,
      fromStart: !resume,
      stopAtKnown: p.eventOrder === 'newest-first' && known !== null,
      knownUntil: known,
      firstPage: null,
      lastPage: null,
      lastPageToken: null,
      newestSeen: known,
      orderBroken: false,
      restarted: false,
      resuming: resume,
    };
  }
  // New events appear next to the newest known one, whichever the order: a page holding it shows where.
  const holdsNewestKnown = (event: ParticipantEvent) =>
    state.knownUntil !== null && (event.eventTime?.getTime() ?? 0) === state.knownUntil;
  const fromFirstPage = () => {
    state = {
      ...state,
      token: undefined,
      fromStart: true,
      stopAtKnown: false,
      firstPage: null,
      lastPage: null,
      lastPageToken: null,
      resuming: false,
    };
  };
  const where = { stage: stage.arn, session: p.sessionId, participant: p.participantId };
  const events: ParticipantEvent[] = [];
  let calls = 0;

  for (;;) {
    if (!options.takeCall()) {
      if (calls === 0) return { status: 'skipped' };
      return {
        status: 'partial',
        events,
        progress: state.token !== undefined ? progressOf(state, state.token) : null,
      };
    }
    calls++;
    const page = await ivs.listParticipantEvents(
      stage,
      p.sessionId,
      p.participantId,
      { nextToken: state.token, maxResults: MAX_RESULTS },
      'background',
    );
    if (!page.ok) {
      if (page.failure.kind === 'invalid_input' && state.token !== undefined && !state.restarted) {
        logger.info(
          { ...where, detail: page.failure.detail },
          'events page position refused: reading every page',
        );
        fromFirstPage();
        state.restarted = true;
        continue;
      }
      return { status: 'failed', events, failure: page.failure };
    }
    const items = page.value.items;
    if (state.resuming && !items.some(holdsNewestKnown)) {
      // The page that held the newest known event no longer does: the assumed order is wrong.
      logger.info(where, 'events are not where the last read left them: reading every page');
      events.push(...items);
      fromFirstPage();
      state.orderBroken = true;
      continue;
    }
    state.resuming = false;
    if (items.length > 0) {
      const span = spanOf(items);
      if (state.fromStart && state.firstPage === null) state.firstPage = span;
      state.lastPage = span;
      state.lastPageToken = state.token ?? null;
      state.newestSeen = Math.max(state.newestSeen ?? span.newest, span.newest);
    }
    events.push(...items);
    const next = page.value.nextToken;
    if (state.stopAtKnown && items.some(holdsNewestKnown)) return complete(events, state, 'newest-first');
    if (!next) {
      const seen = state.fromStart ? orderOf(state.firstPage, state.lastPage) : 'oldest-first';
      return complete(events, state, seen ?? (state.orderBroken ? null : p.eventOrder));
    }
    state.token = next;
  }
}

function complete(events: ParticipantEvent[], state: ReadState, order: EventOrder | null): EventRead {
  return {
    status: 'complete',
    events,
    cursor: {
      eventOrder: order,
      resumeToken: order === 'oldest-first' ? state.lastPageToken : null,
      newestEventAt: state.newestSeen === null ? null : new Date(state.newestSeen),
    },
  };
}

/** A read under way: ReadProgress, plus the page it is on and whether it is checking a resumed page. */
interface ReadState extends Omit<ReadProgress, 'token'> {
  token: string | undefined;
  fromStart: boolean;
  stopAtKnown: boolean;
  firstPage: TimeSpan | null;
  lastPage: TimeSpan | null;
  lastPageToken: string | null;
  newestSeen: number | null;
  orderBroken: boolean;
  restarted: boolean;
  /** The first page of a read resumed from the last page's token: it must hold a known event. */
  resuming: boolean;
}

function progressOf(state: ReadState, token: string): ReadProgress {
  return {
    token,
    fromStart: state.fromStart,
    stopAtKnown: state.stopAtKnown,
    knownUntil: state.knownUntil,
    firstPage: state.firstPage,
    lastPage: state.lastPage,
    lastPageToken: state.lastPageToken,
    newestSeen: state.newestSeen,
    orderBroken: state.orderBroken,
    restarted: state.restarted,
  };
}

function spanOf(events: readonly ParticipantEvent[]): TimeSpan {
  const times = events.map((event) => event.eventTime?.getTime() ?? 0);
  return { oldest: Math.min(...times), newest: Math.max(...times) };
}

/** The order a read of every page showed; null with a single page or pages that overlap in time. */
function orderOf(first: TimeSpan | null, last: TimeSpan | null): EventOrder | null {
  if (!first || !last || first === last) return null;
  const newestFirst = first.oldest >= last.newest;
  const oldestFirst = first.newest <= last.oldest;
  if (newestFirst === oldestFirst) return null;
  return newestFirst ? 'newest-first' : 'oldest-first';
}
