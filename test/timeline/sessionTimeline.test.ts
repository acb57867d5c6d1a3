import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ParticipantEvent, ParticipantSummary } from '../../src/ivs/IvsGateway.ts';
import {
  buildSessionTimeline,
  MIN_SPAN_MS,
  type ParticipantReading,
  type TimelineInput,
} from '../../src/timeline/sessionTimeline.ts';
import { participantEvent, participantSummary, sessionSummary } from '../support/viewArbitraries.ts';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const ms = (seconds: number) => T0 + seconds * 1000;
const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const SESSION = 'st-XyZ1234567890';

function reading(
  participantId: string,
  events: ParticipantEvent[],
  participant: Partial<ParticipantSummary> = {},
): ParticipantReading {
  return { participant: { participantId, state: 'CONNECTED', ...participant }, events, eventsCut: false };
}

function input(readings: ParticipantReading[], overrides: Partial<TimelineInput> = {}): TimelineInput {
  return {
    stageArn: STAGE,
    sessionId: SESSION,
    session: { sessionId: SESSION, startTime: at(0) },
    readings,
    listed: readings.length,
    listingCut: false,
    now: at(600),
    maxRows: 25,
    ...overrides,
  };
}

describe('buildSessionTimeline: bars from events', () => {
  test('connected, publishing and subscribing intervals, errors with their codes', () => {
    const timeline = buildSessionTimeline(
      input([
        reading(
          'pPub',
          [
            { name: 'JOINED', eventTime: at(0) },
            { name: 'PUBLISH_STARTED', eventTime: at(5) },
            { name: 'SUBSCRIBE_STARTED', eventTime: at(10), remoteParticipantId: 'pA' },
            { name: 'SUBSCRIBE_STARTED', eventTime: at(12), remoteParticipantId: 'pB' },
            { name: 'SUBSCRIBE_STOPPED', eventTime: at(20), remoteParticipantId: 'pA' },
            { name: 'SUBSCRIBE_STOPPED', eventTime: at(30), remoteParticipantId: 'pB' },
            { name: 'PUBLISH_ERROR', eventTime: at(40), errorCode: 'BITRATE_EXCEEDED' },
            { name: 'LEFT', eventTime: at(60) },
          ],
          { state: 'DISCONNECTED' },
        ),
      ]),
    );
    const [row] = timeline.rows;
    assert.ok(row);
    assert.deepEqual(row.connected, [{ start: ms(0), end: ms(60), open: false }]);
    // LEFT ends publishing too.
    assert.deepEqual(row.publishing, [{ start: ms(5), end: ms(60), open: false }]);
    // Subscribed while at least one subscription ran: 10 to 30, not 10 to 20.
    assert.deepEqual(row.subscribing, [{ start: ms(10), end: ms(30), open: false }]);
    assert.deepEqual(row.errors, [{ at: ms(40), code: 'BITRATE_EXCEEDED' }]);
  });

  test('events in any order give the same bars (IVS documents no order)', () => {
    const events: ParticipantEvent[] = [
      { name: 'JOINED', eventTime: at(0) },
      { name: 'PUBLISH_STARTED', eventTime: at(5) },
      { name: 'PUBLISH_STOPPED', eventTime: at(50) },
      { name: 'LEFT', eventTime: at(60) },
    ];
    const forward = buildSessionTimeline(input([reading('p1', events)]));
    const backward = buildSessionTimeline(input([reading('p1', [...events].reverse())]));
    assert.deepEqual(backward.rows, forward.rows);
  });

  test('still connected in a live session: the bars run to now and are open', () => {
    const timeline = buildSessionTimeline(
      input([
        reading('p1', [
          { name: 'JOINED', eventTime: at(100) },
          { name: 'PUBLISH_STARTED', eventTime: at(110) },
        ]),
      ]),
    );
    assert.equal(timeline.live, true);
    assert.deepEqual(timeline.rows[0]?.connected, [{ start: ms(100), end: ms(600), open: true }]);
    assert.deepEqual(timeline.rows[0]?.publishing, [{ start: ms(110), end: ms(600), open: true }]);
    assert.equal(timeline.end, ms(600));
  });

  test('listed as disconnected but its LEFT was not read: the bar ends at its last event', () => {
    const timeline = buildSessionTimeline(
      input([
        reading(
          'p1',
          [
            { name: 'JOINED', eventTime: at(100) },
            { name: 'SUBSCRIBE_STARTED', eventTime: at(130), remoteParticipantId: 'pX' },
          ],
          { state: 'DISCONNECTED' },
        ),
      ]),
    );
    assert.deepEqual(timeline.rows[0]?.connected, [{ start: ms(100), end: ms(130), open: true }]);
  });

  test('a LEFT without its JOINED read starts at the first join time', () => {
    const timeline = buildSessionTimeline(
      input([reading('p1', [{ name: 'LEFT', eventTime: at(300) }], { firstJoinTime: at(200) })]),
    );
    assert.deepEqual(timeline.rows[0]?.connected, [{ start: ms(200), end: ms(300), open: false }]);
  });

  test('rejoining: two connected stretches; an error event without a code shows its name', () => {
    const timeline = buildSessionTimeline(
      input([
        reading('p1', [
          { name: 'JOINED', eventTime: at(0) },
          { name: 'LEFT', eventTime: at(10) },
          { name: 'JOIN_ERROR', eventTime: at(15) },
          { name: 'JOINED', eventTime: at(20) },
        ]),
      ]),
    );
    assert.deepEqual(timeline.rows[0]?.connected, [
      { start: ms(0), end: ms(10), open: false },
      { start: ms(20), end: ms(600), open: true },
    ]);
    assert.deepEqual(timeline.rows[0]?.errors, [{ at: ms(15), code: 'JOIN_ERROR' }]);
  });

  test('an ended session spans start to end; a session of an instant still gets a minute', () => {
    const ended = buildSessionTimeline(
      input([reading('p1', [{ name: 'JOINED', eventTime: at(10) }])], {
        session: { sessionId: SESSION, startTime: at(0), endTime: at(5) },
        now: at(100_000),
      }),
    );
    assert.equal(ended.live, false);
    assert.equal(ended.start, ms(0));
    assert.equal(ended.end, ms(0) + MIN_SPAN_MS);
    // Connected, never left, session over: the bar ends by the session's end (here its one event), not now.
    assert.equal(ended.rows[0]?.connected[0]?.end, ms(10));
  });
});

