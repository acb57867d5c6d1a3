import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import pg from 'pg';
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
import { applyDetections, applyPollReport, NO_DETECTIONS, runAwaiting } from '../applyPlans.ts';
import type { ParticipantRef } from '../CursorRepository.ts';
import { completeOutbox } from '../completeOutbox.ts';
import { purgePass } from '../purgeExpired.ts';
import { removeWatches } from '../removeWatches.ts';
import {
  type AlertGroupRow,
  type EventQueueStatusRow,
  fromDate,
  GROUP_COLUMNS,
  type MuteRow,
  OUTBOX_COLUMNS,
  type OutboxRow,
  PARTICIPANT_CURSOR_COLUMNS,
  type PagingRow,
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
  type WatchRow,
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
import { POSTGRES_MIGRATION_LOCK, POSTGRES_MIGRATIONS } from './migrations.ts';
import { PostgresPlanStatements } from './PostgresPlanStatements.ts';
import type { Int8, Sql } from './Sql.ts';

/**
 * First key of the per-stage advisory lock (the second is hashtext(stage ARN)): replicas that poll
 * the same stage at once take turns in recordDetections and recordPoll instead of both grouping the
 * same burst or both announcing the same failure.
 */
const STAGE_LOCK_CLASS = 0x69_76_73_73;

/** Key of the transaction-scoped advisory lock claims take turns under ("ivsout" in ASCII). */
const OUTBOX_CLAIM_LOCK = 0x69_76_73_6f_75_74;

/**
 * Ids of the outbox rows a claim may take ($1 now, $2 per channel, $3 limit). Per channel, in id
 * order, the unsent rows (pending, or being sent) up to the first that must still wait: pending but
 * not due, or claimed with a lease still running. Those after it wait too, so nothing overtakes an
 * earlier unsent message of its channel; failed rows are not unsent and hold nothing up.
 */
const CLAIMABLE_OUTBOX = `
  WITH unsent AS (
    SELECT id, channel_id,
      (status = 'pending' AND not_before <= $1) OR (status = 'sending' AND claimed_until <= $1) AS ready
    FROM outbox WHERE status IN ('pending', 'sending')
  ), ranked AS (
    SELECT id, ready,
      MIN(CASE WHEN ready THEN NULL ELSE id END) OVER (PARTITION BY channel_id) AS first_waiting,
      ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY id) AS nth
    FROM unsent
  )
  SELECT id FROM ranked
  WHERE ready AND (first_waiting IS NULL OR id < first_waiting) AND nth <= $2
  ORDER BY id LIMIT $3`;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresStoreOptions {
  /** Schema holding the tables, created when missing; default: the server's search_path. */
  readonly schema?: string;
  /** Connections in the pool; default 10. */
  readonly poolSize?: number;
  /** The server cancels a statement running longer (statement_timeout); default 15 s. */
  readonly statementTimeoutMs?: number;
  /**
   * The client gives up on an answer after this (pg's query_timeout) and drops the connection: a
   * server or network gone silent fails the call instead of hanging it. Default: statement timeout + 5 s.
   */
  readonly queryTimeoutMs?: number;
  /** Waiting for a connection (a new one, or a free one of the pool); default 10 s. */
  readonly connectTimeoutMs?: number;
}

/** Defaults of the timeouts above, and the ones the options do not cover (see docs/DEPLOYMENT.md). */
export const POSTGRES_TIMEOUTS = {
  statementMs: 15_000,
  /** Added to the statement timeout for the client's own: the server's cancel, with its reason, comes first. */
  answerMarginMs: 5_000,
  connectMs: 10_000,
  /**
   * The server ends a session left idle inside a transaction this long: a replica that vanished
   * mid-transaction would otherwise hold its locks (the per-stage advisory lock among them).
   */
  idleInTransactionMs: 60_000,
  /** TCP keepalive probes start after this much silence, so a peer that vanished is noticed by the kernel. */
  keepAliveInitialDelayMs: 10_000,
  /** Migrations (index builds on big tables) run at start-up under their own, longer limit. */
  migrationMs: 10 * 60_000,
} as const;

/** The shared store: several bot replicas on one PostgreSQL database. */
export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #server: ServerName;
  readonly #queryTimeoutMs: number;
  /** The shared writes' statements, each on its own pooled connection: for writes that need no transaction. */
  readonly #autocommit: PostgresPlanStatements;

  private constructor(pool: pg.Pool, server: ServerName, queryTimeoutMs: number) {
    this.#pool = pool;
    this.#server = server;
    this.#queryTimeoutMs = queryTimeoutMs;
    this.#autocommit = new PostgresPlanStatements(
      <Row extends QueryResultRow>(text: string, values?: readonly unknown[]) =>
        this.#query<Row>(text, values),
    );
  }

  /** Connects, creates the schema if one is named and applies migrations under an advisory lock. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const server = ServerName.of(url);
    const { schema } = options;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new RangeError(`Schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME}.`);
    }
    const statementTimeoutMs = options.statementTimeoutMs ?? POSTGRES_TIMEOUTS.statementMs;
    const queryTimeoutMs = options.queryTimeoutMs ?? statementTimeoutMs + POSTGRES_TIMEOUTS.answerMarginMs;
    // Without these, a black-holed host or a connection dropped without a word (no FIN, no RST)
    // hangs start-up, the lease and every query until the kernel gives up, which takes many minutes.
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_TIMEOUTS.connectMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: statementTimeoutMs,
      query_timeout: queryTimeoutMs,
      idle_in_transaction_session_timeout: POSTGRES_TIMEOUTS.idleInTransactionMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: POSTGRES_TIMEOUTS.keepAliveInitialDelayMs,
      application_name: schema === undefined ? 'ivs-realtime-bot' : `ivs-realtime-bot:${schema}`,
      options: schema === undefined ? undefined : `-c search_path=${schema}`,
    });
    // An idle connection the server closed (restart, failover, pg_terminate_backend) is dropped by
    // the pool, which then reports it here; the next query opens a new one, or fails as 'unavailable'.
    pool.on('error', () => undefined);
    const store = new PostgresStore(pool, server, queryTimeoutMs);
    try {
      await store.#migrate(schema);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  async #migrate(schema: string | undefined): Promise<void> {
    // Which step failed, for the message: setting up (lock, schema, version table) or one migration.
    let step = 'PostgreSQL migration set-up';
    try {
      await this.#transaction(async (sql) => {
        await sql(`SET LOCAL statement_timeout = ${POSTGRES_TIMEOUTS.migrationMs}`);
        // Held until COMMIT: replicas starting together queue here, and each later one finds every
        // version already recorded.
        await sql('SELECT pg_advisory_xact_lock($1)', [POSTGRES_MIGRATION_LOCK]);
        if (schema !== undefined) await sql(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
        await sql(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
        );
        const applied = new Set(
          (await sql<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
            (row) => row.version,
          ),
        );
        for (const migration of POSTGRES_MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          step = `PostgreSQL migration ${migration.version}`;
          await sql(migration.sql);
          await sql('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
            migration.version,
            Date.now(),
          ]);
        }
      }, POSTGRES_TIMEOUTS.migrationMs + POSTGRES_TIMEOUTS.answerMarginMs);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(
        'migration',
        this.#server.redact(`${step} failed on ${this.#server.name}: ${errorText(error)}`),
        { cause: error },
      );
    }
  }

  /** Whether every migration this version knows is recorded; for health checks. */
  async migrationsApplied(): Promise<boolean> {
    const [table] = (
      await this.#query<{ present: boolean }>(
        "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
      )
    ).rows;
    if (!table?.present) return false;
    const versions = POSTGRES_MIGRATIONS.map((migration) => migration.version);
    const [found] = (
      await this.#query<{ count: Int8 }>(
        'SELECT COUNT(*) AS count FROM schema_migrations WHERE version = ANY($1::int[])',
        [versions],
      )
    ).rows;
    return Number(found?.count ?? 0) === versions.length;
  }

  /** One statement on a pooled connection; a connection whose answer timed out is dropped by the pool. */
  async #query<Row extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    queryTimeoutMs = this.#queryTimeoutMs,
  ): Promise<QueryResult<Row>> {
    try {
      return await this.#pool.query<Row>(timed(text, values, queryTimeoutMs));
    } catch (error) {
      throw this.#unavailableOr(error);
    }
  }

  /** Runs `work` between BEGIN and COMMIT on one connection, rolling back when it throws. */
  async #transaction<T>(work: (sql: Sql) => Promise<T>, queryTimeoutMs = this.#queryTimeoutMs): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#unavailableOr(error);
    }
    const sql: Sql = <Row extends QueryResultRow>(text: string, values: readonly unknown[] = []) =>
      client.query<Row>(timed(text, values, queryTimeoutMs));
    // A connection lost mid-transaction fails the running statement and is also reported here; without
    // a listener that report would be an uncaught 'error' event. Such a connection is never reused.
    let discard = false;
    const onLost = (): void => {
      discard = true;
    };
    client.on('error', onLost);
    try {
      await client.query('BEGIN');
      const result = await work(sql);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that could not even roll back is in an unknown state: the pool must not reuse it.
      // One that stopped answering is not asked to (that would wait out another timeout): dropping it
      // ends the transaction on the server, at the latest by idle_in_transaction_session_timeout.
      if (isAnswerTimeout(error) || !(await rollBack(client))) discard = true;
      throw this.#unavailableOr(error);
    } finally {
      client.off('error', onLost);
      client.release(discard);
    }
  }

  /** A StoreError for trouble reaching the server; any other error (a bug, a constraint) unchanged. */
  #unavailableOr(error: unknown): unknown {
    if (error instanceof StoreError) return error;
    const trouble = connectionTrouble(error);
    if (!trouble) return error;
    const advice =
      trouble === 'refused'
        ? 'check the user, password and database in DATABASE_URL'
        : trouble === 'closed'
          ? 'the server may be restarting; the next call opens a new connection'
          : trouble === 'timeout'
            ? 'the server or the network to it is overloaded or cut; the call was abandoned'
            : 'check DATABASE_URL and that the server is running';
    const verb =
      trouble === 'refused'
        ? 'refused the connection'
        : trouble === 'closed'
          ? 'closed the connection'
          : trouble === 'timeout'
            ? 'did not answer in time'
            : 'cannot be reached';
    return new StoreError(
      'unavailable',
      this.#server.redact(`PostgreSQL at ${this.#server.name} ${verb} (${errorText(error)}); ${advice}.`),
      { cause: error },
    );
  }

  // Watches and stage health

  async saveWatch(watch: Watch): Promise<'created' | 'updated'> {
    // xmax is 0 only in a row version this statement inserted, so one statement tells created from updated.
    const { rows } = await this.#query<{ created: boolean }>(
      `INSERT INTO watch (stage_arn, channel_id, codes, created_by, created_at, mention)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6)
       ON CONFLICT (stage_arn, channel_id) DO UPDATE SET
         codes = excluded.codes, created_by = excluded.created_by, created_at = excluded.created_at,
         mention = excluded.mention
       RETURNING (xmax = 0) AS created`,
      [
        watch.stageArn,
        watch.channelId,
        watch.codes === null ? null : JSON.stringify(watch.codes),
        watch.createdBy,
        watch.createdAt.getTime(),
        watch.mention ?? null,
      ],
    );
    return rows[0]?.created ? 'created' : 'updated';
  }

  async removeWatches(stageArn: string, channelId: string | undefined): Promise<number> {
    return this.#transaction((sql) =>
      runAwaiting(removeWatches(stageArn, channelId), new PostgresPlanStatements(sql)),
    );
  }

  async listWatches(): Promise<Watch[]> {
    const { rows } = await this.#query<WatchRow>(
      `SELECT ${WATCH_COLUMNS} FROM watch ORDER BY stage_arn, channel_id`,
    );
    return rows.map(toWatch);
  }

  async recordPoll(report: PollReport): Promise<{ transition: 'failing' | 'recovered' | null }> {
    return this.#transaction(async (sql) => {
      // Two replicas polling the same stage must not both see "ok" before and both announce the failure.
      await sql('SELECT pg_advisory_xact_lock($1, hashtext($2))', [STAGE_LOCK_CLASS, report.stageArn]);
      return runAwaiting(applyPollReport(report), new PostgresPlanStatements(sql));
    });
  }

  async listStageHealth(): Promise<StageHealth[]> {
    const { rows } = await this.#query<StageHealthRow>(
      'SELECT stage_arn, last_poll_at, status, last_error, lag_seconds FROM stage_health ORDER BY stage_arn',
    );
    return rows.map(toStageHealth);
  }

  // Mutes

  async saveMute(mute: Mute): Promise<void> {
    await this.#query(
      `INSERT INTO mute (stage_arn, code, until, muted_by, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (stage_arn, code) DO UPDATE SET
         until = excluded.until, muted_by = excluded.muted_by, created_at = excluded.created_at`,
      [mute.stageArn, mute.code, mute.until.getTime(), mute.mutedBy, mute.createdAt.getTime()],
    );
  }

  async removeMute(stageArn: string, code: string): Promise<boolean> {
    const result = await this.#query('DELETE FROM mute WHERE stage_arn = $1 AND code = $2', [stageArn, code]);
    return (result.rowCount ?? 0) > 0;
  }

  async listMutes(now: Date): Promise<Mute[]> {
    const { rows } = await this.#query<MuteRow>(
      'SELECT stage_arn, code, until, muted_by, created_at FROM mute WHERE until > $1 ORDER BY stage_arn, code',
      [now.getTime()],
    );
    return rows.map(toMute);
  }

  async findMute(stageArn: string, code: string, now: Date): Promise<Mute | undefined> {
    const { rows } = await this.#query<MuteRow>(
      'SELECT stage_arn, code, until, muted_by, created_at FROM mute WHERE stage_arn = $1 AND code = $2 AND until > $3',
      [stageArn, code, now.getTime()],
    );
    const row = rows[0];
    return row && toMute(row);
  }

  // Poller cursors

  async loadSessionCursors(stageArn: string): Promise<SessionCursor[]> {
    const { rows } = await this.#query<SessionCursorRow>(
      `SELECT stage_arn, session_id, start_time, end_time, finished FROM session_cursor
       WHERE stage_arn = $1 ORDER BY session_id`,
      [stageArn],
    );
    return rows.map(toSessionCursor);
  }

  async loadParticipantCursors(stageArn: string): Promise<ParticipantCursor[]> {
    const { rows } = await this.#query<ParticipantCursorRow>(
      `SELECT ${PARTICIPANT_CURSOR_COLUMNS}
       FROM participant_cursor p
       WHERE p.stage_arn = $1 AND NOT EXISTS (
         SELECT 1 FROM session_cursor s
         WHERE s.stage_arn = p.stage_arn AND s.session_id = p.session_id AND s.finished)
       ORDER BY p.session_id, p.participant_id`,
      [stageArn],
    );
    return rows.map(toParticipantCursor);
  }

  async saveCursors(
    stageArn: string,
    sessions: readonly SessionCursor[],
    participants: readonly ParticipantCursor[],
  ): Promise<void> {
    // One statement per table whatever the count; an upsert may not touch a row twice, so for a
    // cursor listed twice the last one wins, as it would with one upsert after the other.
    const sessionRows = lastByKey(sessions, (session) => session.sessionId);
    const participantRows = lastByKey(
      participants,
      (participant) => `${participant.sessionId}\u0000${participant.participantId}`,
    );
    await this.#transaction(async (sql) => {
      if (sessionRows.length > 0) {
        await sql(
          `INSERT INTO session_cursor (stage_arn, session_id, start_time, end_time, finished)
           SELECT $1::text, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::boolean[])
           ON CONFLICT (stage_arn, session_id) DO UPDATE SET
             start_time = excluded.start_time, end_time = excluded.end_time, finished = excluded.finished`,
          [
            stageArn,
            sessionRows.map((session) => session.sessionId),
            sessionRows.map((session) => fromDate(session.startTime)),
            sessionRows.map((session) => fromDate(session.endTime)),
            sessionRows.map((session) => session.finished),
          ],
        );
      }
      if (participantRows.length > 0) {
        await sql(
          `INSERT INTO participant_cursor (${PARTICIPANT_CURSOR_COLUMNS})
           SELECT $1::text, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
             $7::bigint[], $8::boolean[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[],
             $14::bigint[])
           ON CONFLICT (stage_arn, session_id, participant_id) DO UPDATE SET
             user_id = excluded.user_id, state = excluded.state, first_join_time = excluded.first_join_time,
             last_read_at = excluded.last_read_at, done = excluded.done, last_error_at = excluded.last_error_at,
             listing = excluded.listing, read_listing = excluded.read_listing,
             event_order = excluded.event_order, resume_token = excluded.resume_token,
             newest_event_at = excluded.newest_event_at`,
          [
            stageArn,
            participantRows.map((participant) => participant.sessionId),
            participantRows.map((participant) => participant.participantId),
            participantRows.map((participant) => participant.userId),
            participantRows.map((participant) => participant.state),
            participantRows.map((participant) => fromDate(participant.firstJoinTime)),
            participantRows.map((participant) => fromDate(participant.lastReadAt)),
            participantRows.map((participant) => participant.done),
            participantRows.map((participant) => fromDate(participant.lastErrorAt)),
            participantRows.map((participant) => participant.listing),
            participantRows.map((participant) => participant.readListing),
            participantRows.map((participant) => participant.eventOrder),
            participantRows.map((participant) => participant.resumeToken),
            participantRows.map((participant) => fromDate(participant.newestEventAt)),
          ],
        );
      }
      // A finished session is never listed again, so its participants' cursors would only grow the table.
      await sql(
        `DELETE FROM participant_cursor WHERE stage_arn = $1 AND session_id IN (
           SELECT session_id FROM session_cursor WHERE stage_arn = $1 AND finished)`,
        [stageArn],
      );
    });
  }

  // Detection, grouping and the outbox

  async recordDetections(input: DetectionInput): Promise<DetectionResult> {
    // Nothing read, nothing to record: no transaction, no lock.
    if (input.events.length === 0) return NO_DETECTIONS;
    return this.#transaction(async (sql) => {
      // Replicas detecting on the same stage take turns: the later one sees the earlier one's events
      // as known and its groups as open, so a burst gets one group and one post whoever reads it.
      await sql('SELECT pg_advisory_xact_lock($1, hashtext($2))', [STAGE_LOCK_CLASS, input.stageArn]);
      return runAwaiting(applyDetections(input), new PostgresPlanStatements(sql));
    });
  }

  async getGroup(id: number): Promise<AlertGroup | undefined> {
    // The bursts before and after, as they are now: either message may have been posted since.
    const { rows } = await this.#query<
      AlertGroupRow & {
        previous_ts: string | null;
        next_id: Int8 | null;
        next_ts: string | null;
        next_first_seen: Int8 | null;
      }
    >(
      `SELECT ${GROUP_COLUMNS_OF_G},
         (SELECT p.message_ts FROM alert_group p WHERE p.id = g.previous_group_id) AS previous_ts,
         n.id AS next_id, n.message_ts AS next_ts, n.first_seen AS next_first_seen
       FROM alert_group g LEFT JOIN LATERAL (
         SELECT id, message_ts, first_seen FROM alert_group
         WHERE stage_arn = g.stage_arn AND session_id = g.session_id AND code = g.code
           AND channel_id = g.channel_id AND id > g.id
         ORDER BY id LIMIT 1) AS n ON true
       WHERE g.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    const next =
      row.next_id === null || row.next_first_seen === null
        ? undefined
        : { id: row.next_id, message_ts: row.next_ts, first_seen: row.next_first_seen };
    return withBursts(toAlertGroup(row), row.previous_ts, next);
  }

  async latestGroups(limit: number): Promise<AlertGroup[]> {
    const { rows } = await this.#query<AlertGroupRow>(
      `SELECT ${GROUP_COLUMNS} FROM alert_group ORDER BY last_seen DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toAlertGroup);
  }

  async acknowledgeGroup(
    groupId: number,
    acknowledgement: Acknowledgement | null,
    now: Date,
  ): Promise<AlertGroup | undefined> {
    return this.#transaction(async (sql) => {
      const changed =
        acknowledgement === null
          ? await sql(
              `UPDATE alert_group SET acknowledged_by = NULL, acknowledged_at = NULL
               WHERE id = $1 AND acknowledged_by IS NOT NULL`,
              [groupId],
            )
          : // The same person clicking again keeps the time they took it.
            await sql(
              `UPDATE alert_group SET acknowledged_by = $2, acknowledged_at = $3
               WHERE id = $1 AND acknowledged_by IS DISTINCT FROM $2`,
              [groupId, acknowledgement.by, acknowledgement.at.getTime()],
            );
      const { rows } = await sql<AlertGroupRow>(`SELECT ${GROUP_COLUMNS} FROM alert_group WHERE id = $1`, [
        groupId,
      ]);
      const row = rows[0];
      if (!row) return undefined;
      const group = toAlertGroup(row);
      if ((changed.rowCount ?? 0) > 0) await queueGroupUpdate(sql, group.id, group.channelId, now);
      return group;
    });
  }

  async applyAlertTransitions(input: { now: Date; quietAfterMs: number }): Promise<AlertTransitions> {
    const now = input.now.getTime();
    return this.#transaction(async (sql) => {
      // Sessions the poller recorded as ended: their firing groups say so.
      const ended = await sql<{ id: Int8; channel_id: string }>(
        `UPDATE alert_group AS g SET session_ended_at = s.end_time
         FROM session_cursor AS s
         WHERE s.stage_arn = g.stage_arn AND s.session_id = g.session_id AND s.end_time IS NOT NULL
           AND g.quiet_at IS NULL AND g.session_ended_at IS NULL
         RETURNING g.id, g.channel_id`,
      );
      const quiet = await sql<{ id: Int8; channel_id: string }>(
        `UPDATE alert_group SET quiet_at = $1 WHERE quiet_at IS NULL AND last_seen < $2
         RETURNING id, channel_id`,
        [now, now - input.quietAfterMs],
      );
      for (const row of [...ended.rows, ...quiet.rows]) {
        await queueGroupUpdate(sql, Number(row.id), row.channel_id, input.now);
      }
      return { quiet: quiet.rows.length, sessionEnded: ended.rows.length };
    });
  }

  async setGroupMessage(groupId: number, messageTs: string): Promise<void> {
    await this.#query('UPDATE alert_group SET message_ts = $1 WHERE id = $2', [messageTs, groupId]);
  }

  async countDetected(stageArn: string, sessionId: string, code: string, since: Date): Promise<number> {
    return this.#autocommit.countDetected(stageArn, sessionId, code, since);
  }

  // The events queue

  async requestReadFirst(participant: ParticipantRef, at: Date): Promise<void> {
    await this.#query(
      `INSERT INTO read_first (stage_arn, session_id, participant_id, requested_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stage_arn, session_id, participant_id) DO NOTHING`,
      [participant.stageArn, participant.sessionId, participant.participantId, at.getTime()],
    );
  }

  async takeReadFirst(limit: number): Promise<ParticipantRef[]> {
    // One statement: a request made meanwhile is either taken now or left for the next cycle.
    const { rows } = await this.#query<ParticipantRefRow>(
      `DELETE FROM read_first WHERE (stage_arn, session_id, participant_id) IN (
         SELECT stage_arn, session_id, participant_id FROM read_first
         ORDER BY requested_at, stage_arn, session_id, participant_id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING stage_arn, session_id, participant_id`,
      [limit],
    );
    return rows.map(toParticipantRef);
  }

  async recordQueueReceive(report: QueueReceiveReport): Promise<void> {
    const at = report.at.getTime();
    if (report.ok) {
      await this.#query(
        `INSERT INTO event_queue_status (id, last_receive_at, last_message_at) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET
           last_receive_at = GREATEST(event_queue_status.last_receive_at, excluded.last_receive_at),
           last_message_at = GREATEST(event_queue_status.last_message_at, excluded.last_message_at),
           last_error = NULL, error_since = NULL`,
        [at, report.newestMessageAt?.getTime() ?? null],
      );
      return;
    }
    await this.#query(
      `INSERT INTO event_queue_status (id, last_error, error_since) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET last_error = excluded.last_error,
         error_since = COALESCE(event_queue_status.error_since, excluded.error_since)`,
      [report.error, at],
    );
  }

  async eventQueueStatus(): Promise<EventQueueStatus> {
    const { rows } = await this.#query<EventQueueStatusRow>(
      'SELECT last_receive_at, last_message_at, last_error, error_since FROM event_queue_status WHERE id = 1',
    );
    return toEventQueueStatus(rows[0]);
  }

  async dueOutbox(now: Date, limit: number): Promise<OutboxItem[]> {
    const { rows } = await this.#query<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending' AND not_before <= $1 ORDER BY id LIMIT $2`,
      [now.getTime(), limit],
    );
    return rows.map(toOutboxItem);
  }

  async claimOutbox(claim: OutboxClaim): Promise<OutboxItem[]> {
    const now = claim.now.getTime();
    return this.#transaction(async (sql) => {
      // Claims take turns across replicas, each seeing the one before committed: otherwise two could
      // both find a channel's next message unclaimed. Held for one statement's time.
      await sql('SELECT pg_advisory_xact_lock($1)', [OUTBOX_CLAIM_LOCK]);
      // The row's own condition is repeated outside the subquery: a row another holder completed
      // or released meanwhile is re-checked as it is now, not as the subquery saw it.
      const { rows } = await sql<OutboxRow>(
        `UPDATE outbox SET status = 'sending', claimed_by = $4, claimed_until = $5
         WHERE id IN (${CLAIMABLE_OUTBOX})
           AND ((status = 'pending' AND not_before <= $1) OR (status = 'sending' AND claimed_until <= $1))
         RETURNING ${OUTBOX_COLUMNS}`,
        [now, claim.perChannel, claim.limit, claim.holder, now + claim.leaseMs],
      );
      return rows.map(toOutboxItem).sort((a, b) => a.id - b.id);
    });
  }

  async releaseOutbox(holder: string, ids?: readonly number[]): Promise<number> {
    const release = `UPDATE outbox SET status = 'pending', claimed_by = NULL, claimed_until = NULL
      WHERE status = 'sending' AND claimed_by = $1`;
    if (ids !== undefined && ids.length === 0) return 0;
    const result =
      ids === undefined
        ? await this.#query(release, [holder])
        : await this.#query(`${release} AND id = ANY($2::bigint[])`, [holder, ids]);
    return result.rowCount ?? 0;
  }

  async completeOutbox(id: number, posted?: { groupId: number; messageTs: string }): Promise<void> {
    // One statement needs no transaction; a post's ts and its done mark go together.
    if (!posted) return runAwaiting(completeOutbox(id, posted), this.#autocommit);
    await this.#transaction((sql) =>
      runAwaiting(completeOutbox(id, posted), new PostgresPlanStatements(sql)),
    );
  }

  async retryOutbox(id: number, notBefore: Date, error: string): Promise<void> {
    await this.#query(
      `UPDATE outbox SET status = 'pending', attempts = attempts + 1, not_before = $1, last_error = $2,
         claimed_by = NULL, claimed_until = NULL
       WHERE id = $3 AND status IN ('pending', 'sending')`,
      [notBefore.getTime(), error, id],
    );
  }

  async failOutbox(id: number, failure: { error: string; scope: FailureScope; at: Date }): Promise<void> {
    await this.#query(
      `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1, failure_scope = $2,
         failed_at = $3, claimed_by = NULL, claimed_until = NULL
       WHERE id = $4 AND status IN ('pending', 'sending')`,
      [failure.error, failure.scope, failure.at.getTime(), id],
    );
  }

  async requeueFailed(
    which: { deliveredTo: string } | { scopes: readonly FailureScope[] },
    at: Date,
  ): Promise<string[]> {
    const [where, param] =
      'deliveredTo' in which
        ? [
            "failure_scope = 'workspace' OR (failure_scope = 'channel' AND channel_id = $2)",
            which.deliveredTo,
          ]
        : ['failure_scope = ANY($2::text[])', [...which.scopes]];
    const { rows } = await this.#query<{ channel_id: string }>(
      `UPDATE outbox SET status = 'pending', not_before = $1, failure_scope = NULL, failed_at = NULL
       WHERE status = 'failed' AND (${where})
       RETURNING channel_id`,
      [at.getTime(), param],
    );
    return [...new Set(rows.map((row) => row.channel_id))].sort();
  }

  async undeliveredSummary(): Promise<UndeliveredMessages[]> {
    const { rows } = await this.#query<UndeliveredRow>(
      `SELECT channel_id, last_error, failure_scope, COUNT(*) AS count, MIN(failed_at) AS since
       FROM outbox WHERE status = 'failed'
       GROUP BY channel_id, last_error, failure_scope
       ORDER BY since, channel_id, last_error`,
    );
    return rows.map(toUndelivered);
  }

  async outboxDepth(): Promise<number> {
    const { rows } = await this.#query<{ depth: Int8 }>(
      "SELECT COUNT(*) AS depth FROM outbox WHERE status IN ('pending', 'sending')",
    );
    return Number(rows[0]?.depth ?? 0);
  }

  // Retention

  async purgeExpired(input: PurgeInput): Promise<PurgeCounts> {
    // One autocommit statement each, bounded by `limit`, so no pass holds locks for long.
    return runAwaiting(purgePass(input), this.#autocommit);
  }

  // Paging state

  async savePagingState(state: PagingState): Promise<void> {
    await this.#query(
      'INSERT INTO paging_state (id, query, tokens, created_at) VALUES ($1, $2::json, $3::jsonb, $4)',
      [state.id, JSON.stringify(state.query), JSON.stringify(state.tokens), state.createdAt.getTime()],
    );
  }

  async loadPagingState(id: string): Promise<PagingState | undefined> {
    const { rows } = await this.#query<PagingRow>(
      'SELECT id, query, tokens, created_at FROM paging_state WHERE id = $1',
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return toPagingState(row);
  }

  async setPageToken(id: string, pageIndex: number, token: string | null): Promise<void> {
    // One UPDATE rebuilds the list under the row lock, so two replicas recording different pages of
    // the same listing at once both keep their token (a read-modify-write would lose one).
    await this.#query(
      `UPDATE paging_state SET tokens = (
         SELECT jsonb_agg(
           CASE WHEN i = $2 THEN COALESCE(to_jsonb($3::text), 'null'::jsonb)
                ELSE COALESCE(tokens -> i, 'null'::jsonb) END
           ORDER BY i)
         FROM generate_series(0, GREATEST(jsonb_array_length(tokens) - 1, $2)) AS i)
       WHERE id = $1`,
      [id, pageIndex, token],
    );
  }

  async deletePagingStatesBefore(cutoff: Date): Promise<number> {
    const result = await this.#query('DELETE FROM paging_state WHERE created_at < $1', [cutoff.getTime()]);
    return result.rowCount ?? 0;
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  async ready(): Promise<boolean> {
    return this.migrationsApplied();
  }

  // Poller leadership

  async acquireLeadership(holder: string, ttlMs: number): Promise<boolean> {
    // One statement: when two replicas race for a free lease, the second one's ON CONFLICT sees the
    // first one's row, still held by someone else, and updates nothing. Its answer is awaited half
    // the lease at most: a renewal that comes later is of little use, and the holder must step down.
    const { rows } = await this.#query(
      `INSERT INTO poller_lease (name, holder, expires_at)
       VALUES ('poller', $1, clock_timestamp() + $2::double precision * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE poller_lease.holder = excluded.holder OR poller_lease.expires_at <= clock_timestamp()
       RETURNING holder`,
      [holder, ttlMs],
      Math.min(this.#queryTimeoutMs, Math.max(250, Math.floor(ttlMs / 2))),
    );
    return rows.length > 0;
  }

  async releaseLeadership(holder: string): Promise<void> {
    await this.#query("DELETE FROM poller_lease WHERE name = 'poller' AND holder = $1", [holder]);
  }

  // Replicas beat in the lease table, as rows named 'replica:<holder>' (no migration needed). The
  // count sees the snapshot before this statement's own upsert, hence the + 1; rows dead for an
  // hour are swept by whichever replica beats.
  async heartbeatReplica(holder: string, ttlMs: number): Promise<number> {
    const name = `replica:${holder}`;
    const { rows } = await this.#query<{ others: string }>(
      `WITH beat AS (
         INSERT INTO poller_lease (name, holder, expires_at)
         VALUES ($1, $2, clock_timestamp() + $3::double precision * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at
         RETURNING name
       ), swept AS (
         DELETE FROM poller_lease
         WHERE name LIKE 'replica:%' AND name <> $1 AND expires_at < clock_timestamp() - interval '1 hour'
       )
       SELECT count(*)::text AS others FROM poller_lease
       WHERE name LIKE 'replica:%' AND name <> $1 AND expires_at > clock_timestamp()`,
      [name, holder, ttlMs],
    );
    return Number(rows[0]?.others ?? 0) + 1;
  }

  async removeReplica(holder: string): Promise<void> {
    await this.#query('DELETE FROM poller_lease WHERE name = $1', [`replica:${holder}`]);
  }

  async close(): Promise<void> {
    if (!this.#pool.ending) await this.#pool.end();
  }
}

