import type { PollReport, StageHealth, Watch } from '../domain/model.ts';

/** Which channels watch which stages, and how each watched stage's polling is going. */
export interface WatchRepository {
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
}
