// Contract between the simulator and the real service's wire shapes: the same SDK calls are answered once by
// the simulator and once by nock with bodies written against the SDK model's types (Wire<T> below, checked
// by tsc), and the SDK must parse both into the same structure. The simulator's raw JSON must also equal the
// model-typed body field for field, so an extra, missing or misspelt field fails here rather than in prod.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import {
  DisconnectParticipantCommand,
  type DisconnectParticipantResponse,
  type Event,
  type ExchangedParticipantToken,
  GetParticipantCommand,
  type GetParticipantResponse,
  GetStageCommand,
  type GetStageResponse,
  GetStageSessionCommand,
  type GetStageSessionResponse,
  IVSRealTimeClient,
  type ListParticipantEventsResponse,
  ListParticipantsCommand,
  type ListParticipantsResponse,
  ListStageSessionsCommand,
  type ListStageSessionsResponse,
  ListStagesCommand,
  type ListStagesResponse,
  type Participant,
  type ParticipantSummary,
  paginateListParticipantEvents,
} from '@aws-sdk/client-ivs-realtime';
import nock from 'nock';
import { type IvsOperation, IvsSimulator } from '../../testkit/ivsSimulator.ts';

/** A model shape as it travels in JSON: timestamps are ISO-8601 strings. */
type Wire<T> = { [K in keyof T]: WireValue<T[K]> };
type WireValue<V> = V extends Date
  ? string
  : V extends readonly (infer U)[]
    ? WireValue<U>[]
    : V extends object
      ? Wire<V>
      : V;
/** Every member present: a model that gains a field fails the type check until the fixture (and simulator) has it. */
type Complete<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

const REGION = 'us-east-1';
const SERVICE = `https://ivsrealtime.${REGION}.amazonaws.com`;
const STAGE_ID = 'Ab12Cd34Ef56';
const STAGE_ARN = `arn:aws:ivs:${REGION}:123456789012:stage/${STAGE_ID}`;
const OLD_SESSION = 'st-OldOldOldOld1';
const SESSION_ID = 'st-ZyXwVuTsRqPo1';
const PARTICIPANT_ID = 'Pq7Rs8Tu9Vw0';
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

const stageWire = {
  arn: STAGE_ARN,
  name: 'town-hall',
  activeSessionId: SESSION_ID,
  tags: { team: 'video', env: 'test' },
  endpoints: {
    events: 'wss://global.events.live-video.net',
    whip: `https://${STAGE_ID}.global-bm.whip.live-video.net`,
    rtmp: `rtmp://${STAGE_ID}.global-contribute-staging.live-video.net/app/`,
    rtmps: `rtmps://${STAGE_ID}.global-contribute-staging.live-video.net:443/app/`,
  },
} satisfies Wire<Complete<Omit<GetStageResponse['stage'] & object, 'autoParticipantRecordingConfiguration'>>>;

// Timestamps written the ways a server may: with or without milliseconds, Z or a numeric offset.
const oldSessionWire = {
  sessionId: OLD_SESSION,
  startTime: '2026-11-25T08:00:00Z',
  endTime: '2026-11-25T09:30:00Z',
};
const sessionWire = { sessionId: SESSION_ID, startTime: '2026-11-25T09:30:00.250Z' } satisfies Wire<
  GetStageSessionResponse['stageSession'] & object
>;

const participantWire = {
  participantId: PARTICIPANT_ID,
  userId: 'alice@example.com',
  state: 'CONNECTED',
  firstJoinTime: '2026-11-25T11:30:01+01:00',
  attributes: { displayName: 'Alice', role: 'host' },
  published: true,
  ispName: 'Example Telecom',
  osName: 'Windows',
  osVersion: '10',
  browserName: 'Microsoft Edge',
  browserVersion: '131.0.0.0',
  sdkVersion: '1.20.0',
  recordingS3BucketName: 'recordings-bucket',
  recordingS3Prefix: 'ivs/stage/participant/',
  recordingState: 'ACTIVE',
  protocol: 'WHIP',
  replicationType: 'REPLICA',
  replicationState: 'ACTIVE',
  sourceStageArn: 'arn:aws:ivs:us-east-1:123456789012:stage/SourceStage1',
  sourceSessionId: 'st-SourceSessio1',
  redundantIngest: false,
  ingestConfigurationArn: 'arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCd1234EfGh',
} satisfies Complete<Wire<Participant>>;

