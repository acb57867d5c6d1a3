import type { AlertGroup, DetectedEvent } from '../../domain/model.ts';
import type { NewGroupSpec } from '../../domain/planDetections.ts';
import type { PreviousHealth } from '../../domain/planPoll.ts';
import type {
  CreatedGroup,
  OutboxWrite,
  PlanStatements,
  StageHealthWrite,
  StoredEventKey,
} from '../applyPlans.ts';
import type { OutboxCompletionStatements } from '../completeOutbox.ts';
import type { PurgeStatements } from '../purgeExpired.ts';
import type { PurgeInput } from '../RetentionRepository.ts';
import type { WatchRemovalStatements } from '../removeWatches.ts';
import {
  type AlertGroupRow,
  type DbNumber,
  GROUP_COLUMNS,
  STAGE_HEALTH_COLUMNS,
  STAGE_HEALTH_ON_CONFLICT,
  stageHealthValues,
  toAlertGroup,
  toDate,
} from '../rows.ts';
import type { Int8, Sql } from './Sql.ts';

/** An alert group (alias g) retention lets go (see PurgeStatements), given the cutoff as $1. */
const EXPIRED_GROUP = `g.last_seen < $1 AND g.created_at < $1 AND NOT EXISTS (
  SELECT 1 FROM outbox o WHERE o.group_id = g.id AND o.status <> 'done')`;

/**
 * The SQL of the writes both stores share (applyPlans.ts, removeWatches.ts, completeOutbox.ts,
 * purgeExpired.ts) in PostgreSQL, batches in one statement each: on one transaction's connection, or
 * autocommit where PostgresStore runs a write without one (a purge pass, a completion with no post).
 */
