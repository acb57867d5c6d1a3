import { randomBytes } from 'node:crypto';
import type { IvsGateway } from '../ivs/IvsGateway.ts';
import type { StageArn } from '../ivs/identifiers.ts';
import type { PagingRepository } from '../store/PagingRepository.ts';
import type { BrowseOutcome, BrowseProblem, BrowseSource, Fetched, Paging } from './types.ts';

/** Paging buttons older than this say so instead of guessing. */
export const PAGING_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** A source with its types forgotten: the service keeps them apart by name only. */
// biome-ignore lint/suspicious/noExplicitAny: each source's types are its own; see BrowseService.
type AnySource = BrowseSource<any, any, any>;

type RequestOf<S> = S extends BrowseSource<infer Request, unknown, unknown> ? Request : never;
type ViewOf<S> = S extends { readonly name: infer Name extends string } & BrowseSource<
  unknown,
  unknown,
  infer Data
>
  ? { readonly kind: Name; readonly paging: Paging } & Data
  : never;

export interface BrowseServiceOptions<Source> {
  ivs: IvsGateway;
  store: Pick<PagingRepository, 'savePagingState' | 'loadPagingState' | 'setPageToken'>;
  /** Every view, by name: the descriptors of slack/browseViews/. */
  sources: readonly Source[];
  now?: () => Date;
  newId?: () => string;
}

/**
 * Reads IVS for the /ivs commands and their buttons, one view source at a time; keeps each view's
 * resolved target and IVS nextTokens server-side so Previous / Next / Share work on any replica. All
 * calls are interactive (ahead of the poller).
 */
export class BrowseService<Source extends AnySource> {
  readonly #ivs: IvsGateway;
  readonly #store: BrowseServiceOptions<Source>['store'];
  readonly #sources: ReadonlyMap<string, Source>;
  readonly #now: () => Date;
  readonly #newId: () => string;

  constructor(options: BrowseServiceOptions<Source>) {
    this.#ivs = options.ivs;
    this.#store = options.store;
    this.#sources = new Map(options.sources.map((source) => [source.name, source]));
    this.#now = options.now ?? (() => new Date());
    this.#newId = options.newId ?? (() => randomBytes(9).toString('base64url'));
  }

  /** First page of a new view: resolves the stage, remembers the target for the paging buttons. */
  async start(request: RequestOf<Source> & { name: string }): Promise<BrowseOutcome<ViewOf<Source>>> {
    const source = this.#sources.get(request.name);
    if (!source) throw new Error(`no browse view named ${request.name}`);
    const target = await source.resolve(request, this.#ivs);
    if (!target.ok) return { ok: false, problem: { kind: 'ivs', failure: target.failure } };
    const stateId = this.#newId();
    await this.#store.savePagingState({
      id: stateId,
      query: target.value,
      tokens: [null],
      createdAt: this.#now(),
    });
    return this.#show(source, stateId, target.value, 0, undefined);
  }

  /** Page `pageIndex` of a view started earlier (a Next/Previous/Share click, on any replica). */
  async page(stateId: string, pageIndex: number): Promise<BrowseOutcome<ViewOf<Source>>> {
    const expired = { ok: false, problem: { kind: 'expired' } } as const;
    const state = await this.#store.loadPagingState(stateId);
    if (!state || this.#now().getTime() - state.createdAt.getTime() > PAGING_TTL_MS) return expired;
    const name = (state.query as { view?: unknown } | null)?.view;
    const source = typeof name === 'string' ? this.#sources.get(name) : undefined;
    const target = source?.target.safeParse(state.query);
    const token = state.tokens[pageIndex];
    if (
      !source ||
      !target?.success ||
      pageIndex < 0 ||
      token === undefined ||
      (pageIndex > 0 && token === null)
    ) {
      return expired;
    }
    return this.#show(source, stateId, target.data, pageIndex, token ?? undefined);
  }

  /**
   * Disconnects a participant (the one action that changes IVS). The reason IVS records names who
   * did it from Slack. The caller shows the participant again with `start`.
   */
  async disconnect(
    target: { stage: StageArn; participantId: string },
    reason: string,
  ): Promise<BrowseProblem | undefined> {
    const result = await this.#ivs.disconnectParticipant(
      target.stage,
      target.participantId,
      reason,
      'interactive',
    );
    return result.ok ? undefined : { kind: 'ivs', failure: result.failure };
  }

  async #show(
    source: Source,
    stateId: string,
    target: unknown,
    pageIndex: number,
    nextToken: string | undefined,
  ): Promise<BrowseOutcome<ViewOf<Source>>> {
    const fetched: Fetched<object> = await source.fetch(
      target,
      { nextToken, maxResults: source.pageSize },
      this.#ivs,
    );
    if (!fetched.ok) {
      // A nextToken IVS no longer accepts is a paging problem, not a user error.
      const stale =
        fetched.pageFailure && fetched.failure.kind === 'invalid_input' && nextToken !== undefined;
      return {
        ok: false,
        problem: stale ? { kind: 'stale_token', stateId } : { kind: 'ivs', failure: fetched.failure },
      };
    }
    if (fetched.nextToken) await this.#store.setPageToken(stateId, pageIndex + 1, fetched.nextToken);
    const paging = { stateId, pageIndex, hasPrevious: pageIndex > 0, hasNext: Boolean(fetched.nextToken) };
    // The source named in the stored target made this data: it is that source's view.
    const view = { ...fetched.data, kind: source.name, paging } as ViewOf<Source>;
    return { ok: true, view };
  }
}
