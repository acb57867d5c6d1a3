import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import nock from 'nock';
import type { IvsResult } from '../../src/ivs/IvsFailure.ts';
import { parseStageArn } from '../../src/ivs/identifiers.ts';
import { createIvsClientFactory } from '../../src/ivs/ivsClients.ts';
import { RequestBudget } from '../../src/ivs/RequestBudget.ts';
import { SdkIvsGateway } from '../../src/ivs/SdkIvsGateway.ts';
import { type SharedCall, SharedReads } from '../../src/ivs/SharedReads.ts';
import { createLogger } from '../../src/platform/logger.ts';
import {
  eventsPage1,
  IVS_ENDPOINT,
  ivsError,
  PARTICIPANT_ID,
  participantAnswer,
  SESSION_ID,
  STAGE_ARN,
} from '../fixtures/ivsAnswers.ts';

// Shared reads through the real SDK: nock answers at the HTTP boundary and counts what reached "IVS".
const stage = parseStageArn(STAGE_ARN);
assert.ok(stage);
const OTHER_PARTICIPANT = 'pOther123456';
const EU_STAGE = parseStageArn(STAGE_ARN.replace('us-east-1', 'eu-west-1'));
assert.ok(EU_STAGE);
const page = { maxResults: 20 };

class ManualTime {
  ms = 0;
  readonly now = () => this.ms;
}

