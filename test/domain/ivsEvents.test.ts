// EventBridge bodies (test/fixtures/eventbridge, built from the IVS guide's examples) become the
// detections the alerting path stores, or a reason to drop them; hostile bodies change nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decideEvent, type EventDecision } from '../../src/domain/ivsEvents.ts';
import { type DetectedEvent, dedupKey, publishErrorSecond } from '../../src/domain/model.ts';
import { eventFixture } from '../support/eventFixtures.ts';

const STAGE = 'arn:aws:ivs:us-west-2:123456789012:stage/AbCdef1G2hij';
const COMPOSITION = 'arn:aws:ivs:us-west-2:123456789012:composition/WgBaUhJpShFy';

function alerted(decision: EventDecision): Extract<EventDecision, { kind: 'alert' }> {
  assert.equal(decision.kind, 'alert', JSON.stringify(decision));
  return decision as Extract<EventDecision, { kind: 'alert' }>;
}

describe('the guide’s events', () => {
  test('Participant Publish Error: a PUBLISH_ERROR of the participant, read first by the poller', () => {
    const decision = alerted(decideEvent(eventFixture('stage-update.participant-publish-error')));
    assert.deepEqual(decision.event, {
      stageArn: STAGE,
      sessionId: 'st-ZyXwvu1T2s',
      participantId: 'xYz1c2d3e4f',
      userId: 'Your UserId',
      eventTime: new Date('2020-06-23T20:12:36Z'),
      name: 'PUBLISH_ERROR',
      code: 'PUBLISH_ERROR',
      remoteParticipantId: null,
      facts: [],
      via: 'eventbridge',
    });
    assert.equal(decision.readFirst, true);
    assert.equal(decision.repeatedOnly, false);
  });

  test('a publish error has the same key start through EventBridge and through polling; two polled ones of one second differ', () => {
    const { event } = alerted(decideEvent(eventFixture('stage-update.participant-publish-error')));
    // As the poller makes it from ListParticipantEvents: its errorCode, and milliseconds.
    const { facts: _facts, via: _via, ...common } = event;
    const polled = (code: string, ms: number): DetectedEvent => ({
      ...common,
      eventTime: new Date(event.eventTime.getTime() + ms),
      code,
    });
    const bitrate = polled('BITRATE_EXCEEDED', 420);
    assert.equal(publishErrorSecond(bitrate), publishErrorSecond(event));
    assert.equal(dedupKey(event), publishErrorSecond(event), 'EventBridge: the second alone');
    assert.ok(dedupKey(bitrate).startsWith(`${dedupKey(event)}|`));
    assert.notEqual(dedupKey(bitrate), dedupKey(polled('INVALID_AUDIO_CODEC', 420)));
    assert.notEqual(dedupKey(bitrate), dedupKey(polled('BITRATE_EXCEEDED', 421)));
    assert.notEqual(publishErrorSecond(polled('BITRATE_EXCEEDED', 1_000)), publishErrorSecond(event));
  });

  test('Recording Start Failure and End Failure name the participant, session, bucket and prefix', () => {
    for (const [fixture, code] of [
      ['participant-recording.recording-start-failure', 'RECORDING_START_FAILURE'],
      ['participant-recording.recording-end-failure', 'RECORDING_END_FAILURE'],
    ] as const) {
      const { event, readFirst } = alerted(decideEvent(eventFixture(fixture)));
      assert.equal(event.code, code);
      assert.equal(event.stageArn, STAGE);
      assert.equal(event.sessionId, 'st-ZyXwvu1T2s');
      assert.equal(event.participantId, 'xYz1c2d3e4f');
      assert.deepEqual(event.facts, [
        { label: 'S3 bucket', value: 'ivs-recordings' },
        { label: 'S3 key prefix', value: '<stage_id>/<session_id>/<participant_id>/2024-01-01T12-00-55Z' },
      ]);
      assert.equal(readFirst, false);
    }
  });

  test('composition failures: grouped by composition, with its ARN and the reason', () => {
    const session = alerted(decideEvent(eventFixture('composition.session-failure')));
    assert.equal(session.event.code, 'COMPOSITION_SESSION_FAILURE');
    assert.equal(session.event.stageArn, STAGE);
    assert.equal(session.event.sessionId, COMPOSITION);
    assert.deepEqual(session.event.facts, [
      { label: 'Composition', value: COMPOSITION },
      { label: 'Reason', value: 'The stage does not exist or is not accessible' },
    ]);
    const destination = alerted(decideEvent(eventFixture('composition.destination-failure')));
    assert.equal(destination.event.code, 'COMPOSITION_DESTINATION_FAILURE');
    assert.equal(destination.repeatedOnly, false);
    const reconnect = alerted(decideEvent(eventFixture('composition.destination-reconnect')));
    assert.equal(reconnect.event.code, 'COMPOSITION_DESTINATION_RECONNECT');
    assert.equal(reconnect.repeatedOnly, true);
    // The guide's event table's spelling is the same alert.
    const tableSpelling = JSON.parse(eventFixture('composition.destination-reconnect'));
    tableSpelling.detail.event_name = 'Destination Reconnect';
    const fromTable = alerted(decideEvent(JSON.stringify(tableSpelling)));
    assert.equal(fromTable.event.code, 'COMPOSITION_DESTINATION_RECONNECT');
    assert.equal(fromTable.repeatedOnly, true);
  });

  test('events that are not failures are not alerted on', () => {
    for (const fixture of ['stage-update.participant-published', 'participant-recording.recording-start']) {
      const decision = decideEvent(eventFixture(fixture));
      assert.equal(decision.kind === 'ignore' && decision.reason, 'not_an_alert');
    }
  });

  test('detail.event_time, when an event carries it, is the event time', () => {
    const body = JSON.parse(eventFixture('stage-update.participant-publish-error'));
    body.detail.event_time = '2020-06-23T20:12:35Z';
    assert.deepEqual(
      alerted(decideEvent(JSON.stringify(body))).event.eventTime,
      new Date('2020-06-23T20:12:35Z'),
    );
  });
});