/**
 * After an unwatch nothing more about the stage may reach those channels: its alerts and notices
 * still pending go with the watch. A message already being sent is left to finish.
 */
/** A statement with its own answer timeout: pg honours query_timeout per query, its types omit it. */
function timed(text: string, values: readonly unknown[], queryTimeoutMs: number): QueryConfig {
  const config: QueryConfig & { query_timeout: number } = {
    text,
    values: [...values],
    query_timeout: queryTimeoutMs,
  };
  return config;
}

/** Rolls back; false when the connection is too broken even for that. */
async function rollBack(client: PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

function lastByKey<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    byKey.delete(key);
    byKey.set(key, item);
  }
  return [...byKey.values()];
}

/** Socket errors that mean the server is not there, whoever is asking. */
const UNREACHABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** SQLSTATEs for a server that is there but will not serve us: bad credentials, no such database, full. */
const REFUSING_SQLSTATES = new Set(['28000', '28P01', '3D000', '53300', '57P03']);

/**
 * SQLSTATEs for a server that ended our session: shutdown, crash, pg_terminate_backend, a session
 * idle in a transaction for too long.
 */
const CLOSING_SQLSTATES = new Set(['57P01', '57P02', '25P03']);

/** query_canceled: statement_timeout ran out (the bot never cancels statements otherwise). */
const STATEMENT_TIMEOUT_SQLSTATE = '57014';

