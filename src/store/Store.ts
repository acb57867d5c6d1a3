/** Paging state behind Next/Previous buttons: nextTokens can be long, Slack button values are short. */
export interface PagingState {
  readonly id: string;
  /** What is being paged (the view's query), as JSON the caller validates when reading it back. */
  readonly query: unknown;
  /** tokens[i] is the IVS nextToken that fetches page i; page 0 has none. */
  readonly tokens: readonly (string | null)[];
  readonly createdAt: Date;
}

/** Raised for store trouble a user or operator must act on; `code` is for callers to switch on. */
export class StoreError extends Error {
  readonly code: 'locked' | 'unavailable' | 'migration';
  constructor(code: StoreError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** Everything the bot keeps between requests and restarts. One interface, one implementation per database. */
export interface Store {
  savePagingState(state: PagingState): Promise<void>;
  loadPagingState(id: string): Promise<PagingState | undefined>;
  /** Records the nextToken that fetches page `pageIndex` (learned when the page before it was read). */
  setPageToken(id: string, pageIndex: number, token: string | null): Promise<void>;
  deletePagingStatesBefore(cutoff: Date): Promise<number>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
