/** Paging state behind Next/Previous buttons: nextTokens can be long, Slack button values are short. */
export interface PagingState {
  readonly id: string;
  /** What is being paged (the view's query), as JSON the caller validates when reading it back. */
  readonly query: unknown;
  /** tokens[i] is the IVS nextToken that fetches page i; page 0 has none. */
  readonly tokens: readonly (string | null)[];
  readonly createdAt: Date;
}

/** Where the read commands keep the paging state of the listings they show. */
export interface PagingRepository {
  savePagingState(state: PagingState): Promise<void>;
  loadPagingState(id: string): Promise<PagingState | undefined>;
  /** Records the nextToken that fetches page `pageIndex` (learned when the page before it was read). */
  setPageToken(id: string, pageIndex: number, token: string | null): Promise<void>;
  deletePagingStatesBefore(cutoff: Date): Promise<number>;
}
