import type { Acknowledgement, AlertGroup, DetectedEvent, GroupingPolicy, Watch } from '../domain/model.ts';

export interface DetectionInput {
  readonly stageArn: string;
  /** Every error event read this cycle; ones seen before are ignored by their dedup key. */
  readonly events: readonly DetectedEvent[];
  /** The watches of this stage (channel and codes). */
  readonly watches: readonly Watch[];
  readonly now: Date;
  readonly policy: GroupingPolicy;
  /**
   * Alert only on a repeat: the events are stored, but reach the watches only when the stored events
   * of this session and code since `since`, plus one, come to `atLeast`. Counted inside the
   * transaction, so replicas storing repeats at the same moment count each other's.
   */
  readonly onlyRepeated?: {
    readonly sessionId: string;
    readonly code: string;
    readonly since: Date;
    readonly atLeast: number;
  };
}

export interface DetectionResult {
  readonly newEvents: number;
  readonly groupsCreated: number;
  readonly groupsUpdated: number;
  /** `onlyRepeated` was given and the count fell short: stored, no watch heard of it. */
  readonly notRepeated?: true;
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
  /**
   * Records who is on the group (null: nobody any more) and, when that changed, queues one update of
   * its message in the same transaction, so whichever replica sends shows it. The same person again
   * keeps the time they took it. Returns the group as it is now; undefined when it is not known.
   */
  acknowledgeGroup(
    groupId: number,
    acknowledgement: Acknowledgement | null,
    now: Date,
  ): Promise<AlertGroup | undefined>;
  /**
   * The transitions found from stored data alone, in one transaction, each queuing one update of the
   * group's message (deduplicated with a pending one): a firing group whose session the cursors
   * record as ended says so; a group with no event for `quietAfterMs` goes quiet (and takes no more).
   */
  applyAlertTransitions(input: { now: Date; quietAfterMs: number }): Promise<AlertTransitions>;
}

/** How many groups each transition of applyAlertTransitions touched. */
export interface AlertTransitions {
  readonly quiet: number;
  readonly sessionEnded: number;
}
