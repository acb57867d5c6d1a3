import { isErrorEvent } from '../ivs/eventCatalog.ts';
import { describeIvsFailure, type IvsFailure } from '../ivs/IvsFailure.ts';
import type { IvsGateway, ParticipantEvent, ParticipantSummary } from '../ivs/IvsGateway.ts';
import { parseStageArn, type StageArn } from '../ivs/identifiers.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/Store.ts';
import type { DetectedEvent, GroupingPolicy, ParticipantCursor, SessionCursor, Watch } from './model.ts';

export interface PollerOptions {
  ivs: IvsGateway;
  store: Store;
  logger: Logger;
  policy: GroupingPolicy;
  /** Seconds between cycles: with the rate it bounds how many participants one cycle can read. */
  intervalSeconds: number;
  /** Calls per second per operation (IVS_MAX_TPS). */
  maxTps: number;
  now?: () => Date;
  /**
   * IVS_RETENTION_DAYS in ms: a session that ended longer ago is history, like one that ended before
   * the stage was watched. Retention purges such a session's cursor and dedup keys, so without this
   * IVS listing it again would make it look new and its errors be alerted twice.
   */
  historyMs?: number;
  /** Called after detections are stored, so the sender can drain the outbox at once. */
  onDetections?: () => void;
}

export interface StageCycleReport {
  readonly stageArn: string;
  readonly ok: boolean;
  readonly error: string | null;
  readonly newEvents: number;
  readonly participantsRead: number;
  readonly participantsBehind: number;
  readonly lagSeconds: number;
}

export interface CycleReport {
  readonly skipped: boolean;
  readonly stages: readonly StageCycleReport[];
  readonly apiCalls: number;
  readonly durationMs: number;
}

// Pages as large as the API allows: fewer calls per cycle.
const MAX_RESULTS = 100;

interface StageWork {
  stage: StageArn;
  watches: Watch[];
  sessions: Map<string, SessionCursor>;
  participants: Map<string, ParticipantCursor>;
  failure: IvsFailure | null;
  /** Sessions seen this cycle that may have changed. */
  activeSessions: Set<string>;
}

type ReadResult = { ok: true; events: ParticipantEvent[] } | { ok: false; failure: IvsFailure };

const participantKey = (sessionId: string, participantId: string) => `${sessionId}/${participantId}`;

/**
 * One poll cycle over every watched stage. The cost grows with activity, not history:
 * - ListStageSessions pages only until it meets sessions already known to be finished;
 * - ListParticipants runs only for live sessions and sessions not yet finished;
 * - ListParticipantEvents runs only for participants whose events can still change (connected, or
 *   left but not read to the end since), most likely first, at most one interval's worth of calls
 *   (interval × IVS_MAX_TPS − 1); the rest wait for the next cycle and the wait is reported as lag.
 *   Participants already known start being read while discovery runs, so that budget never idles.
 */
export class Poller {
  readonly #options: PollerOptions;
  readonly #now: () => Date;
  #running = false;
  #calls = 0;

