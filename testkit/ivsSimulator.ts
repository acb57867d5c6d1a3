// An in-process Amazon IVS Real-Time API for tests, benchmarks and demos: a node:http server speaking
// restJson1 exactly as @aws-sdk/client-ivs-realtime expects, so the real SDK runs against it via `endpoint`
// (or AWS_ENDPOINT_URL_IVS_REALTIME). The SDK types are imported for their shapes only (erased at run time),
// so a model change that renames or retypes a field breaks the type check here instead of drifting silently.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type {
  DisconnectParticipantResponse,
  Event,
  EventErrorCode,
  EventName,
  GetParticipantResponse,
  GetStageResponse,
  GetStageSessionResponse,
  ListParticipantEventsResponse,
  ListParticipantsResponse,
  ListStageSessionsResponse,
  ListStagesResponse,
  Participant,
  ParticipantState,
  ParticipantSummary,
  Stage,
  StageSessionSummary,
  StageSummary,
} from '@aws-sdk/client-ivs-realtime';
import {
  closeServer,
  credentialScope,
  listenLocal,
  readBody,
  type SimulatorClientConfig,
  simulatorClientConfig,
} from './awsHttpServer.ts';

export type { SimulatorClientConfig } from './awsHttpServer.ts';

export const IVS_OPERATIONS = [
  'GetStage',
  'ListStages',
  'GetStageSession',
  'ListStageSessions',
  'ListParticipants',
  'GetParticipant',
  'ListParticipantEvents',
  'DisconnectParticipant',
] as const;
export type IvsOperation = (typeof IVS_OPERATIONS)[number];

/** A time for seeding: a Date, epoch milliseconds or an ISO-8601 string. */
export type TimeInput = Date | number | string;

/** An error the simulator answers with: `x-amzn-errortype: name`, HTTP `status`, body `{ exceptionMessage }`. */
export interface SimulatedError {
  name: string;
  status: number;
  message: string;
}

export interface SimulatorCall {
  operation: string;
  /** From the SigV4 credential scope; undefined when the request was not signed. */
  region: string | undefined;
  /** The account the signing access key belongs to (see `accessKeyAccounts`); undefined when unsigned. */
  account: string | undefined;
  body: Record<string, unknown> | undefined;
  /** Arrival time by the simulator's clock (epoch ms). */
  at: number;
  status: number;
}

/**
 * Where a list puts its newest items. IVS documents no order for ListParticipantEvents or
 * ListStageSessions, so callers must cope with either; the simulator offers both.
 */
export type ListOrder = 'newest-first' | 'oldest-first';

export interface SimulatorOptions {
  /** Port to listen on (127.0.0.1); 0, the default, picks a free one. */
  port?: number;
  /**
   * IVS's API call rate quota: requests per (account, region, operation) in any sliding second, as
   * "all quotas are enforced on a per-account basis in a specific AWS region" (5 TPS for the Stage
   * operations simulated here). Unset: no throttling.
   */
  maxRequestsPerSecondPerOperation?: number;
  /**
   * Which account each access key ID belongs to (temporary STS keys of an assumed role included), so
   * the quota is charged to the account whose credentials signed the request. A key not listed
   * belongs to the default account, 123456789012.
   */
  accessKeyAccounts?: Record<string, string>;
  /** Epoch milliseconds; drives default timestamps and the throttling window. */
  clock?: () => number;
  /** Order of ListParticipantEvents pages by when events were recorded; default oldest-first. */
  eventOrder?: ListOrder;
  /** Order of ListStageSessions by start time; default newest-first, as the console shows them. */
  sessionOrder?: ListOrder;
}

export interface StageInit {
  region?: string;
  accountId?: string;
  id?: string;
  name?: string;
  tags?: Record<string, string>;
}

export interface SessionInit {
  sessionId?: string;
  startTime?: TimeInput;
}

// `| undefined` like the SDK's own optional members, so model-shaped objects can be passed straight in.
export type ParticipantInit = Omit<Participant, 'firstJoinTime'> & { firstJoinTime?: TimeInput | undefined };

export type EventInit = Omit<Event, 'name' | 'participantId' | 'eventTime'> & {
  name: EventName;
  eventTime?: TimeInput | undefined;
};

export interface SeedStageOptions {
  participants: number;
  eventsPerParticipant: number;
  /** Every Nth event of the stage (counted across participants) is an error event with an errorCode. */
  errorEvery?: number;
  region?: string;
  name?: string;
}

export interface SeededStage {
  stageArn: string;
  sessionId: string;
  participantIds: string[];
  eventCount: number;
  errorEventCount: number;
}

/** Client settings that reach this simulator; spread into `new IVSRealTimeClient({...})`. */

type RequestBody = Record<string, unknown>;

