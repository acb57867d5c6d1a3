import type { IvsFailure, IvsResult } from '../ivs/IvsFailure.ts';
import type { IvsGateway, ParticipantEvent, ParticipantSummary } from '../ivs/IvsGateway.ts';
import type { StageArn, StageRef } from '../ivs/identifiers.ts';
import { rasterizeSvg } from './rasterize.ts';
import { buildSessionTimeline, type ParticipantReading, type SessionTimeline } from './sessionTimeline.ts';
import { renderTimelineSvg } from './timelineSvg.ts';

/**
 * How much one picture may read. Every read goes through the quota buckets as a person's (ahead of
 * the poller) and the shared reads, so these bound what a picture costs IVS whatever the session's
 * size: at most `maxListed / 100` ListParticipants calls and `maxRead × maxEventPages`
 * ListParticipantEvents calls, plus GetStageSession.
 */
export interface TimelineLimits {
  /** Participants listed at most (ListParticipants, 100 per page). */
  readonly maxListed: number;
  /** Participants whose events are read at most (publishers first). */
  readonly maxRead: number;
  /** Pages of 100 events read per participant at most. */
  readonly maxEventPages: number;
  /** Rows drawn at most; the rest are "+N more". */
  readonly maxRows: number;
}

const DEFAULT_TIMELINE_LIMITS: TimelineLimits = {
  maxListed: 1_000,
  maxRead: 30,
  maxEventPages: 3,
  maxRows: 25,
};

const PAGE_SIZE = 100;
const MAX_CONCURRENT_RENDERS = 2;

/** The picture, ready to upload, with what it was drawn from. */
export interface TimelinePicture {
  readonly stage: StageArn;
  readonly sessionId: string;
  readonly timeline: SessionTimeline;
  readonly png: Buffer;
  readonly filename: string;
  readonly title: string;
  /** What the picture shows, in words (screen readers, notifications). */
  readonly summary: string;
}

export type TimelineOutcome = { ok: true; picture: TimelinePicture } | { ok: false; failure: IvsFailure };

export interface TimelineServiceOptions {
  ivs: IvsGateway;
  limits?: TimelineLimits;
  now?: () => Date;
}

/** Reads a session from IVS and draws its timeline. */
export class TimelineService {
  readonly #ivs: IvsGateway;
  readonly #limits: TimelineLimits;
  readonly #now: () => Date;
  /** Pictures being rasterised: each holds a thread of libuv's small pool (shared with fs and crypto). */
  readonly #renders = new Limiter(MAX_CONCURRENT_RENDERS);

  constructor(options: TimelineServiceOptions) {
    this.#ivs = options.ivs;
    this.#limits = options.limits ?? DEFAULT_TIMELINE_LIMITS;
    this.#now = options.now ?? (() => new Date());
  }

