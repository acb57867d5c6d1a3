import {
  DisconnectParticipantCommand,
  GetParticipantCommand,
  GetStageCommand,
  GetStageSessionCommand,
  type IVSRealTimeClient,
  ListParticipantEventsCommand,
  ListParticipantsCommand,
  ListStageSessionsCommand,
  ListStagesCommand,
} from '@aws-sdk/client-ivs-realtime';
import { z } from 'zod';
import type { Logger } from '../platform/logger.ts';
import { DEFAULT_ACCOUNT } from './accountRoles.ts';
import { type IvsFailure, type IvsResult, toIvsFailure } from './IvsFailure.ts';
import type {
  IvsGateway,
  Page,
  PageRequest,
  ParticipantDetails,
  ParticipantEvent,
  ParticipantFilter,
  ParticipantSummary,
  SessionSummary,
  StageSummary,
} from './IvsGateway.ts';
import { parseStageArn, type StageArn, type StageRef } from './identifiers.ts';
import { UnknownRegionError } from './ivsClients.ts';
import type { CallPriority, RequestBudget } from './RequestBudget.ts';
import { type SharedCall, SharedReads } from './SharedReads.ts';

// AWS answers are untrusted input too: each is parsed into our own shape, and an answer that does not
// fit becomes an 'unavailable' failure instead of a crash deep inside a view.
const text = z.string().optional();
const flag = z.boolean().optional();
const time = z.date().optional();
const stringMap = z
  .record(z.string(), z.string())
  .optional()
  .transform((value) => value ?? {});

const stageSummarySchema = z.object({
  arn: z.string(),
  name: text,
  activeSessionId: text,
  tags: stringMap,
});

const sessionSchema = z.object({ sessionId: z.string(), startTime: time, endTime: time });

const participantSummaryShape = {
  participantId: z.string(),
  userId: text,
  state: text,
  firstJoinTime: time,
  published: flag,
  recordingState: text,
  replicationType: text,
  replicationState: text,
  sourceStageArn: text,
  sourceSessionId: text,
  redundantIngest: flag,
  ingestConfigurationArn: text,
};
const participantSummarySchema = z.object(participantSummaryShape);
const participantSchema = z.object({
  ...participantSummaryShape,
  attributes: stringMap,
  ispName: text,
  osName: text,
  osVersion: text,
  browserName: text,
  browserVersion: text,
  sdkVersion: text,
  recordingS3BucketName: text,
  recordingS3Prefix: text,
  protocol: text,
});

const exchangedTokenSchema = z
  .object({
    userId: text,
    capabilities: z
      .array(z.string())
      .optional()
      .transform((value) => value ?? []),
    attributes: stringMap,
    expirationTime: time,
  })
  .optional();

const eventSchema = z.object({
  name: z.string().default('UNKNOWN'),
  participantId: text,
  eventTime: time,
  remoteParticipantId: text,
  errorCode: text,
  destinationStageArn: text,
  destinationSessionId: text,
  replica: flag,
  previousToken: exchangedTokenSchema,
  newToken: exchangedTokenSchema,
});

function pageSchema<T extends z.ZodType>(key: string, item: T): z.ZodType<Page<z.output<T>>> {
  const items = z.array(item).optional();
  return z.looseObject({ nextToken: text }).transform((answer, ctx) => {
    const parsed = items.safeParse(answer[key]);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path] });
      return z.NEVER;
    }
    return { items: parsed.data ?? [], nextToken: answer.nextToken || undefined };
  });
}

const schemas = {
  getStage: z.object({ stage: stageSummarySchema }).transform((a) => a.stage),
  listStages: pageSchema('stages', stageSummarySchema),
  listStageSessions: pageSchema('stageSessions', sessionSchema),
  getStageSession: z.object({ stageSession: sessionSchema }).transform((a) => a.stageSession),
  listParticipants: pageSchema('participants', participantSummarySchema),
  getParticipant: z.object({ participant: participantSchema }).transform((a) => a.participant),
  listParticipantEvents: pageSchema('events', eventSchema),
};

