import type { AffectedParticipant, AlertGroup, DetectedEvent } from '../../domain/model.ts';
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
  type DbNumber,
  GROUP_COLUMNS,
  STAGE_HEALTH_COLUMNS,
  STAGE_HEALTH_ON_CONFLICT,
  stageHealthValues,
  toAlertGroup,
  toDate,
} from '../rows.ts';
import type { SqliteDatabase } from './SqliteDatabase.ts';
import { type AlertGroupTextRow, parseJsonGroup } from './textRows.ts';

interface SampleRow {
  participant_id: string;
  user_id: string | null;
  remote_participant_id: string | null;
}

/** An alert group (alias g) retention lets go (see PurgeStatements), given the cutoff twice. */
const EXPIRED_GROUP = `g.last_seen < ? AND g.created_at < ? AND NOT EXISTS (
  SELECT 1 FROM outbox o WHERE o.group_id = g.id AND o.status <> 'done')`;

/**
 * The SQL of the writes both stores share (applyPlans.ts, removeWatches.ts, completeOutbox.ts,
 * purgeExpired.ts) in SQLite, one row at a time (each is a cached prepared statement). Run inside the
 * transaction SqliteStore opens around each write.
 */
export class SqlitePlanStatements
  implements PlanStatements, WatchRemovalStatements, OutboxCompletionStatements, PurgeStatements
{
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  countDetected(stageArn: string, sessionId: string, code: string, since: Date): number {
    const row = this.#db.get<{ n: DbNumber }>(
      `SELECT COUNT(*) AS n FROM detected_event
       WHERE stage_arn = ? AND session_id = ? AND code = ? AND event_time >= ?`,
      stageArn,
      sessionId,
      code,
      since.getTime(),
    );
    return Number(row?.n ?? 0);
  }

  storedUnder(from: string): StoredEventKey[] {
    // A range on the primary key: `from` itself and the keys that continue it with '|' ('}' follows '|').
    return this.#db
      .all<{ dedup_key: string; code: string; name: string }>(
        `SELECT dedup_key, code, name FROM detected_event
         WHERE dedup_key = ? OR (dedup_key > ? AND dedup_key < ?) ORDER BY dedup_key LIMIT 100`,
        from,
        `${from}|`,
        `${from}}`,
      )
      .map((row) => ({ dedupKey: row.dedup_key, code: row.code, name: row.name }));
  }

  insertNewEvents(events: ReadonlyMap<string, DetectedEvent>, detectedAt: Date): Set<string> {
    const inserted = new Set<string>();
    for (const [key, event] of events) {
      const result = this.#db.run(
        `INSERT INTO detected_event (dedup_key, stage_arn, session_id, participant_id, user_id, event_time, name,
           code, remote_participant_id, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (dedup_key) DO NOTHING`,
        key,
        event.stageArn,
        event.sessionId,
        event.participantId,
        event.userId,
        event.eventTime.getTime(),
        event.name,
        event.code,
        event.remoteParticipantId,
        detectedAt.getTime(),
      );
      if (result.changes > 0) inserted.add(key);
    }
    return inserted;
  }

  openGroups(stageArn: string, seenSince: Date): AlertGroup[] {
    return this.#db
      .all<AlertGroupTextRow>(
        // A quiet group is closed: the same error later opens a new group.
        `SELECT ${GROUP_COLUMNS} FROM alert_group WHERE stage_arn = ? AND last_seen >= ? AND quiet_at IS NULL`,
        stageArn,
        seenSince.getTime(),
      )
      .map((row) => toAlertGroup(parseJsonGroup(row)));
  }

  createGroup(spec: NewGroupSpec, at: Date): CreatedGroup {
    // The same error fired before in this session and channel: the new burst links to it.
    const previous = this.#db.get<{ id: DbNumber; message_ts: string | null; last_seen: DbNumber }>(
      `SELECT id, message_ts, last_seen FROM alert_group
       WHERE stage_arn = ? AND session_id = ? AND code = ? AND channel_id = ? ORDER BY id DESC LIMIT 1`,
      spec.stageArn,
      spec.sessionId,
      spec.code,
      spec.channelId,
    );
    const id = this.#db.run(
      `INSERT INTO alert_group (stage_arn, session_id, code, channel_id, first_seen, last_seen, created_at, facts,
         mention, previous_group_id, previous_message_ts, previous_last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      spec.stageArn,
      spec.sessionId,
      spec.code,
      spec.channelId,
      at.getTime(),
      at.getTime(),
      at.getTime(),
      spec.facts ? JSON.stringify(spec.facts) : null,
      spec.mention,
      previous ? Number(previous.id) : null,
      previous?.message_ts ?? null,
      previous ? Number(previous.last_seen) : null,
    ).lastInsertRowid;
    return { id, previous: previous ? { id: Number(previous.id), messageTs: previous.message_ts } : null };
  }

  linkEvents(links: readonly { groupId: number; dedupKey: string }[]): void {
    for (const link of links) {
      this.#db.run(
        'INSERT INTO alert_group_event (group_id, dedup_key) VALUES (?, ?) ON CONFLICT DO NOTHING',
        link.groupId,
        link.dedupKey,
      );
    }
  }

  recomputeGroups(groupIds: readonly number[], sampleSize: number): void {
    for (const groupId of groupIds) this.#recomputeGroup(groupId, sampleSize);
  }

  #recomputeGroup(groupId: number, sampleSize: number): void {
    const sample = this.#db
      .all<SampleRow>(
        `SELECT participant_id, user_id, remote_participant_id FROM (
           SELECT d.participant_id, d.user_id, d.remote_participant_id, d.event_time,
                  ROW_NUMBER() OVER (PARTITION BY d.participant_id ORDER BY d.event_time, d.dedup_key) AS rank
           FROM alert_group_event g JOIN detected_event d ON d.dedup_key = g.dedup_key
           WHERE g.group_id = ?)
         WHERE rank = 1 ORDER BY event_time, participant_id LIMIT ?`,
        groupId,
        sampleSize,
      )
      .map(
        (row): AffectedParticipant => ({
          participantId: row.participant_id,
          userId: row.user_id,
          remoteParticipantId: row.remote_participant_id,
        }),
      );
    this.#db.run(
      `UPDATE alert_group SET
         event_count = totals.events, participant_count = totals.participants,
         first_seen = totals.first_seen, last_seen = totals.last_seen, sample = ?
       FROM (
         SELECT COUNT(*) AS events, COUNT(DISTINCT d.participant_id) AS participants,
                MIN(d.event_time) AS first_seen, MAX(d.event_time) AS last_seen
         FROM alert_group_event g JOIN detected_event d ON d.dedup_key = g.dedup_key
         WHERE g.group_id = ?) AS totals
       WHERE alert_group.id = ?`,
      JSON.stringify(sample),
      groupId,
      groupId,
    );
  }

  countQueuedReplies(groupIds: readonly number[]): void {
    for (const groupId of groupIds) {
      this.#db.run('UPDATE alert_group SET replies_queued = replies_queued + 1 WHERE id = ?', groupId);
    }
  }

  hasPendingUpdate(groupId: number): boolean {
    return (
      this.#db.get<{ one: number }>(
        "SELECT 1 AS one FROM outbox WHERE group_id = ? AND kind = 'update' AND status = 'pending'",
        groupId,
      ) !== undefined
    );
  }

  queueMessage(message: OutboxWrite): void {
    this.#db.run(
      `INSERT INTO outbox (kind, channel_id, group_id, payload, attempts, not_before, created_at, status)
       VALUES (?, ?, ?, ?, 0, ?, ?, 'pending')`,
      message.kind,
      message.channelId,
      message.groupId,
      message.payload,
      message.at.getTime(),
      message.at.getTime(),
    );
  }

  stageHealth(stageArn: string): PreviousHealth | undefined {
    const row = this.#db.get<{ status: 'ok' | 'failing'; problem_since: DbNumber | null }>(
      'SELECT status, problem_since FROM stage_health WHERE stage_arn = ?',
      stageArn,
    );
    return row && { status: row.status, problemSince: toDate(row.problem_since) };
  }

  saveStageHealth(health: StageHealthWrite): void {
    this.#db.run(
      `INSERT INTO stage_health (${STAGE_HEALTH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ${STAGE_HEALTH_ON_CONFLICT}`,
      ...stageHealthValues(health),
    );
  }

  // Unwatch (removeWatches.ts)

  deleteWatches(stageArn: string, channelId: string | undefined): number {
    return channelId === undefined
      ? this.#db.run('DELETE FROM watch WHERE stage_arn = ?', stageArn).changes
      : this.#db.run('DELETE FROM watch WHERE stage_arn = ? AND channel_id = ?', stageArn, channelId).changes;
  }

  deleteHealthIfUnwatched(stageArn: string): void {
    this.#db.run(
      'DELETE FROM stage_health WHERE stage_arn = ? AND NOT EXISTS (SELECT 1 FROM watch WHERE stage_arn = ?)',
      stageArn,
      stageArn,
    );
  }

  deleteUndeliveredAbout(stageArn: string, channelId: string | undefined): void {
    const undelivered = "status IN ('pending', 'failed')";
    const aboutStage = `(group_id IN (SELECT id FROM alert_group WHERE stage_arn = ?)
      OR (group_id IS NULL AND kind = 'notice' AND json_extract(payload, '$.stageArn') = ?))`;
    if (channelId === undefined) {
      this.#db.run(`DELETE FROM outbox WHERE ${undelivered} AND ${aboutStage}`, stageArn, stageArn);
    } else {
      this.#db.run(
        `DELETE FROM outbox WHERE ${undelivered} AND channel_id = ? AND ${aboutStage}`,
        channelId,
        stageArn,
        stageArn,
      );
    }
  }

  // Sent (completeOutbox.ts)

  setGroupMessage(groupId: number, messageTs: string): void {
    this.#db.run('UPDATE alert_group SET message_ts = ? WHERE id = ?', messageTs, groupId);
  }

  markOutboxDone(id: number): void {
    this.#db.run(
      "UPDATE outbox SET status = 'done', claimed_by = NULL, claimed_until = NULL WHERE id = ?",
      id,
    );
  }

  // Retention (purgeExpired.ts)

  purgeOutbox({ before, limit }: PurgeInput): number {
    return this.#db.run(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox
         WHERE (status = 'done' AND created_at < ?) OR (status = 'failed' AND COALESCE(failed_at, created_at) < ?)
         ORDER BY id LIMIT ?)`,
      before.getTime(),
      before.getTime(),
      limit,
    ).changes;
  }

  purgeAlertGroupEvents({ before, limit }: PurgeInput): number {
    return this.#db.run(
      `DELETE FROM alert_group_event WHERE rowid IN (
         SELECT ge.rowid FROM alert_group g JOIN alert_group_event ge ON ge.group_id = g.id
         WHERE ${EXPIRED_GROUP} LIMIT ?)`,
      before.getTime(),
      before.getTime(),
      limit,
    ).changes;
  }

  purgeAlertGroups({ before, limit }: PurgeInput): number {
    return this.#db.run(
      `DELETE FROM alert_group WHERE id IN (
         SELECT g.id FROM alert_group g
         WHERE ${EXPIRED_GROUP} AND NOT EXISTS (SELECT 1 FROM alert_group_event ge WHERE ge.group_id = g.id)
         ORDER BY g.id LIMIT ?)`,
      before.getTime(),
      before.getTime(),
      limit,
    ).changes;
  }

  purgeSessionCursors({ before, limit }: PurgeInput): number {
    return this.#db.run(
      `DELETE FROM session_cursor WHERE rowid IN (
         SELECT s.rowid FROM session_cursor s
         WHERE COALESCE(s.end_time, s.start_time) < ?
           AND (s.finished = 1 OR NOT EXISTS (SELECT 1 FROM watch w WHERE w.stage_arn = s.stage_arn))
         LIMIT ?)`,
      before.getTime(),
      limit,
    ).changes;
  }

  purgeParticipantCursors({ limit }: PurgeInput): number {
    return this.#db.run(
      `DELETE FROM participant_cursor WHERE rowid IN (
         SELECT p.rowid FROM participant_cursor p WHERE NOT EXISTS (
           SELECT 1 FROM session_cursor s
           WHERE s.stage_arn = p.stage_arn AND s.session_id = p.session_id AND s.finished = 0)
         LIMIT ?)`,
      limit,
    ).changes;
  }

  purgeDetectedEvents({ before, limit }: PurgeInput): number {
    return this.#db.run(
      `DELETE FROM detected_event WHERE dedup_key IN (
         SELECT d.dedup_key FROM detected_event d
         WHERE d.detected_at < ?
           AND NOT EXISTS (SELECT 1 FROM alert_group_event ge WHERE ge.dedup_key = d.dedup_key)
           AND NOT EXISTS (
             SELECT 1 FROM session_cursor s
             WHERE s.stage_arn = d.stage_arn AND s.session_id = d.session_id AND s.finished = 0)
         LIMIT ?)`,
      before.getTime(),
      limit,
    ).changes;
  }

  purgeMutes({ now, limit }: PurgeInput): number {
    return this.#db.run(
      'DELETE FROM mute WHERE rowid IN (SELECT rowid FROM mute WHERE until <= ? LIMIT ?)',
      now.getTime(),
      limit,
    ).changes;
  }
}
