import type { IvsResult } from './IvsFailure.ts';
import type { StageArn, StageRef } from './identifiers.ts';
import type { CallPriority } from './RequestBudget.ts';

// Our own shapes of what IVS answers. Enum-like fields are plain strings on purpose: a value IVS adds
// after this bot was built is shown as it came instead of failing validation.

export interface StageSummary {
  readonly arn: string;
  readonly name?: string | undefined;
  readonly activeSessionId?: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

export interface SessionSummary {
  readonly sessionId: string;
  readonly startTime?: Date | undefined;
  readonly endTime?: Date | undefined;
}

export interface ParticipantSummary {
  readonly participantId: string;
  readonly userId?: string | undefined;
  readonly state?: string | undefined;
  readonly firstJoinTime?: Date | undefined;
  readonly published?: boolean | undefined;
  readonly recordingState?: string | undefined;
  readonly replicationType?: string | undefined;
  readonly replicationState?: string | undefined;
  readonly sourceStageArn?: string | undefined;
  readonly sourceSessionId?: string | undefined;
  readonly redundantIngest?: boolean | undefined;
  readonly ingestConfigurationArn?: string | undefined;
}

export interface ParticipantDetails extends ParticipantSummary {
  readonly attributes: Readonly<Record<string, string>>;
  readonly ispName?: string | undefined;
  readonly osName?: string | undefined;
  readonly osVersion?: string | undefined;
  readonly browserName?: string | undefined;
  readonly browserVersion?: string | undefined;
  readonly sdkVersion?: string | undefined;
  readonly recordingS3BucketName?: string | undefined;
  readonly recordingS3Prefix?: string | undefined;
  readonly protocol?: string | undefined;
}

export interface ExchangedToken {
  readonly userId?: string | undefined;
  readonly capabilities: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly expirationTime?: Date | undefined;
}

export interface ParticipantEvent {
  readonly name: string;
  readonly participantId?: string | undefined;
  readonly eventTime?: Date | undefined;
  readonly remoteParticipantId?: string | undefined;
  readonly errorCode?: string | undefined;
  readonly destinationStageArn?: string | undefined;
  readonly destinationSessionId?: string | undefined;
  readonly replica?: boolean | undefined;
  readonly previousToken?: ExchangedToken | undefined;
  readonly newToken?: ExchangedToken | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string | undefined;
}

export interface PageRequest {
  readonly nextToken?: string | undefined;
  readonly maxResults: number;
}

/** The states ListParticipants' filterByRecordingState takes (the model's enum). */
export const RECORDING_FILTER_STATES = ['STARTING', 'ACTIVE', 'STOPPING', 'STOPPED', 'FAILED'] as const;
export type RecordingFilterState = (typeof RECORDING_FILTER_STATES)[number];

/** ListParticipants takes at most one filter per request (API rule). */
export type ParticipantFilter =
  | { kind: 'none' }
  | { kind: 'state'; state: 'CONNECTED' | 'DISCONNECTED' }
  | { kind: 'published' }
  | { kind: 'user'; userId: string }
  | { kind: 'recording'; state: RecordingFilterState };

/** The IVS adapter: every call is budgeted per (account, region, operation) and returns failures as values. */
export interface IvsGateway {
  resolveStage(ref: StageRef, priority: CallPriority): Promise<IvsResult<StageArn>>;
  getStage(stage: StageArn, priority: CallPriority): Promise<IvsResult<StageSummary>>;
  /** A listed account's stages (IVS_ACCOUNT_ROLES) when `accountId` is given, else the bot's own. */
  listStages(
    region: string,
    page: PageRequest,
    priority: CallPriority,
    accountId?: string,
  ): Promise<IvsResult<Page<StageSummary>>>;
  listStageSessions(
    stage: StageArn,
    page: PageRequest,
    priority: CallPriority,
  ): Promise<IvsResult<Page<SessionSummary>>>;
  getStageSession(
    stage: StageArn,
    sessionId: string,
    priority: CallPriority,
  ): Promise<IvsResult<SessionSummary>>;
  listParticipants(
    stage: StageArn,
    sessionId: string,
    filter: ParticipantFilter,
    page: PageRequest,
    priority: CallPriority,
  ): Promise<IvsResult<Page<ParticipantSummary>>>;
  getParticipant(
    stage: StageArn,
    sessionId: string,
    participantId: string,
    priority: CallPriority,
  ): Promise<IvsResult<ParticipantDetails>>;
  listParticipantEvents(
    stage: StageArn,
    sessionId: string,
    participantId: string,
    page: PageRequest,
    priority: CallPriority,
  ): Promise<IvsResult<Page<ParticipantEvent>>>;
  disconnectParticipant(
    stage: StageArn,
    participantId: string,
    reason: string,
    priority: CallPriority,
  ): Promise<IvsResult<void>>;
}