export interface SdkIvsGatewayOptions {
  /** One client per (account, region): a stage's ARN decides where its calls go and with whose credentials. */
  clientFor(region: string, accountId?: string): IVSRealTimeClient;
  /**
   * Whose quota a call about `accountId` spends (IVS counts it per account and region): a listed
   * account's ID, or DEFAULT_ACCOUNT for the default chain. Without it every call is the default chain's.
   */
  quotaAccount?(accountId: string | undefined): string;
  budget: RequestBudget;
  /**
   * Identical reads share one call and recent answers (IVS_READ_CACHE_SECONDS); without it reads
   * still share calls in flight but nothing is cached.
   */
  shared?: SharedReads;
  logger: Logger;
  /** Observes every call's outcome (metrics). */
  onCall?: (operation: string, outcome: 'ok' | IvsFailure['kind'], durationMs: number) => void;
}

const STAGE_SCAN_PAGE = 100;

/** Cache tags: what a Disconnect of a participant makes stale. */
export function participantTag(stageArn: string, participantId: string): string {
  return `participant ${stageArn} ${participantId}`;
}
export function participantListTag(stageArn: string): string {
  return `participants ${stageArn}`;
}

/** Where a call goes: the region, and the account whose stage it is about (undefined: the bot's own). */
interface CallScope {
  readonly region: string;
  readonly accountId: string | undefined;
}

const scopeOf = (stage: StageArn): CallScope => ({ region: stage.region, accountId: stage.accountId });

export class SdkIvsGateway implements IvsGateway {
  readonly #options: SdkIvsGatewayOptions;
  readonly #shared: SharedReads;
  // Bare stage IDs resolved to ARNs; an ARN never changes for a stage's lifetime.
  readonly #stageIds = new Map<string, StageArn>();

  constructor(options: SdkIvsGatewayOptions) {
    this.#options = options;
    this.#shared = options.shared ?? new SharedReads({ ttlMs: 0 });
  }

  async resolveStage(ref: StageRef, priority: CallPriority): Promise<IvsResult<StageArn>> {
    if (ref.kind === 'arn') return { ok: true, value: ref.stage };
    const cacheKey = `${ref.region}/${ref.id}`;
    const cached = this.#stageIds.get(cacheKey);
    if (cached) return { ok: true, value: cached };
    let nextToken: string | undefined;
    do {
      const page = await this.listStages(ref.region, { nextToken, maxResults: STAGE_SCAN_PAGE }, priority);
      if (!page.ok) return page;
      for (const stage of page.value.items) {
        const parsed = parseStageArn(stage.arn);
        if (parsed) this.#stageIds.set(`${parsed.region}/${parsed.id}`, parsed);
      }
      const found = this.#stageIds.get(cacheKey);
      if (found) return { ok: true, value: found };
      nextToken = page.value.nextToken;
    } while (nextToken);
    return {
      ok: false,
      failure: {
        kind: 'not_found',
        operation: 'ListStages',
        resource: `stage ${ref.id} in ${ref.region}`,
        detail: `no stage with ID ${ref.id} in region ${ref.region}; give the full stage ARN for another region or account`,
      },
    };
  }

