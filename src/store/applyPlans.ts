import type { AlertGroup, DetectedEvent, OutboxKind, PollReport } from '../domain/model.ts';
import { dedupKey, publishErrorSecond } from '../domain/model.ts';
import { type GroupTarget, groupIdOf, type NewGroupSpec, planDetections } from '../domain/planDetections.ts';
import { type PreviousHealth, planPoll } from '../domain/planPoll.ts';
import type { DetectionInput, DetectionResult } from './AlertRepository.ts';

/** What a store answers at once (SQLite: node:sqlite is synchronous) or later (PostgreSQL). */
export type Answer<T> = T | Promise<T>;

/** A stage's health row as a poll leaves it. */
export interface StageHealthWrite {
  readonly stageArn: string;
  readonly lastPollAt: Date;
  readonly status: 'ok' | 'failing';
  readonly lastError: string | null;
  readonly lagSeconds: number;
  readonly problemSince: Date | null;
}

/** A group createGroup inserted, and the earlier burst it links to (null: the first of its kind). */
export interface CreatedGroup {
  readonly id: number;
  readonly previous: { readonly id: number; readonly messageTs: string | null } | null;
}

/** A message queued for the outbox sender, pending from `at`. */
export interface OutboxWrite {
  readonly kind: OutboxKind;
  readonly channelId: string;
  readonly groupId: number | null;
  /** The payload as JSON text (outboxPayloads.ts has one schema per kind). */
  readonly payload: string;
  readonly at: Date;
}

/**
 * The statements that apply a detection plan or a poll report, each store writing them in its own
 * SQL. They run inside the transaction the store opened around applyDetections or applyPollReport
 * (below), which decide what to write: the stores supply SQL and transactions, nothing else.
 */
export interface PlanStatements {
  /** The stored events of (stage, session, code) that happened at or after `since`. */
  countDetected(stageArn: string, sessionId: string, code: string, since: Date): Answer<number>;
  /** The stored events whose dedup key is `from` or starts with `from` + '|' (publish errors of one second). */
  storedUnder(from: string): Answer<StoredEventKey[]>;
  /** Inserts the events whose dedup key is not stored yet; returns the keys it inserted. */
  insertNewEvents(events: ReadonlyMap<string, DetectedEvent>, detectedAt: Date): Answer<ReadonlySet<string>>;
  /** The stage's groups last seen at or after `seenSince`. */
  openGroups(stageArn: string, seenSince: Date): Answer<AlertGroup[]>;
  /**
   * Inserts an empty group first and last seen `at`, linked to the latest earlier group of the same
   * stage, session, code and channel (a new burst of it); returns its id and that earlier group's.
   */
  createGroup(spec: NewGroupSpec, at: Date): Answer<CreatedGroup>;
  /** Links events to groups (a link already there is kept). */
  linkEvents(links: readonly { groupId: number; dedupKey: string }[]): Answer<void>;
  /** Sets counts, first/last seen and the sample of each group from the events it holds. */
  recomputeGroups(groupIds: readonly number[], sampleSize: number): Answer<void>;
  /** Adds one to the queued-replies count of each group. */
  countQueuedReplies(groupIds: readonly number[]): Answer<void>;
  /** Whether an update of the group's message is still waiting to be sent. */
  hasPendingUpdate(groupId: number): Answer<boolean>;
  queueMessage(message: OutboxWrite): Answer<void>;
  /** What the store remembers of the stage's last poll, if any. */
  stageHealth(stageArn: string): Answer<PreviousHealth | undefined>;
  saveStageHealth(health: StageHealthWrite): Answer<void>;
}

/** A stored event's key and what it was alerted as. */
export interface StoredEventKey {
  readonly dedupKey: string;
  readonly code: string;
  readonly name: string;
}

/** One statement to run, asked of the port `S` a store implements in its own SQL. */
export type Step<S> = (statements: S) => unknown;

/**
 * A write of several statements as a sequence: the generator yields each one and gets its answer
 * back, so one description runs on SQLite's synchronous transaction (runNow: nothing else can
 * interleave) and on a PostgreSQL connection (runAwaiting). Plan application here; removeWatches.ts,
 * completeOutbox.ts and purgeExpired.ts (purgePass) over their own ports.
 */
export type PlanRun<Result, S = PlanStatements> = Generator<Step<S>, Result, unknown>;

