import type { ParticipantCursor } from '../../src/domain/model.ts';

/** A connected participant never read yet, as the poller stores it; `fields` override any part. */
export function participantCursor(
  participantId: string,
  fields: Partial<ParticipantCursor> & { stageArn: string; firstJoinTime: Date | null },
): ParticipantCursor {
  return {
    sessionId: 'st-AbCdEf1234567',
    participantId,
    userId: null,
    state: 'CONNECTED',
    lastReadAt: null,
    done: false,
    lastErrorAt: null,
    listing: '["CONNECTED"]',
    readListing: null,
    eventOrder: null,
    resumeToken: null,
    newestEventAt: null,
    ...fields,
  };
}
