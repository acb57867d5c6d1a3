import { z } from 'zod';

// One schema per outbox payload kind: the planners write them, the sender reads them back with the
// same schema, and the types come from the schemas, so writer and reader cannot drift apart.

/** A thread reply (`reply` item): what is new in a group since its message. */
export const replyPayloadSchema = z.object({
  events: z.number(),
  participants: z.array(
    z.object({
      participantId: z.string(),
      userId: z.string().nullable(),
      remoteParticipantId: z.string().nullable(),
    }),
  ),
  firstSeen: z.string(),
  lastSeen: z.string(),
});
export type ReplyPayload = z.infer<typeof replyPayloadSchema>;

/** A `notice` item: a stage's polling started failing or works again. */
export const stageNoticeSchema = z.object({
  stageArn: z.string(),
  transition: z.enum(['failing', 'recovered']),
  error: z.string().nullable(),
  at: z.string(),
});
export type StageNotice = z.infer<typeof stageNoticeSchema>;