  getStage(stage: StageArn, priority: CallPriority): Promise<IvsResult<StageSummary>> {
    const input = { arn: stage.arn };
    return this.#read(
      scopeOf(stage),
      'GetStage',
      input,
      [],
      `stage ${stage.arn}`,
      priority,
      schemas.getStage,
      (client) => client.send(new GetStageCommand(input)),
    );
  }

  listStages(
    region: string,
    page: PageRequest,
    priority: CallPriority,
    accountId?: string,
  ): Promise<IvsResult<Page<StageSummary>>> {
    const input = pageInput(page);
    const resource =
      accountId === undefined ? `stages in ${region}` : `stages of account ${accountId} in ${region}`;
    // The default chain lists the bot's own account, whichever account was asked for: only a
    // listed account (IVS_ACCOUNT_ROLES) can be named.
    if (accountId !== undefined && this.#quotaAccount(accountId) === DEFAULT_ACCOUNT) {
      return Promise.resolve({
        ok: false,
        failure: {
          kind: 'invalid_input',
          operation: 'ListStages',
          resource,
          detail: `the bot has no role for account ${accountId} (IVS_ACCOUNT_ROLES)`,
        },
      });
    }
    return this.#read(
      { region, accountId },
      'ListStages',
      input,
      [],
      resource,
      priority,
      schemas.listStages,
      (client) => client.send(new ListStagesCommand(input)),
    );
  }

  listStageSessions(
    stage: StageArn,
    page: PageRequest,
    priority: CallPriority,
  ): Promise<IvsResult<Page<SessionSummary>>> {
    const input = { stageArn: stage.arn, ...pageInput(page) };
    return this.#read(
      scopeOf(stage),
      'ListStageSessions',
      input,
      [],
      `stage ${stage.arn}`,
      priority,
      schemas.listStageSessions,
      (client) => client.send(new ListStageSessionsCommand(input)),
    );
  }

  getStageSession(
    stage: StageArn,
    sessionId: string,
    priority: CallPriority,
  ): Promise<IvsResult<SessionSummary>> {
    const input = { stageArn: stage.arn, sessionId };
    return this.#read(
      scopeOf(stage),
      'GetStageSession',
      input,
      [],
      `session ${sessionId} of stage ${stage.arn}`,
      priority,
      schemas.getStageSession,
      (client) => client.send(new GetStageSessionCommand(input)),
    );
  }

  listParticipants(
    stage: StageArn,
    sessionId: string,
    filter: ParticipantFilter,
    page: PageRequest,
    priority: CallPriority,
  ): Promise<IvsResult<Page<ParticipantSummary>>> {
    const input = { stageArn: stage.arn, sessionId, ...filterInput(filter), ...pageInput(page) };
    return this.#read(
      scopeOf(stage),
      'ListParticipants',
      input,
      [participantListTag(stage.arn)],
      `session ${sessionId} of stage ${stage.arn}`,
      priority,
      schemas.listParticipants,
      (client) => client.send(new ListParticipantsCommand(input)),
    );
  }

  getParticipant(
    stage: StageArn,
    sessionId: string,
    participantId: string,
    priority: CallPriority,
  ): Promise<IvsResult<ParticipantDetails>> {
    const input = { stageArn: stage.arn, sessionId, participantId };
    return this.#read(
      scopeOf(stage),
      'GetParticipant',
      input,
      [participantTag(stage.arn, participantId)],
      `participant ${participantId} in session ${sessionId} of stage ${stage.arn}`,
      priority,
      schemas.getParticipant,
      (client) => client.send(new GetParticipantCommand(input)),
    );
  }

  listParticipantEvents(
    stage: StageArn,
    sessionId: string,
    participantId: string,
    page: PageRequest,
    priority: CallPriority,
  ): Promise<IvsResult<Page<ParticipantEvent>>> {
    const input = { stageArn: stage.arn, sessionId, participantId, ...pageInput(page) };
    return this.#read(
      scopeOf(stage),
      'ListParticipantEvents',
      input,
      [participantTag(stage.arn, participantId)],
      `participant ${participantId} in session ${sessionId} of stage ${stage.arn}`,
      priority,
      schemas.listParticipantEvents,
      (client) => client.send(new ListParticipantEventsCommand(input)),
    );
  }

  /** Changes state, so never shared; what it changes is read fresh afterwards. */
  async disconnectParticipant(
    stage: StageArn,
    participantId: string,
    reason: string,
    priority: CallPriority,
  ): Promise<IvsResult<void>> {
    const stale = [participantTag(stage.arn, participantId), participantListTag(stage.arn)];
    // Before: reads already running must not be joined or cached. After: nor those that started meanwhile.
    this.#shared.invalidate(stale);
    const result = await this.#call(
      scopeOf(stage),
      'DisconnectParticipant',
      `participant ${participantId} of stage ${stage.arn}`,
      { priority, onRaise: () => {} },
      z.unknown().transform(() => undefined),
      (client) =>
        client.send(new DisconnectParticipantCommand({ stageArn: stage.arn, participantId, reason })),
    );
    this.#shared.invalidate(stale);
    return result;
  }

  /** Whose quota a call about `accountId` spends (its bucket key's first part). */
  #quotaAccount(accountId: string | undefined): string {
    return this.#options.quotaAccount?.(accountId) ?? DEFAULT_ACCOUNT;
  }

  /**
   * A read: identical ones (same region, operation and input) share one call. People take a recent
   * answer from the cache; the poller only joins calls in flight, so an alert never waits for a cache
   * to expire, but its answers serve the people who ask next.
   */
  #read<S extends z.ZodType>(
    scope: CallScope,
    operation: string,
    input: object,
    tags: readonly string[],
    resource: string,
    priority: CallPriority,
    schema: S,
    send: (client: IVSRealTimeClient) => Promise<unknown>,
  ): Promise<IvsResult<z.output<S>>> {
    return this.#shared.read(
      {
        key: `${this.#quotaAccount(scope.accountId)} ${scope.region} ${operation} ${JSON.stringify(input)}`,
        tags,
        priority,
        maxAgeMs: priority === 'interactive' ? Number.POSITIVE_INFINITY : 0,
      },
      (call) => this.#call(scope, operation, resource, call, schema, send),
    );
  }

  async #call<S extends z.ZodType>(
    scope: CallScope,
    operation: string,
    resource: string,
    call: SharedCall,
    schema: S,
    send: (client: IVSRealTimeClient) => Promise<unknown>,
  ): Promise<IvsResult<z.output<S>>> {
    // The client first: a region the bot does not call (IVS_REGIONS) is refused before it can
    // take a quota bucket of its own.
    const { region } = scope;
    let client: IVSRealTimeClient;
    try {
      client = this.#options.clientFor(region, scope.accountId);
    } catch (error) {
      if (!(error instanceof UnknownRegionError)) throw error;
      return { ok: false, failure: { kind: 'invalid_input', operation, resource, detail: error.message } };
    }
    // IVS's quota is per account and region: each account's calls wait in their own buckets.
    const account = this.#quotaAccount(scope.accountId);
    const ticket = this.#options.budget.enqueue(`${account}:${region}:${operation}`, call.priority);
    call.onRaise(ticket.raise);
    await ticket.granted;
    const priority = call.priority;
    const started = performance.now();
    let result: IvsResult<z.output<S>>;
    try {
      const answer = await send(client);
      const parsed = schema.safeParse(answer);
      result = parsed.success
        ? { ok: true, value: parsed.data }
        : {
            ok: false,
            failure: {
              kind: 'unavailable',
              operation,
              resource,
              detail: `unexpected answer from IVS: ${z.prettifyError(parsed.error)}`,
            },
          };
    } catch (error) {
      const failure = toIvsFailure(error, operation, resource);
      // The bot's own credentials were used for a stage that names an account: maybe another one.
      const ownCredentialsFor =
        failure.kind === 'access_denied' && scope.accountId !== undefined && account === DEFAULT_ACCOUNT
          ? scope.accountId
          : undefined;
      result = { ok: false, failure: ownCredentialsFor ? { ...failure, ownCredentialsFor } : failure };
    }
    const durationMs = performance.now() - started;
    const outcome = result.ok ? 'ok' : result.failure.kind;
    this.#options.onCall?.(operation, outcome, durationMs);
    const log = { operation, region, account, priority, outcome, durationMs: Math.round(durationMs) };
    if (result.ok) this.#options.logger.debug(log, 'ivs call');
    else this.#options.logger.warn({ ...log, detail: result.failure.detail }, 'ivs call failed');
    return result;
  }
}

function pageInput(page: PageRequest): { maxResults: number; nextToken?: string } {
  return page.nextToken
    ? { maxResults: page.maxResults, nextToken: page.nextToken }
    : { maxResults: page.maxResults };
}

function filterInput(filter: ParticipantFilter) {
  switch (filter.kind) {
    case 'none':
      return {};
    case 'state':
      return { filterByState: filter.state };
    case 'published':
      return { filterByPublished: true };
    case 'user':
      return { filterByUserId: filter.userId };
    case 'recording':
      return { filterByRecordingState: filter.state };
  }
}
