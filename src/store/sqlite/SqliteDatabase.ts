import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';

/** One SQLite connection's statements: compiled once per SQL text, run synchronously. */
export class SqliteDatabase {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** A prepared statement, compiled once per SQL text: detection storms run the same few statements thousands of times. */
  #sql(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  all<Row>(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.#sql(sql).all(...params) as Row[];
  }

  get<Row>(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.#sql(sql).get(...params) as Row | undefined;
  }

  run(sql: string, ...params: SQLInputValue[]): { changes: number; lastInsertRowid: number } {
    const result = this.#sql(sql).run(...params);
    return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
  }

  /** Runs `work` inside BEGIN IMMEDIATE … COMMIT, rolling back when it throws. */
  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }
}