interface StageRecord {
  arn: string;
  region: string;
  id: string;
  name: string;
  tags: Record<string, string>;
  activeSessionId: string | undefined;
  sessions: Map<string, SessionRecord>;
}

interface SessionRecord {
  sessionId: string;
  startTime: Date;
  endTime: Date | undefined;
  participants: Map<string, ParticipantRecord>;
}

interface ParticipantRecord {
  participant: Participant;
  events: Event[];
}

interface FaultRule {
  operation: IvsOperation;
  error: SimulatedError;
  remaining: number;
  stageArn: string | undefined;
}

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// The model's constraints (IVS API reference): what the service rejects with ValidationException.
const STAGE_ARN_PATTERN = /^arn:aws:ivs:[a-z0-9-]+:[0-9]+:stage\/[a-zA-Z0-9-]+$/;
const SESSION_ID_PATTERN = /^st-[a-zA-Z0-9]{13}$/;
const PARTICIPANT_STATES: readonly string[] = ['CONNECTED', 'DISCONNECTED'];
const RECORDING_FILTER_STATES: readonly string[] = ['STARTING', 'ACTIVE', 'STOPPING', 'STOPPED', 'FAILED'];
const PARTICIPANT_FILTERS = [
  'filterByUserId',
  'filterByPublished',
  'filterByState',
  'filterByRecordingState',
];

const SEED_SCRIPT: readonly EventName[] = [
  'JOINED',
  'PUBLISH_STARTED',
  'SUBSCRIBE_STARTED',
  'SUBSCRIBE_STOPPED',
  'PUBLISH_STOPPED',
  'LEFT',
];
const SEED_ERRORS: ReadonlyArray<{ name: EventName; errorCode: EventErrorCode }> = [
  { name: 'PUBLISH_ERROR', errorCode: 'BITRATE_EXCEEDED' },
  { name: 'SUBSCRIBE_ERROR', errorCode: 'INSUFFICIENT_CAPABILITIES' },
  { name: 'JOIN_ERROR', errorCode: 'QUOTA_EXCEEDED' },
  { name: 'PUBLISH_ERROR', errorCode: 'RESOLUTION_EXCEEDED' },
  { name: 'PUBLISH_ERROR', errorCode: 'INVALID_VIDEO_CODEC' },
];

/** An API error as the service reports it; thrown by handlers and turned into the wire error. */
class ApiError extends Error {
  readonly status: number;
  constructor(name: string, status: number, message: string) {
    super(message);
    this.name = name;
    this.status = status;
  }
}

const validation = (message: string): ApiError => new ApiError('ValidationException', 400, message);
const notFound = (message: string): ApiError => new ApiError('ResourceNotFoundException', 404, message);

export class IvsSimulator {
  readonly url: string;
  readonly calls: SimulatorCall[] = [];

  private readonly server: Server;
  private readonly clock: () => number;
  private tokenSecret = randomBytes(16);
  private eventOrder: ListOrder;
  private sessionOrder: ListOrder;
  private readonly stages = new Map<string, StageRecord>();
  private readonly stagesByRegion = new Map<string, StageRecord[]>();
  private readonly faults: FaultRule[] = [];
  private readonly delays = new Map<string, number[]>();
  private readonly malformed = new Map<string, number>();
  private readonly windows = new Map<string, number[]>();
  private readonly accountsByKey = new Map<string, string>();
  private readonly pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private rateLimit: number | undefined;
  private idCounter = 0;
  private userCounter = 0;

  private constructor(server: Server, url: string, opts: SimulatorOptions) {
    this.server = server;
    this.url = url;
    this.clock = opts.clock ?? Date.now;
    this.eventOrder = opts.eventOrder ?? 'oldest-first';
    this.sessionOrder = opts.sessionOrder ?? 'newest-first';
    this.setRateLimit(opts.maxRequestsPerSecondPerOperation);
    for (const [accessKeyId, account] of Object.entries(opts.accessKeyAccounts ?? {})) {
      this.setAccessKeyAccount(accessKeyId, account);
    }
  }

  static async start(opts: SimulatorOptions = {}): Promise<IvsSimulator> {
    let simulator: IvsSimulator | undefined;
    const { server, url } = await listenLocal(opts.port ?? 0, async (req, res) => {
      await simulator?.handle(req, res);
    });
    simulator = new IvsSimulator(server, url, opts);
    return simulator;
  }

  async close(): Promise<void> {
    for (const pending of this.pendingDelays) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.pendingDelays.clear();
    await closeServer(this.server);
  }

  clientConfig(region = DEFAULT_REGION): SimulatorClientConfig {
    return simulatorClientConfig(this.url, region);
  }

  // ---- seeding ----

