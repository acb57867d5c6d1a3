import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AccessDeniedException,
  DisconnectParticipantCommand,
  type Event,
  GetParticipantCommand,
  GetStageCommand,
  GetStageSessionCommand,
  InternalServerException,
  IVSRealTimeClient,
  IVSRealTimeServiceException,
  ListParticipantEventsCommand,
  ListParticipantsCommand,
  type ListParticipantsCommandInput,
  ListStageSessionsCommand,
  ListStagesCommand,
  paginateListParticipantEvents,
  paginateListParticipants,
  paginateListStages,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-ivs-realtime';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

/** A simulator with a hand-driven clock, so throttling windows and default timestamps are exact. */
async function startWithClock(
  opts: { maxRequestsPerSecondPerOperation?: number; accessKeyAccounts?: Record<string, string> } = {},
) {
  const clock = { now: T0 };
  const sim = await IvsSimulator.start({ ...opts, clock: () => clock.now });
  return { sim, clock };
}

function clientFor(sim: IvsSimulator, region = 'us-east-1', maxAttempts = 1): IVSRealTimeClient {
  return new IVSRealTimeClient({ ...sim.clientConfig(region), maxAttempts });
}

/** What the SDK rejects with: service exceptions, and TimeoutError/SyntaxError that carry $metadata too. */
type SdkFailure = Error & {
  exceptionMessage?: string;
  $fault?: string;
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number };
};

/** Runs `run`, expecting it to reject, and returns what it rejected with. */
async function rejection(run: () => Promise<unknown>): Promise<SdkFailure> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof Error, 'rejects with an Error');
    return error as SdkFailure;
  }
  assert.fail('expected a rejection');
}

