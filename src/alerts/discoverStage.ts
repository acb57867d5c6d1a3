import type { ParticipantCursor, SessionCursor } from '../domain/model.ts';
import type { IvsFailure } from '../ivs/IvsFailure.ts';
import type { IvsGateway, ParticipantSummary, SessionSummary } from '../ivs/IvsGateway.ts';
import type { StageArn } from '../ivs/identifiers.ts';
import type { Logger } from '../platform/logger.ts';

// Pages as large as the API allows: fewer calls.
const MAX_RESULTS = 100;

export const participantKey = (sessionId: string, participantId: string) => `${sessionId}/${participantId}`;

export interface StageKnowledge {
  readonly stage: StageArn;
  readonly sessions: ReadonlyMap<string, SessionCursor>;
  /** By participantKey. */
  readonly participants: ReadonlyMap<string, ParticipantCursor>;
  /** Sessions that ended before this are history: never read, never alerted on. */
  readonly watchedSince: number;
  /** Listed by this poller before: its session cursors are complete up to that listing. */
  readonly listedBefore: boolean;
}

export interface StageListing {
  readonly sessions: Map<string, SessionCursor>;
  readonly participants: Map<string, ParticipantCursor>;
  /** Sessions whose participants were listed: the live one, and ones whose end this listing found. */
  readonly listedSessions: readonly string[];
}

export interface DiscoverStageOptions {
  ivs: IvsGateway;
  known: StageKnowledge;
  /** Counts one call of `operation` against the cycle's budget. */
  spend: (operation: 'GetStage' | 'ListStageSessions' | 'ListParticipants') => void;
  logger: Logger;
  /** Called when a ListStageSessions page breaks the newest-first order the paging relies on. */
  onUnorderedSessions: () => void;
}

/**
 * What IVS says now about a stage's sessions and the participants that can still change, from as few
 * calls as possible:
 * - GetStage names the live session (`activeSessionId`);
 * - ListStageSessions only when that is not the live session known before (or on the first listing):
 *   pages only until the sessions that ended since the last listing are found (IVS does not promise
 *   newest first; a page that breaks that order makes it read on to the last page);
 * - ListParticipants for the live session, and once more for a session whose end this listing found
 *   (participants who joined and left in between).
 * Nothing is changed on failure: the caller keeps what it knew.
 */
export async function discoverStage(
  options: DiscoverStageOptions,
): Promise<{ ok: true; value: StageListing } | { ok: false; failure: IvsFailure }> {
  const { ivs, known, spend } = options;
  const { stage } = known;
  const sessions = new Map(known.sessions);
  const participants = new Map(known.participants);

  spend('GetStage');
  const described = await ivs.getStage(stage, 'background');
  if (!described.ok) return described;
  const liveId = described.value.activeSessionId;

  const ended = new Set<string>();
  const open = [...sessions.values()].filter(
    (s) => !s.finished && s.endTime === null && s.sessionId !== liveId,
  );
  const liveKnown = liveId === undefined || sessions.has(liveId);
  if (!known.listedBefore || open.length > 0 || !liveKnown) {
    const listed = await listSessionsSince(options, sessions, new Set(open.map((s) => s.sessionId)));
    if (!listed.ok) return listed;
    for (const session of listed.value.sessions) {
      const before = sessions.get(session.sessionId);
      if (before?.finished) continue;
      const endTime = session.endTime ?? null;
      if (!before && endTime !== null && endTime.getTime() < known.watchedSince) {
        sessions.set(session.sessionId, cursorOf(stage.arn, session, true));
        continue;
      }
      if (endTime !== null && (before?.endTime ?? null) === null) ended.add(session.sessionId);
      sessions.set(session.sessionId, cursorOf(stage.arn, session, false));
    }
    for (const session of open) {
      if (ended.has(session.sessionId)) continue;
      // Not live and no longer listed by IVS: nothing of it can be read any more.
      options.logger.warn(
        { stage: stage.arn, session: session.sessionId },
        'a session that ended is no longer listed by IVS; its participants are not read',
      );
      sessions.set(session.sessionId, { ...session, finished: true });
    }
  }
  if (liveId !== undefined && !sessions.has(liveId)) {
    // Started after ListStageSessions answered: its times come with the next listing of sessions.
    sessions.set(liveId, {
      stageArn: stage.arn,
      sessionId: liveId,
      startTime: null,
      endTime: null,
      finished: false,
    });
  }

  const listedSessions = [...(liveId === undefined ? [] : [liveId]), ...ended];
  for (const sessionId of listedSessions) {
    let nextToken: string | undefined;
    do {
      spend('ListParticipants');
      const page = await ivs.listParticipants(
        stage,
        sessionId,
        { kind: 'none' },
        { nextToken, maxResults: MAX_RESULTS },
        'background',
      );
      if (!page.ok) return page;
      for (const summary of page.value.items) {
        const key = participantKey(sessionId, summary.participantId);
        participants.set(key, mergeListing(stage.arn, sessionId, summary, participants.get(key)));
      }
      nextToken = page.value.nextToken;
    } while (nextToken);
  }
  return { ok: true, value: { sessions, participants, listedSessions } };
}

