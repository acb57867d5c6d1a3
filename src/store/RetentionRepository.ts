/** One pass of the retention purge: what may go, and how much of each kind at most. */
export interface PurgeInput {
  /** Rows that became final before this go: the retention cutoff (now − IVS_RETENTION_DAYS). */
  readonly before: Date;
  /** Mutes that ended before this go. */
  readonly now: Date;
  /** At most this many rows of each kind per pass, so one pass never holds the database for long. */
  readonly limit: number;
}

/** How many rows of each kind one purge pass deleted. */
export interface PurgeCounts {
  readonly outbox: number;
  readonly alertGroupEvents: number;
  readonly alertGroups: number;
  readonly sessionCursors: number;
  readonly participantCursors: number;
  readonly detectedEvents: number;
  readonly mutes: number;
}

/** Retention across every kind of row (see purgeExpired.ts for the passes). */
export interface RetentionRepository {
  /**
   * Deletes up to `limit` rows of each kind that nothing needs any more: sent (and given-up) outbox
   * rows created before `before`; alert groups last seen before it with nothing left to send, and
   * their event links; cursors of sessions that ended before it (finished, or on a stage nobody
   * watches); detected events older than it that no group holds and whose session is finished or
   * forgotten (a dedup key of a session still being read is kept however old); mutes ended by `now`.
   * Call again while any count equals `limit` (see purgeExpired).
   */
  purgeExpired(input: PurgeInput): Promise<PurgeCounts>;
}