/** Yields one statement and returns its answer (the port is inferred from `step`'s parameter). */
export function* ask<T, S = PlanStatements>(
  step: (statements: S) => Answer<T>,
): Generator<Step<S>, T, unknown> {
  return (yield step) as T;
}

/** Runs `run` with statements that answer at once; a promise among the answers is a bug. */
export function runNow<Result, S>(run: PlanRun<Result, S>, statements: S): Result {
  let next = run.next();
  while (!next.done) {
    const answer = next.value(statements);
    if (answer instanceof Promise) throw new TypeError('runNow needs statements that answer synchronously');
    next = run.next(answer);
  }
  return next.value;
}

/** Runs `run` with statements that answer with promises, one statement after the other. */
export async function runAwaiting<Result, S>(run: PlanRun<Result, S>, statements: S): Promise<Result> {
  let next = run.next();
  while (!next.done) next = run.next(await next.value(statements));
  return next.value;
}

export const NO_DETECTIONS: DetectionResult = { newEvents: 0, groupsCreated: 0, groupsUpdated: 0 };

/**
 * Records detected events: keeps those whose dedup key is new, groups them (planDetections) and
 * queues the Slack messages they need. The store runs it inside one transaction.
 */
export function* applyDetections(input: DetectionInput): PlanRun<DetectionResult> {
  const repeats = input.onlyRepeated;
  if (repeats) {
    const { sessionId, code, since, atLeast } = repeats;
    const before = yield* ask((s) => s.countDetected(input.stageArn, sessionId, code, since));
    // Below the threshold it is only remembered (no watch, so no group), to be counted next time.
    if (before + 1 < atLeast) {
      const { stageArn, events, now, policy } = input;
      const stored = yield* applyDetections({ stageArn, events, now, policy, watches: [] });
      return { ...stored, notRepeated: true };
    }
  }
  // An event read twice in one cycle counts once: the first one read.
  const candidates = new Map<string, DetectedEvent>();
  for (const event of input.events) {
    const key = dedupKey(event);
    if (!candidates.has(key)) candidates.set(key, event);
  }
  yield* matchPublishErrors(candidates);
  if (candidates.size === 0) return NO_DETECTIONS;
  const inserted = yield* ask((s) => s.insertNewEvents(candidates, input.now));
  const fresh = [...candidates].filter(([key]) => inserted.has(key)).map(([, event]) => event);
  if (fresh.length === 0) return NO_DETECTIONS;

  const seenSince = new Date(input.now.getTime() - input.policy.burstWindowMs);
  const openGroups = yield* ask((s) => s.openGroups(input.stageArn, seenSince));
  const plan = planDetections(openGroups, fresh, input.watches, input.now, input.policy);

  const createdIds = new Map<string, number>();
  /** Earlier bursts that fired again, by channel: their messages point forward to the new one. */
  const reopened: { groupId: number; channelId: string }[] = [];
  for (const spec of plan.newGroups) {
    const created = yield* ask((s) => s.createGroup(spec, input.now));
    createdIds.set(spec.key, created.id);
    // Only a message in the channel is pointed forward: an earlier burst never posted (muted all
    // along) stays unposted rather than appear, late, after the new one.
    if (created.previous?.messageTs)
      reopened.push({ groupId: created.previous.id, channelId: spec.channelId });
  }
  const resolve = (target: GroupTarget): number => groupIdOf(target, createdIds);

  const touched = new Set<number>();
  const updated = new Set<number>();
  const links: { groupId: number; dedupKey: string }[] = [];
  for (const assignment of plan.assignments) {
    const groupId = resolve(assignment.target);
    touched.add(groupId);
    if ('id' in assignment.target) updated.add(groupId);
    links.push({ groupId, dedupKey: dedupKey(assignment.event) });
  }
  if (links.length > 0) {
    yield* ask((s) => s.linkEvents(links));
    // Aggregates are recomputed from the stored events rather than incremented, so they cannot drift
    // from what the group holds whatever order events arrive in.
    yield* ask((s) => s.recomputeGroups([...touched], input.policy.sampleSize));
  }
  if (plan.repliesQueuedFor.length > 0) {
    yield* ask((s) => s.countQueuedReplies(plan.repliesQueuedFor));
  }
  for (const message of plan.messages) {
    const groupId = resolve(message.target);
    // An update re-renders the group as it is when sent, so one pending update covers any number of batches.
    if (message.kind === 'update' && (yield* ask((s) => s.hasPendingUpdate(groupId)))) continue;
    const payload = JSON.stringify(message.payload);
    yield* ask((s) =>
      s.queueMessage({ kind: message.kind, channelId: message.channelId, groupId, payload, at: input.now }),
    );
  }
  // Reopened: the earlier burst's message says the error fired again and links to the new message.
  // Queued after the new group's post, so in the channel's order that post is sent first and the
  // update (rendered when sent) finds its link; not folded into an update already waiting, which
  // would be sent before the post. Once per new group.
  for (const earlier of reopened) {
    yield* ask((s) =>
      s.queueMessage({
        kind: 'update',
        channelId: earlier.channelId,
        groupId: earlier.groupId,
        payload: 'null',
        at: input.now,
      }),
    );
  }
  // A polled error EventBridge reported first is stored (so it is known when read again); it is new
  // only where a watch hears of it now.
  const assigned = new Set(plan.assignments.map((assignment) => assignment.event));
  const newEvents = fresh.filter((event) => !event.alertedAs || assigned.has(event)).length;
  return { newEvents, groupsCreated: plan.newGroups.length, groupsUpdated: updated.size };
}

