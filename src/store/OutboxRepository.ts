import type { FailureScope, OutboxItem, UndeliveredMessages } from '../domain/model.ts';

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

/**
 * Slack messages waiting to be sent, being sent, or refused. Rows are written in the same
 * transaction as what they announce (AlertRepository.recordDetections, WatchRepository.recordPoll).
 */
export interface OutboxRepository {
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
}
