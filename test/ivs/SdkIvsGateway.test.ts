import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import nock from 'nock';
import { parseStageArn } from '../../src/ivs/identifiers.ts';
import { createIvsClientFactory } from '../../src/ivs/ivsClients.ts';
import { RequestBudget } from '../../src/ivs/RequestBudget.ts';
import { SdkIvsGateway } from '../../src/ivs/SdkIvsGateway.ts';
import { SharedReads } from '../../src/ivs/SharedReads.ts';
import { createLogger } from '../../src/platform/logger.ts';
import {
  eventsPage1,
  IVS_ENDPOINT,
  ivsError,
  PARTICIPANT_ID,
  participantAnswer,
  SESSION_ID,
  STAGE_ARN,
  STAGE_ID,
  stagesAnswer,
} from '../fixtures/ivsAnswers.ts';

// The IVS adapter with the real SDK; only HTTP is faked, at the boundary.
const stage = parseStageArn(STAGE_ARN);
assert.ok(stage);
const page = { nextToken: undefined, maxResults: 20 };

function gateway(
  options: {
    requestTimeoutMs?: number;
    maxAttempts?: number;
    rate?: number;
    /** Cache lifetime and clock of the shared reads; no cache when left out. */
    cache?: { ttlMs: number; now?: () => number };
  } = {},
) {
  const clients = createIvsClientFactory({
    maxAttempts: options.maxAttempts ?? 3,
    requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
    overrides: { credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
  });
  const calls: string[] = [];
  const ivs = new SdkIvsGateway({
    clientFor: clients.clientFor,
    budget: new RequestBudget(options.rate ?? 100),
    ...(options.cache ? { shared: new SharedReads(options.cache) } : {}),
    logger: createLogger('fatal'),
    onCall: (operation, outcome) => calls.push(`${operation}:${outcome}`),
  });
  return { ivs, calls, clients };
}

before(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  assert.deepEqual(pending, []);
});
after(() => nock.enableNetConnect());

