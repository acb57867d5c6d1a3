import type {
  DetectedEvent,
  GroupingPolicy,
  ParticipantCursor,
  SessionCursor,
  Watch,
} from '../domain/model.ts';
import { isErrorEvent } from '../ivs/eventCatalog.ts';
import { describeIvsFailure, type IvsFailure } from '../ivs/IvsFailure.ts';
import type { IvsGateway, ParticipantEvent } from '../ivs/IvsGateway.ts';
import { parseStageArn, type StageArn } from '../ivs/identifiers.ts';
import type { Logger } from '../platform/logger.ts';
import type { AlertRepository } from '../store/AlertRepository.ts';
import type { CursorRepository } from '../store/CursorRepository.ts';
import type { WatchRepository } from '../store/WatchRepository.ts';
import { discoverStage, participantKey } from './discoverStage.ts';
import { ReadQueue, readKey } from './ReadQueue.ts';
import { type ReadProgress, readNewEvents } from './readNewEvents.ts';
import { type ReadTiming, readUrgency } from './readOrder.ts';

/** The repositories the poller reads and writes: what to poll, how far it read, what it found. */
export type PollerStore = Pick<WatchRepository, 'listWatches' | 'recordPoll'> &
  CursorRepository &
  Pick<AlertRepository, 'recordDetections' | 'applyAlertTransitions'>;

export interface PollerOptions {
  ivs: IvsGateway;
  store: PollerStore;
  logger: Logger;
  policy: GroupingPolicy;
  /** Seconds between cycles: with the rate it bounds how many calls one cycle makes per operation. */
  intervalSeconds: number;
  /**
   * Calls per second per operation this replica may make (IVS_MAX_TPS, or its share of it when
   * several replicas run): read at every cycle, since the share changes as replicas come and go.
   */
  maxTps: number | (() => number);
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

/** Participants kept to read first at most: more than a cycle reads anyway. */
const READ_FIRST_LIMIT = 10_000;

type DiscoveryOperation = 'GetStage' | 'ListStageSessions' | 'ListParticipants';
type Operation = DiscoveryOperation | 'ListParticipantEvents';

/**
 * Calls one cycle may make per operation: one interval's worth less one (interval × IVS_MAX_TPS − 1),
 * so that the cycle ends before the next tick; none is started after the deadline.
 */
class CycleBudget {
  readonly #left = new Map<Operation, number>();
  readonly #deadline: number | undefined;
  calls = 0;

  constructor(perOperation: number, deadline: number | undefined) {
    for (const op of [
      'GetStage',
      'ListStageSessions',
      'ListParticipants',
      'ListParticipantEvents',
    ] as const) {
      this.#left.set(op, perOperation);
    }
    this.#deadline = deadline;
  }