function gateway(options: { ttlMs?: number; time?: ManualTime; rate?: number } = {}) {
  const clients = createIvsClientFactory({
    maxAttempts: 1,
    requestTimeoutMs: 2_000,
    overrides: { credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
  });
  const calls: string[] = [];
  const shared = new SharedReads({
    ttlMs: options.ttlMs ?? 5_000,
    ...(options.time ? { now: options.time.now } : {}),
  });
  const ivs = new SdkIvsGateway({
    clientFor: clients.clientFor,
    budget: new RequestBudget(options.rate ?? 100),
    shared,
    logger: createLogger(process.env.DEBUG_LOG ? 'debug' : 'fatal'),
    onCall: (operation, outcome) => calls.push(`${operation}:${outcome}`),
  });
  return { ivs, calls, shared };
}

/** Counts the requests that reached the nock'd IVS for one operation, answering each with `answer`. */
function ivsAnswering(
  operation: string,
  answer: object,
  options: { delayMs?: number; endpoint?: string } = {},
) {
  const seen: Array<Record<string, unknown>> = [];
  nock(options.endpoint ?? IVS_ENDPOINT)
    .post(`/${operation}`)
    .times(1_000)
    .delay(options.delayMs ?? 0)
    // nock 15 hands the reply function the request itself (a second parameter would be a callback).
    .reply(async (request: Request) => {
      seen.push((await request.json()) as Record<string, unknown>);
      return [200, answer];
    });
  return seen;
}

before(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
after(() => nock.enableNetConnect());

describe('shared reads through the IVS adapter', () => {
  test('200 identical reads at once make one call, and every asker gets the answer', async () => {
    const seen = ivsAnswering('GetParticipant', participantAnswer, { delayMs: 20 });
    const { ivs, calls } = gateway();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive')),
    );
    assert.equal(seen.length, 1, 'one request reached IVS');
    assert.deepEqual(calls, ['GetParticipant:ok'], 'and the bot counted one call');
    for (const answer of answers) {
      assert.ok(answer.ok);
      assert.equal(answer.value.userId, 'alice@example.com');
    }
  });

  test('a read that arrives while the call is in flight joins it, even with no cache', async () => {
    const seen = ivsAnswering('ListParticipantEvents', eventsPage1, { delayMs: 100 });
    const { ivs } = gateway({ ttlMs: 0 });
    const first = ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, page, 'interactive');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(seen.length, 1, 'the first call reached IVS');
    const second = ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, page, 'interactive');
    const [a, b] = await Promise.all([first, second]);
    assert.equal(seen.length, 1, 'the second asker joined it');
    assert.deepEqual(a, b);
    await ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, page, 'interactive');
    assert.equal(seen.length, 2, 'without a cache, a read after the answer calls again');
  });

  test('different operation, input or region: separate calls', async () => {
    const gets = ivsAnswering('GetParticipant', participantAnswer);
    const events = ivsAnswering('ListParticipantEvents', eventsPage1);
    const eu = ivsAnswering('GetParticipant', participantAnswer, {
      endpoint: 'https://ivsrealtime.eu-west-1.amazonaws.com',
    });
    const { ivs } = gateway();
    await Promise.all([
      ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive'),
      ivs.getParticipant(stage, SESSION_ID, OTHER_PARTICIPANT, 'interactive'),
      ivs.getParticipant(EU_STAGE, SESSION_ID, PARTICIPANT_ID, 'interactive'),
      ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, page, 'interactive'),
      ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, { maxResults: 50 }, 'interactive'),
      ivs.listParticipantEvents(
        stage,
        SESSION_ID,
        PARTICIPANT_ID,
        { ...page, nextToken: 'tokenPage2==' },
        'interactive',
      ),
    ]);
    assert.deepEqual(gets.map((body) => body.participantId).sort(), [PARTICIPANT_ID, OTHER_PARTICIPANT]);
    assert.equal(eu.length, 1);
    assert.deepEqual(events.map((body) => `${body.maxResults}/${body.nextToken ?? '-'}`).sort(), [
      '20/-',
      '20/tokenPage2==',
      '50/-',
    ]);
  });

  test('an answer is reused for the cache time, then read again', async () => {
    const seen = ivsAnswering('GetParticipant', participantAnswer);
    const time = new ManualTime();
    const { ivs } = gateway({ ttlMs: 5_000, time });
    await ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive');
    time.ms = 5_000;
    const cached = await ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive');
    assert.ok(cached.ok);
    assert.equal(cached.value.participantId, PARTICIPANT_ID);
    assert.equal(seen.length, 1, 'still fresh at exactly the cache time');
    time.ms = 5_001;
    await ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive');
    assert.equal(seen.length, 2, 'expired a millisecond later');
  });

  test('the poller never takes a cached answer, but people take the poller’s', async () => {
    const seen = ivsAnswering('ListParticipantEvents', eventsPage1);
    const time = new ManualTime();
    const { ivs } = gateway({ ttlMs: 5_000, time });
    await ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, page, 'background');
    time.ms = 1_000;
    await ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, page, 'interactive');
    assert.equal(seen.length, 1, 'a person got the poller’s answer of a second ago');
    await ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, page, 'background');
    assert.equal(seen.length, 2, 'the poller read fresh');
  });

  test('a failed shared read fails every asker with the same answer, and is not cached', async () => {
    const error = ivsError('AccessDeniedException', 'User is not authorized to perform ivs:GetParticipant');
    let requests = 0;
    nock(IVS_ENDPOINT)
      .post('/GetParticipant')
      .delay(20)
      .reply(() => {
        requests += 1;
        return [403, error.body, error.headers];
      });
    const { ivs, calls } = gateway();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive')),
    );
    assert.equal(requests, 1);
    assert.deepEqual(calls, ['GetParticipant:access_denied']);
    const first = answers[0];
    assert.ok(first && !first.ok);
    assert.equal(first.failure.kind, 'access_denied');
    assert.equal(first.failure.detail, 'User is not authorized to perform ivs:GetParticipant');
    for (const answer of answers) assert.deepEqual(answer, first);

    const seen = ivsAnswering('GetParticipant', participantAnswer);
    const retry = await ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive');
    assert.ok(retry.ok, 'the next asker tries again');
    assert.equal(seen.length, 1);
  });

  test('DisconnectParticipant is never shared, and what it changes is read fresh', async () => {
    const gets = ivsAnswering('GetParticipant', participantAnswer);
    const events = ivsAnswering('ListParticipantEvents', eventsPage1);
    const lists = ivsAnswering('ListParticipants', { participants: [] });
    const disconnects = ivsAnswering('DisconnectParticipant', {});
    const { ivs, shared } = gateway({ ttlMs: 60_000 });
    const readAll = () =>
      Promise.all([
        ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive'),
        ivs.listParticipantEvents(stage, SESSION_ID, PARTICIPANT_ID, page, 'interactive'),
        ivs.listParticipants(stage, SESSION_ID, { kind: 'none' }, page, 'interactive'),
        ivs.getParticipant(stage, SESSION_ID, OTHER_PARTICIPANT, 'interactive'),
      ]);
    await readAll();
    await readAll();
    assert.deepEqual([gets.length, events.length, lists.length], [2, 1, 1], 'second round from the cache');

    const [d1, d2] = await Promise.all([
      ivs.disconnectParticipant(stage, PARTICIPANT_ID, 'by U1', 'interactive'),
      ivs.disconnectParticipant(stage, PARTICIPANT_ID, 'by U1', 'interactive'),
    ]);
    assert.ok(d1.ok && d2.ok);
    assert.equal(disconnects.length, 2, 'each Disconnect is its own call');

    await readAll();
    assert.equal(gets.filter((b) => b.participantId === PARTICIPANT_ID).length, 2, 'participant read fresh');
    assert.equal(events.length, 2, 'its events read fresh');
    assert.equal(lists.length, 2, 'the stage’s participant lists read fresh');
    assert.equal(
      gets.filter((b) => b.participantId === OTHER_PARTICIPANT).length,
      1,
      'another participant stays cached',
    );
    assert.equal(shared.size.inFlight, 0);
  });

  test('a read in flight when Disconnect starts is neither joined afterwards nor cached', async () => {
    const gets = ivsAnswering('GetParticipant', participantAnswer, { delayMs: 80 });
    ivsAnswering('DisconnectParticipant', {});
    const { ivs } = gateway({ ttlMs: 60_000 });
    const before = ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const disconnected = await ivs.disconnectParticipant(stage, PARTICIPANT_ID, 'by U1', 'interactive');
    assert.ok(disconnected.ok);
    const afterwards = ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive');
    await Promise.all([before, afterwards]);
    assert.equal(gets.length, 2, 'the read after Disconnect made its own call');
    await ivs.getParticipant(stage, SESSION_ID, PARTICIPANT_ID, 'interactive');
    assert.equal(gets.length, 2, 'the fresh answer is the one cached');
  });

  test('a person joining a poller read still queued for quota moves it ahead', async () => {
    const seen = ivsAnswering('ListParticipantEvents', eventsPage1);
    // 5 per second: after the first call, each waits 200 ms for its token.
    const { ivs } = gateway({ rate: 5, ttlMs: 0 });
    const participants = ['pPoller00001', 'pPoller00002', 'pPoller00003', 'pPoller00004'];
    const poller = participants.map((id) =>
      ivs.listParticipantEvents(stage, SESSION_ID, id, page, 'background'),
    );
    await turn();
    const person = ivs.listParticipantEvents(stage, SESSION_ID, 'pPoller00004', page, 'interactive');
    await Promise.all([...poller, person]);
    assert.deepEqual(
      seen.map((body) => body.participantId),
      ['pPoller00001', 'pPoller00004', 'pPoller00002', 'pPoller00003'],
      'the read the person joined went second, right after the one already granted',
    );
  });
});

