import { randomBytes } from 'node:crypto';
import type { IvsFailure, IvsResult } from '../ivs/IvsFailure.ts';
import type {
  IvsGateway,
  Page,
  ParticipantDetails,
  ParticipantEvent,
  ParticipantFilter,
  ParticipantSummary,
  SessionSummary,
  StageSummary,
} from '../ivs/IvsGateway.ts';
import { parseStageArn, type StageArn, type StageRef } from '../ivs/identifiers.ts';
import type { PagingRepository } from '../store/PagingRepository.ts';
import { type BrowseQuery, browseQuerySchema } from './BrowseQuery.ts';

/** Where a rendered page sits in its paging state; buttons carry `stateId:pageIndex`. */
export interface Paging {
  readonly stateId: string;
  readonly pageIndex: number;
  readonly hasPrevious: boolean;
  readonly hasNext: boolean;
}

export type BrowseView =
  | { kind: 'stages'; region: string; stages: readonly StageSummary[]; paging: Paging }
  | { kind: 'sessions'; stage: StageArn; sessions: readonly SessionSummary[]; paging: Paging }
  | {
      kind: 'participants';
      stage: StageArn;
      sessionId: string;
      filter: ParticipantFilter;
      participants: readonly ParticipantSummary[];
      paging: Paging;
    }
  | {
      kind: 'participant';
      stage: StageArn;
      sessionId: string;
      participant: ParticipantDetails;
      events: readonly ParticipantEvent[];
      paging: Paging;
    };

/** Why a browse request produced no view; each has one sentence in the views. */
export type BrowseProblem =
  | { kind: 'ivs'; failure: IvsFailure }
  | { kind: 'expired' }
  | { kind: 'stale_token'; stateId: string };

export type BrowseOutcome = { ok: true; view: BrowseView } | { ok: false; problem: BrowseProblem };

/** What the user asked for, with the stage possibly still a bare ID. */
export type BrowseRequest =
  | { view: 'stages'; region: string }
  | { view: 'sessions'; stage: StageRef }
  | { view: 'participants'; stage: StageRef; sessionId: string; filter: ParticipantFilter }
  | { view: 'participant'; stage: StageRef; sessionId: string; participantId: string };

export const PAGE_SIZES = { stages: 20, sessions: 20, participants: 20, participant: 20 } as const;
/** Paging buttons older than this say so instead of guessing. */
export const PAGING_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface BrowseServiceOptions {
  ivs: IvsGateway;
  store: PagingRepository;
  now?: () => Date;
  newId?: () => string;
}

/** Reads IVS for the /ivs commands and their buttons; all calls are interactive (ahead of the poller). */
export class BrowseService {
  readonly #ivs: IvsGateway;
  readonly #store: PagingRepository;
  readonly #now: () => Date;
  readonly #newId: () => string;

  constructor(options: BrowseServiceOptions) {
    this.#ivs = options.ivs;
    this.#store = options.store;
    this.#now = options.now ?? (() => new Date());
    this.#newId = options.newId ?? (() => randomBytes(9).toString('base64url'));
  }