  available(operation: Operation): boolean {
    return (
      (this.#left.get(operation) ?? 0) > 0 && (this.#deadline === undefined || Date.now() < this.#deadline)
    );
  }

  take(operation: Operation): boolean {
    if (!this.available(operation)) return false;
    this.spend(operation);
    return true;
  }

  /** Counts a call that goes out anyway (the pages of a listing already begun). */
  spend(operation: Operation): void {
    this.#left.set(operation, (this.#left.get(operation) ?? 0) - 1);
    this.calls++;
  }
}

interface StageWork {
  readonly stage: StageArn;
  readonly watches: Watch[];
  readonly watchedSince: number;
  sessions: Map<string, SessionCursor>;
  /** By participantKey. */
  participants: Map<string, ParticipantCursor>;
  listed: boolean;
  discoveryFailure: IvsFailure | null;
  readFailures: IvsFailure[];
  readsOk: number;
  newEvents: number;
  /** Error events of (session, code)s stored before: stored at the end of the cycle, together. */
  readonly heldBack: DetectedEvent[];
  /** Participants read to the end this cycle (by participantKey). */
  readonly completed: Set<string>;
}

/**
 * One poll cycle over every watched stage; the cost grows with activity, not history.
 *
 * Discovery (GetStage, ListStageSessions, ListParticipants; see discoverStage) lists the stages least
 * recently listed first, as far as the cycle's budget of each operation goes. Meanwhile two readers
 * take participants from one queue (see readOrder): new arrivals, then connected participants one
 * interval after their last read, then the backlog of participants who joined before the watch began
 * (only once discovery is over, as it may still find arrivals). Each read costs what can be new
 * (readNewEvents), counted in calls, not participants; a read that runs out of calls goes on next
 * cycle. What is left waits for the next cycle and the wait is reported as lag.
 */
export class Poller {
  readonly #options: PollerOptions;
  readonly #now: () => Date;
  #running = false;
  /** When each stage was last listed (epoch ms), so that a budget too small for all of them rotates. */
  readonly #listedAt = new Map<string, number>();
  /** Stages whose ListStageSessions broke the newest-first order: logged once each. */
  readonly #unorderedStages = new Set<string>();
  /** Reads that ran out of calls, by stage ARN and participantKey. */
  readonly #progress = new Map<string, ReadProgress>();
  /** (stage, session, code) of the error events stored so far, for sessions not finished. */
  readonly #storedCodes = new Set<string>();
  /** Participants the next cycle reads before anyone else (see readFirst). */
  readonly #readFirst = new Set<string>();

  constructor(options: PollerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * EventBridge reported a publish error of this participant: the next cycle reads its events before
   * anyone else's, so its full event list follows the alert within one interval.
   */
  readFirst(participant: { stageArn: string; sessionId: string; participantId: string }): void {
    // Bounded: a flood of events must not grow this without end between cycles. A request only a read
    // lets go of, so one never read (its stage unwatched since) would stay: the oldest gives way.
    const key = readKey(participant);
    if (!this.#readFirst.has(key) && this.#readFirst.size >= READ_FIRST_LIMIT) {
      const oldest = this.#readFirst.values().next();
      if (!oldest.done) this.#readFirst.delete(oldest.value);
    }
    this.#readFirst.add(key);
  }

  /**
   * Runs a cycle unless one is still running (a late cycle is skipped and logged, never
   * overlapped). `deadline` (epoch ms, from the schedule's next tick) stops starting calls in time for
   * the cycle to end before that tick.
   */
  #rate(): number {
    const { maxTps } = this.#options;
    return typeof maxTps === 'function' ? maxTps() : maxTps;
  }

