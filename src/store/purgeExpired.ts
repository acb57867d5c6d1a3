import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { type Answer, ask, type PlanRun } from './applyPlans.ts';
import type { PurgeCounts, PurgeInput, RetentionRepository } from './RetentionRepository.ts';

export interface PurgeOptions {
  /** IVS_RETENTION_DAYS in milliseconds: what became final longer ago than this goes. */
  readonly retentionMs: number;
  readonly now: Date;
  /** Rows of each kind per pass; small enough that one pass holds the database only briefly. */
  readonly batchSize?: number;
  /** Checked between passes: a replica that lost the poller lease stops purging. */
  readonly shouldContinue?: () => boolean;
}

export const PURGE_BATCH_SIZE = 500;

const NOTHING: PurgeCounts = {
  outbox: 0,
  alertGroupEvents: 0,
  alertGroups: 0,
  sessionCursors: 0,
  participantCursors: 0,
  detectedEvents: 0,
  mutes: 0,
};

/**
 * Applies retention in passes of at most `batchSize` rows of each kind, letting other work (commands,
 * the poller) reach the database between passes, until a pass finds less than a full batch of every
 * kind. Returns how many rows of each kind went.
 */
export async function purgeExpired(store: RetentionRepository, options: PurgeOptions): Promise<PurgeCounts> {
  const limit = options.batchSize ?? PURGE_BATCH_SIZE;
  const before = new Date(options.now.getTime() - options.retentionMs);
  let total = NOTHING;
  for (;;) {
    const pass = await store.purgeExpired({ before, now: options.now, limit });
    total = sum(total, pass);
    if (Object.values(pass).every((count) => count < limit)) return total;
    if (options.shouldContinue && !options.shouldContinue()) return total;
    await yieldToOthers();
  }
}

function sum(a: PurgeCounts, b: PurgeCounts): PurgeCounts {
  return {
    outbox: a.outbox + b.outbox,
    alertGroupEvents: a.alertGroupEvents + b.alertGroupEvents,
    alertGroups: a.alertGroups + b.alertGroups,
    sessionCursors: a.sessionCursors + b.sessionCursors,
    participantCursors: a.participantCursors + b.participantCursors,
    detectedEvents: a.detectedEvents + b.detectedEvents,
    mutes: a.mutes + b.mutes,
  };
}

/**
 * The statements of one purge pass, each store writing them in its own SQL: each deletes at most
 * `input.limit` rows of its kind that nothing needs any more (RetentionRepository.purgeExpired says
 * which) and returns how many it deleted.
 */
export interface PurgeStatements {
  /** Sent outbox rows created before `before`, failed ones that failed before it. */
  purgeOutbox(input: PurgeInput): Answer<number>;
  /**
   * Event links of the groups retention lets go: last seen and created before `before` (so long
   * closed: groups only take events within the burst window), and every message about them sent (a
   * failed one may still be retried, and is purged first by its own age).
   */
  purgeAlertGroupEvents(input: PurgeInput): Answer<number>;
  /** Those groups once no link holds them. */
  purgeAlertGroups(input: PurgeInput): Answer<number>;
  /** Cursors of sessions that ended before `before`: finished, or on a stage nobody watches. */
  purgeSessionCursors(input: PurgeInput): Answer<number>;
  /** Participant cursors of a session no longer being read. */
  purgeParticipantCursors(input: PurgeInput): Answer<number>;
  /** Dedup keys older than `before` that no group holds and whose session is not being read. */
  purgeDetectedEvents(input: PurgeInput): Answer<number>;
  /** Mutes that ended by `now`. */
  purgeMutes(input: PurgeInput): Answer<number>;
}

/**
 * One pass of RetentionRepository.purgeExpired. The order lets one pass finish what the statements
 * before made deletable: a group's links, then the group, then its events once nothing holds them;
 * session cursors, then their participants'. SQLite runs it in one short transaction, PostgreSQL as
 * one autocommit statement each so no pass holds locks for long.
 */
export function* purgePass(input: PurgeInput): PlanRun<PurgeCounts, PurgeStatements> {
  const outbox = yield* ask((s: PurgeStatements) => s.purgeOutbox(input));
  const alertGroupEvents = yield* ask((s: PurgeStatements) => s.purgeAlertGroupEvents(input));
  const alertGroups = yield* ask((s: PurgeStatements) => s.purgeAlertGroups(input));
  const sessionCursors = yield* ask((s: PurgeStatements) => s.purgeSessionCursors(input));
  const participantCursors = yield* ask((s: PurgeStatements) => s.purgeParticipantCursors(input));
  const detectedEvents = yield* ask((s: PurgeStatements) => s.purgeDetectedEvents(input));
  const mutes = yield* ask((s: PurgeStatements) => s.purgeMutes(input));
  return { outbox, alertGroupEvents, alertGroups, sessionCursors, participantCursors, detectedEvents, mutes };
}
