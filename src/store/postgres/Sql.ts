import type { QueryResult, QueryResultRow } from 'pg';

/** Runs one statement on the connection that holds the current transaction. */
export type Sql = <Row extends QueryResultRow>(
  text: string,
  values?: readonly unknown[],
) => Promise<QueryResult<Row>>;

/** pg returns BIGINT and COUNT(*) as strings to keep their precision; epoch ms and ids fit a double. */
export type Int8 = string;
