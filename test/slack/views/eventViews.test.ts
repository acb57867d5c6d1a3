// What EventBridge adds to the alert views: an event's facts in its alert, and the queue's status in
// /ivs watches, within Slack's Block Kit rules whatever the data, outside text never pinging.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { AlertGroup, EventQueueStatus, Watch } from '../../../src/domain/model.ts';
import { alertGroupRow, renderAlertGroup, renderWatches } from '../../../src/slack/views/alertViews.ts';
import type { SlackMessage } from '../../../src/slack/views/blocks.ts';
import { assertValidBlockKit } from '../../../testkit/blockKit.ts';
import { assertVerbatim, mrkdwnTexts } from '../../support/inertText.ts';
import { dataText } from '../../support/viewArbitraries.ts';

const ARN = 'arn:aws:ivs:us-west-2:123456789012:stage/AbCdef1G2hij';
const COMPOSITION = 'arn:aws:ivs:us-west-2:123456789012:composition/WgBaUhJpShFy';
const NOW = new Date('2026-11-25T12:00:00Z');

function group(overrides: Partial<AlertGroup> = {}): AlertGroup {
  return {
    id: 7,
    stageArn: ARN,
    sessionId: 'st-ZyXwvu1T2s',
    code: 'RECORDING_START_FAILURE',
    channelId: 'C0123ABCD',
    firstSeen: new Date(NOW.getTime() - 60_000),
    lastSeen: new Date(NOW.getTime() - 60_000),
    eventCount: 1,
    participantCount: 1,
    sample: [{ participantId: 'xYz1c2d3e4f', userId: null, remoteParticipantId: null }],
    messageTs: null,
    repliesQueued: 0,
    createdAt: new Date(NOW.getTime() - 60_000),
    facts: [
      { label: 'S3 bucket', value: 'ivs-recordings' },
      { label: 'S3 key prefix', value: '<stage_id>/<session_id>/<participant_id>/2024-01-01T12-00-55Z' },
    ],
    ...overrides,
  };
}

const watch: Watch = {
  stageArn: ARN,
  channelId: 'C0123ABCD',
  codes: null,
  createdBy: 'U0123ABCD',
  createdAt: new Date('2026-11-01T00:00:00Z'),
};

/** The only `<…>` a view makes itself: dates, mentions, channel links. */
const OUR_TOKENS =
  /<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[^<>]*>|<@[UW][A-Z0-9]+>|<#[CGD][A-Z0-9]+>|<!subteam\^[A-Z0-9]+>|<!here>/g;
function assertSafe(message: SlackMessage): void {
  assertValidBlockKit(message);
  assertVerbatim(message);
  for (const text of [...mrkdwnTexts(message.blocks), message.text]) {
    assert.doesNotMatch(text.replace(OUR_TOKENS, ''), /[<>]/, text);
  }
}

const text = (message: SlackMessage) => JSON.stringify(message.blocks);

describe('an alert from EventBridge', () => {
  test('a recording failure names the bucket, prefix and what usually fixes it', () => {
    const message = renderAlertGroup(group(), undefined, NOW);
    assertSafe(message);
    assert.match(text(message), /S3 bucket\* `ivs-recordings`/);
    assert.match(text(message), /&lt;stage_id&gt;\/&lt;session_id&gt;/);
    assert.match(text(message), /Usual fix:\* Check the storage configuration/);
    assert.match(text(message), /xYz1c2d3e4f/);
  });

  test('a composition failure shows its composition and reason, and no empty participant', () => {
    const message = renderAlertGroup(
      group({
        code: 'COMPOSITION_DESTINATION_FAILURE',
        sessionId: COMPOSITION,
        sample: [{ participantId: '', userId: null, remoteParticipantId: null }],
        facts: [
          { label: 'Composition', value: COMPOSITION },
          { label: 'Reason', value: '<!channel> bucket not found' },
        ],
      }),
      undefined,
      NOW,
    );
    assertSafe(message);
    assert.match(
      text(message),
      /Composition\* `arn:aws:ivs:us-west-2:123456789012:composition\/WgBaUhJpShFy`/,
    );
    assert.match(text(message), /&lt;!channel&gt; bucket not found/);
    assert.doesNotMatch(text(message), /Affected participants/);
    assert.doesNotMatch(
      text(message),
      /\*Session\*|\*Participants\*/,
      'a composition: no session, no participants',
    );
    // Details and Timeline open a participant or a stage session: a composition has neither.
    const buttons = JSON.stringify(message.blocks);
    assert.doesNotMatch(buttons, /"Details"|"Timeline"/);
    assert.match(buttons, /"Acknowledge"/);
    assert.match(
      alertGroupRow(group({ code: 'COMPOSITION_SESSION_FAILURE', sessionId: COMPOSITION }), false),
      /· composition `arn:aws:ivs:us-west-2:123456789012:composition\/WgBaUhJpShFy`\n1 event · last seen/,
    );
  });

  test('any facts keep Block Kit limits and never ping', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ label: dataText(60, 1), value: dataText(400, 1) }), { maxLength: 8 }),
        (facts) => assertSafe(renderAlertGroup(group({ facts }), undefined, NOW)),
      ),
      { numRuns: 150 },
    );
  });
});

describe('/ivs watches with IVS_EVENTS_QUEUE_URL', () => {
  const status = (overrides: Partial<EventQueueStatus> = {}): EventQueueStatus => ({
    lastReceiveAt: new Date(NOW.getTime() - 5_000),
    lastMessageAt: new Date(NOW.getTime() - 3 * 60_000),
    lastError: null,
    errorSince: null,
    ...overrides,
  });

  test('says events arrive and when the last one came', () => {
    const message = renderWatches([watch], [], NOW, [], { events: status() });
    assertSafe(message);
    assert.match(
      text(message),
      /EventBridge events:\* the queue answers \(read 5s ago\); last event <!date\^\d+[^>]*> \(3m ago\)/,
    );
  });

  test('says when the queue does not answer, and that polling goes on', () => {
    const message = renderWatches([watch], [], NOW, [], {
      events: status({
        lastError: 'SQS ReceiveMessage failed: AccessDenied: <!channel>',
        errorSince: new Date(NOW.getTime() - 120_000),
      }),
    });
    assertSafe(message);
    assert.match(text(message), /the queue is not answering since/);
    assert.match(text(message), /Alerts still come from polling/);
  });

  test('with no watch yet, the line is there too', () => {
    assert.match(text(renderWatches([], [], NOW, [], { events: status() })), /EventBridge events/);
  });

  test('no line without a queue; "no event received yet" before the first', () => {
    assert.doesNotMatch(text(renderWatches([watch], [], NOW, [], { events: null })), /EventBridge/);
    assert.match(
      text(renderWatches([watch], [], NOW, [], { events: status({ lastMessageAt: null }) })),
      /no event received yet/,
    );
  });

  test('any status keeps Block Kit limits and never pings', () => {
    const maybeDate = fc.option(fc.date({ min: new Date(0), max: new Date(8.64e14), noInvalidDate: true }), {
      nil: null,
    });
    fc.assert(
      fc.property(
        maybeDate,
        maybeDate,
        fc.option(dataText(2000, 1), { nil: null }),
        maybeDate,
        (r, m, e, since) =>
          assertSafe(
            renderWatches([watch], [], NOW, [], {
              events: { lastReceiveAt: r, lastMessageAt: m, lastError: e, errorSince: since },
            }),
          ),
      ),
      { numRuns: 150 },
    );
  });
});