  addStage(init: StageInit = {}): string {
    const region = init.region ?? DEFAULT_REGION;
    const id = init.id ?? this.nextId('stage', 12);
    const arn = `arn:aws:ivs:${region}:${init.accountId ?? DEFAULT_ACCOUNT}:stage/${id}`;
    if (!STAGE_ARN_PATTERN.test(arn)) throw new Error(`addStage: invalid stage ARN ${arn}`);
    if (this.stages.has(arn)) throw new Error(`addStage: stage already exists: ${arn}`);
    const stage: StageRecord = {
      arn,
      region,
      id,
      name: init.name ?? `stage-${id.slice(0, 6)}`,
      tags: { ...init.tags },
      activeSessionId: undefined,
      sessions: new Map(),
    };
    this.stages.set(arn, stage);
    const regional = this.stagesByRegion.get(region);
    if (regional) regional.push(stage);
    else this.stagesByRegion.set(region, [stage]);
    return arn;
  }

  /** Starts a session and makes it the stage's active one; a previously active session ends now. */
  startSession(stageArn: string, init: SessionInit = {}): string {
    const stage = this.seededStage(stageArn);
    const sessionId = init.sessionId ?? `st-${this.nextId('session', 13)}`;
    if (!SESSION_ID_PATTERN.test(sessionId)) {
      throw new Error(`startSession: session IDs are st- plus 13 alphanumerics, got ${sessionId}`);
    }
    if (stage.sessions.has(sessionId)) throw new Error(`startSession: session already exists: ${sessionId}`);
    const startTime = init.startTime === undefined ? new Date(this.clock()) : toDate(init.startTime);
    const previous =
      stage.activeSessionId === undefined ? undefined : stage.sessions.get(stage.activeSessionId);
    if (previous && previous.endTime === undefined) this.closeSession(previous, startTime);
    stage.sessions.set(sessionId, { sessionId, startTime, endTime: undefined, participants: new Map() });
    stage.activeSessionId = sessionId;
    return sessionId;
  }

  endSession(stageArn: string, sessionId: string, endTime?: TimeInput): void {
    const stage = this.seededStage(stageArn);
    const session = this.seededSession(stage, sessionId);
    this.closeSession(session, endTime === undefined ? new Date(this.clock()) : toDate(endTime));
    if (stage.activeSessionId === sessionId) stage.activeSessionId = undefined;
  }

  /** A session that ends disconnects everyone still in it, each with a LEFT event. */
  private closeSession(session: SessionRecord, endTime: Date): void {
    session.endTime = endTime;
    for (const record of session.participants.values()) {
      if (record.participant.state !== 'CONNECTED') continue;
      record.participant.state = 'DISCONNECTED';
      record.events.push({
        name: 'LEFT',
        participantId: record.participant.participantId,
        eventTime: endTime,
        replica: false,
      });
    }
  }

  /** Adds a participant with a default for every field of the model; `fields` override them. */
  addParticipant(stageArn: string, sessionId: string, fields: ParticipantInit = {}): string {
    const session = this.seededSession(this.seededStage(stageArn), sessionId);
    return this.insertParticipant(session, fields).participant.participantId as string;
  }

  private insertParticipant(session: SessionRecord, fields: ParticipantInit): ParticipantRecord {
    const participantId = fields.participantId ?? this.nextId('participant', 12);
    if (session.participants.has(participantId)) {
      throw new Error(`addParticipant: participant already exists: ${participantId}`);
    }
    this.userCounter += 1;
    const { firstJoinTime, ...rest } = fields;
    const participant: Participant = {
      participantId,
      userId: `user-${this.userCounter}`,
      state: 'CONNECTED',
      firstJoinTime: firstJoinTime === undefined ? new Date(this.clock()) : toDate(firstJoinTime),
      attributes: {},
      published: false,
      ispName: 'Example Telecom',
      osName: 'macOS',
      osVersion: '15.1',
      browserName: 'Chrome',
      browserVersion: '131.0.0.0',
      sdkVersion: '1.21.0',
      recordingS3BucketName: '',
      recordingS3Prefix: '',
      recordingState: 'DISABLED',
      protocol: 'WHIP',
      replicationType: 'NONE',
      replicationState: 'STOPPED',
      redundantIngest: false,
      ...rest,
    };
    const record: ParticipantRecord = { participant, events: [] };
    session.participants.set(participantId, record);
    return record;
  }

  setParticipantState(
    stageArn: string,
    sessionId: string,
    participantId: string,
    state: ParticipantState,
  ): void {
    this.seededParticipant(stageArn, sessionId, participantId).participant.state = state;
  }