describe('SharedReads bounds', () => {
  const ok = (value: string): IvsResult<string> => ({ ok: true, value });
  const spec = (key: string) => ({ key, tags: [], priority: 'interactive' as const, maxAgeMs: Infinity });

  test('keeps at most maxEntries answers, dropping the oldest', async () => {
    const shared = new SharedReads({ ttlMs: 60_000, maxEntries: 3 });
    let loads = 0;
    const load = async (_call: SharedCall) => ok(`answer ${++loads}`);
    for (const key of ['a', 'b', 'c', 'd']) await shared.read(spec(key), load);
    assert.equal(shared.size.entries, 3);
    await shared.read(spec('d'), load);
    await shared.read(spec('b'), load);
    assert.equal(loads, 4, 'b and d still cached');
    await shared.read(spec('a'), load);
    assert.equal(loads, 5, 'a, the oldest, was dropped');
  });

  test('keeps at most maxBytes, and never caches an answer bigger than that', async () => {
    const shared = new SharedReads({ ttlMs: 60_000, maxBytes: 10_000 });
    const big = 'x'.repeat(2_000); // about 4 kB each
    for (const key of ['a', 'b', 'c']) await shared.read(spec(key), async () => ok(big));
    assert.ok(shared.size.bytes <= 10_000, `${shared.size.bytes} bytes`);
    assert.equal(shared.size.entries, 2);
    await shared.read(spec('huge'), async () => ok('y'.repeat(20_000)));
    assert.equal(shared.size.entries, 2, 'too big to cache, yet answered');
  });

  test('cached answers cannot be changed by one asker for the next', async () => {
    const shared = new SharedReads({ ttlMs: 60_000 });
    const first = await shared.read(spec('k'), async () => ({ ok: true, value: { items: [1, 2] } }));
    assert.ok(first.ok);
    assert.throws(() => (first.value.items as number[]).push(3), TypeError);
  });

  test('a loader that throws rejects every asker with the same error, and nothing is kept', async () => {
    const shared = new SharedReads({ ttlMs: 60_000 });
    const boom = new Error('boom');
    const askers = Array.from({ length: 3 }, () =>
      shared.read(spec('k'), async () => {
        throw boom;
      }),
    );
    for (const asker of askers) await assert.rejects(asker, (error) => error === boom);
    assert.deepEqual(shared.size, { entries: 0, bytes: 0, inFlight: 0 });
  });
});
