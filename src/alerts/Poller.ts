import { isErrorEvent } from '../ivs/eventCatalog.ts';
import { describeIvsFailure, type IvsFailure } from '../ivs/IvsFailure.ts';
import type { IvsGateway, ParticipantEvent } from '../ivs/IvsGateway.ts';
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
// Part of an interval's quota the poller plans to use, leaving room for retries and commands.
const QUOTA_SHARE = 0.8;

interface StageWork {
  stage: StageArn;
  watches: Watch[];
  sessions: Map<string, SessionCursor>;
  participants: Map<string, ParticipantCursor>;
  failure: IvsFailure | null;
  /** Sessions seen this cycle that may have changed. */
  activeSessions: Set<string>;
}

const participantKey = (sessionId: string, participantId: string) => `${sessionId}/${participantId}`;

/**
 * One poll cycle over every watched stage. The cost grows with activity, not history:
 * - ListStageSessions pages only until it meets sessions already known to be finished;
 * - ListParticipants runs only for live sessions and sessions not yet finished;
 * - ListParticipantEvents runs only for participants whose events can still change (connected, or
 *   left but not read to the end since), most likely first, within the interval's quota; the rest
 *   wait for the next cycle and the wait is reported as lag.
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

  /** Runs a cycle unless one is still running (a late cycle is skipped and logged, never overlapped). */
  async runCycle(): Promise<CycleReport> {
    if (this.#running) {
      this.#options.logger.warn('poll cycle skipped: the previous cycle is still running');
      return { skipped: true, stages: [], apiCalls: 0, durationMs: 0 };
    }
    this.#running = true;
    const started = performance.now();
    this.#calls = 0;
    try {
      const stages = await this.#cycle();
      return { skipped: false, stages, apiCalls: this.#calls, durationMs: performance.now() - started };
    } finally {
      this.#running = false;
    }
  }

  async #cycle(): Promise<StageCycleReport[]> {
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
      if (stage) work.push(await this.#discover(stage, watches));
    }
    const chosen = this.#choose(work, now);
    const reports: StageCycleReport[] = [];
    // Stages are read one after another; within a stage, participants in parallel up to the
    // per-operation budget, which spaces the calls anyway.
    for (const stageWork of work) {
      reports.push(await this.#readAndRecord(stageWork, chosen.get(stageWork.stage.arn) ?? [], now));
    }
    return reports;
  }

  /** Sessions and participants of one stage, updating the cursors in memory. */
  async #discover(stage: StageArn, watches: Watch[]): Promise<StageWork> {
    const store = this.#options.store;
    const sessions = new Map((await store.loadSessionCursors(stage.arn)).map((s) => [s.sessionId, s]));
    const participants = new Map(
      (await store.loadParticipantCursors(stage.arn)).map((p) => [
        participantKey(p.sessionId, p.participantId),
        p,
      ]),
    );
    const work: StageWork = {
      stage,
      watches,
      sessions,
      participants,
      failure: null,
      activeSessions: new Set(),
    };
    // History from before the first watch of the stage is not alerted on.
    const watchedSince = Math.min(...watches.map((w) => w.createdAt.getTime()));

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
        return work;
      }
      let sawUnfinished = false;
      for (const session of page.value.items) {
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
      // IVS lists newest sessions first: a page with nothing unfinished means the rest is history.
      nextToken = sawUnfinished ? page.value.nextToken : undefined;
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
          return work;
        }
        for (const p of page.value.items) {
          const key = participantKey(sessionId, p.participantId);
          const known = participants.get(key);
          participants.set(key, {
            stageArn: stage.arn,
            sessionId,
            participantId: p.participantId,
            userId: p.userId ?? known?.userId ?? null,
            state: p.state ?? known?.state ?? null,
            firstJoinTime: p.firstJoinTime ?? known?.firstJoinTime ?? null,
            lastReadAt: known?.lastReadAt ?? null,
            done: known?.done ?? false,
            lastErrorAt: known?.lastErrorAt ?? null,
          });
        }
        token = page.value.nextToken;
      } while (token);
    }
    return work;
  }

  /** Picks the participants to read this cycle across all stages, most likely to matter first. */
  #choose(work: StageWork[], now: Date): Map<string, ParticipantCursor[]> {
    const candidates: ParticipantCursor[] = [];
    for (const stageWork of work) {
      if (stageWork.failure) continue;
      for (const p of stageWork.participants.values()) {
        if (!p.done && stageWork.activeSessions.has(p.sessionId)) candidates.push(p);
      }
    }
    // Earliest due first. Never-read participants (just joined) come first, then the recently
    // erroring and those who left (one last read settles them), then connected ones one interval
    // after their last read: nobody starves, because waiting moves everyone forward.
    const recent = now.getTime() - this.#options.policy.burstWindowMs;
    const intervalMs = this.#options.intervalSeconds * 1000;
    const due = (p: ParticipantCursor): number => {
      if (p.lastReadAt === null) return Number.NEGATIVE_INFINITY;
      const read = p.lastReadAt.getTime();
      if (p.lastErrorAt && p.lastErrorAt.getTime() >= recent) return read;
      if (p.state !== 'CONNECTED') return read;
      return read + intervalMs;
    };
    candidates.sort(
      (a, b) => due(a) - due(b) || (b.firstJoinTime?.getTime() ?? 0) - (a.firstJoinTime?.getTime() ?? 0),
    );
    const budget = Math.max(
      1,
      Math.floor(this.#options.intervalSeconds * this.#options.maxTps * QUOTA_SHARE),
    );
    const chosen = new Map<string, ParticipantCursor[]>();
    for (const p of candidates.slice(0, budget)) {
      const list = chosen.get(p.stageArn) ?? [];
      list.push(p);
      chosen.set(p.stageArn, list);
    }
    return chosen;
  }

  async #readAndRecord(work: StageWork, chosen: ParticipantCursor[], now: Date): Promise<StageCycleReport> {
    const { store, logger } = this.#options;
    const channelIds = work.watches.map((w) => w.channelId);
    if (work.failure) {
      const error = describeIvsFailure(work.failure);
      await store.recordPoll({
        stageArn: work.stage.arn,
        at: now,
        ok: false,
        error,
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
    const results = await Promise.all(chosen.map((p) => this.#readEvents(work.stage, p)));
    let failure: IvsFailure | null = null;
    results.forEach((result, i) => {
      const p = chosen[i];
      if (!p) return;
      if (!result.ok) {
        // Throttled or unavailable: this participant simply waits for the next cycle.
        if (result.failure.kind === 'access_denied') failure = result.failure;
        logger.warn(
          { stage: work.stage.arn, participant: p.participantId, kind: result.failure.kind },
          'events not read',
        );
        return;
      }
      const errors = result.events.filter(isErrorEvent);
      for (const event of errors) detected.push(toDetected(work.stage.arn, p, event));
      const lastError = errors.reduce<Date | null>((latest, e) => {
        const at = e.eventTime ?? now;
        return latest && latest > at ? latest : at;
      }, p.lastErrorAt);
      work.participants.set(participantKey(p.sessionId, p.participantId), {
        ...p,
        lastReadAt: now,
        // Read to the end after it left: its events are final.
        done: p.state === 'DISCONNECTED',
        lastErrorAt: lastError,
      });
    });

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
      participantsRead: chosen.length,
      participantsBehind: behind.length,
      lagSeconds,
    };
  }

  async #readEvents(
    stage: StageArn,
    p: ParticipantCursor,
  ): Promise<{ ok: true; events: ParticipantEvent[] } | { ok: false; failure: IvsFailure }> {
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