export class PostgresPlanStatements
  implements PlanStatements, WatchRemovalStatements, OutboxCompletionStatements, PurgeStatements
{
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async countDetected(stageArn: string, sessionId: string, code: string, since: Date): Promise<number> {
    const { rows } = await this.#sql<{ n: Int8 }>(
      `SELECT COUNT(*) AS n FROM detected_event
       WHERE stage_arn = $1 AND session_id = $2 AND code = $3 AND event_time >= $4`,
      [stageArn, sessionId, code, since.getTime()],
    );
    return Number(rows[0]?.n ?? 0);
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

  async createGroup(spec: NewGroupSpec, at: Date): Promise<CreatedGroup> {
    const created = await this.#sql<{
      id: Int8;
      previous_group_id: Int8 | null;
      previous_message_ts: string | null;
    }>(
      // The same error fired before in this session and channel: the new burst links to it.
      `INSERT INTO alert_group (stage_arn, session_id, code, channel_id, first_seen, last_seen, created_at, facts,
         mention, previous_group_id, previous_message_ts, previous_last_seen)
       SELECT $1, $2, $3, $4, $5, $5, $5, $6::jsonb, $7, p.id, p.message_ts, p.last_seen
       FROM (SELECT 1) AS one LEFT JOIN LATERAL (
         SELECT id, message_ts, last_seen FROM alert_group
         WHERE stage_arn = $1 AND session_id = $2 AND code = $3 AND channel_id = $4
         ORDER BY id DESC LIMIT 1) AS p ON true
       RETURNING id, previous_group_id, previous_message_ts`,
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
    const row = created.rows[0];
    return {
      id: Number(row?.id),
      previous:
        row?.previous_group_id == null
          ? null
          : { id: Number(row.previous_group_id), messageTs: row.previous_message_ts },
    };
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
      `INSERT INTO stage_health (${STAGE_HEALTH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ${STAGE_HEALTH_ON_CONFLICT}`,
      stageHealthValues(health),
    );
  }

  async #count(text: string, values: readonly unknown[]): Promise<number> {
    return (await this.#sql(text, values)).rowCount ?? 0;
  }

  // Unwatch (removeWatches.ts)

  deleteWatches(stageArn: string, channelId: string | undefined): Promise<number> {
    return channelId === undefined
      ? this.#count('DELETE FROM watch WHERE stage_arn = $1', [stageArn])
      : this.#count('DELETE FROM watch WHERE stage_arn = $1 AND channel_id = $2', [stageArn, channelId]);
  }

  async deleteHealthIfUnwatched(stageArn: string): Promise<void> {
    await this.#sql(
      'DELETE FROM stage_health WHERE stage_arn = $1 AND NOT EXISTS (SELECT 1 FROM watch WHERE stage_arn = $1)',
      [stageArn],
    );
  }

  async deleteUndeliveredAbout(stageArn: string, channelId: string | undefined): Promise<void> {
    const undelivered = "status IN ('pending', 'failed')";
    const aboutStage = `(group_id IN (SELECT id FROM alert_group WHERE stage_arn = $1)
      OR (group_id IS NULL AND kind = 'notice' AND payload->>'stageArn' = $1))`;
    if (channelId === undefined) {
      await this.#sql(`DELETE FROM outbox WHERE ${undelivered} AND ${aboutStage}`, [stageArn]);
    } else {
      await this.#sql(`DELETE FROM outbox WHERE ${undelivered} AND channel_id = $2 AND ${aboutStage}`, [
        stageArn,
        channelId,
      ]);
    }
  }

  // Sent (completeOutbox.ts)

  async setGroupMessage(groupId: number, messageTs: string): Promise<void> {
    await this.#sql('UPDATE alert_group SET message_ts = $1 WHERE id = $2', [messageTs, groupId]);
  }

  async markOutboxDone(id: number): Promise<void> {
    await this.#sql(
      "UPDATE outbox SET status = 'done', claimed_by = NULL, claimed_until = NULL WHERE id = $1",
      [id],
    );
  }

  // Retention (purgeExpired.ts)

  purgeOutbox({ before, limit }: PurgeInput): Promise<number> {
    return this.#count(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox
         WHERE (status = 'done' AND created_at < $1) OR (status = 'failed' AND COALESCE(failed_at, created_at) < $1)
         ORDER BY id LIMIT $2)`,
      [before.getTime(), limit],
    );
  }

  purgeAlertGroupEvents({ before, limit }: PurgeInput): Promise<number> {
    return this.#count(
      `DELETE FROM alert_group_event WHERE (group_id, dedup_key) IN (
         SELECT ge.group_id, ge.dedup_key FROM alert_group g JOIN alert_group_event ge ON ge.group_id = g.id
         WHERE ${EXPIRED_GROUP} LIMIT $2)`,
      [before.getTime(), limit],
    );
  }

  purgeAlertGroups({ before, limit }: PurgeInput): Promise<number> {
    return this.#count(
      `DELETE FROM alert_group WHERE id IN (
         SELECT g.id FROM alert_group g
         WHERE ${EXPIRED_GROUP} AND NOT EXISTS (SELECT 1 FROM alert_group_event ge WHERE ge.group_id = g.id)
         ORDER BY g.id LIMIT $2)`,
      [before.getTime(), limit],
    );
  }

  purgeSessionCursors({ before, limit }: PurgeInput): Promise<number> {
    return this.#count(
      `DELETE FROM session_cursor WHERE (stage_arn, session_id) IN (
         SELECT s.stage_arn, s.session_id FROM session_cursor s
         WHERE COALESCE(s.end_time, s.start_time) < $1
           AND (s.finished OR NOT EXISTS (SELECT 1 FROM watch w WHERE w.stage_arn = s.stage_arn))
         LIMIT $2)`,
      [before.getTime(), limit],
    );
  }

  purgeParticipantCursors({ limit }: PurgeInput): Promise<number> {
    return this.#count(
      `DELETE FROM participant_cursor WHERE (stage_arn, session_id, participant_id) IN (
         SELECT p.stage_arn, p.session_id, p.participant_id FROM participant_cursor p WHERE NOT EXISTS (
           SELECT 1 FROM session_cursor s
           WHERE s.stage_arn = p.stage_arn AND s.session_id = p.session_id AND NOT s.finished)
         LIMIT $1)`,
      [limit],
    );
  }

  purgeDetectedEvents({ before, limit }: PurgeInput): Promise<number> {
    return this.#count(
      `DELETE FROM detected_event WHERE dedup_key IN (
         SELECT d.dedup_key FROM detected_event d
         WHERE d.detected_at < $1
           AND NOT EXISTS (SELECT 1 FROM alert_group_event ge WHERE ge.dedup_key = d.dedup_key)
           AND NOT EXISTS (
             SELECT 1 FROM session_cursor s
             WHERE s.stage_arn = d.stage_arn AND s.session_id = d.session_id AND NOT s.finished)
         LIMIT $2)`,
      [before.getTime(), limit],
    );
  }

  purgeMutes({ now, limit }: PurgeInput): Promise<number> {
    return this.#count(
      `DELETE FROM mute WHERE (stage_arn, code) IN (
         SELECT stage_arn, code FROM mute WHERE until <= $1 LIMIT $2)`,
      [now.getTime(), limit],
    );
  }
}
