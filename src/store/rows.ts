// Table rows as both stores read them, and their mapping to the alerting domain. The SQL and the
// decoding of JSON columns stay in each store: SQLite keeps JSON as TEXT, pg hands JSON/JSONB back parsed.
import type {
  AffectedParticipant,
  AlertGroup,
  EventFact,
  EventOrder,
  EventQueueStatus,
  FailureScope,
  Mute,
  OutboxItem,
  OutboxKind,
  ParticipantCursor,
  SessionCursor,
  StageHealth,
  UndeliveredMessages,
  Watch,
} from '../domain/model.ts';
import type { StageHealthWrite } from './applyPlans.ts';
import type { ParticipantRef } from './CursorRepository.ts';
import type { PagingState } from './PagingRepository.ts';

/**
 * An integer column as a driver returns it: number from node:sqlite (bigint if asked for), string
 * from pg for BIGINT, which keeps its precision that way. Epoch ms and ids fit a double.
 */
export type DbNumber = number | bigint | string;

/** A flag column: 0/1 INTEGER in SQLite, BOOLEAN in PostgreSQL. */
export type DbBoolean = number | bigint | boolean;

export interface PagingRow {
  id: string;
  query: unknown;
  tokens: (string | null)[];
  created_at: DbNumber;
}

export interface WatchRow {
  stage_arn: string;
  channel_id: string;
  codes: string[] | null;
  created_by: string;
  created_at: DbNumber;
  mention: string | null;
}

/** The columns of watch that WatchRow holds, in the order both stores select them. */
export const WATCH_COLUMNS = 'stage_arn, channel_id, codes, created_by, created_at, mention';

export interface StageHealthRow {
  stage_arn: string;
  last_poll_at: DbNumber | null;
  status: 'ok' | 'failing';
  last_error: string | null;
  lag_seconds: DbNumber;
}

export interface MuteRow {
  stage_arn: string;
  code: string;
  until: DbNumber;
  muted_by: string;
  created_at: DbNumber;
}

export interface SessionCursorRow {
  stage_arn: string;
  session_id: string;
  start_time: DbNumber | null;
  end_time: DbNumber | null;
  finished: DbBoolean;
}

export interface ParticipantCursorRow {
  stage_arn: string;
  session_id: string;
  participant_id: string;
  user_id: string | null;
  state: string | null;
  first_join_time: DbNumber | null;
  last_read_at: DbNumber | null;
  done: DbBoolean;
  last_error_at: DbNumber | null;
  listing: string | null;
  read_listing: string | null;
  event_order: EventOrder | null;
  resume_token: string | null;
  newest_event_at: DbNumber | null;
}

/** The columns of participant_cursor that ParticipantCursorRow holds, in the order both stores use them. */
export const PARTICIPANT_CURSOR_COLUMNS =
  'stage_arn, session_id, participant_id, user_id, state, first_join_time, last_read_at, done, last_error_at, listing, read_listing, event_order, resume_token, newest_event_at';

/** The columns of alert_group that AlertGroupRow holds, in the order both stores select them. */
export const GROUP_COLUMNS =
  'id, stage_arn, session_id, code, channel_id, first_seen, last_seen, event_count, participant_count, sample, message_ts, replies_queued, created_at, facts, ' +
  'mention, acknowledged_by, acknowledged_at, quiet_at, session_ended_at, previous_group_id, previous_message_ts, previous_last_seen';

export interface AlertGroupRow {
  id: DbNumber;
  stage_arn: string;
  session_id: string;
  code: string;
  channel_id: string;
  first_seen: DbNumber;
  last_seen: DbNumber;
  event_count: DbNumber;
  participant_count: DbNumber;
  sample: AffectedParticipant[];
  message_ts: string | null;
  replies_queued: DbNumber;
  created_at: DbNumber;
  facts: EventFact[] | null;
  // Its life after it fired (issue 16).
  mention: string | null;
  acknowledged_by: string | null;
  acknowledged_at: DbNumber | null;
  quiet_at: DbNumber | null;
  session_ended_at: DbNumber | null;
  previous_group_id: DbNumber | null;
  previous_message_ts: string | null;
  previous_last_seen: DbNumber | null;
}