  constructor(options: PollerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * Runs a cycle unless one is still running (a late cycle is skipped and logged, never
   * overlapped). `deadline` (epoch ms, from the schedule's next tick) stops starting event reads in
   * time for the cycle to end before that tick.
   */
  async runCycle(options: { deadline?: number } = {}): Promise<CycleReport> {
    if (this.#running) {
      this.#options.logger.warn('poll cycle skipped: the previous cycle is still running');
      return { skipped: true, stages: [], apiCalls: 0, durationMs: 0 };
    }
    this.#running = true;
    const started = performance.now();
    this.#calls = 0;
    try {
      const stages = await this.#cycle(options.deadline);
      return { skipped: false, stages, apiCalls: this.#calls, durationMs: performance.now() - started };
    } finally {
      this.#running = false;
    }
  }

  async #cycle(deadline: number | undefined): Promise<StageCycleReport[]> {
    const now = this.#now();
    const byStage = new Map<string, Watch[]>();
    for (const watch of await this.#options.store.listWatches()) {
      const list = byStage.get(watch.stageArn) ?? [];
      list.push(watch);
      byStage.set(watch.stageArn, list);
    }
    const work: StageWork[] = [];
    for (const [arn, watches] of byStage) {
      const stage = parseStageArn(arn);
      if (stage) work.push(await this.#load(stage, watches));
    }

    // At most one interval's worth of ListParticipantEvents calls (less one), started until the
    // deadline. Two readers keep the events budget busy: participants known from earlier cycles are
    // read while discovery lists sessions and participants (other operations, other budgets), and
    // the ones discovery finds join the queue.
    const results = new Map<StageWork, Array<{ p: ParticipantCursor; result: ReadResult }>>(
      work.map((w) => [w, []]),
    );
    let budget = Math.max(1, Math.floor(this.#options.intervalSeconds * this.#options.maxTps) - 1);
    let queue = this.#byPriority(
      work.flatMap((w) =>
        [...w.participants.values()]
          .filter((p) => !p.done && w.sessions.get(p.sessionId)?.finished === false)
          .map((p) => ({ w, p })),
      ),
      now,
    );
    const started = new Set<string>();
    let discovering = true;
    const waiting: Array<() => void> = [];
    const wake = () => {
      for (const resolve of waiting.splice(0)) resolve();
    };
    const reader = async () => {
      while (budget > 0 && (deadline === undefined || Date.now() < deadline)) {
        const next = queue.shift();
        if (!next) {
          if (!discovering) return;
          await new Promise<void>((resolve) => waiting.push(resolve));
          continue;
        }
        budget--;
        started.add(`${next.w.stage.arn} ${participantKey(next.p.sessionId, next.p.participantId)}`);
        results.get(next.w)?.push({ p: next.p, result: await this.#readEvents(next.w.stage, next.p) });
      }
    };
    const queued = new Set(
      queue.map(({ w, p }) => `${w.stage.arn} ${participantKey(p.sessionId, p.participantId)}`),
    );
    const discovery = (async () => {
      // Each stage's new participants join the queue as soon as that stage is listed.
      for (const w of work) {
        await this.#discover(w);
        if (w.failure) continue;
        const found = [...w.participants.entries()]
          .filter(([key, p]) => {
            const id = `${w.stage.arn} ${key}`;
            return !p.done && w.activeSessions.has(p.sessionId) && !started.has(id) && !queued.has(id);
          })
          .map(([key, p]) => {
            queued.add(`${w.stage.arn} ${key}`);
            return { w, p };
          });
        if (found.length === 0) continue;
        queue = this.#byPriority([...queue, ...found], now);
        wake();
      }
      discovering = false;
      wake();
    })();
    await Promise.all([discovery, reader(), reader()]);

    const reports: StageCycleReport[] = [];
    for (const w of work) reports.push(await this.#readAndRecord(w, results.get(w) ?? [], now));
    return reports;
  }

  /** What the store remembers of a stage: its sessions and the participants still to settle. */
  async #load(stage: StageArn, watches: Watch[]): Promise<StageWork> {
    const store = this.#options.store;
    const sessions = new Map((await store.loadSessionCursors(stage.arn)).map((s) => [s.sessionId, s]));
    const participants = new Map(
      (await store.loadParticipantCursors(stage.arn)).map((p) => [
        participantKey(p.sessionId, p.participantId),
        p,
      ]),
    );
    return { stage, watches, sessions, participants, failure: null, activeSessions: new Set() };
  }

  /** Sessions and participants of one stage from IVS, updating the cursors in memory. */
  async #discover(work: StageWork): Promise<void> {
    const { stage, watches, sessions, participants } = work;
    const notYetListed = new Set([...sessions.values()].filter((s) => !s.finished).map((s) => s.sessionId));
    // History from before the first watch of the stage, or older than retention, is not alerted on.
    const watchedSince = Math.max(
      Math.min(...watches.map((w) => w.createdAt.getTime())),
      this.#now().getTime() - (this.#options.historyMs ?? Number.POSITIVE_INFINITY),
    );

    let nextToken: string | undefined;
    do {
      this.#calls++;
      const page = await this.#options.ivs.listStageSessions(
        stage,
        { nextToken, maxResults: MAX_RESULTS },
        'background',
      );
      if (!page.ok) {
        work.failure = page.failure;
        return;
      }
      let sawUnfinished = false;
      for (const session of page.value.items) {
        notYetListed.delete(session.sessionId);
        const known = sessions.get(session.sessionId);
        if (known?.finished) continue;
        const endedBeforeWatch = session.endTime !== undefined && session.endTime.getTime() < watchedSince;
        if (!known && endedBeforeWatch) {
          sessions.set(session.sessionId, cursorOf(stage.arn, session, true));
          continue;
        }
        sawUnfinished = true;
        sessions.set(session.sessionId, cursorOf(stage.arn, session, false));
        work.activeSessions.add(session.sessionId);
      }
      // IVS lists newest sessions first: a page with nothing unfinished means the rest is history,
      // unless a session still open in the store is further back (its participants must settle).
      nextToken = sawUnfinished || notYetListed.size > 0 ? page.value.nextToken : undefined;
    } while (nextToken);

    for (const sessionId of work.activeSessions) {
      let token: string | undefined;
      do {
        this.#calls++;
        const page = await this.#options.ivs.listParticipants(
          stage,
          sessionId,
          { kind: 'none' },
          { nextToken: token, maxResults: MAX_RESULTS },
          'background',
        );
        if (!page.ok) {
          work.failure = page.failure;
          return;
        }
        for (const p of page.value.items) {
          const key = participantKey(sessionId, p.participantId);
          const known = participants.get(key);
          const listing = listingOf(p);
          participants.set(key, {
            stageArn: stage.arn,
            sessionId,
            participantId: p.participantId,
            userId: p.userId ?? known?.userId ?? null,
            state: p.state ?? known?.state ?? null,
            firstJoinTime: p.firstJoinTime ?? known?.firstJoinTime ?? null,
            lastReadAt: known?.lastReadAt ?? null,
            // A participant that left can come back with the same ID (IVS keeps firstJoinTime as the
            // first join): seen CONNECTED again, or listed differently, its events can change again.
            done: (known?.done ?? false) && p.state !== 'CONNECTED' && known?.listing === listing,
            lastErrorAt: known?.lastErrorAt ?? null,
            listing,
            readListing: known?.readListing ?? null,
            eventOrder: known?.eventOrder ?? null,
            resumeToken: known?.resumeToken ?? null,
            newestEventAt: known?.newestEventAt ?? null,
          });
        }
        token = page.value.nextToken;
      } while (token);
    }
  }

  /**
   * Earliest due first. Never-read participants (just joined) come first, then the recently
   * erroring and those who left (one last read settles them), then connected ones one interval
   * after their last read: nobody starves, because waiting moves everyone forward.
   */
  #byPriority<T extends { p: ParticipantCursor }>(candidates: T[], now: Date): T[] {
    const recent = now.getTime() - this.#options.policy.burstWindowMs;
    const intervalMs = this.#options.intervalSeconds * 1000;
    const due = ({ p }: T): number => {
      if (p.lastReadAt === null || p.listing !== p.readListing) return Number.NEGATIVE_INFINITY;
      const read = p.lastReadAt.getTime();
      if (p.lastErrorAt && p.lastErrorAt.getTime() >= recent) return read;
      if (p.state !== 'CONNECTED') return read;
      return read + intervalMs;
    };
    return [...candidates].sort(
      (a, b) => due(a) - due(b) || (b.p.firstJoinTime?.getTime() ?? 0) - (a.p.firstJoinTime?.getTime() ?? 0),
    );
  }

  async #readAndRecord(
    work: StageWork,
    results: ReadonlyArray<{ p: ParticipantCursor; result: ReadResult }>,
    now: Date,
  ): Promise<StageCycleReport> {
    const { store, logger } = this.#options;
    const channelIds = work.watches.map((w) => w.channelId);
    if (work.failure) {
      const error = describeIvsFailure(work.failure);
      await store.recordPoll({
        stageArn: work.stage.arn,
        at: now,
        ok: false,
        error,
        transient: isTransient(work.failure),
        lagSeconds: 0,
        channelIds,
      });
      return {
        stageArn: work.stage.arn,
        ok: false,
        error,
        newEvents: 0,
        participantsRead: 0,
        participantsBehind: 0,
        lagSeconds: 0,
      };
    }

    const detected: DetectedEvent[] = [];
    let failure: IvsFailure | null = null;
    for (const { p, result } of results) {
      if (!result.ok) {
        // Throttled or unavailable: this participant simply waits for the next cycle.
        if (result.failure.kind === 'access_denied') failure = result.failure;
        logger.warn(
          { stage: work.stage.arn, participant: p.participantId, kind: result.failure.kind },
          'events not read',
        );
        continue;
      }
      const errors = result.events.filter(isErrorEvent);
      for (const event of errors) detected.push(toDetected(work.stage.arn, p, event));
      const lastError = errors.reduce<Date | null>((latest, e) => {
        const at = e.eventTime ?? now;
        return latest && latest > at ? latest : at;
      }, p.lastErrorAt);
      const key = participantKey(p.sessionId, p.participantId);
      work.participants.set(key, {
        // Discovery may have refreshed the cursor while its events were being read.
        ...(work.participants.get(key) ?? p),
        lastReadAt: now,
        // Read to the end after it had left (as known when the read began): its events are final
        // unless it comes back.
        done: p.state === 'DISCONNECTED',
        lastErrorAt: lastError,
        readListing: p.listing,
      });
    }

    // Detections are stored before cursors move on: a crash in between re-reads, never loses.
    const result = await store.recordDetections({
      stageArn: work.stage.arn,
      events: detected,
      watches: work.watches,
      now,
      policy: this.#options.policy,
    });
    if (result.newEvents > 0) this.#options.onDetections?.();

    const sessions = [...work.sessions.values()].map((s) => {
      if (s.finished || s.endTime === null) return s;
      const open = [...work.participants.values()].some((p) => p.sessionId === s.sessionId && !p.done);
      return open ? s : { ...s, finished: true };
    });
    await store.saveCursors(work.stage.arn, sessions, [...work.participants.values()]);

    const behind = [...work.participants.values()].filter(
      (p) => !p.done && work.activeSessions.has(p.sessionId) && p.lastReadAt?.getTime() !== now.getTime(),
    );
    const lagSeconds = behind.reduce((max, p) => {
      const since = p.lastReadAt ?? p.firstJoinTime ?? now;
      return Math.max(max, Math.round((now.getTime() - since.getTime()) / 1000));
    }, 0);
    const error = failure ? describeIvsFailure(failure) : null;
    await store.recordPoll({
      stageArn: work.stage.arn,
      at: now,
      ok: error === null,
      error,
      lagSeconds,
      channelIds,
    });
    if (behind.length > 0) {
      logger.warn(
        { stage: work.stage.arn, participantsBehind: behind.length, lagSeconds },
        'poller behind: more participants than the IVS quota can read in one interval',
      );
    }
    return {
      stageArn: work.stage.arn,
      ok: error === null,
      error,
      newEvents: result.newEvents,
      participantsRead: results.length,
      participantsBehind: behind.length,
      lagSeconds,
    };
  }

  async #readEvents(stage: StageArn, p: ParticipantCursor): Promise<ReadResult> {
    const events: ParticipantEvent[] = [];
    let nextToken: string | undefined;
    do {
      this.#calls++;
      const page = await this.#options.ivs.listParticipantEvents(
        stage,
        p.sessionId,
        p.participantId,
        { nextToken, maxResults: MAX_RESULTS },
        'background',
      );
      if (!page.ok) return page;
      events.push(...page.value.items);
      nextToken = page.value.nextToken;
    } while (nextToken);
    return { ok: true, events };
  }
}

/** Throttling, 5xx and time-outs usually pass by themselves; not found and access denied do not. */
function isTransient(failure: IvsFailure): boolean {
  return failure.kind === 'throttled' || failure.kind === 'unavailable';
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

function cursorOf(
  stageArn: string,
  session: { sessionId: string; startTime?: Date | undefined; endTime?: Date | undefined },
  finished: boolean,
): SessionCursor {
  return {
    stageArn,
    sessionId: session.sessionId,
    startTime: session.startTime ?? null,
    endTime: session.endTime ?? null,
    finished,
  };
}

function toDetected(stageArn: string, p: ParticipantCursor, event: ParticipantEvent): DetectedEvent {
  return {
    stageArn,
    sessionId: p.sessionId,
    participantId: p.participantId,
    userId: p.userId,
    // An undated event gets a fixed time so its dedup key is the same every cycle.
    eventTime: event.eventTime ?? new Date(0),
    name: event.name,
    code: event.errorCode ?? event.name,
    remoteParticipantId: event.remoteParticipantId ?? null,
  };
}
