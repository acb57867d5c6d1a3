import type { ParticipantCursor, SessionCursor } from '../domain/model.ts';

/** How far the poller has read each stage's sessions and participants. */
export interface CursorRepository {
  loadSessionCursors(stageArn: string): Promise<SessionCursor[]>;
  /** Participants of the stage's unfinished sessions. */
  loadParticipantCursors(stageArn: string): Promise<ParticipantCursor[]>;
  /** Upserts cursors; participants of sessions now finished may be dropped by the store. */
  saveCursors(
    stageArn: string,
    sessions: readonly SessionCursor[],
    participants: readonly ParticipantCursor[],
  ): Promise<void>;
  /**
   * Asks the poller, on whichever replica polls, to read this participant before anyone else at its
   * next cycle (EventBridge reported a publish error of it). Asking twice is asking once.
   */
  requestReadFirst(participant: ParticipantRef, at: Date): Promise<void>;
  /** The participants asked for, oldest request first, removed as they are handed out. */
  takeReadFirst(limit: number): Promise<ParticipantRef[]>;
}

/** A participant of a stage session. */
export interface ParticipantRef {
  readonly stageArn: string;
  readonly sessionId: string;
  readonly participantId: string;
}