const bobWire = {
  participantId: 'Bb0Bb0Bb0Bb0',
  userId: 'bob',
  state: 'DISCONNECTED',
  firstJoinTime: '2026-11-25T10:31:00.000Z',
  published: false,
  recordingState: 'DISABLED',
  replicationType: 'NONE',
  replicationState: 'STOPPED',
  redundantIngest: false,
} satisfies Wire<ParticipantSummary>;

const tokenWire = {
  userId: 'alice@example.com',
  attributes: { displayName: 'Alice' },
  capabilities: ['PUBLISH', 'SUBSCRIBE'],
  expirationTime: '2026-11-26T10:30:00Z',
} satisfies Complete<Wire<ExchangedParticipantToken>>;

const joinedWire = {
  name: 'JOINED',
  participantId: PARTICIPANT_ID,
  eventTime: '2026-11-25T10:30:01Z',
  replica: false,
} satisfies Wire<Event>;
const subscribeErrorWire = {
  name: 'SUBSCRIBE_ERROR',
  participantId: PARTICIPANT_ID,
  eventTime: '2026-11-25T10:30:05.5Z',
  remoteParticipantId: 'Bb0Bb0Bb0Bb0',
  errorCode: 'INSUFFICIENT_CAPABILITIES',
  replica: false,
} satisfies Wire<Event>;
const replicationWire = {
  name: 'REPLICATION_STARTED',
  participantId: PARTICIPANT_ID,
  eventTime: '2026-11-25T10:31:00.000Z',
  destinationStageArn: 'arn:aws:ivs:us-east-1:123456789012:stage/Destination1',
  destinationSessionId: 'st-Destination12',
  replica: true,
} satisfies Wire<Event>;
const exchangedWire = {
  name: 'TOKEN_EXCHANGED',
  participantId: PARTICIPANT_ID,
  eventTime: '2026-11-25T10:32:00Z',
  replica: false,
  previousToken: { ...tokenWire, capabilities: ['SUBSCRIBE'] },
  newToken: tokenWire,
} satisfies Wire<Event>;
const eventsWire = [joinedWire, subscribeErrorWire, replicationWire, exchangedWire];
type KeysOfEither<T> = T extends unknown ? keyof T : never;
type UncoveredEventFields = Exclude<keyof Event, KeysOfEither<(typeof eventsWire)[number]>>;
// Fails to compile when the model gains an Event field that no fixture above exercises.
const everyEventFieldCovered: [UncoveredEventFields] extends [never] ? true : false = true;

let sim: IvsSimulator;
let simClient: IVSRealTimeClient;
let wireClient: IVSRealTimeClient;

before(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  sim = await IvsSimulator.start();
  simClient = new IVSRealTimeClient(sim.clientConfig(REGION));
  wireClient = new IVSRealTimeClient({ region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  seedFromFixtures(sim);
});

afterEach(() => {
  assert.deepEqual(nock.pendingMocks(), [], 'every nock interceptor was used');
  sim.clearFailures();
});

after(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await sim.close();
});

function seedFromFixtures(target: IvsSimulator): void {
  target.addStage({ region: REGION, id: STAGE_ID, name: stageWire.name, tags: stageWire.tags });
  target.startSession(STAGE_ARN, { sessionId: OLD_SESSION, startTime: oldSessionWire.startTime });
  target.endSession(STAGE_ARN, OLD_SESSION, oldSessionWire.endTime);
  target.startSession(STAGE_ARN, { sessionId: SESSION_ID, startTime: sessionWire.startTime });
  target.addParticipant(STAGE_ARN, SESSION_ID, participantWire);
  target.addParticipant(STAGE_ARN, SESSION_ID, bobWire);
  for (const event of eventsWire) {
    const { participantId: _participantId, previousToken, newToken, ...rest }: Wire<Event> = event;
    target.addEvent(STAGE_ARN, SESSION_ID, PARTICIPANT_ID, {
      ...rest,
      name: event.name,
      previousToken: previousToken && tokenFromWire(previousToken),
      newToken: newToken && tokenFromWire(newToken),
    });
  }
}

function tokenFromWire(token: Wire<ExchangedParticipantToken>): ExchangedParticipantToken {
  const { expirationTime, ...rest } = token;
  return expirationTime === undefined ? rest : { ...rest, expirationTime: new Date(expirationTime) };
}

