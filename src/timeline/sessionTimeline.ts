import { isErrorEvent } from '../ivs/eventCatalog.ts';
import type { ParticipantEvent, ParticipantSummary, SessionSummary } from '../ivs/IvsGateway.ts';

// What the picture of a session shows, worked out from IVS's participants and events alone: a pure
// function, so the picture of known events is known (tested), whatever draws it.

/** A stretch of time in epoch ms; `open` when nothing closed it (still going, or its end is unknown). */
export interface Interval {
  readonly start: number;
  readonly end: number;
  readonly open: boolean;
}

export interface ErrorMark {
  readonly at: number;
  /** The event's error code, or its name for an *_ERROR event that carries none. */
  readonly code: string;
}

export interface TimelineRow {
  readonly participantId: string;
  readonly userId?: string | undefined;
  readonly connected: readonly Interval[];
  readonly publishing: readonly Interval[];
  readonly subscribing: readonly Interval[];
  readonly errors: readonly ErrorMark[];
  /** Its events were cut at the per-participant read limit: the bars may end early. */
  readonly eventsCut: boolean;
}

/** One participant as read from IVS: its summary and the events read (maybe not all of them). */
export interface ParticipantReading {
  readonly participant: ParticipantSummary;
  readonly events: readonly ParticipantEvent[];
  readonly eventsCut: boolean;
}

export interface TimelineInput {
  readonly stageArn: string;
  readonly sessionId: string;
  readonly session?: SessionSummary | undefined;
  /** The participants whose events were read. */
  readonly readings: readonly ParticipantReading[];
  /** Participants IVS listed (at least `readings.length`). */
  readonly listed: number;
  /** The listing stopped at its limit: the session has more participants than `listed`. */
  readonly listingCut: boolean;
  /** When it was read: the end of what is still going on. */
  readonly now: Date;
  /** Rows drawn at most; the rest are counted as "+N more". */
  readonly maxRows: number;
}

export interface SessionTimeline {
  readonly stageArn: string;
  readonly sessionId: string;
  readonly start: number;
  readonly end: number;
  /** The session has not ended (as far as IVS said). */
  readonly live: boolean;
  readonly rows: readonly TimelineRow[];
  /** Rows built but not drawn (over `maxRows`), and how many of them had errors. */
  readonly moreRows: number;
  readonly moreRowsWithErrors: number;
  readonly listed: number;
  readonly listingCut: boolean;
  /** Listed participants whose events were not read (over the read limit). */
  readonly notRead: number;
  readonly readAt: number;
}

/** The shortest span drawn, so a session of one instant still has an axis. */
export const MIN_SPAN_MS = 60_000;

/** Builds the picture's content: rows ordered most relevant first, cut at `maxRows`. */
export function buildSessionTimeline(input: TimelineInput): SessionTimeline {
  const now = input.now.getTime();
  const live = input.session?.endTime === undefined;
  let first = Math.min(validTime(input.session?.startTime) ?? now, now);
  let last = first;
  for (const reading of input.readings) {
    for (const at of [reading.participant.firstJoinTime, ...reading.events.map((e) => e.eventTime)]) {
      const ms = validTime(at);
      if (ms === undefined) continue;
      first = Math.min(first, ms);
      last = Math.max(last, ms);
    }
  }
  const start = first;
  const sessionEnd = validTime(input.session?.endTime);
  const lastSeen = Math.max(last, start);
  // Events after the session's end (clocks differ) widen the picture rather than fall off it.
  const rawEnd = Math.max(sessionEnd ?? (live ? now : lastSeen), lastSeen);
  const end = Math.max(rawEnd, start + MIN_SPAN_MS);

  const rows = input.readings.map((reading) => buildRow(reading, start, live ? now : rawEnd));
  const ordered = [...rows].sort(compareRelevance(input.readings));
  const shown = ordered.slice(0, Math.max(0, input.maxRows));
  const hidden = ordered.slice(shown.length);
  return {
    stageArn: input.stageArn,
    sessionId: input.sessionId,
    start,
    end,
    live,
    rows: shown,
    moreRows: hidden.length,
    moreRowsWithErrors: hidden.filter((row) => row.errors.length > 0).length,
    listed: input.listed,
    listingCut: input.listingCut,
    notRead: Math.max(0, input.listed - input.readings.length),
    readAt: now,
  };
}