describe('one publish error, two paths', () => {
  test('EventBridge and ListParticipantEvents give the same dedup key, whatever the milliseconds', () => {
    const fromQueue = alerted(decideEvent(eventFixture('stage-update.participant-publish-error'))).event;
    const polled: DetectedEvent = {
      ...fromQueue,
      userId: 'Your UserId',
      eventTime: new Date('2020-06-23T20:12:36.480Z'),
      code: 'BITRATE_EXCEEDED',
      facts: undefined as never,
    };
    assert.equal(dedupKey(polled), dedupKey(fromQueue));
    assert.notEqual(
      dedupKey({ ...polled, eventTime: new Date('2020-06-23T20:12:37Z') }),
      dedupKey(fromQueue),
    );
    assert.notEqual(dedupKey({ ...polled, participantId: 'other' }), dedupKey(fromQueue));
  });
});

describe('bodies that are not IVS events', () => {
  test('not JSON, not an IVS event, or missing what IVS always sends: dropped with a reason', () => {
    const publishError = JSON.parse(eventFixture('stage-update.participant-publish-error'));
    const cases: Array<[string, string]> = [
      ['{"version":', 'not_json'],
      ['', 'not_json'],
      ['[]', 'not_ivs_event'],
      [JSON.stringify({ ...publishError, source: 'aws.ec2' }), 'not_ivs_event'],
      [JSON.stringify({ ...publishError, 'detail-type': 'IVS Stream State Change' }), 'not_ivs_event'],
      [JSON.stringify({ ...publishError, time: 'yesterday' }), 'not_ivs_event'],
      [JSON.stringify({ ...publishError, resources: [] }), 'not_ivs_event'],
      [
        JSON.stringify({
          ...publishError,
          detail: { ...publishError.detail, participant_id: 'x y<!channel>' },
        }),
        'not_ivs_event',
      ],
      [
        JSON.stringify({ ...publishError, detail: { ...publishError.detail, session_id: 42 } }),
        'not_ivs_event',
      ],
    ];
    for (const [body, reason] of cases) {
      const decision = decideEvent(body);
      assert.equal(decision.kind === 'ignore' && decision.reason, reason, body);
    }
  });

  test('outside strings in facts are kept as they came, clipped, at most 8', () => {
    const body = JSON.parse(eventFixture('composition.destination-failure'));
    body.detail.reason = `<!channel> ${'x'.repeat(1000)}`;
    for (let i = 0; i < 20; i++) body.detail[`extra_${i}`] = `value ${i}`;
    const { facts } = alerted(decideEvent(JSON.stringify(body))).event;
    assert.equal(facts?.length, 8);
    assert.ok(facts?.[1]?.value.startsWith('<!channel> '));
    assert.ok((facts?.[1]?.value.length ?? 0) <= 300);
  });

  test('any string at all is decided without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
        const decision = decideEvent(body);
        assert.ok(decision.kind === 'ignore' || decision.kind === 'alert');
      }),
    );
  });
});
