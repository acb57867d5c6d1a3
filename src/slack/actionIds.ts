import { z } from 'zod';
import { isParticipantId, isSessionId, parseStageArn } from '../ivs/identifiers.ts';

/** Button action IDs: a public contract between rendered messages (which outlive deploys) and listeners. */
export const ACTION = {
  previousPage: 'ivs_page_previous',
  nextPage: 'ivs_page_next',
  restart: 'ivs_page_restart',
  /** Paging from a shared copy in a channel: answers the clicker with their own copy, never replaces. */
  previousPageCopy: 'ivs_page_previous_copy',
  nextPageCopy: 'ivs_page_next_copy',
  share: 'ivs_share',
  openSessions: 'ivs_open_sessions',
  openParticipants: 'ivs_open_participants',
  openParticipant: 'ivs_open_participant',
  disconnect: 'ivs_disconnect_participant',
  /** The picture of a session, to the clicker's messages with the bot (value: `openTarget` of stage and session). */
  timeline: 'ivs_timeline',
  /** The picture of a session, to the channel the button is in. */
  timelineShare: 'ivs_timeline_share',
  // Slack refuses two buttons with one action_id in a block, so each mute length has its own.
  muteAlert1h: 'ivs_alert_mute_1h',
  muteAlert24h: 'ivs_alert_mute_24h',
  /** Both mute buttons of alerts posted before they had their own IDs (still on old messages). */
  muteAlert: 'ivs_alert_mute',
  unmuteAlert: 'ivs_alert_unmute',
  /** "I am on it" on an alert, and its undo (issue 16). */
  acknowledgeAlert: 'ivs_alert_acknowledge',
  unacknowledgeAlert: 'ivs_alert_unacknowledge',
} as const;

/** The mute button's action_id for each length. */
export const MUTE_ACTION = { 1: ACTION.muteAlert1h, 24: ACTION.muteAlert24h } as const;

// Button values come back from Slack and are validated like any other input.
const stageArn = z
  .string()
  .max(128)
  .refine((value) => parseStageArn(value) !== undefined);

export const pageRefSchema = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]{1,32}:\d{1,5}$/)
  .transform((value) => {
    const [stateId = '', page = '0'] = value.split(':');
    return { stateId, pageIndex: Number(page) };
  });

export const openTargetSchema = z
  .string()
  .max(400)
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z.object({
      a: stageArn,
      s: z.string().refine(isSessionId).optional(),
      p: z.string().refine(isParticipantId).optional(),
    }),
  );

export type OpenTarget = z.output<typeof openTargetSchema>;

export function pageRef(stateId: string, pageIndex: number): string {
  return `${stateId}:${pageIndex}`;
}

export function openTarget(target: OpenTarget): string {
  return JSON.stringify(target);
}

/** How long the alert buttons mute a code on a stage. */
export type MuteHours = 1 | 24;

// Group IDs are store row IDs: positive safe integers.
const groupId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Value of a Mute button: `"<groupId>:<hours>"`. */
export const muteRefSchema = z
  .string()
  .max(32)
  .regex(/^[1-9]\d{0,15}:(1|24)$/)
  .transform((value) => {
    const [id = '', hours = ''] = value.split(':');
    return { groupId: Number(id), hours: Number(hours) };
  })
  .pipe(z.object({ groupId, hours: z.union([z.literal(1), z.literal(24)]) }));

/** Value of an Unmute, Acknowledge or Unacknowledge button: `"<groupId>"`. */
export const groupRefSchema = z
  .string()
  .max(32)
  .regex(/^[1-9]\d{0,15}$/)
  .transform((value) => ({ groupId: Number(value) }))
  .pipe(z.object({ groupId }));

export type MuteRef = z.output<typeof muteRefSchema>;
export type GroupRef = z.output<typeof groupRefSchema>;

export function muteRef(groupId: number, hours: MuteHours): string {
  return `${groupId}:${hours}`;
}

export function groupRef(groupId: number): string {
  return `${groupId}`;
}
