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
}
