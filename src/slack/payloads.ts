import { z } from 'zod';
import { SLACK_ID } from './slackIds.ts';

// Slack payloads are validated for the fields we use, after Bolt has checked the signature.
const slackId = z.string().regex(SLACK_ID);

export const slashCommandSchema = z.object({
  text: z.string().max(4_000).default(''),
  user_id: slackId,
  channel_id: slackId,
  team_id: slackId,
});
export type SlashCommand = z.infer<typeof slashCommandSchema>;

export const buttonActionSchema = z.object({
  action_id: z.string().max(255),
  value: z.string().max(2_000).default(''),
});

export const blockActionsBodySchema = z.object({
  user: z.object({ id: slackId }),
  team: z.object({ id: slackId }).nullish(),
  channel: z.object({ id: slackId }).optional(),
});