  updateParticipant(
    stageArn: string,
    sessionId: string,
    participantId: string,
    fields: Omit<ParticipantInit, 'participantId'>,
  ): void {
    const record = this.seededParticipant(stageArn, sessionId, participantId);
    const { firstJoinTime, ...rest } = fields;
    Object.assign(record.participant, rest);
    if (firstJoinTime !== undefined) record.participant.firstJoinTime = toDate(firstJoinTime);
  }

  /** Appends an event; safe while the server runs (the next read sees it). */
  addEvent(stageArn: string, sessionId: string, participantId: string, init: EventInit): void {
    const record = this.seededParticipant(stageArn, sessionId, participantId);
    const { name, eventTime, ...rest } = init;
    record.events.push({
      name,
      participantId,
      eventTime: eventTime === undefined ? new Date(this.clock()) : toDate(eventTime),
      replica: false,
      ...rest,
    });
  }

  /**
   * A participant who left comes back before the session ends: IVS keeps its participantId and its
   * firstJoinTime (the first join), sets it CONNECTED again and records a JOINED event.
   */
  rejoinParticipant(stageArn: string, sessionId: string, participantId: string, at?: TimeInput): void {
    const record = this.seededParticipant(stageArn, sessionId, participantId);
    if (record.participant.state !== 'DISCONNECTED') {
      throw new Error(`rejoinParticipant: ${participantId} is ${record.participant.state}, not DISCONNECTED`);
    }
    record.participant.state = 'CONNECTED';
    record.events.push({
      name: 'JOINED',
      participantId,
      eventTime: at === undefined ? new Date(this.clock()) : toDate(at),
      replica: false,
    });
  }

  /**
   * One stage with an active session full of participants and scripted events, for benchmarks and demos.
   * Every third participant ends with LEFT and is DISCONNECTED; the others stay CONNECTED.
   */
  seedStage(opts: SeedStageOptions): SeededStage {
    const stageInit: StageInit = {};
    if (opts.region !== undefined) stageInit.region = opts.region;
    if (opts.name !== undefined) stageInit.name = opts.name;
    const stageArn = this.addStage(stageInit);
    const sessionStart = this.clock() - (opts.eventsPerParticipant + 1) * 1000;
    const sessionId = this.startSession(stageArn, { startTime: sessionStart });
    const session = this.seededSession(this.seededStage(stageArn), sessionId);
    const participantIds: string[] = [];
    let eventCount = 0;
    let errorEventCount = 0;
    for (let p = 0; p < opts.participants; p++) {
      const record = this.insertParticipant(session, {
        firstJoinTime: sessionStart + 1000,
        attributes: { displayName: `Guest ${p + 1}` },
      });
      const participantId = record.participant.participantId as string;
      const remoteParticipantId = participantIds.at(-1);
      const leaves = p % 3 === 2;
      for (let e = 0; e < opts.eventsPerParticipant; e++) {
        eventCount += 1;
        const eventTime = new Date(sessionStart + (e + 1) * 1000);
        const isError = opts.errorEvery !== undefined && eventCount % opts.errorEvery === 0;
        if (isError) {
          const failure = SEED_ERRORS[errorEventCount % SEED_ERRORS.length] as (typeof SEED_ERRORS)[number];
          errorEventCount += 1;
          record.events.push({ ...failure, participantId, eventTime, replica: false });
          continue;
        }
        let name = SEED_SCRIPT[e % SEED_SCRIPT.length] as EventName;
        const isLast = e === opts.eventsPerParticipant - 1;
        if (isLast && leaves) name = 'LEFT';
        else if (isLast && name === 'LEFT') name = 'JOINED'; // rejoined, so it ends connected
        const event: Event = { name, participantId, eventTime, replica: false };
        if (name.startsWith('SUBSCRIBE') && remoteParticipantId !== undefined) {
          event.remoteParticipantId = remoteParticipantId;
        }
        if (name === 'PUBLISH_STARTED') record.participant.published = true;
        record.events.push(event);
      }
      if (leaves) record.participant.state = 'DISCONNECTED';
      participantIds.push(participantId);
    }
    return { stageArn, sessionId, participantIds, eventCount, errorEventCount };
  }

  // ---- faults and throttling ----

  /** Fails `operation` (only for `stageArn`, if given) `times` times, or until clearFailures() without `times`. */
  failNext(
    operation: IvsOperation,
    error: SimulatedError,
    opts: { times?: number; stageArn?: string } = {},
  ): void {
    this.faults.push({
      operation,
      error: { ...error },
      remaining: opts.times ?? Number.POSITIVE_INFINITY,
      stageArn: opts.stageArn,
    });
  }

  /** Holds the next request of `operation` for `ms` before answering it normally; calls queue up. */
  delayNext(operation: IvsOperation, ms: number): void {
    const queue = this.delays.get(operation);
    if (queue) queue.push(ms);
    else this.delays.set(operation, [ms]);
  }