/**
 * ListStageSessions pages until every session in `open` (known, not live any more) is found and the
 * pages reach sessions already known (or, on a first listing, sessions that ended before the watch).
 */
async function listSessionsSince(
  options: DiscoverStageOptions,
  sessions: ReadonlyMap<string, SessionCursor>,
  open: Set<string>,
): Promise<{ ok: true; value: { sessions: SessionSummary[] } } | { ok: false; failure: IvsFailure }> {
  const { ivs, known, spend } = options;
  const newestKnown = Math.max(
    Number.NEGATIVE_INFINITY,
    ...[...sessions.values()].map((s) => s.startTime?.getTime() ?? Number.NEGATIVE_INFINITY),
  );
  const found: SessionSummary[] = [];
  let ordered = true;
  let previousStart = Number.POSITIVE_INFINITY;
  let nextToken: string | undefined;
  do {
    spend('ListStageSessions');
    const page = await ivs.listStageSessions(
      known.stage,
      { nextToken, maxResults: MAX_RESULTS },
      'background',
    );
    if (!page.ok) return page;
    let reachedKnown = false;
    for (const session of page.value.items) {
      found.push(session);
      open.delete(session.sessionId);
      const start = session.startTime?.getTime() ?? Number.NEGATIVE_INFINITY;
      if (start > previousStart && ordered) {
        ordered = false;
        options.onUnorderedSessions();
      }
      previousStart = Math.min(previousStart, start);
      const end = session.endTime?.getTime();
      if (known.listedBefore ? start <= newestKnown : end !== undefined && end < known.watchedSince) {
        reachedKnown = true;
      }
    }
    const enough = ordered && open.size === 0 && reachedKnown;
    nextToken = enough ? undefined : page.value.nextToken;
  } while (nextToken);
  return { ok: true, value: { sessions: found } };
}

/** What of a participant's listing, when it changes, means its events must be read again. */
export function listingOf(p: ParticipantSummary): string {
  return JSON.stringify([
    p.state ?? null,
    p.userId ?? null,
    p.published ?? null,
    p.recordingState ?? null,
    p.replicationType ?? null,
    p.replicationState ?? null,
  ]);
}

function mergeListing(
  stageArn: string,
  sessionId: string,
  summary: ParticipantSummary,
  known: ParticipantCursor | undefined,
): ParticipantCursor {
  const listing = listingOf(summary);
  return {
    stageArn,
    sessionId,
    participantId: summary.participantId,
    userId: summary.userId ?? known?.userId ?? null,
    state: summary.state ?? known?.state ?? null,
    firstJoinTime: summary.firstJoinTime ?? known?.firstJoinTime ?? null,
    lastReadAt: known?.lastReadAt ?? null,
    // A participant that left can come back with the same ID (IVS keeps firstJoinTime as the first
    // join): seen CONNECTED again, or listed differently, its events can change again.
    done: (known?.done ?? false) && summary.state !== 'CONNECTED' && known?.listing === listing,
    lastErrorAt: known?.lastErrorAt ?? null,
    listing,
    readListing: known?.readListing ?? null,
    eventOrder: known?.eventOrder ?? null,
    resumeToken: known?.resumeToken ?? null,
    newestEventAt: known?.newestEventAt ?? null,
  };
}

function cursorOf(stageArn: string, session: SessionSummary, finished: boolean): SessionCursor {
  return {
    stageArn,
    sessionId: session.sessionId,
    startTime: session.startTime ?? null,
    endTime: session.endTime ?? null,
    finished,
  };
}