/** pg's own error when query_timeout runs out: no answer at all, whatever the server is doing. */
function isAnswerTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/** How the server failed us, when it is the connection rather than the statement that failed. */
function connectionTrouble(error: unknown): 'unreachable' | 'refused' | 'closed' | 'timeout' | undefined {
  if (error instanceof AggregateError) {
    // Node tries every address of a host name and reports them together.
    const kinds = error.errors.map(connectionTrouble);
    return kinds.every((kind) => kind !== undefined) && kinds.length > 0 ? kinds[0] : undefined;
  }
  if (!(error instanceof Error)) return undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (isAnswerTimeout(error) || code === STATEMENT_TIMEOUT_SQLSTATE) return 'timeout';
  if (code !== undefined) {
    if (UNREACHABLE_ERRNOS.has(code)) return 'unreachable';
    if (REFUSING_SQLSTATES.has(code)) return 'refused';
    if (CLOSING_SQLSTATES.has(code) || code.startsWith('08')) return 'closed';
  }
  // pg raises these as plain Errors, without a code.
  if (/timeout exceeded when trying to connect|connection timeout/i.test(error.message)) return 'unreachable';
  if (/Connection terminated|connection error and is not queryable|not queryable/i.test(error.message)) {
    return 'closed';
  }
  return undefined;
}