  /** Answers the next `times` requests of `operation` with 200 and a truncated JSON body. */
  respondMalformed(operation: IvsOperation, times = 1): void {
    this.malformed.set(operation, (this.malformed.get(operation) ?? 0) + times);
  }

  /** Where ListParticipantEvents puts new events from now on (also for pages already handed out). */
  setEventOrder(order: ListOrder): void {
    this.eventOrder = order;
  }

  setSessionOrder(order: ListOrder): void {
    this.sessionOrder = order;
  }

  /**
   * Refuses every nextToken handed out so far (ValidationException), as IVS does with a page
   * position it no longer accepts; new tokens work.
   */
  expireTokens(): void {
    this.tokenSecret = randomBytes(16);
  }

  /** Drops every injected failure, delay and malformed answer still pending. */
  clearFailures(): void {
    this.faults.length = 0;
    this.delays.clear();
    this.malformed.clear();
  }

  /**
   * Charges requests signed with `accessKeyId` to `account` from now on (its quota windows, and
   * `SimulatorCall.account`); undefined puts the key back in the default account.
   */
  setAccessKeyAccount(accessKeyId: string, account: string | undefined): void {
    if (account === undefined) {
      this.accountsByKey.delete(accessKeyId);
      return;
    }
    if (!/^\d{12}$/.test(account))
      throw new Error(`setAccessKeyAccount: expected a 12-digit account ID, got ${account}`);
    this.accountsByKey.set(accessKeyId, account);
  }

  /** Allows `perOperationPerSecond` requests per (account, region, operation) in any sliding second; undefined lifts it. */
  setRateLimit(perOperationPerSecond: number | undefined): void {
    if (perOperationPerSecond !== undefined && !(perOperationPerSecond > 0)) {
      throw new Error(`setRateLimit: expected a positive number, got ${perOperationPerSecond}`);
    }
    this.rateLimit = perOperationPerSecond;
    this.windows.clear();
  }

  // ---- observation ----

