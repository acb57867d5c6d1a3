import { type Answer, ask, type PlanRun } from './applyPlans.ts';

/** The statements an unwatch runs, each store writing them in its own SQL. */
export interface WatchRemovalStatements {
  /** Deletes the stage's watch in one channel, or in every channel (undefined); returns how many. */
  deleteWatches(stageArn: string, channelId: string | undefined): Answer<number>;
  /** Deletes the stage's health row when no watch of the stage is left. */
  deleteHealthIfUnwatched(stageArn: string): Answer<void>;
  /**
   * Deletes the messages about the stage (its alert groups' and its notices) that those channels
   * (one, or every one) have not been sent: waiting, or set aside after a refusal. One being sent now
   * is left to finish.
   */
  deleteUndeliveredAbout(stageArn: string, channelId: string | undefined): Answer<void>;
}

/**
 * Removes the stage's watches (WatchRepository.removeWatches) and what only a watch needed; the store
 * runs it inside one transaction. Returns how many watches went.
 */
export function* removeWatches(
  stageArn: string,
  channelId: string | undefined,
): PlanRun<number, WatchRemovalStatements> {
  const removed = yield* ask((s: WatchRemovalStatements) => s.deleteWatches(stageArn, channelId));
  // Health belongs to a stage that is polled; once nobody watches it, a stale "failing" must not linger.
  yield* ask((s: WatchRemovalStatements) => s.deleteHealthIfUnwatched(stageArn));
  // After an unwatch nothing more about the stage may reach those channels: its alerts and notices
  // still pending go with the watch.
  yield* ask((s: WatchRemovalStatements) => s.deleteUndeliveredAbout(stageArn, channelId));
  return removed;
}