/** With errors first, then publishers, then the rest; within each, who joined first, then by ID. */
function compareRelevance(readings: readonly ParticipantReading[]) {
  const published = new Map(
    readings.map((r) => [r.participant.participantId, r.participant.published === true]),
  );
  const rank = (row: TimelineRow) =>
    row.errors.length > 0 ? 0 : row.publishing.length > 0 || published.get(row.participantId) ? 1 : 2;
  const firstSeen = (row: TimelineRow) =>
    Math.min(
      row.connected[0]?.start ?? Number.POSITIVE_INFINITY,
      row.errors[0]?.at ?? Number.POSITIVE_INFINITY,
    );
  return (a: TimelineRow, b: TimelineRow) =>
    rank(a) - rank(b) ||
    firstSeen(a) - firstSeen(b) ||
    (a.participantId < b.participantId ? -1 : a.participantId > b.participantId ? 1 : 0);
}

/**
 * One participant's bars from its events in time order. An interval opened and never closed runs to
 * `openEnd` (now for a live session, the session's end otherwise), drawn as open. A close without an
 * open (its start was before what was read) starts at the participant's first join, or the picture's start.
 */
function buildRow(reading: ParticipantReading, start: number, openEnd: number): TimelineRow {
  const { participant } = reading;
  const events = reading.events
    .filter((e) => validTime(e.eventTime) !== undefined)
    .map((e, index) => ({ event: e, at: validTime(e.eventTime) as number, index }))
    // IVS documents no order: time order, and the order read for events of the same instant.
    .sort((a, b) => a.at - b.at || a.index - b.index);
  const fallbackStart = validTime(participant.firstJoinTime) ?? start;
  const connected = new Track(fallbackStart);
  const publishing = new Track(fallbackStart);
  // Subscriptions are per remote publisher; the bar shows when at least one was running.
  const subscribing = new Track(fallbackStart);
  const subscriptions = new Set<string>();
  const errors: ErrorMark[] = [];

  for (const { event, at } of events) {
    switch (event.name) {
      case 'JOINED':
        connected.open(at);
        break;
      case 'LEFT':
        connected.close(at);
        publishing.closeIfOpen(at);
        subscriptions.clear();
        subscribing.closeIfOpen(at);
        break;
      case 'PUBLISH_STARTED':
        connected.openIfClosed(at);
        publishing.open(at);
        break;
      case 'PUBLISH_STOPPED':
        publishing.close(at);
        break;
      case 'SUBSCRIBE_STARTED':
        connected.openIfClosed(at);
        subscriptions.add(event.remoteParticipantId ?? '');
        subscribing.openIfClosed(at);
        break;
      case 'SUBSCRIBE_STOPPED':
        subscriptions.delete(event.remoteParticipantId ?? '');
        if (subscriptions.size === 0) subscribing.close(at);
        break;
    }
    if (isErrorEvent(event)) errors.push({ at, code: event.errorCode || event.name });
  }
  // A participant IVS lists as disconnected has left even when its LEFT was not read.
  const stillHere = participant.state !== 'DISCONNECTED';
  const lastEvent = events.at(-1)?.at ?? fallbackStart;
  const end = stillHere ? openEnd : Math.max(lastEvent, fallbackStart);
  return {
    participantId: participant.participantId,
    userId: participant.userId,
    connected: connected.finish(end),
    publishing: publishing.finish(end),
    subscribing: subscribing.finish(end),
    errors,
    eventsCut: reading.eventsCut,
  };
}

/** Intervals of one kind, opened and closed by events in time order. */
class Track {
  readonly #intervals: Interval[] = [];
  readonly #fallbackStart: number;
  #openedAt: number | undefined;

  constructor(fallbackStart: number) {
    this.#fallbackStart = fallbackStart;
  }

  open(at: number): void {
    // Opened twice (a JOINED after a LEFT that was not read): the first stretch ends here.
    if (this.#openedAt !== undefined) this.#intervals.push({ start: this.#openedAt, end: at, open: false });
    this.#openedAt = at;
  }

  openIfClosed(at: number): void {
    if (this.#openedAt === undefined) this.#openedAt = at;
  }

  close(at: number): void {
    const start = this.#openedAt ?? this.#closedWithoutOpen(at);
    if (start === undefined) return;
    this.#intervals.push({ start, end: at, open: false });
    this.#openedAt = undefined;
  }

  closeIfOpen(at: number): void {
    if (this.#openedAt !== undefined) this.close(at);
  }

  finish(end: number): Interval[] {
    if (this.#openedAt !== undefined) {
      this.#intervals.push({ start: this.#openedAt, end: Math.max(end, this.#openedAt), open: true });
      this.#openedAt = undefined;
    }
    return this.#intervals;
  }

  /** A close with nothing open: it started before the events read, unless an earlier stretch is on record. */
  #closedWithoutOpen(at: number): number | undefined {
    if (this.#intervals.length > 0) return undefined;
    return Math.min(this.#fallbackStart, at);
  }
}

function validTime(date: Date | undefined): number | undefined {
  const ms = date?.getTime();
  return ms === undefined || Number.isNaN(ms) ? undefined : ms;
}