export interface OutboxRow {
  id: DbNumber;
  kind: OutboxKind;
  channel_id: string;
  group_id: DbNumber | null;
  payload: unknown;
  attempts: DbNumber;
  not_before: DbNumber;
  created_at: DbNumber;
}

/** The columns of outbox that OutboxRow holds, in the order both stores select them. */
export const OUTBOX_COLUMNS = 'id, kind, channel_id, group_id, payload, attempts, not_before, created_at';

/** Failed outbox rows counted per (channel, error, scope), as undeliveredSummary selects them. */
export interface UndeliveredRow {
  channel_id: string;
  last_error: string | null;
  failure_scope: FailureScope | null;
  count: DbNumber;
  since: DbNumber | null;
}

export function toDate(value: DbNumber | null): Date | null {
  return value === null ? null : new Date(Number(value));
}

export function fromDate(value: Date | null): number | null {
  return value === null ? null : value.getTime();
}

export function toPagingState(row: PagingRow): PagingState {
  return { id: row.id, query: row.query, tokens: row.tokens, createdAt: new Date(Number(row.created_at)) };
}

export function toWatch(row: WatchRow): Watch {
  return {
    stageArn: row.stage_arn,
    channelId: row.channel_id,
    codes: row.codes,
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)),
    ...(row.mention === null ? {} : { mention: row.mention }),
  };
}

export function toStageHealth(row: StageHealthRow): StageHealth {
  return {
    stageArn: row.stage_arn,
    lastPollAt: toDate(row.last_poll_at),
    status: row.status,
    lastError: row.last_error,
    lagSeconds: Number(row.lag_seconds),
  };
}

export function toMute(row: MuteRow): Mute {
  return {
    stageArn: row.stage_arn,
    code: row.code,
    until: new Date(Number(row.until)),
    mutedBy: row.muted_by,
    createdAt: new Date(Number(row.created_at)),
  };
}

export function toSessionCursor(row: SessionCursorRow): SessionCursor {
  return {
    stageArn: row.stage_arn,
    sessionId: row.session_id,
    startTime: toDate(row.start_time),
    endTime: toDate(row.end_time),
    finished: Boolean(row.finished),
  };
}

/** A participant named by its keys (read_first rows). */
export interface ParticipantRefRow {
  stage_arn: string;
  session_id: string;
  participant_id: string;
}

export function toParticipantRef(row: ParticipantRefRow): ParticipantRef {
  return { stageArn: row.stage_arn, sessionId: row.session_id, participantId: row.participant_id };
}

/**
 * The columns a poll writes to stage_health, in the order of stageHealthValues, and how a later poll
 * overwrites them; each store adds its placeholders.
 */
export const STAGE_HEALTH_COLUMNS = 'stage_arn, last_poll_at, status, last_error, lag_seconds, problem_since';
export const STAGE_HEALTH_ON_CONFLICT = `ON CONFLICT (stage_arn) DO UPDATE SET
  last_poll_at = excluded.last_poll_at, status = excluded.status, last_error = excluded.last_error,
  lag_seconds = excluded.lag_seconds, problem_since = excluded.problem_since`;

export function stageHealthValues(
  health: StageHealthWrite,
): [string, number, string, string | null, number, number | null] {
  return [
    health.stageArn,
    health.lastPollAt.getTime(),
    health.status,
    health.lastError,
    health.lagSeconds,
    fromDate(health.problemSince),
  ];
}

export function toParticipantCursor(row: ParticipantCursorRow): ParticipantCursor {
  return {
    stageArn: row.stage_arn,
    sessionId: row.session_id,
    participantId: row.participant_id,
    userId: row.user_id,
    state: row.state,
    firstJoinTime: toDate(row.first_join_time),
    lastReadAt: toDate(row.last_read_at),
    done: Boolean(row.done),
    lastErrorAt: toDate(row.last_error_at),
    listing: row.listing,
    readListing: row.read_listing,
    eventOrder: row.event_order,
    resumeToken: row.resume_token,
    newestEventAt: toDate(row.newest_event_at),
  };
}

