import { type Answer, ask, type PlanRun } from './applyPlans.ts';

/** The statements that mark an outbox item sent, each store writing them in its own SQL. */
export interface OutboxCompletionStatements {
  /** Records the ts Slack gave the group's first message (later updates and replies go to it). */
  setGroupMessage(groupId: number, messageTs: string): Answer<void>;
  /** The item is done and no longer claimed. */
  markOutboxDone(id: number): Answer<void>;
}

/**
 * Slack accepted the item (OutboxRepository.completeOutbox): for a group's first message its ts is
 * recorded in the same transaction, so an update queued next always finds the message it edits.
 */
export function* completeOutbox(
  id: number,
  posted: { groupId: number; messageTs: string } | undefined,
): PlanRun<void, OutboxCompletionStatements> {
  if (posted)
    yield* ask((s: OutboxCompletionStatements) => s.setGroupMessage(posted.groupId, posted.messageTs));
  yield* ask((s: OutboxCompletionStatements) => s.markOutboxDone(id));
}