function signedHeaders(region: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDTEST/20261125/${region}/ivs/aws4_request, SignedHeaders=host, Signature=00`,
  };
}

test('start() listens on 127.0.0.1 with a free port and close() stops it', async () => {
  const sim = await IvsSimulator.start();
  assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  await sim.close();
  await assert.rejects(fetch(`${sim.url}/ListStages`, { method: 'POST', body: '{}' }));
});

test('unsigned requests are refused with 403 AccessDeniedException, so we know the SDK signs', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const response = await fetch(`${sim.url}/ListStages`, { method: 'POST', body: '{}' });
  assert.equal(response.status, 403);
  assert.equal(response.headers.get('x-amzn-errortype'), 'AccessDeniedException');
  assert.deepEqual(await response.json(), { exceptionMessage: 'Missing Authentication Token' });

  const wrongService = await fetch(`${sim.url}/ListStages`, {
    method: 'POST',
    body: '{}',
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/s3/aws4_request' },
  });
  assert.equal(wrongService.status, 403);

  const signed = await clientFor(sim).send(new ListStagesCommand({}));
  assert.deepEqual(signed.stages, []);
  assert.equal(sim.calls.at(-1)?.region, 'us-east-1');
});

test('unknown operations answer 404 UnknownOperationException; bodies that are not JSON 400', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const unknown = await fetch(`${sim.url}/CreateStage`, {
    method: 'POST',
    body: '{}',
    headers: signedHeaders('us-east-1'),
  });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers.get('x-amzn-errortype'), 'UnknownOperationException');
  const garbage = await fetch(`${sim.url}/ListStages`, {
    method: 'POST',
    body: '{nope',
    headers: signedHeaders('us-east-1'),
  });
  assert.equal(garbage.status, 400);
  assert.equal(garbage.headers.get('x-amzn-errortype'), 'SerializationException');
});

test('GetStage returns the stage with endpoints, tags and the active session', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const stageArn = sim.addStage({ id: 'AbCdEfGhIjKl', name: 'town-hall', tags: { team: 'video' } });
  assert.equal(stageArn, 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEfGhIjKl');
  const idle = await clientFor(sim).send(new GetStageCommand({ arn: stageArn }));
  assert.equal(idle.stage?.activeSessionId, undefined);

  const sessionId = sim.startSession(stageArn);
  const { stage } = await clientFor(sim).send(new GetStageCommand({ arn: stageArn }));
  assert.equal(stage?.arn, stageArn);
  assert.equal(stage?.name, 'town-hall');
  assert.equal(stage?.activeSessionId, sessionId);
  assert.deepEqual(stage?.tags, { team: 'video' });
  assert.match(stage?.endpoints?.whip ?? '', /^https:\/\/AbCdEfGhIjKl\./);
});

test('generated IDs have the shapes of the real service', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const stageArn = sim.addStage({ region: 'eu-west-1', accountId: '210987654321' });
  assert.match(stageArn, /^arn:aws:ivs:eu-west-1:210987654321:stage\/[a-zA-Z0-9]{12}$/);
  const sessionId = sim.startSession(stageArn);
  assert.match(sessionId, /^st-[a-zA-Z0-9]{13}$/);
  assert.equal(sessionId.length, 16);
  assert.match(sim.addParticipant(stageArn, sessionId), /^[a-zA-Z0-9]{12}$/);
  assert.throws(() => sim.startSession(stageArn, { sessionId: 'st-short' }), /13 alphanumerics/);
});

test('errors carry name, exceptionMessage and status the way the SDK surfaces them', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const missing = 'arn:aws:ivs:us-east-1:123456789012:stage/NoSuchStage1';
  const error = await rejection(() => clientFor(sim).send(new GetStageCommand({ arn: missing })));
  assert.ok(error instanceof ResourceNotFoundException);
  assert.equal(error.name, 'ResourceNotFoundException');
  assert.equal(error.exceptionMessage, `Stage not found: ${missing}`);
  // restJson1 reads `message` from the body; IVS puts its text in `exceptionMessage` only.
  assert.equal(error.message, 'UnknownError');
  assert.equal(error.$fault, 'client');
  assert.equal(error.$metadata.httpStatusCode, 404);
  assert.match(error.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);

  const invalid = await rejection(() => clientFor(sim).send(new GetStageCommand({ arn: 'not-an-arn' })));
  assert.ok(invalid instanceof ValidationException);
  assert.equal(invalid.$metadata.httpStatusCode, 400);
});

test('a stage ARN of another region is not found, and ListStages lists only the signing region', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const east = sim.addStage({ region: 'us-east-1', name: 'east' });
  const west = sim.addStage({ region: 'eu-west-1', name: 'west' });

  const fromWest = await rejection(() =>
    clientFor(sim, 'eu-west-1').send(new GetStageCommand({ arn: east })),
  );
  assert.equal(fromWest.name, 'ResourceNotFoundException');
  const { stage } = await clientFor(sim, 'eu-west-1').send(new GetStageCommand({ arn: west }));
  assert.equal(stage?.name, 'west');

  const eastList = await clientFor(sim, 'us-east-1').send(new ListStagesCommand({}));
  assert.deepEqual(
    eastList.stages?.map((s) => s.arn),
    [east],
  );
  const westList = await clientFor(sim, 'eu-west-1').send(new ListStagesCommand({}));
  assert.deepEqual(
    westList.stages?.map((s) => s.name),
    ['west'],
  );
  assert.deepEqual(
    sim.calls.map((call) => call.region),
    ['eu-west-1', 'eu-west-1', 'us-east-1', 'eu-west-1'],
  );
});

test('ListStages pages with opaque nextTokens and validates maxResults and tokens', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const arns = Array.from({ length: 7 }, (_, i) => sim.addStage({ name: `stage-${i}` }));
  const client = clientFor(sim);

  const pages: string[][] = [];
  for await (const page of paginateListStages({ client, pageSize: 3 }, {})) {
    pages.push(page.stages?.map((s) => s.arn ?? '') ?? []);
  }
  assert.deepEqual(
    pages.map((p) => p.length),
    [3, 3, 1],
  );
  assert.deepEqual(pages.flat(), arns);

  const first = await client.send(new ListStagesCommand({ maxResults: 3 }));
  assert.ok(first.nextToken);
  assert.doesNotMatch(first.nextToken, /^\d+$/, 'the token is not a bare offset');
  const exact = await client.send(new ListStagesCommand({ maxResults: 7 }));
  assert.equal(exact.nextToken, undefined, 'no token once the list is exhausted');
  const defaultPage = await client.send(new ListStagesCommand({}));
  assert.equal(defaultPage.stages?.length, 7);

  for (const maxResults of [0, 101, 2.5]) {
    const error = await rejection(() => client.send(new ListStagesCommand({ maxResults })));
    assert.equal(error.name, 'ValidationException', `maxResults ${maxResults}`);
    assert.match(String(error.exceptionMessage), /maxResults/);
  }
  await client.send(new ListStagesCommand({ maxResults: 100 }));
  await client.send(new ListStagesCommand({ maxResults: 1 }));

  const garbled = `${first.nextToken.slice(0, -2)}xx`;
  for (const nextToken of [garbled, 'hello', Buffer.from('3.0000000000000000').toString('base64url')]) {
    const error = await rejection(() => client.send(new ListStagesCommand({ nextToken })));
    assert.equal(error.name, 'ValidationException');
    assert.equal(error.exceptionMessage, 'The nextToken is not valid');
  }
  const otherRegion = await rejection(() =>
    clientFor(sim, 'eu-west-1').send(new ListStagesCommand({ nextToken: first.nextToken })),
  );
  assert.equal(otherRegion.name, 'ValidationException', 'a token only works for the list that minted it');
});

test('sessions: active session, GetStageSession and ListStageSessions with Date timestamps, newest first', async () => {
  const { sim } = await startWithClock();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const first = sim.startSession(stageArn, { startTime: '2026-11-25T08:00:00Z' });
  const second = sim.startSession(stageArn, { startTime: new Date('2026-11-25T09:00:00Z') });
  const client = clientFor(sim);

  const old = await client.send(new GetStageSessionCommand({ stageArn, sessionId: first }));
  assert.deepEqual(old.stageSession, {
    sessionId: first,
    startTime: new Date('2026-11-25T08:00:00Z'),
    endTime: new Date('2026-11-25T09:00:00Z'),
  });
  const current = await client.send(new GetStageSessionCommand({ stageArn, sessionId: second }));
  assert.ok(current.stageSession?.startTime instanceof Date);
  assert.equal(current.stageSession?.endTime, undefined);

  const listed = await client.send(new ListStageSessionsCommand({ stageArn }));
  assert.deepEqual(
    listed.stageSessions?.map((s) => s.sessionId),
    [second, first],
  );

  sim.endSession(stageArn, second);
  const ended = await client.send(new GetStageSessionCommand({ stageArn, sessionId: second }));
  assert.deepEqual(ended.stageSession?.endTime, new Date(T0));
  const { stage } = await client.send(new GetStageCommand({ arn: stageArn }));
  assert.equal(stage?.activeSessionId, undefined);

  const unknown = await rejection(() =>
    client.send(new GetStageSessionCommand({ stageArn, sessionId: 'st-AAAAAAAAAAAAA' })),
  );
  assert.equal(unknown.name, 'ResourceNotFoundException');
  assert.equal(unknown.exceptionMessage, 'Session not found: st-AAAAAAAAAAAAA');
  const malformed = await rejection(() =>
    client.send(new GetStageSessionCommand({ stageArn, sessionId: 'st-1' })),
  );
  assert.equal(malformed.name, 'ValidationException');
});

test('addParticipant fills every Participant field of the model; GetParticipant returns them all', async () => {
  const { sim } = await startWithClock();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const sessionId = sim.startSession(stageArn);
  const participantId = sim.addParticipant(stageArn, sessionId, {
    userId: 'alice',
    attributes: { seat: '12' },
  });
  const { participant } = await clientFor(sim).send(
    new GetParticipantCommand({ stageArn, sessionId, participantId }),
  );
  assert.deepEqual(participant, {
    participantId,
    userId: 'alice',
    state: 'CONNECTED',
    firstJoinTime: new Date(T0),
    attributes: { seat: '12' },
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
  });

  const notThere = await rejection(() =>
    clientFor(sim).send(new GetParticipantCommand({ stageArn, sessionId, participantId: 'nobody' })),
  );
  assert.equal(notThere.name, 'ResourceNotFoundException');
  assert.equal(notThere.exceptionMessage, 'Participant not found: nobody');
});

test('ListParticipants returns summaries, applies each filter, and refuses two filters at once', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const sessionId = sim.startSession(stageArn);
  const alice = sim.addParticipant(stageArn, sessionId, {
    userId: 'alice',
    published: true,
    recordingState: 'ACTIVE',
  });
  const bob = sim.addParticipant(stageArn, sessionId, { userId: 'bob' });
  const carol = sim.addParticipant(stageArn, sessionId, { userId: 'carol', recordingState: 'FAILED' });
  sim.setParticipantState(stageArn, sessionId, bob, 'DISCONNECTED');
  const client = clientFor(sim);
  const ids = async (filter: Partial<ListParticipantsCommandInput>) =>
    (await client.send(new ListParticipantsCommand({ stageArn, sessionId, ...filter }))).participants?.map(
      (p) => p.participantId,
    );

  const all = await client.send(new ListParticipantsCommand({ stageArn, sessionId }));
  assert.deepEqual(
    all.participants?.map((p) => p.userId),
    ['alice', 'bob', 'carol'],
  );
  const summary = all.participants?.[0] ?? {};
  assert.ok(summary.firstJoinTime instanceof Date);
  assert.equal('osName' in summary, false, 'summaries leave out the detail fields');
  assert.equal('attributes' in summary, false);

  assert.deepEqual(await ids({ filterByUserId: 'bob' }), [bob]);
  assert.deepEqual(await ids({ filterByPublished: true }), [alice]);
  assert.deepEqual(await ids({ filterByPublished: false }), [bob, carol]);
  assert.deepEqual(await ids({ filterByState: 'DISCONNECTED' }), [bob]);
  assert.deepEqual(await ids({ filterByState: 'CONNECTED' }), [alice, carol]);
  assert.deepEqual(await ids({ filterByRecordingState: 'FAILED' }), [carol]);

  const twoFilters = await rejection(() =>
    client.send(
      new ListParticipantsCommand({ stageArn, sessionId, filterByUserId: 'bob', filterByPublished: false }),
    ),
  );
  assert.equal(twoFilters.name, 'ValidationException');
  assert.match(String(twoFilters.exceptionMessage), /Only one of/);

  const paged: string[] = [];
  for await (const page of paginateListParticipants({ client, pageSize: 2 }, { stageArn, sessionId })) {
    paged.push(...(page.participants?.map((p) => p.participantId ?? '') ?? []));
  }
  assert.deepEqual(paged, [alice, bob, carol]);

  const page1 = await client.send(
    new ListParticipantsCommand({ stageArn, sessionId, filterByState: 'CONNECTED', maxResults: 1 }),
  );
  const switched = await rejection(() =>
    client.send(
      new ListParticipantsCommand({
        stageArn,
        sessionId,
        filterByState: 'DISCONNECTED',
        nextToken: page1.nextToken,
      }),
    ),
  );
  assert.equal(switched.name, 'ValidationException', 'a token is bound to the filter it was minted for');
});

test('ListParticipantEvents: Date eventTimes, pages not sorted by time, every event exactly once', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const sessionId = sim.startSession(stageArn);
  const participantId = sim.addParticipant(stageArn, sessionId);
  for (let i = 0; i < 25; i++) {
    sim.addEvent(stageArn, sessionId, participantId, {
      name: i % 5 === 4 ? 'PUBLISH_ERROR' : 'PUBLISH_STARTED',
      eventTime: T0 + i * 1000,
      ...(i % 5 === 4 ? { errorCode: 'BITRATE_EXCEEDED' as const } : {}),
    });
  }
  const client = clientFor(sim);
  const seen: Event[] = [];
  for await (const page of paginateListParticipantEvents(
    { client, pageSize: 10 },
    { stageArn, sessionId, participantId },
  )) {
    const events = page.events ?? [];
    const times = events.map((e) => e.eventTime?.getTime() ?? 0);
    assert.notDeepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'a page is not in ascending eventTime order',
    );
    seen.push(...events);
  }
  assert.equal(seen.length, 25);
  assert.ok(seen.every((e) => e.eventTime instanceof Date && e.participantId === participantId));
  assert.deepEqual(
    seen.map((e) => e.eventTime?.getTime()).sort((a, b) => (a ?? 0) - (b ?? 0)),
    Array.from({ length: 25 }, (_, i) => T0 + i * 1000),
  );
  assert.equal(seen.filter((e) => e.errorCode === 'BITRATE_EXCEEDED').length, 5);

  const again = await client.send(new ListParticipantEventsCommand({ stageArn, sessionId, participantId }));
  const againToo = await client.send(
    new ListParticipantEventsCommand({ stageArn, sessionId, participantId }),
  );
  assert.deepEqual(again.events, againToo.events, 'the shuffle is deterministic');
});

test('events added while the server runs appear on the next read, with every optional field', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const sessionId = sim.startSession(stageArn);
  const participantId = sim.addParticipant(stageArn, sessionId);
  const client = clientFor(sim);
  const read = async () =>
    (await client.send(new ListParticipantEventsCommand({ stageArn, sessionId, participantId }))).events ??
    [];
  assert.deepEqual(await read(), []);

  const token = {
    userId: 'alice',
    attributes: { a: 'b' },
    capabilities: ['PUBLISH' as const],
    expirationTime: new Date(T0),
  };
  sim.addEvent(stageArn, sessionId, participantId, {
    name: 'TOKEN_EXCHANGED',
    eventTime: T0,
    previousToken: token,
    newToken: { ...token, capabilities: ['PUBLISH', 'SUBSCRIBE'] },
  });
  sim.addEvent(stageArn, sessionId, participantId, {
    name: 'REPLICATION_STARTED',
    eventTime: T0 + 1,
    replica: true,
    destinationStageArn: 'arn:aws:ivs:us-east-1:123456789012:stage/DestinationAb',
    destinationSessionId: 'st-DDDDDDDDDDDDD',
    remoteParticipantId: 'remote123456',
  });
  const events = await read();
  const exchanged = events.find((e) => e.name === 'TOKEN_EXCHANGED');
  assert.deepEqual(exchanged, {
    name: 'TOKEN_EXCHANGED',
    participantId,
    eventTime: new Date(T0),
    replica: false,
    previousToken: token,
    newToken: { ...token, capabilities: ['PUBLISH', 'SUBSCRIBE'] },
  });
  const replication = events.find((e) => e.name === 'REPLICATION_STARTED');
  assert.equal(replication?.replica, true);
  assert.equal(replication?.destinationSessionId, 'st-DDDDDDDDDDDDD');
  assert.equal(replication?.remoteParticipantId, 'remote123456');
});

test('DisconnectParticipant marks the participant DISCONNECTED and adds one LEFT event', async () => {
  const { sim, clock } = await startWithClock();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const sessionId = sim.startSession(stageArn);
  const participantId = sim.addParticipant(stageArn, sessionId);
  const client = clientFor(sim);
  clock.now = T0 + 60_000;

  const output = await client.send(
    new DisconnectParticipantCommand({ stageArn, participantId, reason: 'spam' }),
  );
  assert.equal(output.$metadata.httpStatusCode, 200);
  assert.deepEqual(sim.calls.at(-1)?.body, { stageArn, participantId, reason: 'spam' });
  const { participant } = await client.send(
    new GetParticipantCommand({ stageArn, sessionId, participantId }),
  );
  assert.equal(participant?.state, 'DISCONNECTED');
  await client.send(new DisconnectParticipantCommand({ stageArn, participantId }));
  const { events } = await client.send(
    new ListParticipantEventsCommand({ stageArn, sessionId, participantId }),
  );
  assert.deepEqual(events, [
    { name: 'LEFT', participantId, eventTime: new Date(T0 + 60_000), replica: false },
  ]);

  const unknown = await rejection(() =>
    client.send(new DisconnectParticipantCommand({ stageArn, participantId: 'nobody' })),
  );
  assert.equal(unknown.name, 'ResourceNotFoundException');
});

test('failNext fails N times, optionally for one stage only, or until clearFailures()', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const a = sim.addStage();
  const b = sim.addStage();
  const client = clientFor(sim);
  const getStage = (arn: string) => client.send(new GetStageCommand({ arn }));

  sim.failNext(
    'GetStage',
    { name: 'AccessDeniedException', status: 403, message: 'not yours' },
    { times: 2 },
  );
  for (let i = 0; i < 2; i++) {
    const denied = await rejection(() => getStage(a));
    assert.ok(denied instanceof AccessDeniedException);
    assert.equal(denied.exceptionMessage, 'not yours');
    assert.equal(denied.$metadata.httpStatusCode, 403);
  }
  await getStage(a);

  sim.failNext(
    'GetStage',
    { name: 'InternalServerException', status: 500, message: 'boom' },
    { stageArn: b },
  );
  await getStage(a);
  for (let i = 0; i < 3; i++) {
    const failed = await rejection(() => getStage(b));
    assert.ok(failed instanceof InternalServerException);
    assert.equal(failed.$fault, 'server');
  }
  await client.send(new ListStagesCommand({}));
  sim.clearFailures();
  await getStage(b);
  assert.deepEqual(
    sim.calls.map((call) => call.status),
    [403, 403, 200, 200, 500, 500, 500, 200, 200],
  );
});

test('ThrottlingException is not in the IVS model: the SDK raises the base class with the name', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  sim.failNext(
    'ListStages',
    { name: 'ThrottlingException', status: 429, message: 'Rate exceeded' },
    { times: 1 },
  );
  const error = await rejection(() => clientFor(sim).send(new ListStagesCommand({})));
  assert.equal(error instanceof IVSRealTimeServiceException, true);
  assert.equal(error.constructor.name, 'IVSRealTimeServiceException');
  assert.equal(error.name, 'ThrottlingException');
  assert.equal(error.exceptionMessage, 'Rate exceeded');
  assert.equal(error.$metadata.httpStatusCode, 429);
});

test('with the default retry strategy the SDK retries 429 and 500 on its own, but not 4xx', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const client = clientFor(sim, 'us-east-1', 3);

  sim.failNext(
    'ListStages',
    { name: 'ThrottlingException', status: 429, message: 'Rate exceeded' },
    { times: 1 },
  );
  const throttled = await client.send(new ListStagesCommand({}));
  assert.equal(throttled.$metadata.attempts, 2);

  sim.failNext('ListStages', { name: 'InternalServerException', status: 500, message: 'boom' }, { times: 1 });
  const failed = await client.send(new ListStagesCommand({}));
  assert.equal(failed.$metadata.attempts, 2);

  sim.resetCalls();
  sim.failNext('ListStages', { name: 'ValidationException', status: 400, message: 'bad' }, { times: 1 });
  await assert.rejects(client.send(new ListStagesCommand({})), { name: 'ValidationException' });
  assert.equal(sim.callCount('ListStages'), 1);
});

test('setRateLimit: a sliding one-second window per (region, operation), then 429 ThrottlingException', async () => {
  const { sim, clock } = await startWithClock({ maxRequestsPerSecondPerOperation: 2 });
  after(() => sim.close());
  const east = clientFor(sim, 'us-east-1');
  const west = clientFor(sim, 'eu-west-1');
  const list = (client: IVSRealTimeClient) => client.send(new ListStagesCommand({}));

  await list(east);
  clock.now += 500;
  await list(east);
  const throttled = await rejection(() => list(east));
  assert.equal(throttled.name, 'ThrottlingException');
  assert.equal(throttled.$metadata.httpStatusCode, 429);
  await list(west);
  const other = await rejection(() => east.send(new GetStageCommand({ arn: 'x' })));
  assert.equal(other.name, 'ValidationException', 'other operations have their own window');

  clock.now += 500;
  await list(east); // the first request left the window; the rejected one never counted
  await assert.rejects(list(east), { name: 'ThrottlingException' });

  sim.setRateLimit(undefined);
  for (let i = 0; i < 5; i++) await list(east);
});

test('the rate quota is per account: the access key that signed a request names the account it is charged to', async () => {
  const { sim, clock } = await startWithClock({
    maxRequestsPerSecondPerOperation: 2,
    accessKeyAccounts: { ASIAPRODKEY: '111111111111' },
  });
  after(() => sim.close());
  const keyed = (accessKeyId: string, region = 'us-east-1') =>
    new IVSRealTimeClient({
      ...sim.clientConfig(region),
      credentials: { accessKeyId, secretAccessKey: 's', sessionToken: 't' },
    });
  const own = clientFor(sim); // the test key: not listed, so the default account
  const prod = keyed('ASIAPRODKEY');
  const list = (client: IVSRealTimeClient) => client.send(new ListStagesCommand({}));

  await list(own);
  await list(own);
  await assert.rejects(list(own), { name: 'ThrottlingException' });
  await list(prod);
  await list(prod); // the prod account has its own 2 per second
  await assert.rejects(list(prod), { name: 'ThrottlingException' });
  await list(keyed('ASIAPRODKEY', 'eu-west-1')); // and its own quota in every region
  // Another unlisted key is still the default account, whose second is used up.
  await assert.rejects(list(keyed('AKIDOTHER')), { name: 'ThrottlingException' });
  assert.deepEqual(
    sim.calls.map((call) => `${call.account}:${call.status}`),
    [
      '123456789012:200',
      '123456789012:200',
      '123456789012:429',
      '111111111111:200',
      '111111111111:200',
      '111111111111:429',
      '111111111111:200',
      '123456789012:429',
    ],
  );

  // Charged to one account, the same load is throttled: the key now counts against the default one.
  clock.now += 1000;
  sim.setAccessKeyAccount('ASIAPRODKEY', undefined);
  await list(own);
  await list(prod);
  await assert.rejects(list(prod), { name: 'ThrottlingException' });
  assert.throws(() => sim.setAccessKeyAccount('ASIAPRODKEY', 'prod'), /12-digit account ID/);
});

test('delayNext holds a response long enough for client timeouts', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const client = new IVSRealTimeClient({
    ...sim.clientConfig(),
    requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true },
  });
  sim.delayNext('ListStages', 400);
  const timedOut = await rejection(() => client.send(new ListStagesCommand({})));
  assert.equal(timedOut.name, 'TimeoutError');

  sim.delayNext('ListStages', 400);
  await assert.rejects(client.send(new ListStagesCommand({}), { abortSignal: AbortSignal.timeout(50) }), {
    name: 'AbortError',
  });
  const started = Date.now();
  await client.send(new ListStagesCommand({}));
  assert.ok(Date.now() - started < 300, 'only the next request is delayed');
});

test('respondMalformed answers 200 with broken JSON; the SDK throws a SyntaxError', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const client = clientFor(sim);
  sim.respondMalformed('ListStages', 2);
  for (let i = 0; i < 2; i++) {
    const error = await rejection(() => client.send(new ListStagesCommand({})));
    assert.equal(error.name, 'SyntaxError');
    assert.match(error.message, /Deserialization error/);
  }
  await client.send(new ListStagesCommand({}));
});

test('calls records operation, region, account, body, clock time and status; callCount and resetCalls', async () => {
  const { sim } = await startWithClock();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const client = clientFor(sim);
  await client.send(new GetStageCommand({ arn: stageArn }));
  await client.send(new ListStagesCommand({ maxResults: 5 }));
  await assert.rejects(
    client.send(new GetStageCommand({ arn: 'arn:aws:ivs:us-east-1:123456789012:stage/Gone' })),
  );
  assert.deepEqual(sim.calls[0], {
    operation: 'GetStage',
    region: 'us-east-1',
    account: '123456789012',
    body: { arn: stageArn },
    at: T0,
    status: 200,
  });
  assert.deepEqual(sim.calls[1]?.body, { maxResults: 5 });
  assert.equal(sim.calls[2]?.status, 404);
  assert.equal(sim.callCount(), 3);
  assert.equal(sim.callCount('GetStage'), 2);
  assert.equal(sim.callCount('ListParticipants'), 0);
  sim.resetCalls();
  assert.equal(sim.callCount(), 0);
});

test('the SDK reaches the simulator through AWS_ENDPOINT_URL_IVS_REALTIME', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const stageArn = sim.addStage({ name: 'from-env' });
  const previous = process.env.AWS_ENDPOINT_URL_IVS_REALTIME;
  process.env.AWS_ENDPOINT_URL_IVS_REALTIME = sim.url;
  try {
    const { endpoint: _endpoint, ...withoutEndpoint } = sim.clientConfig();
    const client = new IVSRealTimeClient(withoutEndpoint);
    const { stage } = await client.send(new GetStageCommand({ arn: stageArn }));
    assert.equal(stage?.name, 'from-env');
  } finally {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_IVS_REALTIME;
    else process.env.AWS_ENDPOINT_URL_IVS_REALTIME = previous;
  }
});

test.describe('storm: 100 participants x 100 events', () => {
  let sim: IvsSimulator;
  before(async () => {
    sim = await IvsSimulator.start();
  });
  after(() => sim.close());

  test('seedStage builds 10,000 events and every one is read back through the SDK', async () => {
    const seeded = sim.seedStage({ participants: 100, eventsPerParticipant: 100, errorEvery: 10 });
    assert.equal(seeded.participantIds.length, 100);
    assert.equal(seeded.eventCount, 10_000);
    assert.equal(seeded.errorEventCount, 1_000);
    const { stageArn, sessionId } = seeded;
    const client = clientFor(sim);

    const listed: string[] = [];
    for await (const page of paginateListParticipants({ client, pageSize: 100 }, { stageArn, sessionId })) {
      listed.push(...(page.participants?.map((p) => p.participantId ?? '') ?? []));
    }
    assert.deepEqual(listed, seeded.participantIds);
    const disconnected = await client.send(
      new ListParticipantsCommand({ stageArn, sessionId, filterByState: 'DISCONNECTED', maxResults: 100 }),
    );
    assert.equal(disconnected.participants?.length, 33, 'every third participant has left');

    let events = 0;
    let errors = 0;
    await Promise.all(
      seeded.participantIds.map(async (participantId) => {
        for await (const page of paginateListParticipantEvents(
          { client, pageSize: 100 },
          { stageArn, sessionId, participantId },
        )) {
          events += page.events?.length ?? 0;
          errors += page.events?.filter((e) => e.errorCode !== undefined).length ?? 0;
        }
      }),
    );
    assert.equal(events, 10_000);
    assert.equal(errors, 1_000);
    assert.equal(sim.callCount('ListParticipantEvents'), 100);
  });
});

/** Every event of a participant through the SDK, page by page (eventTimes per page). */
async function eventPages(
  client: IVSRealTimeClient,
  input: { stageArn: string; sessionId: string; participantId: string },
  pageSize: number,
): Promise<number[][]> {
  const pages: number[][] = [];
  // A copy: the SDK's paginator writes each nextToken into the input it is given.
  for await (const page of paginateListParticipantEvents({ client, pageSize }, { ...input })) {
    pages.push((page.events ?? []).map((e) => e.eventTime?.getTime() ?? 0));
  }
  return pages;
}

test('ListParticipantEvents offers both orders: new events on the first page (newest-first) or the last (oldest-first)', async () => {
  const sim = await IvsSimulator.start({ eventOrder: 'newest-first' });
  after(() => sim.close());
  const stageArn = sim.addStage();
  const sessionId = sim.startSession(stageArn);
  const participantId = sim.addParticipant(stageArn, sessionId);
  for (let i = 0; i < 25; i++) {
    sim.addEvent(stageArn, sessionId, participantId, { name: 'PUBLISH_STARTED', eventTime: T0 + i * 1000 });
  }
  const client = clientFor(sim);
  const input = { stageArn, sessionId, participantId };
  const sorted = (times: number[]) => [...times].sort((a, b) => a - b);
  const newestFirst = await eventPages(client, input, 10);
  assert.deepEqual(
    newestFirst.map(sorted),
    [
      Array.from({ length: 10 }, (_, i) => T0 + (15 + i) * 1000),
      Array.from({ length: 10 }, (_, i) => T0 + (5 + i) * 1000),
      Array.from({ length: 5 }, (_, i) => T0 + i * 1000),
    ],
    'newest-first: the first page holds the 10 newest events',
  );
  assert.notDeepEqual(newestFirst[0], sorted(newestFirst[0] ?? []), 'still no order inside a page');

  sim.setEventOrder('oldest-first');
  const oldestFirst = await eventPages(client, input, 10);
  assert.deepEqual(
    oldestFirst.map(sorted),
    [
      Array.from({ length: 10 }, (_, i) => T0 + i * 1000),
      Array.from({ length: 10 }, (_, i) => T0 + (10 + i) * 1000),
      Array.from({ length: 5 }, (_, i) => T0 + (20 + i) * 1000),
    ],
    'oldest-first: new events land on the last page',
  );
});

test('a nextToken works only for the query that minted it, and expireTokens refuses earlier ones', async () => {
  const sim = await IvsSimulator.start();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const sessionA = sim.startSession(stageArn, { startTime: T0 - 60_000 });
  const participantId = sim.addParticipant(stageArn, sessionA, { participantId: 'pSameId000001' });
  const other = sim.addParticipant(stageArn, sessionA);
  const sessionB = sim.startSession(stageArn, { startTime: T0 });
  sim.addParticipant(stageArn, sessionB, { participantId: 'pSameId000001' });
  for (const [session, id] of [
    [sessionA, participantId],
    [sessionA, other],
    [sessionB, participantId],
  ] as const) {
    for (let i = 0; i < 5; i++) sim.addEvent(stageArn, session, id, { name: 'JOINED', eventTime: T0 + i });
  }
  const client = clientFor(sim);
  const first = await client.send(
    new ListParticipantEventsCommand({ stageArn, sessionId: sessionA, participantId, maxResults: 2 }),
  );
  assert.ok(first.nextToken);
  const nextToken = first.nextToken;
  const next = await client.send(
    new ListParticipantEventsCommand({
      stageArn,
      sessionId: sessionA,
      participantId,
      maxResults: 2,
      nextToken,
    }),
  );
  assert.equal(next.events?.length, 2, 'the same query accepts its token');

  for (const input of [
    { stageArn, sessionId: sessionB, participantId },
    { stageArn, sessionId: sessionA, participantId: other },
  ]) {
    const refused = await rejection(() =>
      client.send(new ListParticipantEventsCommand({ ...input, maxResults: 2, nextToken })),
    );
    assert.equal(refused.name, 'ValidationException', `a token of another list: ${JSON.stringify(input)}`);
  }
  const participants = await client.send(
    new ListParticipantsCommand({ stageArn, sessionId: sessionA, maxResults: 1 }),
  );
  assert.ok(participants.nextToken);
  const wrongSession = await rejection(() =>
    client.send(
      new ListParticipantsCommand({ stageArn, sessionId: sessionB, nextToken: participants.nextToken }),
    ),
  );
  assert.equal(wrongSession.name, 'ValidationException', 'a participant list token of another session');

  sim.expireTokens();
  const expired = await rejection(() =>
    client.send(
      new ListParticipantEventsCommand({
        stageArn,
        sessionId: sessionA,
        participantId,
        maxResults: 2,
        nextToken,
      }),
    ),
  );
  assert.equal(expired.name, 'ValidationException');
  assert.equal(expired.exceptionMessage, 'The nextToken is not valid');
  const fresh = await client.send(
    new ListParticipantEventsCommand({ stageArn, sessionId: sessionA, participantId, maxResults: 2 }),
  );
  assert.ok(fresh.nextToken, 'new tokens work');
});

test('ListStageSessions can list oldest first too (IVS promises no order)', async () => {
  const sim = await IvsSimulator.start({ sessionOrder: 'oldest-first' });
  after(() => sim.close());
  const stageArn = sim.addStage();
  const first = sim.startSession(stageArn, { startTime: T0 - 7_200_000 });
  const second = sim.startSession(stageArn, { startTime: T0 - 3_600_000 });
  const client = clientFor(sim);
  const listed = await client.send(new ListStageSessionsCommand({ stageArn }));
  assert.deepEqual(
    listed.stageSessions?.map((s) => s.sessionId),
    [first, second],
  );
  sim.setSessionOrder('newest-first');
  const again = await client.send(new ListStageSessionsCommand({ stageArn }));
  assert.deepEqual(
    again.stageSessions?.map((s) => s.sessionId),
    [second, first],
  );
});

test('rejoinParticipant keeps the participantId and first join, sets CONNECTED and records JOINED', async () => {
  const { sim, clock } = await startWithClock();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const sessionId = sim.startSession(stageArn);
  const participantId = sim.addParticipant(stageArn, sessionId, { state: 'DISCONNECTED' });
  clock.now = T0 + 60_000;
  sim.rejoinParticipant(stageArn, sessionId, participantId);
  const client = clientFor(sim);
  const { participant } = await client.send(
    new GetParticipantCommand({ stageArn, sessionId, participantId }),
  );
  assert.equal(participant?.state, 'CONNECTED');
  assert.deepEqual(participant?.firstJoinTime, new Date(T0), 'firstJoinTime is the first join');
  const { events } = await client.send(
    new ListParticipantEventsCommand({ stageArn, sessionId, participantId }),
  );
  assert.deepEqual(
    events?.map((e) => [e.name, e.eventTime?.getTime()]),
    [['JOINED', T0 + 60_000]],
  );
  assert.throws(() => sim.rejoinParticipant(stageArn, sessionId, participantId), /not DISCONNECTED/);
});

test('a session that ends disconnects the participants still in it, each with a LEFT event', async () => {
  const { sim } = await startWithClock();
  after(() => sim.close());
  const stageArn = sim.addStage();
  const first = sim.startSession(stageArn, { startTime: T0 - 60_000 });
  const stayed = sim.addParticipant(stageArn, first);
  const left = sim.addParticipant(stageArn, first, { state: 'DISCONNECTED' });
  const second = sim.startSession(stageArn, { startTime: T0 + 1_000 }); // ends the first
  const host = sim.addParticipant(stageArn, second);
  sim.endSession(stageArn, second, T0 + 5_000);
  const client = clientFor(sim);
  const stateOf = async (sessionId: string, participantId: string) =>
    (await client.send(new GetParticipantCommand({ stageArn, sessionId, participantId }))).participant?.state;
  const namesOf = async (sessionId: string, participantId: string) =>
    (
      (await client.send(new ListParticipantEventsCommand({ stageArn, sessionId, participantId }))).events ??
      []
    ).map((e) => [e.name, e.eventTime?.getTime()]);
  assert.equal(await stateOf(first, stayed), 'DISCONNECTED');
  assert.deepEqual(await namesOf(first, stayed), [['LEFT', T0 + 1_000]]);
  assert.deepEqual(await namesOf(first, left), [], 'who had left already gets no second LEFT');
  assert.equal(await stateOf(second, host), 'DISCONNECTED');
  assert.deepEqual(await namesOf(second, host), [['LEFT', T0 + 5_000]]);
});
