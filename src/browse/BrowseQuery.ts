import { z } from 'zod';
import { RECORDING_FILTER_STATES } from '../ivs/IvsGateway.ts';
import { isParticipantId, isSessionId, parseStageArn, REGION_NAME } from '../ivs/identifiers.ts';

// What a paged view shows. Stored in the paging state and read back on every click, so it is
// validated again when loaded: the store is outside this process too.
const stageArn = z.string().refine((value) => parseStageArn(value) !== undefined, 'not a stage ARN');
const sessionId = z.string().refine(isSessionId, 'not a session ID');
const participantId = z.string().refine(isParticipantId, 'not a participant ID');

export const participantFilterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('state'), state: z.enum(['CONNECTED', 'DISCONNECTED']) }),
  z.object({ kind: z.literal('published') }),
  z.object({ kind: z.literal('user'), userId: z.string().min(1).max(128) }),
  z.object({ kind: z.literal('recording'), state: z.enum(RECORDING_FILTER_STATES) }),
]);

export const browseQuerySchema = z.discriminatedUnion('view', [
  z.object({ view: z.literal('stages'), region: z.string().regex(REGION_NAME) }),
  z.object({ view: z.literal('sessions'), stageArn }),
  z.object({ view: z.literal('participants'), stageArn, sessionId, filter: participantFilterSchema }),
  z.object({ view: z.literal('participant'), stageArn, sessionId, participantId }),
]);

export type BrowseQuery = z.infer<typeof browseQuerySchema>;