describe('buildSessionTimeline: which rows, in which order', () => {
  const joined = (s: number): ParticipantEvent => ({ name: 'JOINED', eventTime: at(s) });
  const readings = [
    reading('pQuiet1', [joined(1)]),
    reading('pPublisher', [joined(5), { name: 'PUBLISH_STARTED', eventTime: at(6) }]),
    reading('pQuiet0', [joined(0)]),
    reading('pErrorLate', [
      joined(30),
      { name: 'SUBSCRIBE_ERROR', eventTime: at(31), errorCode: 'QUOTA_EXCEEDED' },
    ]),
    reading('pListedPublisher', [joined(2)], { published: true }),
    reading('pErrorEarly', [
      joined(3),
      { name: 'PUBLISH_ERROR', eventTime: at(4), errorCode: 'INVALID_INPUT' },
    ]),
  ];

  test('with errors first, then publishers, then the rest; each by who came first', () => {
    const timeline = buildSessionTimeline(input(readings));
    assert.deepEqual(
      timeline.rows.map((row) => row.participantId),
      ['pErrorEarly', 'pErrorLate', 'pListedPublisher', 'pPublisher', 'pQuiet0', 'pQuiet1'],
    );
    assert.equal(timeline.moreRows, 0);
  });

  test('over the row limit: the least relevant are counted as more, with how many had errors', () => {
    const timeline = buildSessionTimeline(input(readings, { maxRows: 1 }));
    assert.deepEqual(
      timeline.rows.map((row) => row.participantId),
      ['pErrorEarly'],
    );
    assert.equal(timeline.moreRows, 5);
    assert.equal(timeline.moreRowsWithErrors, 1);
  });

  test('participants listed but not read, and a listing cut short, are counted', () => {
    const timeline = buildSessionTimeline(input(readings, { listed: 1000, listingCut: true }));
    assert.equal(timeline.notRead, 994);
    assert.equal(timeline.listingCut, true);
  });
});

describe('buildSessionTimeline: any input from IVS', () => {
  const readingArbitrary = fc.record({
    participant: participantSummary,
    events: fc.array(participantEvent, { maxLength: 30 }),
    eventsCut: fc.boolean(),
  });

  test('every bar lies within the picture, rows never exceed the limit, none is lost from the count', () => {
    fc.assert(
      fc.property(
        fc.array(readingArbitrary, { maxLength: 12 }),
        fc.integer({ min: 0, max: 15 }),
        fc.date({
          min: new Date('2020-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.option(sessionSummary, { nil: undefined }),
        (readings, maxRows, now, session) => {
          const timeline = buildSessionTimeline(
            input(readings, { maxRows, now, session, listed: readings.length }),
          );
          assert.ok(timeline.rows.length <= maxRows);
          assert.equal(timeline.rows.length + timeline.moreRows, readings.length);
          assert.ok(timeline.end - timeline.start >= MIN_SPAN_MS);
          for (const row of timeline.rows) {
            for (const interval of [...row.connected, ...row.publishing, ...row.subscribing]) {
              assert.ok(interval.start <= interval.end, JSON.stringify(interval));
              assert.ok(
                interval.start >= timeline.start && interval.end <= timeline.end,
                JSON.stringify(interval),
              );
            }
            for (const error of row.errors) assert.ok(error.at >= timeline.start && error.at <= timeline.end);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