export function toAlertGroup(row: AlertGroupRow): AlertGroup {
  return {
    id: Number(row.id),
    stageArn: row.stage_arn,
    sessionId: row.session_id,
    code: row.code,
    channelId: row.channel_id,
    firstSeen: new Date(Number(row.first_seen)),
    lastSeen: new Date(Number(row.last_seen)),
    eventCount: Number(row.event_count),
    participantCount: Number(row.participant_count),
    sample: row.sample,
    messageTs: row.message_ts,
    repliesQueued: Number(row.replies_queued),
    createdAt: new Date(Number(row.created_at)),
    ...(row.facts && row.facts.length > 0 ? { facts: row.facts } : {}),
    // Lifecycle fields only when set (absent = not so), so a group that never changed reads as before.
    ...(row.mention === null ? {} : { mention: row.mention }),
    ...(row.acknowledged_by === null || row.acknowledged_at === null
      ? {}
      : { acknowledged: { by: row.acknowledged_by, at: new Date(Number(row.acknowledged_at)) } }),
    ...(row.quiet_at === null ? {} : { quietAt: new Date(Number(row.quiet_at)) }),
    ...(row.session_ended_at === null ? {} : { sessionEndedAt: new Date(Number(row.session_ended_at)) }),
    ...(row.previous_group_id === null || row.previous_last_seen === null
      ? {}
      : {
          previous: {
            groupId: Number(row.previous_group_id),
            messageTs: row.previous_message_ts,
            lastSeen: new Date(Number(row.previous_last_seen)),
          },
        }),
  };
}

export interface EventQueueStatusRow {
  last_receive_at: DbNumber | null;
  last_message_at: DbNumber | null;
  last_error: string | null;
  error_since: DbNumber | null;
}

export function toEventQueueStatus(row: EventQueueStatusRow | undefined): EventQueueStatus {
  const at = (value: DbNumber | null | undefined) =>
    value === null || value === undefined ? null : new Date(Number(value));
  return {
    lastReceiveAt: at(row?.last_receive_at),
    lastMessageAt: at(row?.last_message_at),
    lastError: row?.last_error ?? null,
    errorSince: at(row?.error_since),
  };
}

export function toUndelivered(row: UndeliveredRow): UndeliveredMessages {
  return {
    channelId: row.channel_id,
    error: row.last_error ?? 'unknown_error',
    scope: row.failure_scope ?? 'message',
    count: Number(row.count),
    since: new Date(Number(row.since ?? 0)),
  };
}

export function toOutboxItem(row: OutboxRow): OutboxItem {
  return {
    id: Number(row.id),
    kind: row.kind,
    channelId: row.channel_id,
    groupId: row.group_id === null ? null : Number(row.group_id),
    payload: row.payload,
    attempts: Number(row.attempts),
    notBefore: new Date(Number(row.not_before)),
    createdAt: new Date(Number(row.created_at)),
  };
}

/** The burst after a group, as both stores read it for getGroup. */
export interface BurstRow {
  id: DbNumber;
  message_ts: string | null;
  first_seen: DbNumber;
}

/**
 * A group with the message of its earlier burst as it is now (posted after this group was made, when
 * it was held back) and the burst after it, if the same error fired again.
 */
export function withBursts(
  group: AlertGroup,
  previousTs: string | null,
  next: BurstRow | undefined,
): AlertGroup {
  const previous = group.previous && {
    ...group.previous,
    messageTs: previousTs ?? group.previous.messageTs,
  };
  return {
    ...group,
    ...(previous ? { previous } : {}),
    ...(next
      ? {
          next: {
            groupId: Number(next.id),
            messageTs: next.message_ts,
            firstSeen: new Date(Number(next.first_seen)),
          },
        }
      : {}),
  };
}
