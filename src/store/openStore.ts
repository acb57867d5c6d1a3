import { PostgresStore } from './postgres/PostgresStore.ts';
import type { Store } from './Store.ts';
import { SqliteStore } from './sqlite/SqliteStore.ts';

/** Where the bot keeps its state: an embedded SQLite file or a shared PostgreSQL database. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Opens the store DATABASE_URL names, with migrations applied. */
export async function openStore(location: StoreLocation): Promise<Store> {
  switch (location.kind) {
    case 'sqlite':
      return SqliteStore.open(location.path);
    case 'postgres':
      return PostgresStore.open(location.url);
  }
}