  async draw(stageRef: StageRef, sessionId: string): Promise<TimelineOutcome> {
    const stage = await this.#ivs.resolveStage(stageRef, 'interactive');
    if (!stage.ok) return stage;
    // The session's times and the participants' list are read side by side (separate buckets).
    const [session, listing] = await Promise.all([
      this.#ivs.getStageSession(stage.value, sessionId, 'interactive'),
      this.#list(stage.value, sessionId),
    ]);
    if (!session.ok) return session;
    if (!listing.ok) return listing;
    const chosen = chooseToRead(listing.value.participants, this.#limits.maxRead);
    const readings = await Promise.all(chosen.map((p) => this.#read(stage.value, sessionId, p)));
    const failed = readings.find((r) => !r.ok);
    if (failed && !failed.ok) return failed;
    const timeline = buildSessionTimeline({
      stageArn: stage.value.arn,
      sessionId,
      session: session.value,
      readings: readings.flatMap((r) => (r.ok ? [r.value] : [])),
      listed: listing.value.participants.length,
      listingCut: listing.value.cut,
      now: this.#now(),
      maxRows: this.#limits.maxRows,
    });
    const svg = renderTimelineSvg(timeline);
    const png = await this.#renders.run(() => rasterizeSvg(svg));
    return {
      ok: true,
      picture: {
        stage: stage.value,
        sessionId,
        timeline,
        png,
        filename: `ivs-timeline-${sessionId}.png`,
        title: `Timeline of session ${sessionId}`,
        summary: summarizeTimeline(timeline),
      },
    };
  }

  /** Every participant of the session, up to `maxListed`. */
  async #list(
    stage: StageArn,
    sessionId: string,
  ): Promise<IvsResult<{ participants: ParticipantSummary[]; cut: boolean }>> {
    const byId = new Map<string, ParticipantSummary>();
    let nextToken: string | undefined;
    do {
      const maxResults = Math.min(PAGE_SIZE, this.#limits.maxListed - byId.size);
      if (maxResults <= 0) break;
      const page = await this.#ivs.listParticipants(
        stage,
        sessionId,
        { kind: 'none' },
        { nextToken, maxResults },
        'interactive',
      );
      if (!page.ok) return page;
      for (const participant of page.value.items) byId.set(participant.participantId, participant);
      nextToken = page.value.nextToken;
    } while (nextToken);
    return { ok: true, value: { participants: [...byId.values()], cut: nextToken !== undefined } };
  }

  /** One participant's events, up to `maxEventPages` pages. */
  async #read(
    stage: StageArn,
    sessionId: string,
    participant: ParticipantSummary,
  ): Promise<IvsResult<ParticipantReading>> {
    const events: ParticipantEvent[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.#ivs.listParticipantEvents(
        stage,
        sessionId,
        participant.participantId,
        { nextToken, maxResults: PAGE_SIZE },
        'interactive',
      );
      if (!page.ok) return page;
      events.push(...page.value.items);
      nextToken = page.value.nextToken;
      pages += 1;
    } while (nextToken && pages < this.#limits.maxEventPages);
    return { ok: true, value: { participant, events, eventsCut: nextToken !== undefined } };
  }
}

/**
 * Whose events to read when there are more participants than the limit: publishers first (they are
 * who the others watch), then who joined first; the picture says how many were left out.
 */
function chooseToRead(participants: readonly ParticipantSummary[], max: number): ParticipantSummary[] {
  const joined = (p: ParticipantSummary) => p.firstJoinTime?.getTime() ?? Number.POSITIVE_INFINITY;
  return [...participants]
    .sort((a, b) => Number(b.published === true) - Number(a.published === true) || joined(a) - joined(b))
    .slice(0, Math.max(0, max));
}

/** The picture in one plain sentence or two: its alt text. */
function summarizeTimeline(timeline: SessionTimeline): string {
  const drawn = timeline.rows.length;
  const withErrors = timeline.rows.filter((row) => row.errors.length > 0);
  const codes = new Map<string, number>();
  for (const row of timeline.rows)
    for (const e of row.errors) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
  const codeList = [...codes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ');
  const parts = [
    `Timeline of IVS session ${timeline.sessionId}, ${new Date(timeline.start).toISOString().slice(0, 19)}Z to ${new Date(timeline.end).toISOString().slice(0, 19)}Z${timeline.live ? ' (live)' : ''}: ${drawn} participant${drawn === 1 ? '' : 's'} drawn`,
    withErrors.length > 0 ? `, ${withErrors.length} with errors (${codeList})` : ', no errors',
    timeline.moreRows > 0 ? `; ${timeline.moreRows} more not drawn` : '',
    timeline.notRead > 0
      ? `; events of ${timeline.notRead} of ${timeline.listed} listed participants not read`
      : '',
    '.',
  ];
  return parts.join('');
}

/** Runs at most `max` tasks at once; the others wait their turn, first come first served. */
class Limiter {
  readonly #max: number;
  readonly #waiting: Array<() => void> = [];
  #running = 0;

  constructor(max: number) {
    this.#max = max;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running += 1;
    try {
      return await task();
    } finally {
      // The turn passes straight to the next waiter, so the count stays as it is.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }
}
