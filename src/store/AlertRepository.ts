import type { AlertGroup, DetectedEvent, GroupingPolicy, Watch } from '../domain/model.ts';

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

/** Detected error events and the alert groups they form (their Slack messages go through the outbox). */
export interface AlertRepository {
  /**
   * In one transaction: keeps only events whose dedup key is new, groups them (see planDetections)
   * and queues the Slack messages they need. Nothing detected is ever only in memory.
   */
  recordDetections(input: DetectionInput): Promise<DetectionResult>;
  getGroup(id: number): Promise<AlertGroup | undefined>;
  latestGroups(limit: number): Promise<AlertGroup[]>;
  setGroupMessage(groupId: number, messageTs: string): Promise<void>;
  /** Detected events of (stage, session, code) that happened at or after `since`: repeats of an event kind. */
  countDetected(stageArn: string, sessionId: string, code: string, since: Date): Promise<number>;
}
