// The timeline service against the IVS simulator (real SDK, real quota budget and shared reads): what
// it reads, what it costs in calls, and how a big session is bounded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseStageArn, type StageRef } from '../../src/ivs/identifiers.ts';
import { createIvsClientFactory } from '../../src/ivs/ivsClients.ts';
import { RequestBudget } from '../../src/ivs/RequestBudget.ts';
import { SdkIvsGateway } from '../../src/ivs/SdkIvsGateway.ts';
import { SharedReads } from '../../src/ivs/SharedReads.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { type TimelineLimits, TimelineService } from '../../src/timeline/TimelineService.ts';
import { notesOf, renderTimelineSvg } from '../../src/timeline/timelineSvg.ts';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';
import { decodePng } from '../support/decodePng.ts';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

let sim: IvsSimulator;
before(async () => {
  sim = await IvsSimulator.start({ clock: () => T0 + 3_600_000 });
});
after(() => sim.close());

function service(limits?: TimelineLimits, shared?: SharedReads): TimelineService {
  const clients = createIvsClientFactory({
    maxAttempts: 1,
    requestTimeoutMs: 5_000,
    overrides: { endpoint: sim.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
  });
  const logger = createLogger('error', { write: () => {} });
  const ivs = new SdkIvsGateway({
    clientFor: clients.clientFor,
    budget: new RequestBudget(500),
    logger,
    ...(shared ? { shared } : {}),
  });
  return new TimelineService({ ivs, now: () => at(3600), ...(limits ? { limits } : {}) });
}

function ref(arn: string): StageRef {
  const stage = parseStageArn(arn);
  assert.ok(stage);
  return { kind: 'arn', stage };
}

/** Calls per operation made by `run`. */
async function counting<T>(run: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const before = sim.calls.length;
  const result = await run();
  const calls: Record<string, number> = {};
  for (const call of sim.calls.slice(before)) calls[call.operation] = (calls[call.operation] ?? 0) + 1;
  return { result, calls };
}

describe('TimelineService', () => {
  test('reads the session, its participants and their events, and draws them', async () => {
    const stage = sim.addStage();
    const session = sim.startSession(stage, { startTime: at(0) });
    const host = sim.addParticipant(stage, session, {
      userId: 'host',
      firstJoinTime: at(0),
      published: true,
    });
    const viewer = sim.addParticipant(stage, session, { userId: 'viewer', firstJoinTime: at(60) });
    sim.addEvent(stage, session, host, { name: 'JOINED', eventTime: at(0) });
    sim.addEvent(stage, session, host, { name: 'PUBLISH_STARTED', eventTime: at(5) });
    sim.addEvent(stage, session, viewer, { name: 'JOINED', eventTime: at(60) });
    sim.addEvent(stage, session, viewer, {
      name: 'SUBSCRIBE_ERROR',
      eventTime: at(61),
      errorCode: 'PUBLISHER_NOT_FOUND',
      remoteParticipantId: host,
    });
    sim.endSession(stage, session, at(1200));

    const { result, calls } = await counting(() => service().draw(ref(stage), session));
    assert.ok(result.ok);
    const { picture } = result;
    assert.deepEqual(calls, { GetStageSession: 1, ListParticipants: 1, ListParticipantEvents: 2 });
    assert.deepEqual(
      picture.timeline.rows.map((row) => [row.participantId, row.errors.map((e) => e.code)]),
      [
        [viewer, ['PUBLISHER_NOT_FOUND']],
        [host, []],
      ],
    );
    assert.equal(picture.timeline.live, false);
    assert.equal(picture.timeline.end, at(1200).getTime());
    // The host was still connected when the session ended: the simulator's LEFT closes both bars.
    assert.deepEqual(picture.timeline.rows[1]?.publishing, [
      { start: at(5).getTime(), end: at(1200).getTime(), open: false },
    ]);
    const png = decodePng(picture.png);
    assert.equal(png.width, 1200);
    assert.equal(picture.filename, `ivs-timeline-${session}.png`);
    assert.match(picture.summary, /2 participants drawn, 1 with errors \(PUBLISHER_NOT_FOUND ×1\)/);
  });

  test('a session with thousands of participants reads a bounded number, publishers first, and says so', async () => {
    const stage = sim.addStage();
    const session = sim.startSession(stage, { startTime: at(0) });
    const publishers: string[] = [];
    for (let i = 0; i < 2_500; i++) {
      const published = i % 500 === 7;
      const id = sim.addParticipant(stage, session, { firstJoinTime: at(i), published });
      if (published) publishers.push(id);
      sim.addEvent(stage, session, id, { name: 'JOINED', eventTime: at(i) });
    }
    // One publisher with more events than one page.
    for (let i = 0; i < 150; i++) {
      sim.addEvent(stage, session, publishers[0] as string, {
        name: 'TOKEN_EXCHANGED',
        eventTime: at(100 + i),
      });
    }
    const limits = { maxListed: 1_000, maxRead: 8, maxEventPages: 1, maxRows: 6 };
    const { result, calls } = await counting(() => service(limits).draw(ref(stage), session));
    assert.ok(result.ok);
    const { timeline } = result.picture;
    assert.deepEqual(calls, { GetStageSession: 1, ListParticipants: 10, ListParticipantEvents: 8 });
    assert.equal(timeline.listed, 1_000);
    assert.equal(timeline.listingCut, true);
    assert.equal(timeline.notRead, 992);
    assert.equal(timeline.rows.length, 6);
    assert.equal(timeline.moreRows, 2);
    // The publishers among the first 1,000 listed were read (and drawn) first.
    const listedPublishers = publishers.filter((id) => timeline.rows.some((row) => row.participantId === id));
    assert.equal(listedPublishers.length, 2);
    assert.deepEqual(
      timeline.rows.slice(0, 2).map((row) => row.participantId),
      listedPublishers,
    );
    assert.equal(timeline.rows.find((row) => row.participantId === publishers[0])?.eventsCut, true);
    assert.deepEqual(notesOf(timeline).slice(0, 4), [
      '+2 more participants not drawn.',
      'The session has more than 1,000 participants: only the first 1,000 listed were considered.',
      'Events read for 8 of 1,000 participants listed (publishers first); the other 992 are not drawn.',
      'Rows marked "events cut" have more events than were read: their bars may end early.',
    ]);
    assert.match(renderTimelineSvg(timeline), /the other 992 are not drawn/);
  });

  test('people asking for the same picture at once share the reads', async () => {
    const stage = sim.addStage();
    const session = sim.startSession(stage, { startTime: at(0) });
    for (let i = 0; i < 3; i++) sim.addParticipant(stage, session, { firstJoinTime: at(i) });
    const timelines = service(undefined, new SharedReads({ ttlMs: 5_000 }));
    const { result, calls } = await counting(() =>
      Promise.all([timelines.draw(ref(stage), session), timelines.draw(ref(stage), session)]),
    );
    assert.ok(result.every((r) => r.ok));
    assert.deepEqual(calls, { GetStageSession: 1, ListParticipants: 1, ListParticipantEvents: 3 });
  });

  test('a session IVS does not know is a not-found failure naming it', async () => {
    const stage = sim.addStage();
    const result = await service().draw(ref(stage), 'st-Unknown00000a');
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.failure.kind, 'not_found');
  });
});
