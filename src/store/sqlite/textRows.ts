import type { AffectedParticipant, EventFact } from '../../domain/model.ts';
import type { AlertGroupRow, OutboxRow, PagingRow, WatchRow } from '../rows.ts';

// SQLite keeps JSON as TEXT: these rows are as read, before the parseJson* functions below decode it.

export interface WatchTextRow extends Omit<WatchRow, 'codes'> {
  codes: string | null;
}

export interface AlertGroupTextRow extends Omit<AlertGroupRow, 'sample' | 'facts'> {
  sample: string;
  facts: string | null;
}

export interface OutboxTextRow extends Omit<OutboxRow, 'payload'> {
  payload: string;
}

export interface PagingTextRow extends Omit<PagingRow, 'query' | 'tokens'> {
  query: string;
  tokens: string;
}

export function parseJsonWatch(row: WatchTextRow): WatchRow {
  return { ...row, codes: row.codes === null ? null : (JSON.parse(row.codes) as string[]) };
}

export function parseJsonGroup(row: AlertGroupTextRow): AlertGroupRow {
  return {
    ...row,
    sample: JSON.parse(row.sample) as AffectedParticipant[],
    facts: row.facts === null ? null : (JSON.parse(row.facts) as EventFact[]),
  };
}

export function parseJsonOutbox(row: OutboxTextRow): OutboxRow {
  return { ...row, payload: JSON.parse(row.payload) as unknown };
}

export function parseJsonPaging(row: PagingTextRow): PagingRow {
  return {
    ...row,
    query: JSON.parse(row.query) as unknown,
    tokens: JSON.parse(row.tokens) as (string | null)[],
  };
}