  callCount(operation?: IvsOperation): number {
    if (operation === undefined) return this.calls.length;
    let count = 0;
    for (const call of this.calls) if (call.operation === operation) count += 1;
    return count;
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.clock();
    const raw = await readBody(req);
    const operation = (req.url ?? '/').split('?')[0]?.replace(/^\//, '') ?? '';
    const scope = credentialScope(req.headers.authorization);
    const region = scope?.region;
    const account =
      scope === undefined ? undefined : (this.accountsByKey.get(scope.accessKeyId) ?? DEFAULT_ACCOUNT);
    const call: SimulatorCall = { operation, region, account, body: undefined, at, status: 0 };
    try {
      if (req.method !== 'POST' || !isOperation(operation)) {
        throw new ApiError(
          'UnknownOperationException',
          404,
          `Unknown operation: ${req.method} /${operation}`,
        );
      }
      if (req.headers.authorization === undefined) {
        throw new ApiError('AccessDeniedException', 403, 'Missing Authentication Token');
      }
      if (region === undefined || scope?.service !== 'ivs') {
        throw new ApiError(
          'AccessDeniedException',
          403,
          "Credential should be scoped to correct service: 'ivs'",
        );
      }
      const body = parseBody(raw);
      call.body = body;
      this.throttle(account ?? DEFAULT_ACCOUNT, region, operation);
      const delay = this.delays.get(operation)?.shift();
      if (delay !== undefined) await this.sleep(delay);
      if (this.takeMalformed(operation)) {
        this.send(res, call, 200, '{"nextToken": "AAAA", "trunc');
        return;
      }
      this.injectFault(operation, body);
      const output = this.dispatch(operation, body, region);
      this.send(res, call, 200, JSON.stringify(output));
    } catch (error) {
      const apiError =
        error instanceof ApiError
          ? error
          : new ApiError('InternalServerException', 500, `Simulator fault: ${String(error)}`);
      this.send(
        res,
        call,
        apiError.status,
        JSON.stringify({ exceptionMessage: apiError.message }),
        apiError.name,
      );
    }
  }

  private send(
    res: ServerResponse,
    call: SimulatorCall,
    status: number,
    text: string,
    errorType?: string,
  ): void {
    call.status = status;
    this.calls.push(call);
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
    };
    if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers);
    res.end(text);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.pendingDelays.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.pendingDelays.add(pending);
    });
  }

  // The quota belongs to the caller's account in the region, not to the stage a request names.
  private throttle(account: string, region: string, operation: IvsOperation): void {
    if (this.rateLimit === undefined) return;
    const key = `${account}|${region}|${operation}`;
    const now = this.clock();
    let window = this.windows.get(key);
    if (!window) {
      window = [];
      this.windows.set(key, window);
    }
    while (window.length > 0 && (window[0] as number) <= now - 1000) window.shift();
    if (window.length >= this.rateLimit) {
      throw new ApiError('ThrottlingException', 429, 'Rate exceeded');
    }
    window.push(now);
  }

  private takeMalformed(operation: IvsOperation): boolean {
    const left = this.malformed.get(operation) ?? 0;
    if (left <= 0) return false;
    if (left === 1) this.malformed.delete(operation);
    else this.malformed.set(operation, left - 1);
    return true;
  }

  private injectFault(operation: IvsOperation, body: RequestBody): void {
    const target = body.stageArn ?? body.arn;
    const index = this.faults.findIndex(
      (rule) => rule.operation === operation && (rule.stageArn === undefined || rule.stageArn === target),
    );
    const rule = this.faults[index];
    if (!rule) return;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults.splice(index, 1);
    throw new ApiError(rule.error.name, rule.error.status, rule.error.message);
  }

  private dispatch(operation: IvsOperation, body: RequestBody, region: string): object {
    switch (operation) {
      case 'GetStage':
        return this.getStage(body, region);
      case 'ListStages':
        return this.listStages(body, region);
      case 'GetStageSession':
        return this.getStageSession(body, region);
      case 'ListStageSessions':
        return this.listStageSessions(body, region);
      case 'ListParticipants':
        return this.listParticipants(body, region);
      case 'GetParticipant':
        return this.getParticipant(body, region);
      case 'ListParticipantEvents':
        return this.listParticipantEvents(body, region);
      case 'DisconnectParticipant':
        return this.disconnectParticipant(body, region);
    }
  }

  // ---- operations ----

  private getStage(body: RequestBody, region: string): GetStageResponse {
    const stage = this.visibleStage(body, 'arn', region);
    const view: Stage = {
      arn: stage.arn,
      name: stage.name,
      tags: { ...stage.tags },
      endpoints: {
        events: 'wss://global.events.live-video.net',
        whip: `https://${stage.id}.global-bm.whip.live-video.net`,
        rtmp: `rtmp://${stage.id}.global-contribute-staging.live-video.net/app/`,
        rtmps: `rtmps://${stage.id}.global-contribute-staging.live-video.net:443/app/`,
      },
    };
    if (stage.activeSessionId !== undefined) view.activeSessionId = stage.activeSessionId;
    return { stage: view };
  }

  private listStages(body: RequestBody, region: string): ListStagesResponse {
    const page = this.page(body, `ListStages|${region}`, this.stagesByRegion.get(region) ?? []);
    const stages = page.items.map((stage): StageSummary => {
      const summary: StageSummary = { arn: stage.arn, name: stage.name, tags: { ...stage.tags } };
      if (stage.activeSessionId !== undefined) summary.activeSessionId = stage.activeSessionId;
      return summary;
    });
    return { stages, nextToken: page.nextToken };
  }

  private getStageSession(body: RequestBody, region: string): GetStageSessionResponse {
    const session = this.visibleSession(body, region);
    return { stageSession: sessionView(session) };
  }

  private listStageSessions(body: RequestBody, region: string): ListStageSessionsResponse {
    const stage = this.visibleStage(body, 'stageArn', region);
    // Newest first by default, as the console shows them; the API reference does not promise an order.
    const sign = this.sessionOrder === 'newest-first' ? -1 : 1;
    const sessions = [...stage.sessions.values()].sort(
      (a, b) => sign * (a.startTime.getTime() - b.startTime.getTime()),
    );
    const page = this.page(body, `ListStageSessions|${stage.arn}`, sessions);
    return { stageSessions: page.items.map(sessionView), nextToken: page.nextToken };
  }

  private listParticipants(body: RequestBody, region: string): ListParticipantsResponse {
    const session = this.visibleSession(body, region);
    const given = PARTICIPANT_FILTERS.filter((key) => body[key] !== undefined && body[key] !== null);
    if (given.length > 1) {
      throw validation(
        'Only one of filterByUserId, filterByPublished, filterByState, or filterByRecordingState can be provided per request',
      );
    }
    const filter = participantFilter(body, given[0]);
    const matching: Participant[] = [];
    for (const record of session.participants.values()) {
      if (filter(record.participant)) matching.push(record.participant);
    }
    const filterKey = given[0];
    const filterText = filterKey === undefined ? 'all' : `${filterKey}=${JSON.stringify(body[filterKey])}`;
    const page = this.page(
      body,
      `ListParticipants|${stageArnOf(body)}|${session.sessionId}|${filterText}`,
      matching,
    );
    return { participants: page.items.map(participantSummary), nextToken: page.nextToken };
  }

  private getParticipant(body: RequestBody, region: string): GetParticipantResponse {
    const record = this.visibleParticipant(body, region);
    return { participant: { ...record.participant } };
  }

  private listParticipantEvents(body: RequestBody, region: string): ListParticipantEventsResponse {
    const record = this.visibleParticipant(body, region);
    const participantId = record.participant.participantId ?? '';
    // A token belongs to the query that minted it: the same participant in another session or stage
    // is another list.
    const scope = `ListParticipantEvents|${stageArnOf(body)}|${String(body.sessionId)}|${participantId}`;
    const recorded = this.eventOrder === 'oldest-first' ? record.events : record.events.toReversed();
    const page = this.page(body, scope, recorded);
    // IVS documents no order for events: pages follow `eventOrder` (where new events appear), and a
    // deterministic shuffle within each page keeps callers from relying on an order inside a page.
    return {
      events: unsortedPage(page.items, `${participantId}|${page.offset}`),
      nextToken: page.nextToken,
    };
  }

  private disconnectParticipant(body: RequestBody, region: string): DisconnectParticipantResponse {
    const stage = this.visibleStage(body, 'stageArn', region);
    const participantId = requiredString(body, 'participantId');
    if (body.reason !== undefined && typeof body.reason !== 'string') {
      throw validation("Value at 'reason' failed to satisfy constraint: Member must be a string");
    }
    const session =
      stage.activeSessionId === undefined ? undefined : stage.sessions.get(stage.activeSessionId);
    const record = session?.participants.get(participantId);
    if (!record) throw notFound(`Participant not found: ${participantId}`);
    // Disconnecting twice is a no-op rather than a second LEFT event.
    if (record.participant.state !== 'DISCONNECTED') {
      record.participant.state = 'DISCONNECTED';
      record.events.push({ name: 'LEFT', participantId, eventTime: new Date(this.clock()), replica: false });
    }
    return {};
  }

  // ---- lookups ----

  private visibleStage(body: RequestBody, field: 'arn' | 'stageArn', region: string): StageRecord {
    const arn = requiredString(body, field);
    if (!STAGE_ARN_PATTERN.test(arn)) {
      throw validation(
        `Value at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern`,
      );
    }
    const stage = this.stages.get(arn);
    // A stage of another region is invisible to this region's endpoint, as with the real service.
    if (!stage || stage.region !== region) throw notFound(`Stage not found: ${arn}`);
    return stage;
  }

  private visibleSession(body: RequestBody, region: string): SessionRecord {
    const stage = this.visibleStage(body, 'stageArn', region);
    const sessionId = requiredString(body, 'sessionId');
    if (!SESSION_ID_PATTERN.test(sessionId)) {
      throw validation(
        "Value at 'sessionId' failed to satisfy constraint: Member must have length 16 and match pattern ^st-[a-zA-Z0-9]+$",
      );
    }
    const session = stage.sessions.get(sessionId);
    if (!session) throw notFound(`Session not found: ${sessionId}`);
    return session;
  }

  private visibleParticipant(body: RequestBody, region: string): ParticipantRecord {
    const session = this.visibleSession(body, region);
    const participantId = requiredString(body, 'participantId');
    const record = session.participants.get(participantId);
    if (!record) throw notFound(`Participant not found: ${participantId}`);
    return record;
  }

  private seededStage(stageArn: string): StageRecord {
    const stage = this.stages.get(stageArn);
    if (!stage) throw new Error(`Unknown stage ${stageArn}; call addStage first`);
    return stage;
  }

  private seededSession(stage: StageRecord, sessionId: string): SessionRecord {
    const session = stage.sessions.get(sessionId);
    if (!session) throw new Error(`Unknown session ${sessionId} of ${stage.arn}; call startSession first`);
    return session;
  }

  private seededParticipant(stageArn: string, sessionId: string, participantId: string): ParticipantRecord {
    const session = this.seededSession(this.seededStage(stageArn), sessionId);
    const record = session.participants.get(participantId);
    if (!record)
      throw new Error(`Unknown participant ${participantId} in ${sessionId}; call addParticipant first`);
    return record;
  }

  // ---- paging ----

  private page<T>(
    body: RequestBody,
    scope: string,
    all: readonly T[],
  ): { items: T[]; nextToken?: string; offset: number } {
    const size = pageSize(body);
    const token = body.nextToken;
    if (token !== undefined && token !== null && typeof token !== 'string') {
      throw validation("Value at 'nextToken' failed to satisfy constraint: Member must be a string");
    }
    const offset = token ? this.decodeToken(token, scope) : 0;
    const end = offset + size;
    const items = all.slice(offset, end);
    return end < all.length ? { items, nextToken: this.encodeToken(end, scope), offset } : { items, offset };
  }

  // Offset plus a keyed checksum over (scope, offset): opaque to callers, and a token that was garbled or
  // minted for another list is rejected as the service does.
  private encodeToken(offset: number, scope: string): string {
    return Buffer.from(`${offset}.${this.tokenMac(offset, scope)}`).toString('base64url');
  }

  private decodeToken(token: string, scope: string): number {
    const match = /^(\d{1,9})\.([0-9a-f]{16})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    const offset = Number(match?.[1]);
    if (!match || match[2] !== this.tokenMac(offset, scope)) throw validation('The nextToken is not valid');
    return offset;
  }

  private tokenMac(offset: number, scope: string): string {
    return createHash('sha256')
      .update(this.tokenSecret)
      .update(`${scope}#${offset}`)
      .digest('hex')
      .slice(0, 16);
  }

  // Deterministic per simulator, so reruns of a test see the same IDs.
  private nextId(kind: string, length: number): string {
    this.idCounter += 1;
    const digest = createHash('sha256').update(`${kind}:${this.idCounter}`).digest();
    let id = '';
    for (let i = 0; i < length; i++) id += ALNUM.charAt(digest.readUInt8(i) % ALNUM.length);
    return id;
  }
}

