import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import fc from 'fast-check';
import type { AlertGroup, Mute, StageHealth, Watch } from '../../../src/domain/model.ts';
import { type Block, context, section } from '../../../src/slack/views/blocks.ts';
import { fitBlocks, renderHome } from '../../../src/slack/views/homeView.ts';
import { assertValidBlockKit } from '../../../testkit/blockKit.ts';
import { assertVerbatim, mrkdwnTexts } from '../../support/inertText.ts';

const ARN = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const ARN_2 = 'arn:aws:ivs:eu-west-1:123456789012:stage/ZyXwVu654321';
const NOW = new Date('2025-03-01T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

const watch = (overrides: Partial<Watch> = {}): Watch => ({
  stageArn: ARN,
  channelId: 'C0123ABCD',
  codes: null,
  createdBy: 'U0123ABCD',
  createdAt: minutesAgo(600),
  ...overrides,
});
const health = (overrides: Partial<StageHealth> = {}): StageHealth => ({
  stageArn: ARN,
  lastPollAt: minutesAgo(1),
  status: 'ok',
  lastError: null,
  lagSeconds: 0,
  ...overrides,
});
const mute = (overrides: Partial<Mute> = {}): Mute => ({
  stageArn: ARN,
  code: 'QUOTA_EXCEEDED',
  until: new Date(NOW.getTime() + 3_600_000),
  mutedBy: 'U0123ABCD',
  createdAt: minutesAgo(5),
  ...overrides,
});
const group = (overrides: Partial<AlertGroup> = {}): AlertGroup => ({
  id: 1,
  stageArn: ARN,
  sessionId: 'st-AbCdEf1234567',
  code: 'QUOTA_EXCEEDED',
  channelId: 'C0123ABCD',
  firstSeen: minutesAgo(30),
  lastSeen: minutesAgo(20),
  eventCount: 12,
  participantCount: 4,
  sample: [],
  messageTs: '1700000000.000100',
  repliesQueued: 0,
  createdAt: minutesAgo(30),
  ...overrides,
});

/** Slack's rules for a Home view (the independent checker: 100 blocks) and verbatim mrkdwn. */
function assertHomeFits(view: { type: 'home'; blocks: readonly Block[] }): void {
  assertValidBlockKit(view, 'home');
  assertVerbatim(view);
}

const OUR_TOKENS =
  /<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[^<>]*>|<@[UW][A-Z0-9]+>|<#[CGD][A-Z0-9]+>/g;
function assertNoOutsideControlSequences(blocks: readonly Block[]): void {
  for (const text of mrkdwnTexts(blocks)) {
    assert.doesNotMatch(text.replace(OUR_TOKENS, ''), /[<>]/, text);
    assert.doesNotMatch(text, /&(?!amp;|lt;|gt;)/, text);
  }
}

describe('renderHome', () => {
  test('watches with status, mutes in force and the latest alerts at a glance', () => {
    const view = renderHome({
      watches: [watch(), watch({ stageArn: ARN_2, codes: ['BITRATE_EXCEEDED'] })],
      health: [
        health(),
        health({ stageArn: ARN_2, status: 'failing', lastError: 'Access denied', lagSeconds: 30 }),
      ],
      mutes: [mute(), mute({ code: 'OLD', until: minutesAgo(1) })],
      groups: [
        group(),
        group({
          id: 2,
          code: 'PUBLISHER_NOT_FOUND',
          lastSeen: minutesAgo(2),
          eventCount: 1,
          participantCount: 1,
        }),
      ],
      now: NOW,
    });
    assert.equal(view.type, 'home');
    const text = mrkdwnTexts(view.blocks).join('\n');
    assert.ok(text.includes('*Watched stages* · 2 · :red_circle: 1 failing'));
    assert.ok(text.includes('*Stage* `AbCdEf123456` → <#C0123ABCD>'));
    assert.ok(text.includes(':large_green_circle: ok'));
    assert.ok(text.includes(':red_circle: failing: Access denied'));
    assert.ok(text.includes('behind by 30s'));
    assert.ok(text.includes('*Muted alerts* · 1'), 'the ended mute is not counted');
    assert.match(
      text,
      /🔕 `QUOTA_EXCEEDED` on stage `AbCdEf123456` until <!date\^\d+\^[^>]+> \(60m left\) · by <@U0123ABCD>/,
    );
    assert.doesNotMatch(text, /`OLD`/);
    const latest = text.slice(text.indexOf('*Latest alerts*'));
    assert.ok(
      latest.indexOf('`PUBLISHER_NOT_FOUND`') < latest.indexOf('`QUOTA_EXCEEDED`'),
      'newest alert first',
    );
    assert.match(
      latest,
      /🚨 `QUOTA_EXCEEDED` on stage `AbCdEf123456` · session `st-AbCdEf1234567` · 🔕 muted\n12 events · 4 participants · last seen <!date\^/,
    );
    assert.match(latest, /`PUBLISHER_NOT_FOUND`[^\n]*`st-AbCdEf1234567`\n1 event · 1 participant/);
    assertHomeFits(view);
  });

  test('nothing yet: each part says so, with how to add a watch', () => {
    const view = renderHome({ watches: [], health: [], mutes: [], groups: [], now: NOW });
    const text = mrkdwnTexts(view.blocks);
    assert.ok(
      text.includes(
        'No stages are watched yet. Add one with `/ivs watch &lt;stage&gt; [#channel] [codes=…] [mention=…]`.',
      ),
    );
    assert.ok(text.includes('No alerts are muted.'));
    assert.ok(text.includes('No alerts yet.'));
  });

  test('outside strings are escaped', () => {
    const view = renderHome({
      watches: [watch({ channelId: '<!channel>', codes: ['<@U1> & co'] })],
      health: [health({ status: 'failing', lastError: '<!here> & gone' })],
      mutes: [mute({ code: '<!everyone>', mutedBy: '<@U1>' })],
      groups: [group({ code: '<!channel>', sessionId: '& <@U1>' })],
      now: NOW,
    });
    const text = mrkdwnTexts(view.blocks).join('\n');
    for (const escaped of [
      '`&lt;!channel&gt;`',
      '`&lt;@U1&gt; &amp; co`',
      '&lt;!here&gt; &amp; gone',
      '`&lt;!everyone&gt;`',
      'by &lt;@U1&gt;',
      '`&amp; &lt;@U1&gt;`',
    ]) {
      assert.ok(text.includes(escaped), escaped);
    }
    assertNoOutsideControlSequences(view.blocks);
  });

  test('long lists: shown rows are counted out, older alerts summarised', () => {
    const view = renderHome({
      watches: Array.from({ length: 200 }, () => watch()),
      health: [health()],
      mutes: Array.from({ length: 200 }, () => mute()),
      groups: Array.from({ length: 200 }, (_, i) => group({ id: i + 1, lastSeen: minutesAgo(i) })),
      now: NOW,
    });
    assertHomeFits(view);
    const text = mrkdwnTexts(view.blocks).join('\n');
    assert.match(text, /_\d+ more watches not shown, to fit Slack’s limits\._/);
    assert.match(text, /_\d+ more mutes not shown, to fit Slack’s limits\._/);
    assert.match(text, /_\d+ older alerts not shown\._/);
  });
});

describe('fitBlocks', () => {
  test('drops undefined blocks and keeps a short list as it is', () => {
    assert.deepEqual(fitBlocks([section('a'), undefined, section('b')], 100), [section('a'), section('b')]);
  });

  test('over the bound: the first rows and a note that some were left out', () => {
    const blocks = Array.from({ length: 150 }, (_, i) => section(`row ${i}`));
    const fitted = fitBlocks(blocks, 100);
    assert.equal(fitted.length, 100);
    assert.deepEqual(fitted.slice(0, 99), blocks.slice(0, 99));
    assert.deepEqual(fitted[99], context('_Some rows were left out to fit Slack’s limits._'));
  });
});

describe('property: any data keeps the Home tab within Slack’s limits and never pings', () => {
  const unit = fc.constantFrom(
    'a',
    'Z',
    '9',
    'é',
    '😀',
    '<',
    '>',
    '&',
    '"',
    '\n',
    '`',
    '*',
    '_',
    ' ',
    '!',
    '@',
    '#',
  );
  const outside = (maxLength: number) =>
    fc.oneof(fc.string({ unit, maxLength: 12 }), fc.string({ unit, maxLength, size: 'max' }));
  const date = fc.date({
    min: new Date('2020-01-01T00:00:00Z'),
    max: new Date('2030-01-01T00:00:00Z'),
    noInvalidDate: true,
  });
  const stageArn = fc.oneof(
    fc.constantFrom(ARN, ARN_2),
    fc.stringMatching(/^[A-Za-z0-9]{12}$/).map((id) => `arn:aws:ivs:us-east-1:123456789012:stage/${id}`),
    outside(200),
  );
  const code = fc.oneof(fc.constantFrom(...Object.values(EventErrorCode)), outside(300));
  const user = fc.oneof(fc.stringMatching(/^U[A-Z0-9]{8,10}$/), outside(100));
  const watchArb: fc.Arbitrary<Watch> = fc.record({
    stageArn,
    channelId: fc.oneof(fc.stringMatching(/^C[A-Z0-9]{8,10}$/), outside(40)),
    codes: fc.option(fc.array(code, { maxLength: 30 })),
    createdBy: user,
    createdAt: date,
  });
  const healthArb: fc.Arbitrary<StageHealth> = fc.record({
    stageArn,
    lastPollAt: fc.option(date),
    status: fc.constantFrom('ok' as const, 'failing' as const),
    lastError: fc.option(outside(3000)),
    lagSeconds: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e7, noNaN: true })),
  });
  const muteArb: fc.Arbitrary<Mute> = fc.record({
    stageArn,
    code,
    until: date,
    mutedBy: user,
    createdAt: date,
  });
  const groupArb: fc.Arbitrary<AlertGroup> = fc.record({
    id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    stageArn,
    sessionId: fc.oneof(fc.stringMatching(/^st-[A-Za-z0-9]{13}$/), outside(100)),
    code,
    channelId: fc.constant('C0123ABCD'),
    firstSeen: date,
    lastSeen: date,
    eventCount: fc.nat(),
    participantCount: fc.nat(),
    sample: fc.array(
      fc.record({
        participantId: outside(64),
        userId: fc.option(fc.string({ unit, minLength: 128, maxLength: 128 })),
        remoteParticipantId: fc.option(outside(64)),
      }),
      { maxLength: 5 },
    ),
    messageTs: fc.constant(null),
    repliesQueued: fc.nat({ max: 3 }),
    createdAt: date,
  });
  const many = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { maxLength: 200, size: 'max' });

  test('renderHome', () => {
    fc.assert(
      fc.property(
        many(watchArb),
        many(healthArb),
        many(muteArb),
        many(groupArb),
        date,
        (watches, health, mutes, groups, now) => {
          const view = renderHome({ watches, health, mutes, groups, now });
          assert.equal(view.type, 'home');
          assertHomeFits(view);
          assertNoOutsideControlSequences(view.blocks);
        },
      ),
      { numRuns: 40 },
    );
  });
});
