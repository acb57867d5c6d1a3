import type { StoreLocation } from '../config.ts';
import { PostgresStore } from './postgres/PostgresStore.ts';
import type { Store } from './Store.ts';
import { SqliteStore } from './sqlite/SqliteStore.ts';

/** Opens the store DATABASE_URL names, with migrations applied. */
export async function openStore(location: StoreLocation): Promise<Store> {
  switch (location.kind) {
    case 'sqlite':
      return SqliteStore.open(location.path);
    case 'postgres':
      return PostgresStore.open(location.url);
  }
}