/** Registers one nock answer for `operation`, checking the JSON body the SDK sends. */
function serviceAnswers(
  operation: IvsOperation,
  expectedRequest: Record<string, unknown>,
  status: number,
  body: object,
  errorType?: string,
): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1' };
  if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
  nock(SERVICE)
    .post(`/${operation}`, (sent: Record<string, unknown>) => {
      assert.deepEqual(sent, expectedRequest, `${operation} request body`);
      return true;
    })
    .matchHeader('authorization', new RegExp(`Credential=AKIDTEST/\\d{8}/${REGION}/ivs/aws4_request`))
    .reply(status, body, headers);
}

/** The simulator's raw answer, bypassing the SDK, to compare field for field with the model-typed body. */
async function simulatorWire(operation: IvsOperation, request: object): Promise<unknown> {
  const response = await fetch(`${sim.url}/${operation}`, {
    method: 'POST',
    body: JSON.stringify(request),
    headers: {
      'content-type': 'application/json',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDTEST/20261125/${REGION}/ivs/aws4_request, Signature=00`,
    },
  });
  assert.equal(response.status, 200, `${operation} answered 200`);
  return response.json();
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Timestamps become instants (formats may differ, instants may not); opaque nextTokens become a marker. */
function comparable(value: unknown, key = ''): unknown {
  if (key === 'nextToken') return typeof value === 'string' ? '<token>' : value;
  if (typeof value === 'string' && RFC3339.test(value)) return { instant: Date.parse(value) };
  if (Array.isArray(value)) return value.map((item) => comparable(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v, k)]));
  }
  return value;
}

function withoutMetadata<T extends { $metadata: unknown }>(output: T): Omit<T, '$metadata'> {
  const { $metadata: _metadata, ...rest } = output;
  return rest;
}

const byTime = (a: { eventTime?: Date | undefined }, b: { eventTime?: Date | undefined }): number =>
  (a.eventTime?.getTime() ?? 0) - (b.eventTime?.getTime() ?? 0);

test('the fixtures cover every Event field of the model', () => {
  assert.equal(everyEventFieldCovered, true);
});

test('GetStage', async () => {
  const request = { arn: STAGE_ARN };
  serviceAnswers('GetStage', request, 200, { stage: stageWire } satisfies Wire<GetStageResponse>);
  const fromService = await wireClient.send(new GetStageCommand(request));
  const fromSimulator = await simClient.send(new GetStageCommand(request));
  assert.deepEqual(withoutMetadata(fromSimulator), withoutMetadata(fromService));
  assert.deepEqual(comparable(await simulatorWire('GetStage', request)), comparable({ stage: stageWire }));
});

test('ListStages', async () => {
  const { endpoints: _endpoints, ...summary } = stageWire;
  const body = { stages: [summary] } satisfies Wire<ListStagesResponse>;
  serviceAnswers('ListStages', {}, 200, body);
  const fromService = await wireClient.send(new ListStagesCommand({}));
  const fromSimulator = await simClient.send(new ListStagesCommand({}));
  assert.deepEqual(withoutMetadata(fromSimulator), withoutMetadata(fromService));
  assert.deepEqual(comparable(await simulatorWire('ListStages', {})), comparable(body));
});

test('GetStageSession and ListStageSessions: date-time strings become Dates', async () => {
  const request = { stageArn: STAGE_ARN, sessionId: OLD_SESSION };
  const one = { stageSession: oldSessionWire } satisfies Wire<GetStageSessionResponse>;
  serviceAnswers('GetStageSession', request, 200, one);
  const fromService = await wireClient.send(new GetStageSessionCommand(request));
  const fromSimulator = await simClient.send(new GetStageSessionCommand(request));
  assert.deepEqual(withoutMetadata(fromSimulator), withoutMetadata(fromService));
  assert.deepEqual(fromSimulator.stageSession?.endTime, new Date('2026-11-25T09:30:00Z'));
  assert.deepEqual(comparable(await simulatorWire('GetStageSession', request)), comparable(one));

  const listRequest = { stageArn: STAGE_ARN };
  const many = { stageSessions: [sessionWire, oldSessionWire] } satisfies Wire<ListStageSessionsResponse>;
  serviceAnswers('ListStageSessions', listRequest, 200, many);
  const listedByService = await wireClient.send(new ListStageSessionsCommand(listRequest));
  const listedBySimulator = await simClient.send(new ListStageSessionsCommand(listRequest));
  assert.deepEqual(withoutMetadata(listedBySimulator), withoutMetadata(listedByService));
  assert.ok(listedBySimulator.stageSessions?.[0]?.startTime instanceof Date);
  assert.deepEqual(comparable(await simulatorWire('ListStageSessions', listRequest)), comparable(many));
});

test('GetParticipant: every field of the model, timestamps with an offset', async () => {
  const request = { stageArn: STAGE_ARN, sessionId: SESSION_ID, participantId: PARTICIPANT_ID };
  const body = { participant: participantWire } satisfies Wire<GetParticipantResponse>;
  serviceAnswers('GetParticipant', request, 200, body);
  const fromService = await wireClient.send(new GetParticipantCommand(request));
  const fromSimulator = await simClient.send(new GetParticipantCommand(request));
  assert.deepEqual(withoutMetadata(fromSimulator), withoutMetadata(fromService));
  assert.deepEqual(fromSimulator.participant?.firstJoinTime, new Date('2026-11-25T10:30:01Z'));
  assert.deepEqual(comparable(await simulatorWire('GetParticipant', request)), comparable(body));
});

test("a defaulted participant's wire fields are all members of the model", async () => {
  const participantId = sim.addParticipant(STAGE_ARN, OLD_SESSION);
  const raw = await simulatorWire('GetParticipant', {
    stageArn: STAGE_ARN,
    sessionId: OLD_SESSION,
    participantId,
  });
  const fields = Object.keys((raw as { participant: object }).participant);
  const modelFields = Object.keys(participantWire);
  assert.deepEqual(
    fields.filter((field) => !modelFields.includes(field)),
    [],
  );
});

test('ListParticipants with a filter: summaries only', async () => {
  const request = { stageArn: STAGE_ARN, sessionId: SESSION_ID, filterByState: 'DISCONNECTED' };
  const body = { participants: [bobWire] } satisfies Wire<ListParticipantsResponse>;
  serviceAnswers('ListParticipants', request, 200, body);
  const fromService = await wireClient.send(
    new ListParticipantsCommand({ ...request, filterByState: 'DISCONNECTED' }),
  );
  const fromSimulator = await simClient.send(
    new ListParticipantsCommand({ ...request, filterByState: 'DISCONNECTED' }),
  );
  assert.deepEqual(withoutMetadata(fromSimulator), withoutMetadata(fromService));
  assert.deepEqual(comparable(await simulatorWire('ListParticipants', request)), comparable(body));

  const everyone = await simulatorWire('ListParticipants', { stageArn: STAGE_ARN, sessionId: SESSION_ID });
  const { participantId, userId, state, firstJoinTime, published, recordingState, replicationType } =
    participantWire;
  const { replicationState, sourceStageArn, sourceSessionId, redundantIngest, ingestConfigurationArn } =
    participantWire;
  const aliceSummary = {
    ...{ participantId, userId, state, firstJoinTime, published, recordingState, replicationType },
    ...{ replicationState, sourceStageArn, sourceSessionId, redundantIngest, ingestConfigurationArn },
  } satisfies Complete<Wire<ParticipantSummary>>;
  assert.deepEqual(comparable(everyone), comparable({ participants: [aliceSummary, bobWire] }));
});

test('ListParticipantEvents: paging with nextToken, every Event field, same events in any order', async () => {
  const base = { stageArn: STAGE_ARN, sessionId: SESSION_ID, participantId: PARTICIPANT_ID };
  const firstPage = { events: [joinedWire, subscribeErrorWire], nextToken: 'AYADeJ-opaque-page-2' };
  const lastPage = { events: [replicationWire, exchangedWire] };
  serviceAnswers(
    'ListParticipantEvents',
    { ...base, maxResults: 2 },
    200,
    firstPage satisfies Wire<ListParticipantEventsResponse>,
  );
  serviceAnswers(
    'ListParticipantEvents',
    { ...base, maxResults: 2, nextToken: firstPage.nextToken },
    200,
    lastPage satisfies Wire<ListParticipantEventsResponse>,
  );

  const pagesOf = async (client: IVSRealTimeClient) => {
    const pages: Array<{ events: Event[]; hasNextToken: boolean }> = [];
    // A fresh input per run: the SDK's paginators write nextToken and maxResults into the object they get.
    for await (const page of paginateListParticipantEvents({ client, pageSize: 2 }, { ...base })) {
      pages.push({
        events: [...(page.events ?? [])].sort(byTime),
        hasNextToken: page.nextToken !== undefined,
      });
    }
    return pages;
  };
  const fromService = await pagesOf(wireClient);
  const fromSimulator = await pagesOf(simClient);
  assert.equal(fromSimulator.length, 2);
  assert.deepEqual(fromSimulator, fromService);
  assert.ok(fromSimulator[1]?.events[1]?.newToken?.expirationTime instanceof Date);

  const raw = (await simulatorWire('ListParticipantEvents', { ...base, maxResults: 2 })) as {
    events: object[];
  };
  const sortedRaw = {
    ...raw,
    events: [...raw.events].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
  const sortedWire = {
    ...firstPage,
    events: [...firstPage.events].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
  assert.deepEqual(comparable(sortedRaw), comparable(sortedWire));
});

test('DisconnectParticipant answers an empty object', async () => {
  const extra = sim.addParticipant(STAGE_ARN, SESSION_ID, { userId: 'to-kick' });
  const request = { stageArn: STAGE_ARN, participantId: extra, reason: 'policy' };
  serviceAnswers('DisconnectParticipant', request, 200, {} satisfies Wire<DisconnectParticipantResponse>);
  const fromService = await wireClient.send(new DisconnectParticipantCommand(request));
  const fromSimulator = await simClient.send(new DisconnectParticipantCommand(request));
  assert.deepEqual(withoutMetadata(fromSimulator), withoutMetadata(fromService));
});

/** The parts of an SDK error a caller may rely on. */
async function failureOf(run: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await run();
  } catch (error) {
    const e = error as Error & {
      exceptionMessage?: string;
      $fault?: string;
      $metadata?: { httpStatusCode?: number };
    };
    return {
      class: e.constructor.name,
      name: e.name,
      message: e.message,
      exceptionMessage: e.exceptionMessage,
      fault: e.$fault,
      status: e.$metadata?.httpStatusCode,
    };
  }
  assert.fail('expected a rejection');
}

test('errors: class, name, exceptionMessage, fault and status match for every error the bot maps', async () => {
  const cases: Array<{
    operation: IvsOperation;
    request: Record<string, unknown>;
    send: (client: IVSRealTimeClient) => Promise<unknown>;
    name: string;
    status: number;
    message: string;
    /** Errors the simulator cannot reach through its data are injected. */
    injected: boolean;
  }> = [
    {
      operation: 'GetParticipant',
      request: { stageArn: STAGE_ARN, sessionId: SESSION_ID, participantId: 'nobody' },
      send: (client) =>
        client.send(
          new GetParticipantCommand({ stageArn: STAGE_ARN, sessionId: SESSION_ID, participantId: 'nobody' }),
        ),
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'Participant not found: nobody',
      injected: false,
    },
    {
      operation: 'ListStages',
      request: { maxResults: 0 },
      send: (client) => client.send(new ListStagesCommand({ maxResults: 0 })),
      name: 'ValidationException',
      status: 400,
      message:
        "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100",
      injected: false,
    },
    ...(
      [
        ['AccessDeniedException', 403, 'User is not authorized to perform ivs:GetStage'],
        ['InternalServerException', 500, 'Unexpected error during processing of request.'],
        ['ThrottlingException', 429, 'Rate exceeded'],
        ['ServiceQuotaExceededException', 402, 'Request would cause a service quota to be exceeded.'],
      ] as const
    ).map(([name, status, message]) => ({
      operation: 'GetStage' as const,
      request: { arn: STAGE_ARN },
      send: (client: IVSRealTimeClient) => client.send(new GetStageCommand({ arn: STAGE_ARN })),
      name,
      status,
      message,
      injected: true,
    })),
  ];

  for (const c of cases) {
    // Real services may suffix the error type with a namespace URL; the SDK must strip it.
    serviceAnswers(
      c.operation,
      c.request,
      c.status,
      { exceptionMessage: c.message },
      `${c.name}:http://internal.amazon.com/coral/com.amazonaws.ivsrealtime/`,
    );
    if (c.injected)
      sim.failNext(c.operation, { name: c.name, status: c.status, message: c.message }, { times: 1 });
    const fromService = await failureOf(() => c.send(wireClient));
    const fromSimulator = await failureOf(() => c.send(simClient));
    assert.deepEqual(fromSimulator, fromService, c.name);
    assert.equal(fromSimulator.name, c.name);
    assert.equal(fromSimulator.exceptionMessage, c.message);
    assert.equal(fromSimulator.status, c.status);
  }
});