describe('SdkIvsGateway', () => {
  test('GetParticipant: every field parsed into our shape, dates as Dates, and the request signed', async () => {
    nock(IVS_ENDPOINT)
      .matchHeader('authorization', /Credential=AKIDTEST\/\d{8}\/us-east-1\/ivs\/aws4_request/)
      .post('/GetParticipant', { stageArn: STAGE_ARN, sessionId: SESSION_ID, participantId: PARTICIPANT_ID })
      .reply(200, participantAnswer);
    const { ivs, calls } = gateway();
    const result = await ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive');
    assert.ok(result.ok);
    assert.equal(result.value.userId, 'alice@example.com');
    assert.ok(result.value.firstJoinTime instanceof Date);
    assert.equal(result.value.protocol, 'WHIP');
    assert.deepEqual(result.value.attributes, participantAnswer.participant.attributes);
    assert.deepEqual(calls, ['GetParticipant:ok']);
  });

  test('ListParticipantEvents pagination passes nextToken through', async () => {
    nock(IVS_ENDPOINT)
      .post('/ListParticipantEvents', (body) => body.nextToken === undefined)
      .reply(200, eventsPage1);
    nock(IVS_ENDPOINT)
      .post('/ListParticipantEvents', (body) => body.nextToken === 'tokenPage2==')
      .reply(200, { events: [] });
    const { ivs } = gateway();
    const first = await ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, page, 'background');
    assert.ok(first.ok);
    assert.equal(first.value.items.length, 3);
    assert.equal(first.value.nextToken, 'tokenPage2==');
    const second = await ivs.listParticipantEvents(
      stage,
      SESSION_ID,
      PARTICIPANT_ID,
      { ...page, nextToken: 'tokenPage2==' },
      'background',
    );
    assert.ok(second.ok);
    assert.equal(second.value.nextToken, undefined);
  });

  test('a value newer than the SDK model is kept as it came', async () => {
    nock(IVS_ENDPOINT)
      .post('/GetParticipant')
      .reply(200, {
        participant: { ...participantAnswer.participant, state: 'HIBERNATING', protocol: 'SRT' },
      });
    const { ivs } = gateway();
    const result = await ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive');
    assert.ok(result.ok);
    assert.equal(result.value.state, 'HIBERNATING');
    assert.equal(result.value.protocol, 'SRT');
  });

  test('a bare stage ID is resolved through ListStages and cached', async () => {
    nock(IVS_ENDPOINT).post('/ListStages').once().reply(200, stagesAnswer);
    const { ivs } = gateway();
    const ref = { kind: 'id', id: STAGE_ID, region: 'us-east-1' } as const;
    const first = await ivs.resolveStage(ref, 'interactive');
    assert.ok(first.ok);
    assert.equal(first.value.arn, STAGE_ARN);
    const again = await ivs.resolveStage(ref, 'interactive');
    assert.ok(again.ok, 'answered from the cache, no second call');
    nock(IVS_ENDPOINT).post('/ListStages').reply(200, stagesAnswer);
    const missing = await ivs.resolveStage(
      { kind: 'id', id: 'Nope00000000', region: 'us-east-1' },
      'interactive',
    );
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.equal(missing.failure.kind, 'not_found');
      assert.match(missing.failure.detail, /give the full stage ARN for another region or account$/);
    }
  });

  const errorCases = [
    { name: 'ResourceNotFoundException', status: 404, kind: 'not_found', attempts: 1 },
    { name: 'AccessDeniedException', status: 403, kind: 'access_denied', attempts: 1 },
    { name: 'ValidationException', status: 400, kind: 'invalid_input', attempts: 1 },
    { name: 'ThrottlingException', status: 429, kind: 'throttled', attempts: 3 },
    { name: 'InternalServerException', status: 500, kind: 'unavailable', attempts: 3 },
  ] as const;
  for (const c of errorCases) {
    test(`${c.name} → ${c.kind}, with IVS's exceptionMessage (${c.attempts} attempt${c.attempts > 1 ? 's' : ''})`, async () => {
      const error = ivsError(c.name, `text of ${c.name}`);
      nock(IVS_ENDPOINT).post('/ListStages').times(c.attempts).reply(c.status, error.body, error.headers);
      const { ivs } = gateway();
      const result = await ivs.listStages('us-east-1', page, 'interactive');
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.failure.kind, c.kind);
      assert.equal(result.failure.detail, `text of ${c.name}`);
    });
  }

  test('a time-out is retried within the bound, then unavailable', async () => {
    // A real socket that never answers: time-outs are about sockets, which nock does not model.
    const requests: number[] = [];
    const silent = createServer(() => requests.push(Date.now()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    try {
      const clients = createIvsClientFactory({
        maxAttempts: 2,
        requestTimeoutMs: 200,
        overrides: {
          endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
          credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
        },
      });
      const ivs = new SdkIvsGateway({
        clientFor: clients.clientFor,
        budget: new RequestBudget(100),
        logger: createLogger('fatal'),
      });
      const result = await ivs.listStages('us-east-1', page, 'interactive');
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.failure.kind, 'unavailable');
      assert.equal(requests.length, 2, 'retried once, then gave up');
      clients.destroy();
    } finally {
      nock.disableNetConnect();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('malformed JSON from IVS is unavailable, not a crash', async () => {
    nock(IVS_ENDPOINT).post('/ListStages').reply(200, '{"stages": [', { 'content-type': 'application/json' });
    const { ivs } = gateway();
    const result = await ivs.listStages('us-east-1', page, 'interactive');
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.failure.kind, 'unavailable');
  });

  test('an answer of the wrong shape is caught at the edge', async () => {
    nock(IVS_ENDPOINT)
      .post('/ListStages')
      .reply(200, { stages: [{ name: 'no arn' }] });
    const { ivs } = gateway();
    const result = await ivs.listStages('us-east-1', page, 'interactive');
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.failure.detail, /unexpected answer from IVS/);
  });

  test('interactive calls go ahead of queued background calls of the same operation', async () => {
    nock(IVS_ENDPOINT).post('/ListStages').times(5).reply(200, stagesAnswer);
    const { ivs } = gateway({ rate: 5 });
    const order: string[] = [];
    // Different pages, so that none of them is shared with another.
    const background = Array.from({ length: 4 }, (_, i) =>
      ivs
        .listStages('us-east-1', { maxResults: 10 + i }, 'background')
        .then(() => order.push(`background${i}`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    const interactive = ivs
      .listStages('us-east-1', page, 'interactive')
      .then(() => order.push('interactive'));
    await Promise.all([...background, interactive]);
    // The first background call had the token already; the person's call is next.
    assert.equal(order.indexOf('interactive'), 1, order.join(', '));
  });
});

test('a region outside IVS_REGIONS is refused before it takes a quota bucket, with no AWS call', async () => {
  const clients = createIvsClientFactory({
    maxAttempts: 1,
    requestTimeoutMs: 2_000,
    regions: new Set(['us-east-1']),
    overrides: { credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
  });
  const keys: string[] = [];
  class RecordingBudget extends RequestBudget {
    override enqueue(key: string, priority: Parameters<RequestBudget['enqueue']>[1]) {
      keys.push(key);
      return super.enqueue(key, priority);
    }
  }
  const ivs = new SdkIvsGateway({
    clientFor: clients.clientFor,
    budget: new RecordingBudget(100),
    logger: createLogger('fatal'),
  });
  const answer = await ivs.listStages('xx-fake-9', page, 'interactive');
  assert.equal(answer.ok, false);
  assert.equal(answer.ok ? undefined : answer.failure.kind, 'invalid_input');
  assert.match(answer.ok ? '' : answer.failure.detail, /xx-fake-9.*IVS_REGIONS/);
  assert.deepEqual(keys, [], 'no bucket was made for the region');
  clients.destroy();
});
