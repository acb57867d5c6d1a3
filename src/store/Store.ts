import type {
  AlertGroup,
  DetectedEvent,
  FailureScope,
  GroupingPolicy,
  Mute,
  OutboxItem,
  ParticipantCursor,
  PollReport,
  SessionCursor,
  StageHealth,
  UndeliveredMessages,
  Watch,
} from '../domain/model.ts';

/** Paging state behind Next/Previous buttons: nextTokens can be long, Slack button values are short. */
export interface PagingState {
  readonly id: string;
  /** What is being paged (the view's query), as JSON the caller validates when reading it back. */
  readonly query: unknown;
  /** tokens[i] is the IVS nextToken that fetches page i; page 0 has none. */
  readonly tokens: readonly (string | null)[];
  readonly createdAt: Date;
}

/** Raised for store trouble a user or operator must act on; `code` is for callers to switch on. */
export class StoreError extends Error {
  readonly code: 'locked' | 'unavailable' | 'migration';
  constructor(code: StoreError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

export interface DetectionInput {
  readonly stageArn: string;
  /** Every error event read this cycle; ones seen before are ignored by their dedup key. */
  readonly events: readonly DetectedEvent[];
  /** The watches of this stage (channel and codes). */
  readonly watches: readonly Watch[];
  readonly now: Date;
  readonly policy: GroupingPolicy;
}

export interface DetectionResult {
  readonly newEvents: number;
  readonly groupsCreated: number;
  readonly groupsUpdated: number;
}

/** What OutboxSender asks claimOutbox for. */
export interface OutboxClaim {
  /** Who claims: unique per process (and per sender), so a restart never mistakes old claims for its own. */
  readonly holder: string;
  readonly now: Date;
  /** How long the claim holds; a holder must finish or give up its sends well within it. */
  readonly leaseMs: number;
  readonly perChannel: number;
  readonly limit: number;
}

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

/** Everything the bot keeps between requests and restarts. One interface, one implementation per database. */
export interface Store {
  // Watches and stage health
  /** Adds or replaces the watch of (stage, channel). */
  saveWatch(watch: Watch): Promise<'created' | 'updated'>;
  /**
   * Removes the watches of a stage, in one channel or (channelId undefined) in all, with the messages
   * about that stage still pending for those channels; returns how many watches.
   */
  removeWatches(stageArn: string, channelId: string | undefined): Promise<number>;
  listWatches(): Promise<Watch[]>;
  /** Records a poll; on a change between ok and failing it queues one notice per channel, atomically. */
  recordPoll(report: PollReport): Promise<{ transition: 'failing' | 'recovered' | null }>;
  listStageHealth(): Promise<StageHealth[]>;

  // Mutes
  saveMute(mute: Mute): Promise<void>;
  removeMute(stageArn: string, code: string): Promise<boolean>;
  /** Mutes still in force at `now`. */
  listMutes(now: Date): Promise<Mute[]>;
  findMute(stageArn: string, code: string, now: Date): Promise<Mute | undefined>;

  // Poller cursors
  loadSessionCursors(stageArn: string): Promise<SessionCursor[]>;
  /** Participants of the stage's unfinished sessions. */
  loadParticipantCursors(stageArn: string): Promise<ParticipantCursor[]>;
  /** Upserts cursors; participants of sessions now finished may be dropped by the store. */
  saveCursors(
    stageArn: string,
    sessions: readonly SessionCursor[],
    participants: readonly ParticipantCursor[],
  ): Promise<void>;

  // Detection, grouping and the outbox
  /**
   * In one transaction: keeps only events whose dedup key is new, groups them (see planDetections)
   * and queues the Slack messages they need. Nothing detected is ever only in memory.
   */
  recordDetections(input: DetectionInput): Promise<DetectionResult>;
  getGroup(id: number): Promise<AlertGroup | undefined>;
  latestGroups(limit: number): Promise<AlertGroup[]>;
  setGroupMessage(groupId: number, messageTs: string): Promise<void>;
  /** Pending items due at `now`, oldest first (unclaimed ones only; for inspection and tests). */
  dueOutbox(now: Date, limit: number): Promise<OutboxItem[]>;
  /**
   * Claims for `holder`, until `now + leaseMs`, the messages it may send now, in one atomic step:
   * per channel the unsent messages in order up to the first that must still wait (not due yet, or
   * claimed by another holder whose lease runs), at most `perChannel` of each channel and `limit` in
   * all, oldest first. Failed messages are set aside and hold nothing up. A claim whose lease ran out
   * is taken over: its holder died or froze mid-send.
   */
  claimOutbox(claim: OutboxClaim): Promise<OutboxItem[]>;
  /** Gives `holder`'s claims back unsent (those of `ids`, or all), without counting an attempt; returns how many. */
  releaseOutbox(holder: string, ids?: readonly number[]): Promise<number>;
  /** Slack accepted the item: done, and for a post the group's message ts recorded in the same step. */
  completeOutbox(id: number, posted?: { groupId: number; messageTs: string }): Promise<void>;
  /** Leaves the item pending until `notBefore`, counting the attempt. */
  retryOutbox(id: number, notBefore: Date, error: string): Promise<void>;
  /** Slack refused the item for good: kept as failed with Slack's error and what must change first. */
  failOutbox(id: number, failure: { error: string; scope: FailureScope; at: Date }): Promise<void>;
  /**
   * Puts failed items back in line at `at`, keeping their ids so they go before newer ones of their
   * channel. `deliveredTo`: Slack just accepted a message in that channel, so its channel- and
   * workspace-scoped failures and every channel's workspace-scoped ones are retried. `scopes`: every
   * failure of those scopes (at start-up). Returns the channels that got items back.
   */
  requeueFailed(
    which: { deliveredTo: string } | { scopes: readonly FailureScope[] },
    at: Date,
  ): Promise<string[]>;
  /** Failed items by channel and error, oldest failure first. */
  undeliveredSummary(): Promise<UndeliveredMessages[]>;
  /** Items still to send (pending or being sent); failed ones are not counted. */
  outboxDepth(): Promise<number>;

  // Retention
  /**
   * Deletes up to `limit` rows of each kind that nothing needs any more: sent (and given-up) outbox
   * rows created before `before`; alert groups last seen before it with nothing left to send, and
   * their event links; cursors of sessions that ended before it (finished, or on a stage nobody
   * watches); detected events older than it that no group holds and whose session is finished or
   * forgotten (a dedup key of a session still being read is kept however old); mutes ended by `now`.
   * Call again while any count equals `limit` (see purgeExpired).
   */
  purgeExpired(input: PurgeInput): Promise<PurgeCounts>;

  // Paging state
  savePagingState(state: PagingState): Promise<void>;
  loadPagingState(id: string): Promise<PagingState | undefined>;
  /** Records the nextToken that fetches page `pageIndex` (learned when the page before it was read). */
  setPageToken(id: string, pageIndex: number, token: string | null): Promise<void>;
  deletePagingStatesBefore(cutoff: Date): Promise<number>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  /** Readiness: the database answers and every migration this version knows is applied. */
  ready(): Promise<boolean>;

  // Poller leadership (several replicas share one PostgreSQL; SQLite has one process by construction)
  /**
   * Takes the poller lease for `holder` if it is free or expired, or renews it if `holder` has it,
   * for `ttlMs` measured on the database's clock. Returns whether `holder` now holds it.
   */
  acquireLeadership(holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once (graceful shutdown) if `holder` has it. */
  releaseLeadership(holder: string): Promise<void>;
  /**
   * Records that replica `holder` is alive for `ttlMs` (database clock) and returns how many replicas
   * are alive, itself included: the IVS quota is divided among them. SQLite has one process: 1.
   */
  heartbeatReplica(holder: string, ttlMs: number): Promise<number>;
  /** Forgets `holder` at once (graceful shutdown), so the others take its share back. */
  removeReplica(holder: string): Promise<void>;
  close(): Promise<void>;
}
