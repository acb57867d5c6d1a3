/**
 * Key of the transaction-scoped advisory lock under which migrations run, so that replicas starting
 * together apply each step exactly once. Any constant works as long as nothing else in the database
 * uses it; this one is "ivsbot" in ASCII.
 */
export const POSTGRES_MIGRATION_LOCK = 0x69_76_73_62_6f_74;

/**
 * Versioned schema for the PostgreSQL store; append only, never edit a shipped step.
 *
 * The tables mirror the SQLite store's. Times are epoch milliseconds in BIGINT. Identifiers use the
 * "C" collation so that ORDER BY sorts them bytewise, as SQLite does, whatever the database's locale.
 * JSON that SQL rewrites (paging tokens) or the store builds (codes, samples) is JSONB; documents that
 * are only stored and handed back (paging queries, outbox payloads) are JSON, which keeps their text
 * exactly as written. The poller lease has no SQLite twin (a SQLite file has one process); its expiry
 * is a TIMESTAMPTZ because it is measured on the database's clock, the one all replicas share.
 */
export const POSTGRES_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE paging_state (
        id TEXT COLLATE "C" PRIMARY KEY,
        query JSON NOT NULL,
        tokens JSONB NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX paging_state_created_at ON paging_state (created_at);

      CREATE TABLE watch (
        stage_arn TEXT COLLATE "C" NOT NULL,
        channel_id TEXT COLLATE "C" NOT NULL,
        codes JSONB,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (stage_arn, channel_id)
      );
      CREATE TABLE stage_health (
        stage_arn TEXT COLLATE "C" PRIMARY KEY,
        last_poll_at BIGINT,
        status TEXT NOT NULL CHECK (status IN ('ok', 'failing')),
        last_error TEXT,
        lag_seconds DOUBLE PRECISION NOT NULL DEFAULT 0
      );
      CREATE TABLE mute (
        stage_arn TEXT COLLATE "C" NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        until BIGINT NOT NULL,
        muted_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (stage_arn, code)
      );
      CREATE TABLE session_cursor (
        stage_arn TEXT COLLATE "C" NOT NULL,
        session_id TEXT COLLATE "C" NOT NULL,
        start_time BIGINT,
        end_time BIGINT,
        finished BOOLEAN NOT NULL DEFAULT FALSE,
        PRIMARY KEY (stage_arn, session_id)
      );
      CREATE TABLE participant_cursor (
        stage_arn TEXT COLLATE "C" NOT NULL,
        session_id TEXT COLLATE "C" NOT NULL,
        participant_id TEXT COLLATE "C" NOT NULL,
        user_id TEXT,
        state TEXT,
        first_join_time BIGINT,
        last_read_at BIGINT,
        done BOOLEAN NOT NULL DEFAULT FALSE,
        last_error_at BIGINT,
        PRIMARY KEY (stage_arn, session_id, participant_id)
      );
      CREATE TABLE detected_event (
        dedup_key TEXT COLLATE "C" PRIMARY KEY,
        stage_arn TEXT COLLATE "C" NOT NULL,
        session_id TEXT COLLATE "C" NOT NULL,
        participant_id TEXT COLLATE "C" NOT NULL,
        user_id TEXT,
        event_time BIGINT NOT NULL,
        name TEXT NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        remote_participant_id TEXT,
        detected_at BIGINT NOT NULL
      );
      CREATE TABLE alert_group (
        id BIGSERIAL PRIMARY KEY,
        stage_arn TEXT COLLATE "C" NOT NULL,
        session_id TEXT COLLATE "C" NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        channel_id TEXT COLLATE "C" NOT NULL,
        first_seen BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        event_count INTEGER NOT NULL DEFAULT 0,
        participant_count INTEGER NOT NULL DEFAULT 0,
        sample JSONB NOT NULL DEFAULT '[]',
        message_ts TEXT,
        replies_queued INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX alert_group_stage_last_seen ON alert_group (stage_arn, last_seen);
      CREATE INDEX alert_group_last_seen ON alert_group (last_seen);
      CREATE TABLE alert_group_event (
        group_id BIGINT NOT NULL REFERENCES alert_group (id) ON DELETE CASCADE,
        dedup_key TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (group_id, dedup_key)
      );
      CREATE TABLE outbox (
        id BIGSERIAL PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('post', 'update', 'reply', 'notice')),
        channel_id TEXT NOT NULL,
        group_id BIGINT,
        payload JSON NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        last_error TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done'))
      );
      CREATE INDEX outbox_due ON outbox (status, not_before, id);
      CREATE INDEX outbox_group ON outbox (group_id, kind, status);

      CREATE TABLE poller_lease (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    // Outbox delivery: a row is claimed ('sending', with a holder and a lease) before it is sent, and a
    // message Slack refuses for good is kept as 'failed' with the reason's scope.
    version: 2,
    sql: `
      ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
      ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
        CHECK (status IN ('pending', 'sending', 'done', 'failed'));
      ALTER TABLE outbox
        ADD COLUMN claimed_by TEXT,
        ADD COLUMN claimed_until BIGINT,
        ADD COLUMN failure_scope TEXT CHECK (failure_scope IN ('channel', 'workspace', 'message')),
        ADD COLUMN failed_at BIGINT;
      CREATE INDEX outbox_unsent ON outbox (channel_id, id) WHERE status IN ('pending', 'sending');
      CREATE INDEX outbox_failed ON outbox (channel_id, id) WHERE status = 'failed';
    `,
  },
  {
    // Retention (purgeExpired): old detected events are found by time, and a dedup key still held by
    // a group is found by key.
    version: 3,
    sql: `
      CREATE INDEX detected_event_detected_at ON detected_event (detected_at);
      CREATE INDEX alert_group_event_dedup_key ON alert_group_event (dedup_key);
    `,
  },
  {
    // Poller (issue 10): a participant that comes back (listing changed) is read again; its events are
    // read from where new ones appear (order, resume token, newest known); a stage turns failing on
    // transient errors only once they have lasted (problem_since).
    version: 4,
    sql: `
      ALTER TABLE participant_cursor
        ADD COLUMN listing TEXT,
        ADD COLUMN read_listing TEXT,
        ADD COLUMN event_order TEXT CHECK (event_order IN ('newest-first', 'oldest-first')),
        ADD COLUMN resume_token TEXT,
        ADD COLUMN newest_event_at BIGINT;
      ALTER TABLE stage_health ADD COLUMN problem_since BIGINT;
    `,
  },
  {
    // EventBridge through SQS (issue 13): an alert from an event keeps the facts it carries (bucket,
    // composition, reason); whether events arrive is kept for /ivs watches; repeats of an event kind are
    // counted by (stage, session, code, time).
    version: 5,
    sql: `
      ALTER TABLE alert_group ADD COLUMN facts JSONB;
      CREATE TABLE event_queue_status (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_receive_at BIGINT,
        last_message_at BIGINT,
        last_error TEXT,
        error_since BIGINT
      );
      CREATE INDEX detected_event_kind ON detected_event (stage_arn, session_id, code, event_time);
    `,
  },
  {
    // Alert lifecycle (issue 16): who a watch pages (mention, copied to each new group), who is on an
    // alert, when it went quiet or its session ended, and the earlier burst a new group links to.
    version: 6,
    sql: `
      ALTER TABLE watch ADD COLUMN mention TEXT;
      ALTER TABLE alert_group
        ADD COLUMN mention TEXT,
        ADD COLUMN acknowledged_by TEXT,
        ADD COLUMN acknowledged_at BIGINT,
        ADD COLUMN quiet_at BIGINT,
        ADD COLUMN session_ended_at BIGINT,
        ADD COLUMN previous_group_id BIGINT,
        ADD COLUMN previous_message_ts TEXT,
        ADD COLUMN previous_last_seen BIGINT;
      -- Groups older than the longest window (a day) are closed as they are, without a message update:
      -- an upgrade must not edit a month of old alerts. Younger ones get their quiet update as usual.
      UPDATE alert_group SET quiet_at = last_seen WHERE last_seen < (extract(epoch FROM now()) * 1000)::bigint - 86400000;
      CREATE INDEX alert_group_firing ON alert_group (last_seen) WHERE quiet_at IS NULL;
      CREATE INDEX alert_group_burst ON alert_group (stage_arn, session_id, code, channel_id, id);
    `,
  },
  {
    // EventBridge publish errors (issue 13): participants the poller reads first, asked for by any
    // replica, taken by the one that polls.
    version: 7,
    sql: `
      CREATE TABLE read_first (
        stage_arn TEXT NOT NULL,
        session_id TEXT NOT NULL,
        participant_id TEXT NOT NULL,
        requested_at BIGINT NOT NULL,
        PRIMARY KEY (stage_arn, session_id, participant_id)
      );
    `,
  },
  {
    // Issue 13: a publish error's dedup key became the form EventBridge and polling both give (stage,
    // session, participant, second); keys stored in the old form are rewritten, so reading an old
    // event again finds it known. Where two old events fold into one key, the others keep their old key.
    version: 8,
    sql: `
      CREATE TEMPORARY TABLE publish_error_key ON COMMIT DROP AS
        SELECT DISTINCT ON (new_key) dedup_key AS old_key, new_key
        FROM (SELECT dedup_key, 'publish-error|' || stage_arn || '|' || session_id || '|' || participant_id ||
                                '|' || (event_time / 1000) AS new_key
              FROM detected_event WHERE name = 'PUBLISH_ERROR') AS keys
        WHERE dedup_key <> new_key
          AND NOT EXISTS (SELECT 1 FROM detected_event x WHERE x.dedup_key = keys.new_key)
        ORDER BY new_key, dedup_key;
      UPDATE alert_group_event g SET dedup_key = k.new_key
        FROM publish_error_key k
        WHERE g.dedup_key = k.old_key
          AND NOT EXISTS (SELECT 1 FROM alert_group_event x WHERE x.group_id = g.group_id AND x.dedup_key = k.new_key);
      UPDATE detected_event d SET dedup_key = k.new_key FROM publish_error_key k WHERE d.dedup_key = k.old_key;
    `,
  },
];
