import type { AlertGroup, DetectedEvent } from '../../domain/model.ts';
import type { NewGroupSpec } from '../../domain/planDetections.ts';
import type { PreviousHealth } from '../../domain/planPoll.ts';
import type { OutboxWrite, PlanStatements, StageHealthWrite, StoredEventKey } from '../applyPlans.ts';
import { type AlertGroupRow, type DbNumber, fromDate, GROUP_COLUMNS, toAlertGroup, toDate } from '../rows.ts';
import type { Int8, Sql } from './Sql.ts';

/** Plan application's statements in PostgreSQL, on one transaction's connection; batches in one statement each. */
export class PostgresPlanStatements implements PlanStatements {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async storedUnder(from: string): Promise<StoredEventKey[]> {
    // A range on the primary key (COLLATE "C"): `from` itself and the keys that continue it with '|'.
    const { rows } = await this.#sql<{ dedup_key: string; code: string; name: string }>(
      `SELECT dedup_key, code, name FROM detected_event
       WHERE dedup_key = $1 OR (dedup_key > $2 AND dedup_key < $3) ORDER BY dedup_key LIMIT 100`,
      [from, `${from}|`, `${from}}`],
    );
    return rows.map((row) => ({ dedupKey: row.dedup_key, code: row.code, name: row.name }));
  }

  async insertNewEvents(events: ReadonlyMap<string, DetectedEvent>, detectedAt: Date): Promise<Set<string>> {
    const rows = [...events.values()];
    const inserted = await this.#sql<{ dedup_key: string }>(
      `INSERT INTO detected_event (dedup_key, stage_arn, session_id, participant_id, user_id, event_time, name,
         code, remote_participant_id, detected_at)
       SELECT e.*, $10::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
         $6::bigint[], $7::text[], $8::text[], $9::text[]) AS e
       ON CONFLICT (dedup_key) DO NOTHING
       RETURNING dedup_key`,
      [
        [...events.keys()],
        rows.map((event) => event.stageArn),
        rows.map((event) => event.sessionId),
        rows.map((event) => event.participantId),
        rows.map((event) => event.userId),
        rows.map((event) => event.eventTime.getTime()),
        rows.map((event) => event.name),
        rows.map((event) => event.code),
        rows.map((event) => event.remoteParticipantId),
        detectedAt.getTime(),
      ],
    );
    return new Set(inserted.rows.map((row) => row.dedup_key));
  }

  async openGroups(stageArn: string, seenSince: Date): Promise<AlertGroup[]> {
    const { rows } = await this.#sql<AlertGroupRow>(
      // A quiet group is closed: the same error later opens a new group.
      `SELECT ${GROUP_COLUMNS} FROM alert_group WHERE stage_arn = $1 AND last_seen >= $2 AND quiet_at IS NULL`,
      [stageArn, seenSince.getTime()],
    );
    return rows.map(toAlertGroup);
  }

  async createGroup(spec: NewGroupSpec, at: Date): Promise<number> {
    const created = await this.#sql<{ id: Int8 }>(
      // The same error fired before in this session and channel: the new burst links to it.
      `INSERT INTO alert_group (stage_arn, session_id, code, channel_id, first_seen, last_seen, created_at, facts,
         mention, previous_group_id, previous_message_ts, previous_last_seen)
       SELECT $1, $2, $3, $4, $5, $5, $5, $6::jsonb, $7, p.id, p.message_ts, p.last_seen
       FROM (SELECT 1) AS one LEFT JOIN LATERAL (
         SELECT id, message_ts, last_seen FROM alert_group
         WHERE stage_arn = $1 AND session_id = $2 AND code = $3 AND channel_id = $4
         ORDER BY id DESC LIMIT 1) AS p ON true
       RETURNING id`,
      [
        spec.stageArn,
        spec.sessionId,
        spec.code,
        spec.channelId,
        at.getTime(),
        spec.facts ? JSON.stringify(spec.facts) : null,
        spec.mention,
      ],
    );
    return Number(created.rows[0]?.id);
  }

  async linkEvents(links: readonly { groupId: number; dedupKey: string }[]): Promise<void> {
    await this.#sql(
      `INSERT INTO alert_group_event (group_id, dedup_key) SELECT * FROM unnest($1::bigint[], $2::text[])
       ON CONFLICT DO NOTHING`,
      [links.map((link) => link.groupId), links.map((link) => link.dedupKey)],
    );
  }

  async recomputeGroups(groupIds: readonly number[], sampleSize: number): Promise<void> {
    await this.#sql(
      `UPDATE alert_group AS g SET
         event_count = totals.events, participant_count = totals.participants,
         first_seen = totals.first_seen, last_seen = totals.last_seen,
         sample = COALESCE((
           SELECT jsonb_agg(
                    jsonb_build_object('participantId', s.participant_id, 'userId', s.user_id,
                                       'remoteParticipantId', s.remote_participant_id)
                    ORDER BY s.event_time, s.participant_id)
           FROM (
             SELECT participant_id, user_id, remote_participant_id, event_time FROM (
               SELECT d.participant_id, d.user_id, d.remote_participant_id, d.event_time,
                      ROW_NUMBER() OVER (PARTITION BY d.participant_id ORDER BY d.event_time, d.dedup_key) AS nth
               FROM alert_group_event ge JOIN detected_event d ON d.dedup_key = ge.dedup_key
               WHERE ge.group_id = g.id) AS ranked
             WHERE nth = 1 ORDER BY event_time, participant_id LIMIT $2) AS s), '[]'::jsonb)
       FROM (
         SELECT ge.group_id, COUNT(*) AS events, COUNT(DISTINCT d.participant_id) AS participants,
                MIN(d.event_time) AS first_seen, MAX(d.event_time) AS last_seen
         FROM alert_group_event ge JOIN detected_event d ON d.dedup_key = ge.dedup_key
         WHERE ge.group_id = ANY($1::bigint[])
         GROUP BY ge.group_id) AS totals
       WHERE g.id = totals.group_id`,
      [groupIds, sampleSize],
    );
  }

  async countQueuedReplies(groupIds: readonly number[]): Promise<void> {
    await this.#sql(
      'UPDATE alert_group SET replies_queued = replies_queued + 1 WHERE id = ANY($1::bigint[])',
      [groupIds],
    );
  }

  async hasPendingUpdate(groupId: number): Promise<boolean> {
    const pending = await this.#sql(
      "SELECT 1 FROM outbox WHERE group_id = $1 AND kind = 'update' AND status = 'pending' LIMIT 1",
      [groupId],
    );
    return pending.rows.length > 0;
  }

  async queueMessage(message: OutboxWrite): Promise<void> {
    await this.#sql(
      `INSERT INTO outbox (kind, channel_id, group_id, payload, attempts, not_before, created_at, status)
       VALUES ($1, $2, $3, $4::json, 0, $5, $5, 'pending')`,
      [message.kind, message.channelId, message.groupId, message.payload, message.at.getTime()],
    );
  }

  async stageHealth(stageArn: string): Promise<PreviousHealth | undefined> {
    const { rows } = await this.#sql<{ status: 'ok' | 'failing'; problem_since: DbNumber | null }>(
      'SELECT status, problem_since FROM stage_health WHERE stage_arn = $1',
      [stageArn],
    );
    const row = rows[0];
    return row && { status: row.status, problemSince: toDate(row.problem_since) };
  }

  async saveStageHealth(health: StageHealthWrite): Promise<void> {
    await this.#sql(
      `INSERT INTO stage_health (stage_arn, last_poll_at, status, last_error, lag_seconds, problem_since)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (stage_arn) DO UPDATE SET
         last_poll_at = excluded.last_poll_at, status = excluded.status,
         last_error = excluded.last_error, lag_seconds = excluded.lag_seconds,
         problem_since = excluded.problem_since`,
      [
        health.stageArn,
        health.lastPollAt.getTime(),
        health.status,
        health.lastError,
        health.lagSeconds,
        fromDate(health.problemSince),
      ],
    );
  }
}