/** An error's own words; an AggregateError's are in its parts. */
function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return [...new Set(error.errors.map(errorText))].join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** The server as messages may name it: user, host, port and database, never the password. */
class ServerName {
  readonly name: string;
  readonly #secrets: readonly string[];

  private constructor(name: string, secrets: readonly string[]) {
    this.name = name;
    this.#secrets = secrets;
  }

  static of(url: string): ServerName {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      // Not the URL's own error: it carries the input, password included, to whoever logs it.
      throw new StoreError('unavailable', 'DATABASE_URL is not a valid postgres:// URL.');
    }
    const user = parsed.username === '' ? '' : `${decodeUrlPart(parsed.username)}@`;
    const host = parsed.host || parsed.searchParams.get('host') || 'localhost';
    const secrets = parsed.password === '' ? [] : [parsed.password, decodeUrlPart(parsed.password)];
    return new ServerName(`${user}${host}${parsed.pathname}`, secrets);
  }

  /** Drops the password from a message, in case a driver error quoted it. */
  redact(message: string): string {
    let redacted = message;
    for (const secret of this.#secrets) redacted = redacted.replaceAll(secret, '***');
    return redacted;
  }
}

/** A percent-encoded URL part as the driver will read it; as written when it is not valid encoding. */
function decodeUrlPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * Queues an update of the group's message unless one is already waiting: an update re-renders the
 * group as it is when sent, so one pending update covers any number of changes.
 */
/** GROUP_COLUMNS of alert_group aliased `g`, beside a joined burst whose columns have the same names. */
const GROUP_COLUMNS_OF_G = GROUP_COLUMNS.split(', ')
  .map((column) => `g.${column}`)
  .join(', ');

async function queueGroupUpdate(sql: Sql, groupId: number, channelId: string, at: Date): Promise<void> {
  const plans = new PostgresPlanStatements(sql);
  if (await plans.hasPendingUpdate(groupId)) return;
  await plans.queueMessage({ kind: 'update', channelId, groupId, payload: 'null', at });
}