/**
 * One publish error seen through EventBridge and through polling is one alert. Both keys start with
 * the same second (publishErrorSecond); EventBridge's is only that, a polled one adds its code and
 * millisecond. So, per second of a participant:
 * - EventBridge's event after a polled one of that second: already alerted, dropped.
 * - The first polled one after EventBridge's: the same error. It is stored, so it stays known, and
 *   marked alertedAs what EventBridge's was stored as, so only a watch that did not cover that (a
 *   `codes=` naming the error code EventBridge does not carry) hears of it now.
 * - Any other polled one of that second (another code, another millisecond): its own error.
 * Redeliveries and re-reads find their own key stored and change nothing.
 */
function* matchPublishErrors(candidates: Map<string, DetectedEvent>): PlanRun<void> {
  const bySecond = new Map<string, [string, DetectedEvent][]>();
  for (const entry of candidates) {
    if (entry[1].name !== 'PUBLISH_ERROR') continue;
    const second = publishErrorSecond(entry[1]);
    bySecond.set(second, [...(bySecond.get(second) ?? []), entry]);
  }
  for (const [second, entries] of bySecond) {
    const stored = yield* ask((s) => s.storedUnder(second));
    const reported = stored.find((row) => row.dedupKey === second);
    let polledStored = stored.some((row) => row.dedupKey !== second);
    const polled = entries.filter(([, event]) => event.via !== 'eventbridge');
    if (reported && polled.length > 0 && !polledStored) {
      const [key, event] = polled.reduce((a, b) =>
        b[1].eventTime.getTime() < a[1].eventTime.getTime() ||
        (b[1].eventTime.getTime() === a[1].eventTime.getTime() && b[0] < a[0])
          ? b
          : a,
      );
      candidates.set(key, { ...event, alertedAs: { code: reported.code, name: reported.name } });
    }
    polledStored ||= polled.length > 0;
    for (const [key, event] of entries) {
      if (event.via === 'eventbridge' && polledStored) candidates.delete(key);
    }
  }
}

/**
 * Records a poll (planPoll): the stage's health, and on a change between ok and failing one notice
 * per watching channel. The store runs it inside one transaction.
 */
export function* applyPollReport(
  report: PollReport,
): PlanRun<{ transition: 'failing' | 'recovered' | null }> {
  // The previous status decides the transition, so it is read in the same transaction that overwrites it.
  const previous = yield* ask((s) => s.stageHealth(report.stageArn));
  const plan = planPoll(previous, report);
  yield* ask((s) =>
    s.saveStageHealth({
      stageArn: report.stageArn,
      lastPollAt: report.at,
      status: plan.status,
      lastError: report.ok ? null : report.error,
      lagSeconds: report.lagSeconds,
      problemSince: plan.problemSince,
    }),
  );
  const payload = plan.noticePayload;
  if (payload !== null) {
    for (const channelId of report.channelIds) {
      yield* ask((s) => s.queueMessage({ kind: 'notice', channelId, groupId: null, payload, at: report.at }));
    }
  }
  return { transition: plan.transition };
}
