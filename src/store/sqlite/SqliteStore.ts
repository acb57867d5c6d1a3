import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type {
  Acknowledgement,
  AlertGroup,
  EventQueueStatus,
  FailureScope,
  Mute,
  OutboxItem,
  ParticipantCursor,
  PollReport,
  SessionCursor,
  StageHealth,
  UndeliveredMessages,
  Watch,
} from '../../domain/model.ts';
import type { AlertTransitions } from '../AlertRepository.ts';
import { applyDetections, applyPollReport, runNow } from '../applyPlans.ts';
import type { ParticipantRef } from '../CursorRepository.ts';
import { completeOutbox } from '../completeOutbox.ts';
import { purgePass } from '../purgeExpired.ts';
import { removeWatches } from '../removeWatches.ts';
import {
  type BurstRow,
  type DbNumber,
  type EventQueueStatusRow,
  fromDate,
  GROUP_COLUMNS,
  type MuteRow,
  OUTBOX_COLUMNS,
  PARTICIPANT_CURSOR_COLUMNS,
  type ParticipantCursorRow,
  type ParticipantRefRow,
  type SessionCursorRow,
  type StageHealthRow,
  toAlertGroup,
  toEventQueueStatus,
  toMute,
  toOutboxItem,
  toPagingState,
  toParticipantCursor,
  toParticipantRef,
  toSessionCursor,
  toStageHealth,
  toUndelivered,
  toWatch,
  type UndeliveredRow,
  WATCH_COLUMNS,
  withBursts,
} from '../rows.ts';
import type {
  DetectionInput,
  DetectionResult,
  OutboxClaim,
  PagingState,
  PurgeCounts,
  PurgeInput,
  QueueReceiveReport,
  Store,
} from '../Store.ts';
import { StoreError } from '../Store.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { SqliteDatabase } from './SqliteDatabase.ts';
import { SqlitePlanStatements } from './SqlitePlanStatements.ts';
import {
  type AlertGroupTextRow,
  type OutboxTextRow,
  type PagingTextRow,
  parseJsonGroup,
  parseJsonOutbox,
  parseJsonPaging,
  parseJsonWatch,
  type WatchTextRow,
} from './textRows.ts';

/**
 * Ids of the outbox rows a claim may take (parameters: now, now, per channel, limit). Per channel, in
 * id order, the unsent rows (pending, or being sent) up to the first that must still wait: pending
 * but not due, or claimed with a lease still running. Those after it wait too, so nothing overtakes
 * an earlier unsent message of its channel; failed rows are not unsent and hold nothing up.
 */
const CLAIMABLE_OUTBOX = `
  WITH unsent AS (
    SELECT id, channel_id,
      CASE WHEN (status = 'pending' AND not_before <= ?) OR (status = 'sending' AND claimed_until <= ?)
        THEN 1 ELSE 0 END AS ready
    FROM outbox WHERE status IN ('pending', 'sending')
  ), ranked AS (
    SELECT id, ready,
      MIN(CASE WHEN ready = 1 THEN NULL ELSE id END) OVER (PARTITION BY channel_id) AS first_waiting,
      ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY id) AS nth
    FROM unsent
  )
  SELECT id FROM ranked
  WHERE ready = 1 AND (first_waiting IS NULL OR id < first_waiting) AND nth <= ?
  ORDER BY id LIMIT ?`;

