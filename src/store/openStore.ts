import type { StoreLocation } from '../config.ts';
import { type Store, StoreError } from './Store.ts';
import { SqliteStore } from './sqlite/SqliteStore.ts';

/** Opens the store DATABASE_URL names, with migrations applied. */
export async function openStore(location: StoreLocation): Promise<Store> {
  switch (location.kind) {
    case 'sqlite':
      return SqliteStore.open(location.path);
    case 'postgres':
      throw new StoreError(
        'unavailable',
        'PostgreSQL store is not available in this version; use DATABASE_URL=sqlite:<file>.',
      );
  }
}