function parseBody(raw: string): RequestBody {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError('SerializationException', 400, 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError('SerializationException', 400, 'Request body must be a JSON object');
  }
  return parsed as RequestBody;
}

function isOperation(name: string): name is IvsOperation {
  return (IVS_OPERATIONS as readonly string[]).includes(name);
}

/** The stage of a request already validated by visibleStage/visibleSession. */
function stageArnOf(body: RequestBody): string {
  return String(body.stageArn);
}

function requiredString(body: RequestBody, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw validation(`Value at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function pageSize(body: RequestBody): number {
  const value = body.maxResults;
  if (value === undefined || value === null) return DEFAULT_PAGE_SIZE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw validation(
      `Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${MAX_PAGE_SIZE}`,
    );
  }
  return value;
}

function participantFilter(
  body: RequestBody,
  key: string | undefined,
): (participant: Participant) => boolean {
  const value = key === undefined ? undefined : body[key];
  switch (key) {
    case undefined:
      return () => true;
    case 'filterByUserId':
      if (typeof value !== 'string') throw validation("Value at 'filterByUserId' must be a string");
      return (participant) => participant.userId === value;
    case 'filterByPublished':
      if (typeof value !== 'boolean') throw validation("Value at 'filterByPublished' must be a boolean");
      return (participant) => (participant.published ?? false) === value;
    case 'filterByState':
      if (typeof value !== 'string' || !PARTICIPANT_STATES.includes(value)) {
        throw validation(`Value at 'filterByState' must be one of ${PARTICIPANT_STATES.join(', ')}`);
      }
      return (participant) => participant.state === value;
    default:
      if (typeof value !== 'string' || !RECORDING_FILTER_STATES.includes(value)) {
        throw validation(
          `Value at 'filterByRecordingState' must be one of ${RECORDING_FILTER_STATES.join(', ')}`,
        );
      }
      return (participant) => participant.recordingState === value;
  }
}

function participantSummary(participant: Participant): ParticipantSummary {
  const {
    participantId,
    userId,
    state,
    firstJoinTime,
    published,
    recordingState,
    replicationType,
    replicationState,
    sourceStageArn,
    sourceSessionId,
    redundantIngest,
    ingestConfigurationArn,
  } = participant;
  return {
    participantId,
    userId,
    state,
    firstJoinTime,
    published,
    recordingState,
    replicationType,
    replicationState,
    sourceStageArn,
    sourceSessionId,
    redundantIngest,
    ingestConfigurationArn,
  };
}

function sessionView(session: SessionRecord): StageSessionSummary {
  const view: StageSessionSummary = { sessionId: session.sessionId, startTime: session.startTime };
  if (session.endTime !== undefined) view.endTime = session.endTime;
  return view;
}

function toDate(time: TimeInput): Date {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw new Error(`Invalid time: ${String(time)}`);
  return date;
}

/** Shuffles a page deterministically and never returns it in ascending eventTime order (for 3+ events, in neither order). */
function unsortedPage(page: readonly Event[], seedText: string): Event[] {
  const out = page.slice();
  let state = createHash('sha256').update(seedText).digest().readUInt32BE(0);
  const random = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as Event, out[i] as Event];
  }
  const times = out.map((event) => event.eventTime?.getTime() ?? 0);
  const ascending = times.every((time, i) => i === 0 || (times[i - 1] as number) <= time);
  const descending = times.every((time, i) => i === 0 || (times[i - 1] as number) >= time);
  if (out.length === 2 && ascending) out.reverse();
  else if (out.length > 2 && (ascending || descending)) out.push(out.shift() as Event);
  return out;
}