  async runCycle(options: { deadline?: number } = {}): Promise<CycleReport> {
    if (this.#running) {
      this.#options.logger.warn('poll cycle skipped: the previous cycle is still running');
      return { skipped: true, stages: [], apiCalls: 0, durationMs: 0 };
    }
    this.#running = true;
    const started = performance.now();
    const budget = new CycleBudget(
      Math.max(1, Math.floor(this.#options.intervalSeconds * this.#rate()) - 1),
      options.deadline,
    );
    try {
      const stages = await this.#cycle(budget);
      return { skipped: false, stages, apiCalls: budget.calls, durationMs: performance.now() - started };
    } finally {
      this.#running = false;
    }
  }

  async #cycle(budget: CycleBudget): Promise<StageCycleReport[]> {
    const now = this.#now();
    const timing: ReadTiming = { now, intervalMs: this.#options.intervalSeconds * 1000 };
    const byStage = new Map<string, Watch[]>();
    for (const watch of await this.#options.store.listWatches()) {
      const list = byStage.get(watch.stageArn) ?? [];
      list.push(watch);
      byStage.set(watch.stageArn, list);
    }
    const work: StageWork[] = [];
    for (const [arn, watches] of byStage) {
      const stage = parseStageArn(arn);
      if (stage) work.push(await this.#load(stage, watches, now));
    }

    // Each participant is read at most once a cycle; a stage's listing re-queues its participants
    // with what it found (state, listing), so their place in the queue is recomputed.
    // Asked for by any replica's EventBridge consumer, through the store.
    for (const participant of await this.#options.store.takeReadFirst(READ_FIRST_LIMIT))
      this.readFirst(participant);
    const queue = new ReadQueue<StageWork>(timing, new Set(this.#readFirst));
    const enqueue = (w: StageWork) =>
      queue.replaceGroup(
        w,
        [...w.participants.values()].filter((p) => w.sessions.get(p.sessionId)?.finished === false),
        w.watchedSince,
      );
    for (const w of work) enqueue(w);

    const reader = async () => {
      while (budget.available('ListParticipantEvents')) {
        const next = await queue.next();
        if (!next || !budget.available('ListParticipantEvents')) return;
        await this.#read(next.group, next.participant, budget, now);
      }
    };
    const discovery = (async () => {
      const order = [...work].sort(
        (a, b) =>
          (this.#listedAt.get(a.stage.arn) ?? Number.NEGATIVE_INFINITY) -
          (this.#listedAt.get(b.stage.arn) ?? Number.NEGATIVE_INFINITY),
      );
      for (const w of order) {
        if (!budget.available('GetStage') || !budget.available('ListParticipants')) break;
        await this.#discover(w, budget, now);
        if (w.listed) enqueue(w);
      }
      queue.discoveryDone();
    })();
    await Promise.all([discovery, reader(), reader()]);

    const reports: StageCycleReport[] = [];
    for (const w of work) reports.push(await this.#record(w, now, timing));
    // From what is stored, no IVS call: groups quiet for the grouping window, sessions that ended.
    const transitions = await this.#options.store.applyAlertTransitions({
      now,
      quietAfterMs: this.#options.policy.burstWindowMs,
    });
    if (transitions.quiet > 0 || transitions.sessionEnded > 0) {
      this.#options.logger.debug({ ...transitions }, 'alert groups went quiet or their session ended');
      this.#options.onDetections?.();
    }
    return reports;
  }

  /** What the store remembers of a stage: its sessions and the participants still to settle. */
  async #load(stage: StageArn, watches: Watch[], now: Date): Promise<StageWork> {
    const store = this.#options.store;
    const sessions = new Map((await store.loadSessionCursors(stage.arn)).map((s) => [s.sessionId, s]));
    const participants = new Map(
      (await store.loadParticipantCursors(stage.arn)).map((p) => [
        participantKey(p.sessionId, p.participantId),
        p,
      ]),
    );
    // History from before the first watch of the stage, or older than retention, is not alerted on.
    const watchedSince = Math.max(
      Math.min(...watches.map((w) => w.createdAt.getTime())),
      now.getTime() - (this.#options.historyMs ?? Number.POSITIVE_INFINITY),
    );
    return {
      stage,
      watches,
      watchedSince,
      sessions,
      participants,
      listed: false,
      discoveryFailure: null,
      readFailures: [],
      readsOk: 0,
      newEvents: 0,
      heldBack: [],
      completed: new Set(),
    };
  }

  /** Lists one stage and takes in what IVS said. */
  async #discover(w: StageWork, budget: CycleBudget, now: Date): Promise<void> {
    const listing = await discoverStage({
      ivs: this.#options.ivs,
      known: {
        stage: w.stage,
        sessions: w.sessions,
        participants: w.participants,
        watchedSince: w.watchedSince,
        listedBefore: this.#listedAt.has(w.stage.arn),
      },
      // Once a stage's listing has begun, its calls go out even past the budget: a half listing is
      // worth nothing.
      spend: (operation) => budget.spend(operation),
      logger: this.#options.logger,
      onUnorderedSessions: () => {
        if (this.#unorderedStages.has(w.stage.arn)) return;
        this.#unorderedStages.add(w.stage.arn);
        this.#options.logger.warn(
          { stage: w.stage.arn },
          'ListStageSessions did not list sessions newest first; reading every page of it',
        );
      },
    });
    if (!listing.ok) {
      w.discoveryFailure = listing.failure;
      return;
    }
    w.sessions = listing.value.sessions;
    // Reads that finished while the stage was listed moved w.participants on: keep what they read,
    // take what the listing says.
    for (const [key, listed] of listing.value.participants) {
      const current = w.participants.get(key);
      if (!current) {
        w.participants.set(key, listed);
        continue;
      }
      w.participants.set(key, {
        ...listed,
        lastReadAt: current.lastReadAt,
        lastErrorAt: current.lastErrorAt,
        readListing: current.readListing,
        eventOrder: current.eventOrder,
        resumeToken: current.resumeToken,
        newestEventAt: current.newestEventAt,
        done: current.done && listed.state !== 'CONNECTED' && current.listing === listed.listing,
      });
    }
    w.listed = true;
    this.#listedAt.set(w.stage.arn, now.getTime());
  }

  /** Reads one participant's new events, stores the errors among them at once, and moves its cursor. */
  async #read(w: StageWork, p: ParticipantCursor, budget: CycleBudget, now: Date): Promise<void> {
    const { logger } = this.#options;
    this.#readFirst.delete(readKey(p));
    const progressKey = `${w.stage.arn} ${participantKey(p.sessionId, p.participantId)}`;
    const result = await readNewEvents({
      ivs: this.#options.ivs,
      stage: w.stage,
      participant: p,
      progress: this.#progress.get(progressKey),
      takeCall: () => budget.take('ListParticipantEvents'),
      logger,
    });
    if (result.status === 'skipped') return;
    if (result.status === 'partial' && result.progress) this.#progress.set(progressKey, result.progress);
    else this.#progress.delete(progressKey);
    await this.#detect(w, p, result.events, now);

    const key = participantKey(p.sessionId, p.participantId);
    const latest = w.participants.get(key) ?? p;
    const lastErrorAt = latestError(result.events, latest.lastErrorAt, now);
    if (result.status === 'failed') {
      if (result.failure.kind === 'not_found') {
        // IVS no longer knows this participant's events: there is nothing left to read.
        logger.warn({ stage: w.stage.arn, participant: p.participantId }, 'participant events not found');
        w.participants.set(key, { ...latest, lastErrorAt, done: true });
        return;
      }
      w.readFailures.push(result.failure);
      logger.warn(
        { stage: w.stage.arn, participant: p.participantId, kind: result.failure.kind },
        'events not read',
      );
      w.participants.set(key, { ...latest, lastErrorAt });
      return;
    }
    w.readsOk++;
    if (result.status === 'partial') {
      w.participants.set(key, { ...latest, lastErrorAt });
      return;
    }
    w.completed.add(key);
    w.participants.set(key, {
      ...latest,
      ...result.cursor,
      lastReadAt: now,
      lastErrorAt,
      readListing: p.listing,
      // Read to the end after it had left, and listed the same since the read began: its events are
      // final unless it comes back.
      done: p.state === 'DISCONNECTED' && latest.listing === p.listing,
    });
  }

  /**
   * Stores error events as soon as they are read when one is the first of its (session, code), so the
   * alert goes out at once; more of the same wait for the end of the cycle, where they make one update
   * of the alert instead of one per participant read.
   */
  async #detect(w: StageWork, p: ParticipantCursor, events: readonly ParticipantEvent[], now: Date) {
    const detected = events.filter(isErrorEvent).map((event) => toDetected(w.stage.arn, p, event));
    const codes = detected.map((event) => `${w.stage.arn}|${event.sessionId}|${event.code}`);
    if (codes.every((code) => this.#storedCodes.has(code))) {
      w.heldBack.push(...detected);
      return;
    }
    for (const code of codes) this.#storedCodes.add(code);
    await this.#store(w, detected, now);
  }

  async #store(w: StageWork, detected: readonly DetectedEvent[], now: Date): Promise<void> {
    if (detected.length === 0) return;
    const result = await this.#options.store.recordDetections({
      stageArn: w.stage.arn,
      events: detected,
      watches: w.watches,
      now,
      policy: this.#options.policy,
    });
    w.newEvents += result.newEvents;
    if (result.newEvents > 0) this.#options.onDetections?.();
  }

  /** Saves a stage's cursors (detections are already stored) and records how its poll went. */
  async #record(w: StageWork, now: Date, timing: ReadTiming): Promise<StageCycleReport> {
    const { store, logger } = this.#options;
    // Detections are stored before cursors move on: a crash in between re-reads, never loses.
    await this.#store(w, w.heldBack.splice(0), now);
    const sessions = [...w.sessions.values()].map((s) => {
      if (s.finished || s.endTime === null) return s;
      const open = [...w.participants.values()].some((p) => p.sessionId === s.sessionId && !p.done);
      return open ? s : { ...s, finished: true };
    });
    await store.saveCursors(w.stage.arn, sessions, [...w.participants.values()]);
    for (const session of sessions.filter((s) => s.finished)) {
      const prefix = `${w.stage.arn}|${session.sessionId}|`;
      for (const code of this.#storedCodes) if (code.startsWith(prefix)) this.#storedCodes.delete(code);
    }

    const waiting = [...w.participants.values()].filter((p) => {
      if (w.sessions.get(p.sessionId)?.finished !== false) return false;
      if (w.completed.has(participantKey(p.sessionId, p.participantId))) return false;
      const reason = readUrgency(p, w.watchedSince, timing)?.reason;
      return reason !== undefined && reason !== 'early';
    });
    const lagSeconds = waiting.reduce((max, p) => {
      const since = p.lastReadAt?.getTime() ?? Math.max(p.firstJoinTime?.getTime() ?? 0, w.watchedSince);
      return Math.max(max, Math.round((now.getTime() - Math.min(since, now.getTime())) / 1000));
    }, 0);
    if (waiting.length > 0) {
      logger.warn(
        { stage: w.stage.arn, participantsBehind: waiting.length, lagSeconds },
        'poller behind: more participants than the IVS quota can read in one interval',
      );
    }

    const failure = stageFailure(w);
    const attempted = w.listed || w.discoveryFailure !== null || w.readsOk > 0 || w.readFailures.length > 0;
    const error = failure ? describeIvsFailure(failure) : null;
    if (attempted) {
      await store.recordPoll({
        stageArn: w.stage.arn,
        at: now,
        ok: failure === null,
        error,
        ...(failure && isTransient(failure) ? { transient: true } : {}),
        lagSeconds,
        channelIds: w.watches.map((watch) => watch.channelId),
      });
    }
    return {
      stageArn: w.stage.arn,
      ok: failure === null,
      error,
      newEvents: w.newEvents,
      participantsRead: w.completed.size,
      participantsBehind: waiting.length,
      lagSeconds,
    };
  }
}

/**
 * What failed about a stage this cycle: its listing, else a lasting cause of an events read (access
 * denied), else transient read failures when no read of it succeeded.
 */
function stageFailure(w: StageWork): IvsFailure | null {
  if (w.discoveryFailure) return w.discoveryFailure;
  const lasting = w.readFailures.find((f) => !isTransient(f));
  if (lasting) return lasting;
  if (w.readsOk === 0 && !w.listed) return w.readFailures[0] ?? null;
  return null;
}

/** Throttling, 5xx and time-outs usually pass by themselves; not found and access denied do not. */
function isTransient(failure: IvsFailure): boolean {
  return failure.kind === 'throttled' || failure.kind === 'unavailable';
}

function latestError(events: readonly ParticipantEvent[], known: Date | null, now: Date): Date | null {
  return events.filter(isErrorEvent).reduce<Date | null>((latest, e) => {
    const at = e.eventTime ?? now;
    return latest && latest > at ? latest : at;
  }, known);
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
