import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { PurgeCounts, RetentionRepository } from './RetentionRepository.ts';

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
