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
];