/** The embedded store: one SQLite file owned by exactly one bot process. */
export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #sqlite: SqliteDatabase;
  /** Plan application's statements (applyPlans.ts), run on this connection. */
  readonly #plans: SqlitePlanStatements;

  private constructor(db: DatabaseSync) {
    this.#db = db;
    this.#sqlite = new SqliteDatabase(db);
    this.#plans = new SqlitePlanStatements(this.#sqlite);
  }

  /** Opens (creating if needed) the file, takes an exclusive lock on it and applies migrations. */
  static open(path: string): SqliteStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path, { timeout: 1_000 });
    try {
      // An exclusive lock held for the process's lifetime: a second replica on the same file fails
      // here with a clear message instead of two pollers corrupting each other's outbox.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('BEGIN EXCLUSIVE; COMMIT;');
    } catch (error) {
      db.close();
      if (error instanceof Error && /locked|busy/i.test(error.message)) {
        throw new StoreError(
          'locked',
          `Another bot process is using the SQLite file ${path}. The SQLite store serves one replica only; stop the other process, or use DATABASE_URL=postgres://… to run several replicas.`,
          { cause: error },
        );
      }
      throw new StoreError('unavailable', `Cannot open the SQLite file ${path}: ${String(error)}`, {
        cause: error,
      });
    }
    const store = new SqliteStore(db);
    store.#migrate();
    store.#releaseOrphanedClaims();
    return store;
  }

  #migrate(): void {
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
    );
    const applied = new Set(
      this.#db
        .prepare('SELECT version FROM schema_migrations')
        .all()
        .map((row) => Number(row.version)),
    );
    for (const migration of SQLITE_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      try {
        this.#db.exec('BEGIN');
        this.#db.exec(migration.sql);
        this.#db
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
          .run(migration.version, Date.now());
        this.#db.exec('COMMIT');
      } catch (error) {
        this.#db.exec('ROLLBACK');
        throw new StoreError('migration', `SQLite migration ${migration.version} failed: ${String(error)}`, {
          cause: error,
        });
      }
    }
  }

  // Watches and stage health

  async saveWatch(watch: Watch): Promise<'created' | 'updated'> {
    return this.#sqlite.transaction(() => {
      const existing = this.#sqlite.get<{ one: number }>(
        'SELECT 1 AS one FROM watch WHERE stage_arn = ? AND channel_id = ?',
        watch.stageArn,
        watch.channelId,
      );
      this.#sqlite.run(
        `INSERT INTO watch (stage_arn, channel_id, codes, created_by, created_at, mention) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (stage_arn, channel_id) DO UPDATE SET
           codes = excluded.codes, created_by = excluded.created_by, created_at = excluded.created_at,
           mention = excluded.mention`,
        watch.stageArn,
        watch.channelId,
        watch.codes === null ? null : JSON.stringify(watch.codes),
        watch.createdBy,
        watch.createdAt.getTime(),
        watch.mention ?? null,
      );
      return existing ? 'updated' : 'created';
    });
  }

  async removeWatches(stageArn: string, channelId: string | undefined): Promise<number> {
    return this.#sqlite.transaction(() => runNow(removeWatches(stageArn, channelId), this.#plans));
  }

  async listWatches(): Promise<Watch[]> {
    return this.#sqlite
      .all<WatchTextRow>(`SELECT ${WATCH_COLUMNS} FROM watch ORDER BY stage_arn, channel_id`)
      .map((row) => toWatch(parseJsonWatch(row)));
  }

  async recordPoll(report: PollReport): Promise<{ transition: 'failing' | 'recovered' | null }> {
    return this.#sqlite.transaction(() => runNow(applyPollReport(report), this.#plans));
  }

  async listStageHealth(): Promise<StageHealth[]> {
    return this.#sqlite
      .all<StageHealthRow>(
        'SELECT stage_arn, last_poll_at, status, last_error, lag_seconds FROM stage_health ORDER BY stage_arn',
      )
      .map(toStageHealth);
  }

  // Mutes

  async saveMute(mute: Mute): Promise<void> {
    this.#sqlite.run(
      `INSERT INTO mute (stage_arn, code, until, muted_by, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (stage_arn, code) DO UPDATE SET
         until = excluded.until, muted_by = excluded.muted_by, created_at = excluded.created_at`,
      mute.stageArn,
      mute.code,
      mute.until.getTime(),
      mute.mutedBy,
      mute.createdAt.getTime(),
    );
  }

  async removeMute(stageArn: string, code: string): Promise<boolean> {
    return this.#sqlite.run('DELETE FROM mute WHERE stage_arn = ? AND code = ?', stageArn, code).changes > 0;
  }

  async listMutes(now: Date): Promise<Mute[]> {
    return this.#sqlite
      .all<MuteRow>(
        'SELECT stage_arn, code, until, muted_by, created_at FROM mute WHERE until > ? ORDER BY stage_arn, code',
        now.getTime(),
      )
      .map(toMute);
  }

  async findMute(stageArn: string, code: string, now: Date): Promise<Mute | undefined> {
    const row = this.#sqlite.get<MuteRow>(
      'SELECT stage_arn, code, until, muted_by, created_at FROM mute WHERE stage_arn = ? AND code = ? AND until > ?',
      stageArn,
      code,
      now.getTime(),
    );
    return row && toMute(row);
  }

  // Poller cursors

  async loadSessionCursors(stageArn: string): Promise<SessionCursor[]> {
    return this.#sqlite
      .all<SessionCursorRow>(
        `SELECT stage_arn, session_id, start_time, end_time, finished FROM session_cursor
       WHERE stage_arn = ? ORDER BY session_id`,
        stageArn,
      )
      .map(toSessionCursor);
  }

  async loadParticipantCursors(stageArn: string): Promise<ParticipantCursor[]> {
    return this.#sqlite
      .all<ParticipantCursorRow>(
        `SELECT ${PARTICIPANT_CURSOR_COLUMNS}
       FROM participant_cursor p
       WHERE p.stage_arn = ? AND NOT EXISTS (
         SELECT 1 FROM session_cursor s
         WHERE s.stage_arn = p.stage_arn AND s.session_id = p.session_id AND s.finished = 1)
       ORDER BY p.session_id, p.participant_id`,
        stageArn,
      )
      .map(toParticipantCursor);
  }

  async saveCursors(
    stageArn: string,
    sessions: readonly SessionCursor[],
    participants: readonly ParticipantCursor[],
  ): Promise<void> {
    this.#sqlite.transaction(() => {
      for (const session of sessions) {
        this.#sqlite.run(
          `INSERT INTO session_cursor (stage_arn, session_id, start_time, end_time, finished) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (stage_arn, session_id) DO UPDATE SET
             start_time = excluded.start_time, end_time = excluded.end_time, finished = excluded.finished`,
          stageArn,
          session.sessionId,
          fromDate(session.startTime),
          fromDate(session.endTime),
          session.finished ? 1 : 0,
        );
      }
      for (const participant of participants) {
        this.#sqlite.run(
          `INSERT INTO participant_cursor (${PARTICIPANT_CURSOR_COLUMNS})
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (stage_arn, session_id, participant_id) DO UPDATE SET
             user_id = excluded.user_id, state = excluded.state, first_join_time = excluded.first_join_time,
             last_read_at = excluded.last_read_at, done = excluded.done, last_error_at = excluded.last_error_at,
             listing = excluded.listing, read_listing = excluded.read_listing,
             event_order = excluded.event_order, resume_token = excluded.resume_token,
             newest_event_at = excluded.newest_event_at`,
          stageArn,
          participant.sessionId,
          participant.participantId,
          participant.userId,
          participant.state,
          fromDate(participant.firstJoinTime),
          fromDate(participant.lastReadAt),
          participant.done ? 1 : 0,
          fromDate(participant.lastErrorAt),
          participant.listing,
          participant.readListing,
          participant.eventOrder,
          participant.resumeToken,
          fromDate(participant.newestEventAt),
        );
      }
      // A finished session is never listed again, so its participants' cursors would only grow the file.
      this.#sqlite.run(
        `DELETE FROM participant_cursor WHERE stage_arn = ? AND session_id IN (
           SELECT session_id FROM session_cursor WHERE stage_arn = ? AND finished = 1)`,
        stageArn,
        stageArn,
      );
    });
  }

  // Detection, grouping and the outbox

  async recordDetections(input: DetectionInput): Promise<DetectionResult> {
    return this.#sqlite.transaction(() => runNow(applyDetections(input), this.#plans));
  }

  async getGroup(id: number): Promise<AlertGroup | undefined> {
    const row = this.#sqlite.get<AlertGroupTextRow>(
      `SELECT ${GROUP_COLUMNS} FROM alert_group WHERE id = ?`,
      id,
    );
    if (!row) return undefined;
    // The bursts before and after, as they are now: either message may have been posted since.
    const previous =
      row.previous_group_id === null
        ? undefined
        : this.#sqlite.get<{ message_ts: string | null }>(
            'SELECT message_ts FROM alert_group WHERE id = ?',
            row.previous_group_id,
          );
    const next = this.#sqlite.get<BurstRow>(
      `SELECT id, message_ts, first_seen FROM alert_group
       WHERE stage_arn = ? AND session_id = ? AND code = ? AND channel_id = ? AND id > ? ORDER BY id LIMIT 1`,
      row.stage_arn,
      row.session_id,
      row.code,
      row.channel_id,
      id,
    );
    return withBursts(toAlertGroup(parseJsonGroup(row)), previous?.message_ts ?? null, next);
  }

  async latestGroups(limit: number): Promise<AlertGroup[]> {
    return this.#sqlite
      .all<AlertGroupTextRow>(
        `SELECT ${GROUP_COLUMNS} FROM alert_group ORDER BY last_seen DESC, id DESC LIMIT ?`,
        limit,
      )
      .map((row) => toAlertGroup(parseJsonGroup(row)));
  }

  async acknowledgeGroup(
    groupId: number,
    acknowledgement: Acknowledgement | null,
    now: Date,
  ): Promise<AlertGroup | undefined> {
    return this.#sqlite.transaction(() => {
      const changed =
        acknowledgement === null
          ? this.#sqlite.run(
              `UPDATE alert_group SET acknowledged_by = NULL, acknowledged_at = NULL
               WHERE id = ? AND acknowledged_by IS NOT NULL`,
              groupId,
            )
          : // The same person clicking again keeps the time they took it.
            this.#sqlite.run(
              `UPDATE alert_group SET acknowledged_by = ?, acknowledged_at = ?
               WHERE id = ? AND acknowledged_by IS NOT ?`,
              acknowledgement.by,
              acknowledgement.at.getTime(),
              groupId,
              acknowledgement.by,
            );
      const row = this.#sqlite.get<AlertGroupTextRow>(
        `SELECT ${GROUP_COLUMNS} FROM alert_group WHERE id = ?`,
        groupId,
      );
      if (!row) return undefined;
      const group = toAlertGroup(parseJsonGroup(row));
      if (changed.changes > 0) this.#queueGroupUpdate(group.id, group.channelId, now);
      return group;
    });
  }

  async applyAlertTransitions(input: { now: Date; quietAfterMs: number }): Promise<AlertTransitions> {
    const now = input.now.getTime();
    return this.#sqlite.transaction(() => {
      // Sessions the poller recorded as ended: their firing groups say so.
      const ended = this.#sqlite.all<{ id: DbNumber; channel_id: string }>(
        `UPDATE alert_group SET session_ended_at = (
           SELECT s.end_time FROM session_cursor s
           WHERE s.stage_arn = alert_group.stage_arn AND s.session_id = alert_group.session_id)
         WHERE quiet_at IS NULL AND session_ended_at IS NULL AND EXISTS (
           SELECT 1 FROM session_cursor s
           WHERE s.stage_arn = alert_group.stage_arn AND s.session_id = alert_group.session_id
             AND s.end_time IS NOT NULL)
         RETURNING id, channel_id`,
      );
      const quiet = this.#sqlite.all<{ id: DbNumber; channel_id: string }>(
        `UPDATE alert_group SET quiet_at = ? WHERE quiet_at IS NULL AND last_seen < ?
         RETURNING id, channel_id`,
        now,
        now - input.quietAfterMs,
      );
      for (const row of [...ended, ...quiet])
        this.#queueGroupUpdate(Number(row.id), row.channel_id, input.now);
      return { quiet: quiet.length, sessionEnded: ended.length };
    });
  }

  /**
   * Queues an update of the group's message unless one is already waiting: an update re-renders the
   * group as it is when sent, so one pending update covers any number of changes.
   */
  #queueGroupUpdate(groupId: number, channelId: string, at: Date): void {
    if (this.#plans.hasPendingUpdate(groupId)) return;
    this.#plans.queueMessage({ kind: 'update', channelId, groupId, payload: 'null', at });
  }

  async setGroupMessage(groupId: number, messageTs: string): Promise<void> {
    this.#sqlite.run('UPDATE alert_group SET message_ts = ? WHERE id = ?', messageTs, groupId);
  }

  async countDetected(stageArn: string, sessionId: string, code: string, since: Date): Promise<number> {
    return this.#plans.countDetected(stageArn, sessionId, code, since);
  }

  // The events queue

  async requestReadFirst(participant: ParticipantRef, at: Date): Promise<void> {
    this.#sqlite.run(
      `INSERT INTO read_first (stage_arn, session_id, participant_id, requested_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (stage_arn, session_id, participant_id) DO NOTHING`,
      participant.stageArn,
      participant.sessionId,
      participant.participantId,
      at.getTime(),
    );
  }

  async takeReadFirst(limit: number): Promise<ParticipantRef[]> {
    return this.#sqlite.transaction(() => {
      const rows = this.#sqlite.all<ParticipantRefRow>(
        `SELECT stage_arn, session_id, participant_id FROM read_first
         ORDER BY requested_at, stage_arn, session_id, participant_id LIMIT ?`,
        limit,
      );
      for (const row of rows) {
        this.#sqlite.run(
          'DELETE FROM read_first WHERE stage_arn = ? AND session_id = ? AND participant_id = ?',
          row.stage_arn,
          row.session_id,
          row.participant_id,
        );
      }
      return rows.map(toParticipantRef);
    });
  }

  async recordQueueReceive(report: QueueReceiveReport): Promise<void> {
    const at = report.at.getTime();
    if (report.ok) {
      this.#sqlite.run(
        `INSERT INTO event_queue_status (id, last_receive_at, last_message_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           last_receive_at = MAX(COALESCE(last_receive_at, 0), excluded.last_receive_at),
           last_message_at = CASE WHEN excluded.last_message_at IS NULL THEN last_message_at
                                  ELSE MAX(COALESCE(last_message_at, 0), excluded.last_message_at) END,
           last_error = NULL, error_since = NULL`,
        at,
        report.newestMessageAt?.getTime() ?? null,
      );
      return;
    }
    this.#sqlite.run(
      `INSERT INTO event_queue_status (id, last_error, error_since) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET last_error = excluded.last_error,
         error_since = COALESCE(error_since, excluded.error_since)`,
      report.error,
      at,
    );
  }

  async eventQueueStatus(): Promise<EventQueueStatus> {
    return toEventQueueStatus(
      this.#sqlite.get<EventQueueStatusRow>(
        'SELECT last_receive_at, last_message_at, last_error, error_since FROM event_queue_status WHERE id = 1',
      ),
    );
  }

  async dueOutbox(now: Date, limit: number): Promise<OutboxItem[]> {
    return this.#sqlite
      .all<OutboxTextRow>(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending' AND not_before <= ? ORDER BY id LIMIT ?`,
        now.getTime(),
        limit,
      )
      .map((row) => toOutboxItem(parseJsonOutbox(row)));
  }

  async claimOutbox(claim: OutboxClaim): Promise<OutboxItem[]> {
    const now = claim.now.getTime();
    // One statement, so atomic: the CTE picks each channel's claimable prefix (see CLAIMABLE_OUTBOX).
    const rows = this.#sqlite.all<OutboxTextRow>(
      `UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_until = ?
       WHERE id IN (${CLAIMABLE_OUTBOX})
       RETURNING ${OUTBOX_COLUMNS}`,
      claim.holder,
      now + claim.leaseMs,
      now,
      now,
      claim.perChannel,
      claim.limit,
    );
    return rows.map((row) => toOutboxItem(parseJsonOutbox(row))).sort((a, b) => a.id - b.id);
  }

  async releaseOutbox(holder: string, ids?: readonly number[]): Promise<number> {
    const release = `UPDATE outbox SET status = 'pending', claimed_by = NULL, claimed_until = NULL
      WHERE status = 'sending' AND claimed_by = ?`;
    if (ids === undefined) return this.#sqlite.run(release, holder).changes;
    if (ids.length === 0) return 0;
    return this.#sqlite.run(
      `${release} AND id IN (SELECT value FROM json_each(?))`,
      holder,
      JSON.stringify(ids),
    ).changes;
  }

  async completeOutbox(id: number, posted?: { groupId: number; messageTs: string }): Promise<void> {
    this.#sqlite.transaction(() => runNow(completeOutbox(id, posted), this.#plans));
  }

  async retryOutbox(id: number, notBefore: Date, error: string): Promise<void> {
    this.#sqlite.run(
      `UPDATE outbox SET status = 'pending', attempts = attempts + 1, not_before = ?, last_error = ?,
         claimed_by = NULL, claimed_until = NULL
       WHERE id = ? AND status IN ('pending', 'sending')`,
      notBefore.getTime(),
      error,
      id,
    );
  }

  async failOutbox(id: number, failure: { error: string; scope: FailureScope; at: Date }): Promise<void> {
    this.#sqlite.run(
      `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, failure_scope = ?,
         failed_at = ?, claimed_by = NULL, claimed_until = NULL
       WHERE id = ? AND status IN ('pending', 'sending')`,
      failure.error,
      failure.scope,
      failure.at.getTime(),
      id,
    );
  }

  async requeueFailed(
    which: { deliveredTo: string } | { scopes: readonly FailureScope[] },
    at: Date,
  ): Promise<string[]> {
    const [where, params]: [string, SQLInputValue[]] =
      'deliveredTo' in which
        ? [
            "failure_scope = 'workspace' OR (failure_scope = 'channel' AND channel_id = ?)",
            [which.deliveredTo],
          ]
        : ['failure_scope IN (SELECT value FROM json_each(?))', [JSON.stringify(which.scopes)]];
    const rows = this.#sqlite.all<{ channel_id: string }>(
      `UPDATE outbox SET status = 'pending', not_before = ?, failure_scope = NULL, failed_at = NULL
       WHERE status = 'failed' AND (${where})
       RETURNING channel_id`,
      at.getTime(),
      ...params,
    );
    return [...new Set(rows.map((row) => row.channel_id))].sort();
  }

  async undeliveredSummary(): Promise<UndeliveredMessages[]> {
    return this.#sqlite
      .all<UndeliveredRow>(
        `SELECT channel_id, last_error, failure_scope, COUNT(*) AS count, MIN(failed_at) AS since
       FROM outbox WHERE status = 'failed'
       GROUP BY channel_id, last_error, failure_scope
       ORDER BY since, channel_id, last_error`,
      )
      .map(toUndelivered);
  }

  async outboxDepth(): Promise<number> {
    const row = this.#sqlite.get<{ depth: number }>(
      "SELECT COUNT(*) AS depth FROM outbox WHERE status IN ('pending', 'sending')",
    );
    return Number(row?.depth ?? 0);
  }

  /** The file is this process's alone, so a claim found at open was left by a process that died mid-send. */
  #releaseOrphanedClaims(): void {
    this.#sqlite.run(
      "UPDATE outbox SET status = 'pending', claimed_by = NULL, claimed_until = NULL WHERE status = 'sending'",
    );
  }

  // Retention

  async purgeExpired(input: PurgeInput): Promise<PurgeCounts> {
    // One short transaction per pass, each statement bounded by `limit`.
    return this.#sqlite.transaction(() => runNow(purgePass(input), this.#plans));
  }

  // Paging state

  async savePagingState(state: PagingState): Promise<void> {
    this.#withoutDiskWait(() =>
      this.#db
        .prepare('INSERT INTO paging_state (id, query, tokens, created_at) VALUES (?, ?, ?, ?)')
        .run(state.id, JSON.stringify(state.query), JSON.stringify(state.tokens), state.createdAt.getTime()),
    );
  }

  /**
   * Paging state only backs Next/Previous buttons, and every command writes it: those writes commit
   * without waiting for the disk (synchronous = NORMAL for that one statement; the write-ahead log
   * keeps the file consistent). A power cut may lose the last few, whose buttons then offer to start
   * again; a process crash loses nothing. Waiting for fsync on each made 200 commands at once block
   * the event loop for about 0.3 s, delaying the acks of the requests behind them. Alerts, cursors
   * and watches keep the default FULL.
   */
  #withoutDiskWait<T>(write: () => T): T {
    this.#db.exec('PRAGMA synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.#db.exec('PRAGMA synchronous = FULL');
    }
  }

  async loadPagingState(id: string): Promise<PagingState | undefined> {
    const row = this.#db
      .prepare('SELECT id, query, tokens, created_at FROM paging_state WHERE id = ?')
      .get(id) as PagingTextRow | undefined;
    if (!row) return undefined;
    return toPagingState(parseJsonPaging(row));
  }

  async setPageToken(id: string, pageIndex: number, token: string | null): Promise<void> {
    // Read-modify-write is safe here: this process is the file's only writer and node:sqlite is synchronous.
    const row = this.#db.prepare('SELECT tokens FROM paging_state WHERE id = ?').get(id) as
      | { tokens: string }
      | undefined;
    if (!row) return;
    const tokens = JSON.parse(row.tokens) as (string | null)[];
    while (tokens.length <= pageIndex) tokens.push(null);
    tokens[pageIndex] = token;
    this.#withoutDiskWait(() =>
      this.#db.prepare('UPDATE paging_state SET tokens = ? WHERE id = ?').run(JSON.stringify(tokens), id),
    );
  }

  async deletePagingStatesBefore(cutoff: Date): Promise<number> {
    const result = this.#db.prepare('DELETE FROM paging_state WHERE created_at < ?').run(cutoff.getTime());
    return Number(result.changes);
  }

  async ready(): Promise<boolean> {
    const row = this.#db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as
      | { version: number | null }
      | undefined;
    return Number(row?.version ?? 0) >= Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
  }

  // The file's exclusive lock already makes this process the only one: it always leads.
  async acquireLeadership(_holder: string, _ttlMs: number): Promise<boolean> {
    return this.#db.isOpen;
  }

  async releaseLeadership(_holder: string): Promise<void> {}

  // One process per SQLite file (the file lock), so this replica is the only one.
  async heartbeatReplica(_holder: string, _ttlMs: number): Promise<number> {
    return 1;
  }

  async removeReplica(_holder: string): Promise<void> {}

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
