/** Versioned schema for the SQLite store; append only, never edit a shipped step. */
export const SQLITE_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE paging_state (
        id TEXT PRIMARY KEY,
        query TEXT NOT NULL,
        tokens TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX paging_state_created_at ON paging_state (created_at);
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE watch (
        stage_arn TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        codes TEXT,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (stage_arn, channel_id)
      );
      CREATE TABLE stage_health (
        stage_arn TEXT PRIMARY KEY,
        last_poll_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('ok', 'failing')),
        last_error TEXT,
        lag_seconds REAL NOT NULL DEFAULT 0
      );
      CREATE TABLE mute (
        stage_arn TEXT NOT NULL,
        code TEXT NOT NULL,
        until INTEGER NOT NULL,
        muted_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (stage_arn, code)
      );
      CREATE TABLE session_cursor (
        stage_arn TEXT NOT NULL,
        session_id TEXT NOT NULL,
        start_time INTEGER,
        end_time INTEGER,
        finished INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (stage_arn, session_id)
      );
      CREATE TABLE participant_cursor (
        stage_arn TEXT NOT NULL,
        session_id TEXT NOT NULL,
        participant_id TEXT NOT NULL,
        user_id TEXT,
        state TEXT,
        first_join_time INTEGER,
        last_read_at INTEGER,
        done INTEGER NOT NULL DEFAULT 0,
        last_error_at INTEGER,
        PRIMARY KEY (stage_arn, session_id, participant_id)
      );
      CREATE TABLE detected_event (
        dedup_key TEXT PRIMARY KEY,
        stage_arn TEXT NOT NULL,
        session_id TEXT NOT NULL,
        participant_id TEXT NOT NULL,
        user_id TEXT,
        event_time INTEGER NOT NULL,
        name TEXT NOT NULL,
        code TEXT NOT NULL,
        remote_participant_id TEXT,
        detected_at INTEGER NOT NULL
      );
      CREATE TABLE alert_group (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        stage_arn TEXT NOT NULL,
        session_id TEXT NOT NULL,
        code TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        event_count INTEGER NOT NULL DEFAULT 0,
        participant_count INTEGER NOT NULL DEFAULT 0,
        sample TEXT NOT NULL DEFAULT '[]',
        message_ts TEXT,
        replies_queued INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX alert_group_stage_last_seen ON alert_group (stage_arn, last_seen);
      CREATE INDEX alert_group_last_seen ON alert_group (last_seen);
      CREATE TABLE alert_group_event (
        group_id INTEGER NOT NULL REFERENCES alert_group (id) ON DELETE CASCADE,
        dedup_key TEXT NOT NULL,
        PRIMARY KEY (group_id, dedup_key)
      );
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('post', 'update', 'reply', 'notice')),
        channel_id TEXT NOT NULL,
        group_id INTEGER,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        last_error TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done'))
      );
      CREATE INDEX outbox_due ON outbox (status, not_before, id);
      CREATE INDEX outbox_group ON outbox (group_id, kind, status);
    `,
  },
  {
    // Outbox delivery: a row is claimed ('sending', with a holder and a lease) before it is sent, and a
    // message Slack refuses for good is kept as 'failed' with the reason's scope. SQLite cannot change
    // a CHECK constraint in place, so the table is rebuilt with the same ids.
    version: 3,
    sql: `
      CREATE TABLE outbox_v3 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('post', 'update', 'reply', 'notice')),
        channel_id TEXT NOT NULL,
        group_id INTEGER,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        last_error TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'done', 'failed')),
        claimed_by TEXT,
        claimed_until INTEGER,
        failure_scope TEXT CHECK (failure_scope IN ('channel', 'workspace', 'message')),
        failed_at INTEGER
      );
      INSERT INTO outbox_v3 (id, kind, channel_id, group_id, payload, attempts, not_before, created_at, last_error, status)
        SELECT id, kind, channel_id, group_id, payload, attempts, not_before, created_at, last_error, status FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_v3 RENAME TO outbox;
      CREATE INDEX outbox_due ON outbox (status, not_before, id);
      CREATE INDEX outbox_group ON outbox (group_id, kind, status);
      CREATE INDEX outbox_unsent ON outbox (channel_id, id) WHERE status IN ('pending', 'sending');
      CREATE INDEX outbox_failed ON outbox (channel_id, id) WHERE status = 'failed';
    `,
  },
  {
    // Retention (purgeExpired): old detected events are found by time, and a dedup key still held by
    // a group is found by key.
    version: 4,
    sql: `
      CREATE INDEX detected_event_detected_at ON detected_event (detected_at);
      CREATE INDEX alert_group_event_dedup_key ON alert_group_event (dedup_key);
    `,
  },
  {
    // Poller (issue 10): a participant that comes back (listing changed) is read again; its events are
    // read from where new ones appear (order, resume token, newest known); a stage turns failing on
    // transient errors only once they have lasted (problem_since).
    version: 5,
    sql: `
      ALTER TABLE participant_cursor ADD COLUMN listing TEXT;
      ALTER TABLE participant_cursor ADD COLUMN read_listing TEXT;
      ALTER TABLE participant_cursor ADD COLUMN event_order TEXT
        CHECK (event_order IN ('newest-first', 'oldest-first'));
      ALTER TABLE participant_cursor ADD COLUMN resume_token TEXT;
      ALTER TABLE participant_cursor ADD COLUMN newest_event_at INTEGER;
      ALTER TABLE stage_health ADD COLUMN problem_since INTEGER;
    `,
  },
  {
    // EventBridge through SQS (issue 13): an alert from an event keeps the facts it carries (bucket,
    // composition, reason); whether events arrive is kept for /ivs watches; repeats of an event kind are
    // counted by (stage, session, code, time).
    version: 6,
    sql: `
      ALTER TABLE alert_group ADD COLUMN facts TEXT;
      CREATE TABLE event_queue_status (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_receive_at INTEGER,
        last_message_at INTEGER,
        last_error TEXT,
        error_since INTEGER
      );
      CREATE INDEX detected_event_kind ON detected_event (stage_arn, session_id, code, event_time);
    `,
  },
  {
    // Alert lifecycle (issue 16): who a watch pages (mention, copied to each new group), who is on an
    // alert, when it went quiet or its session ended, and the earlier burst a new group links to.
    version: 7,
    sql: `
      ALTER TABLE watch ADD COLUMN mention TEXT;
      ALTER TABLE alert_group ADD COLUMN mention TEXT;
      ALTER TABLE alert_group ADD COLUMN acknowledged_by TEXT;
      ALTER TABLE alert_group ADD COLUMN acknowledged_at INTEGER;
      ALTER TABLE alert_group ADD COLUMN quiet_at INTEGER;
      ALTER TABLE alert_group ADD COLUMN session_ended_at INTEGER;
      ALTER TABLE alert_group ADD COLUMN previous_group_id INTEGER;
      ALTER TABLE alert_group ADD COLUMN previous_message_ts TEXT;
      ALTER TABLE alert_group ADD COLUMN previous_last_seen INTEGER;
      -- Groups older than the longest window (a day) are closed as they are, without a message update:
      -- an upgrade must not edit a month of old alerts. Younger ones get their quiet update as usual.
      UPDATE alert_group SET quiet_at = last_seen WHERE last_seen < CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 86400000;
      CREATE INDEX alert_group_firing ON alert_group (last_seen) WHERE quiet_at IS NULL;
      CREATE INDEX alert_group_burst ON alert_group (stage_arn, session_id, code, channel_id, id);
    `,
  },
  {
    // EventBridge publish errors (issue 13): participants the poller reads first, asked for by any
    // replica, taken by the one that polls.
    version: 8,
    sql: `
      CREATE TABLE read_first (
        stage_arn TEXT NOT NULL,
        session_id TEXT NOT NULL,
        participant_id TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        PRIMARY KEY (stage_arn, session_id, participant_id)
      );
    `,
  },
  {
    // Issue 13: a publish error's dedup key became the form EventBridge and polling both give (stage,
    // session, participant, second); keys stored in the old form are rewritten, so reading an old
    // event again finds it known. Where two old events fold into one key, the other keeps its old key.
    version: 9,
    sql: `
      UPDATE OR IGNORE alert_group_event SET dedup_key = (
        SELECT 'publish-error|' || d.stage_arn || '|' || d.session_id || '|' || d.participant_id || '|' ||
               (d.event_time / 1000)
        FROM detected_event d WHERE d.dedup_key = alert_group_event.dedup_key)
      WHERE dedup_key IN (SELECT dedup_key FROM detected_event WHERE name = 'PUBLISH_ERROR');
      UPDATE OR IGNORE detected_event
        SET dedup_key = 'publish-error|' || stage_arn || '|' || session_id || '|' || participant_id || '|' ||
                        (event_time / 1000)
        WHERE name = 'PUBLISH_ERROR';
    `,
  },
];