  /** First page of a new view: resolves the stage, remembers the query for the paging buttons. */
  async start(request: BrowseRequest): Promise<BrowseOutcome> {
    const query = await this.#resolve(request);
    if (!query.ok) return { ok: false, problem: { kind: 'ivs', failure: query.failure } };
    const stateId = this.#newId();
    await this.#store.savePagingState({
      id: stateId,
      query: query.value,
      tokens: [null],
      createdAt: this.#now(),
    });
    return this.#render(stateId, query.value, 0, undefined);
  }

  /** Page `pageIndex` of a view started earlier (a Next/Previous/Share click, on any replica). */
  async page(stateId: string, pageIndex: number): Promise<BrowseOutcome> {
    const state = await this.#store.loadPagingState(stateId);
    if (!state || this.#now().getTime() - state.createdAt.getTime() > PAGING_TTL_MS) {
      return { ok: false, problem: { kind: 'expired' } };
    }
    const query = browseQuerySchema.safeParse(state.query);
    const token = state.tokens[pageIndex];
    if (!query.success || pageIndex < 0 || token === undefined || (pageIndex > 0 && token === null)) {
      return { ok: false, problem: { kind: 'expired' } };
    }
    return this.#render(stateId, query.data, pageIndex, token ?? undefined);
  }

  /**
   * Disconnects a participant (the one action that changes IVS), then shows it again. The reason
   * IVS records names who did it from Slack.
   */
  async disconnect(
    target: { stage: StageArn; sessionId: string; participantId: string },
    reason: string,
  ): Promise<BrowseOutcome> {
    const result = await this.#ivs.disconnectParticipant(
      target.stage,
      target.participantId,
      reason,
      'interactive',
    );
    if (!result.ok) return { ok: false, problem: { kind: 'ivs', failure: result.failure } };
    return this.start({
      view: 'participant',
      stage: { kind: 'arn', stage: target.stage },
      sessionId: target.sessionId,
      participantId: target.participantId,
    });
  }

  /** The stored query behind a paging state, for "start again" answers and sharing. */
  async query(stateId: string): Promise<BrowseQuery | undefined> {
    const state = await this.#store.loadPagingState(stateId);
    const query = browseQuerySchema.safeParse(state?.query);
    return query.success ? query.data : undefined;
  }

  async #resolve(request: BrowseRequest): Promise<IvsResult<BrowseQuery>> {
    if (request.view === 'stages') return { ok: true, value: { view: 'stages', region: request.region } };
    const stage = await this.#ivs.resolveStage(request.stage, 'interactive');
    if (!stage.ok) return stage;
    const stageArn = stage.value.arn;
    switch (request.view) {
      case 'sessions':
        return { ok: true, value: { view: 'sessions', stageArn } };
      case 'participants':
        return {
          ok: true,
          value: { view: 'participants', stageArn, sessionId: request.sessionId, filter: request.filter },
        };
      case 'participant':
        return {
          ok: true,
          value: {
            view: 'participant',
            stageArn,
            sessionId: request.sessionId,
            participantId: request.participantId,
          },
        };
    }
  }

  async #render(
    stateId: string,
    query: BrowseQuery,
    pageIndex: number,
    nextToken: string | undefined,
  ): Promise<BrowseOutcome> {
    const page = { nextToken, maxResults: PAGE_SIZES[query.view] };
    const paging = async (result: Page<unknown>): Promise<Paging> => {
      if (result.nextToken) await this.#store.setPageToken(stateId, pageIndex + 1, result.nextToken);
      return { stateId, pageIndex, hasPrevious: pageIndex > 0, hasNext: Boolean(result.nextToken) };
    };
    const fail = (failure: IvsFailure): BrowseOutcome =>
      // A nextToken IVS no longer accepts is a paging problem, not a user error.
      failure.kind === 'invalid_input' && nextToken !== undefined
        ? { ok: false, problem: { kind: 'stale_token', stateId } }
        : { ok: false, problem: { kind: 'ivs', failure } };

    if (query.view === 'stages') {
      const result = await this.#ivs.listStages(query.region, page, 'interactive');
      if (!result.ok) return fail(result.failure);
      return {
        ok: true,
        view: {
          kind: 'stages',
          region: query.region,
          stages: result.value.items,
          paging: await paging(result.value),
        },
      };
    }
    const stage = parseStageArn(query.stageArn);
    if (!stage) return { ok: false, problem: { kind: 'expired' } };
    switch (query.view) {
      case 'sessions': {
        const result = await this.#ivs.listStageSessions(stage, page, 'interactive');
        if (!result.ok) return fail(result.failure);
        return {
          ok: true,
          view: { kind: 'sessions', stage, sessions: result.value.items, paging: await paging(result.value) },
        };
      }
      case 'participants': {
        const result = await this.#ivs.listParticipants(
          stage,
          query.sessionId,
          query.filter,
          page,
          'interactive',
        );
        if (!result.ok) return fail(result.failure);
        return {
          ok: true,
          view: {
            kind: 'participants',
            stage,
            sessionId: query.sessionId,
            filter: query.filter,
            participants: result.value.items,
            paging: await paging(result.value),
          },
        };
      }
      case 'participant': {
        // Both calls run at once: each has its own per-operation budget.
        const [participant, events] = await Promise.all([
          this.#ivs.getParticipant(stage, query.sessionId, query.participantId, 'interactive'),
          this.#ivs.listParticipantEvents(stage, query.sessionId, query.participantId, page, 'interactive'),
        ]);
        if (!participant.ok) return { ok: false, problem: { kind: 'ivs', failure: participant.failure } };
        if (!events.ok) return fail(events.failure);
        return {
          ok: true,
          view: {
            kind: 'participant',
            stage,
            sessionId: query.sessionId,
            participant: participant.value,
            events: sortByEventTime(events.value.items),
            paging: await paging(events.value),
          },
        };
      }
    }
  }
}

/** IVS documents no order for events: show them oldest first, undated ones last. */
export function sortByEventTime(events: readonly ParticipantEvent[]): ParticipantEvent[] {
  return [...events].sort(
    (a, b) =>
      (a.eventTime?.getTime() ?? Number.POSITIVE_INFINITY) -
      (b.eventTime?.getTime() ?? Number.POSITIVE_INFINITY),
  );
}
