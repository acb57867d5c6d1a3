import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { PagingState, Store } from '../Store.ts';
import { StoreError } from '../Store.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';

interface PagingRow {
  id: string;
  query: string;
  tokens: string;
  created_at: number;
}

/** The embedded store: one SQLite file owned by exactly one bot process. */
export class SqliteStore implements Store {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
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

  async savePagingState(state: PagingState): Promise<void> {
    this.#db
      .prepare('INSERT INTO paging_state (id, query, tokens, created_at) VALUES (?, ?, ?, ?)')
      .run(state.id, JSON.stringify(state.query), JSON.stringify(state.tokens), state.createdAt.getTime());
  }

  async loadPagingState(id: string): Promise<PagingState | undefined> {
    const row = this.#db
      .prepare('SELECT id, query, tokens, created_at FROM paging_state WHERE id = ?')
      .get(id) as PagingRow | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      query: JSON.parse(row.query) as unknown,
      tokens: JSON.parse(row.tokens) as (string | null)[],
      createdAt: new Date(Number(row.created_at)),
    };
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
    this.#db.prepare('UPDATE paging_state SET tokens = ? WHERE id = ?').run(JSON.stringify(tokens), id);
  }

  async deletePagingStatesBefore(cutoff: Date): Promise<number> {
    const result = this.#db.prepare('DELETE FROM paging_state WHERE created_at < ?').run(cutoff.getTime());
    return Number(result.changes);
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
