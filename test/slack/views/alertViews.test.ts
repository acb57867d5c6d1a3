import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventErrorCode, EventName } from '@aws-sdk/client-ivs-realtime';
import fc from 'fast-check';
import type { AffectedParticipant, AlertGroup, Mute, StageHealth, Watch } from '../../../src/domain/model.ts';
import type { ReplyPayload } from '../../../src/domain/planDetections.ts';
import { errorCodeFix, explainErrorCode } from '../../../src/ivs/eventCatalog.ts';
import { ACTION, groupRefSchema, muteRefSchema, openTargetSchema } from '../../../src/slack/actionIds.ts';
import { isAlertMention } from '../../../src/slack/mention.ts';
import {
  type AlertRenderOptions,
  alertGroupRow,
  renderAlertGroup,
  renderAlertReply,
  renderMutes,
  renderStageNotice,
  renderWatches,
} from '../../../src/slack/views/alertViews.ts';
import type { Block, ButtonElement, SlackMessage } from '../../../src/slack/views/blocks.ts';
import { assertValidBlockKit } from '../../../testkit/blockKit.ts';
import { assertVerbatim, mrkdwnTexts } from '../../support/inertText.ts';

const ARN = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const ARN_2 = 'arn:aws:ivs:eu-west-1:123456789012:stage/ZyXwVu654321';
const SESSION = 'st-AbCdEf1234567';
const NOW = new Date('2025-03-01T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

function group(overrides: Partial<AlertGroup> = {}): AlertGroup {
  return {
    id: 42,
    stageArn: ARN,
    sessionId: SESSION,
    code: 'QUOTA_EXCEEDED',
    channelId: 'C0123ABCD',
    firstSeen: minutesAgo(10),
    lastSeen: minutesAgo(1),
    eventCount: 17,
    participantCount: 5,
    sample: [
      { participantId: 'p-alice-1', userId: 'alice', remoteParticipantId: null },
      { participantId: 'p-bob-2', userId: null, remoteParticipantId: null },
    ],
    messageTs: null,
    repliesQueued: 0,
    createdAt: minutesAgo(10),
    ...overrides,
  };
}

function mute(overrides: Partial<Mute> = {}): Mute {
  return {
    stageArn: ARN,
    code: 'QUOTA_EXCEEDED',
    until: new Date(NOW.getTime() + 3_600_000),
    mutedBy: 'U0123ABCD',
    createdAt: minutesAgo(5),
    ...overrides,
  };
}

/** Every mrkdwn or plain text in the blocks, in order. */
function texts(blocks: readonly Block[]): string[] {
  return blocks.flatMap((block): string[] => {
    if (block.type === 'header') return [block.text.text];
    if (block.type === 'section')
      return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((f) => f.text)];
    if (block.type === 'context') return block.elements.map((e) => e.text);
    if (block.type === 'actions') return block.elements.map((e) => e.text.text);
    return [];
  });
}

/** mrkdwn texts only (where Slack would parse <…>). */
const all = (message: SlackMessage) => texts(message.blocks).join('\n');
const buttons = (blocks: readonly Block[]): ButtonElement[] =>
  blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements
      : block.type === 'section' && block.accessory
        ? [block.accessory]
        : [],
  );
const buttonNamed = (message: SlackMessage, text: string) =>
  buttons(message.blocks).find((b) => b.text.text === text);

/** The only `<…>` sequences a view may produce: dates, user mentions and channel links it built itself. */
const OUR_TOKENS =
  /<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[^<>]*>|<@[UW][A-Z0-9]+>|<#[CGD][A-Z0-9]+>/g;
function assertNoOutsideControlSequences(message: SlackMessage): void {
  for (const text of [...mrkdwnTexts(message.blocks), message.text]) {
    assert.doesNotMatch(text.replace(OUR_TOKENS, ''), /[<>]/, text);
    assert.doesNotMatch(text, /&(?!amp;|lt;|gt;)/, text);
  }
}

/** Slack's rules (the independent checker), verbatim mrkdwn, and a short notification text. */
function assertMessageFits(message: SlackMessage): void {
  assertValidBlockKit(message);
  assertVerbatim(message);
  assert.ok(message.text.length > 0 && message.text.length <= 3000, 'a notification, not a document');
}

describe('renderAlertGroup', () => {
  test('says in words what happened, the usual fix, the counts and who is affected', () => {
    const message = renderAlertGroup(group(), undefined, NOW);
    assert.deepEqual(message.blocks[0], {
      type: 'header',
      text: { type: 'plain_text', text: '🚨 QUOTA_EXCEEDED on stage AbCdEf123456' },
    });
    const text = all(message);
    assert.ok(text.includes(explainErrorCode('QUOTA_EXCEEDED')));
    assert.ok(text.includes(`*Usual fix:* ${errorCodeFix('QUOTA_EXCEEDED')}`));
    assert.ok(text.includes('*Events*\n17'));
    assert.ok(text.includes('*Participants*\n5'));
    assert.match(text, /\*First seen\*\n<!date\^\d+\^/);
    assert.match(text, /\*Last seen\*\n<!date\^\d+\^/);
    assert.ok(text.includes(`*Session*\n\`${SESSION}\``));
    assert.ok(text.includes(`*Stage ARN*\n\`${ARN}\``));
    assert.ok(text.includes('• `alice` (`p-alice-1`)'), 'a userId is code: it cannot style the text');
    assert.ok(text.includes('• _no userId_ (`p-bob-2`)'));
    assert.ok(text.includes('_+3 more_'), 'participantCount 5, two named');
    assert.doesNotMatch(text, /Muted/);
    assert.equal(message.text, 'QUOTA_EXCEEDED on stage AbCdEf123456: 17 events, 5 participants');
    assertMessageFits(message);
  });

  test('a subscribe error names the publisher', () => {
    const message = renderAlertGroup(
      group({
        code: 'PUBLISHER_NOT_FOUND',
        participantCount: 1,
        eventCount: 1,
        sample: [{ participantId: 'sub-1', userId: 'viewer', remoteParticipantId: 'pub-9' }],
      }),
      undefined,
      NOW,
    );
    const text = all(message);
    assert.ok(text.includes('• `viewer` (`sub-1`, publisher `pub-9`)'));
    assert.doesNotMatch(text, /more_/);
    assert.equal(message.text, 'PUBLISHER_NOT_FOUND on stage AbCdEf123456: 1 event, 1 participant');
  });

  test('not muted: Details, Timeline, Acknowledge, Mute 1h and Mute 24h, each with its own action_id, values parse back', () => {
    const message = renderAlertGroup(group(), undefined, NOW);
    assert.deepEqual(
      buttons(message.blocks).map((b) => b.text.text),
      ['Details', 'Timeline', 'Acknowledge', 'Mute 1h', 'Mute 24h'],
    );
    const timeline = buttonNamed(message, 'Timeline');
    assert.equal(timeline?.action_id, ACTION.timeline);
    assert.deepEqual(openTargetSchema.parse(timeline?.value), { a: ARN, s: SESSION });
    const acknowledge = buttonNamed(message, 'Acknowledge');
    assert.equal(acknowledge?.action_id, ACTION.acknowledgeAlert);
    assert.deepEqual(groupRefSchema.parse(acknowledge?.value), { groupId: 42 });
    const details = buttonNamed(message, 'Details');
    assert.equal(details?.action_id, ACTION.openParticipant);
    assert.deepEqual(openTargetSchema.parse(details?.value), { a: ARN, s: SESSION, p: 'p-alice-1' });
    const mute1 = buttonNamed(message, 'Mute 1h');
    const mute24 = buttonNamed(message, 'Mute 24h');
    assert.equal(mute1?.action_id, 'ivs_alert_mute_1h');
    assert.equal(mute24?.action_id, 'ivs_alert_mute_24h');
    assertMessageFits(message);
    assert.deepEqual(muteRefSchema.parse(mute1?.value), { groupId: 42, hours: 1 });
    assert.deepEqual(muteRefSchema.parse(mute24?.value), { groupId: 42, hours: 24 });
  });

  test('muted: says by whom and until when, and offers Unmute', () => {
    const message = renderAlertGroup(group(), mute(), NOW);
    const note = message.blocks.find((b) => b.type === 'context');
    assert.ok(note?.type === 'context');
    assert.match(note.elements[0]?.text ?? '', /^🔕 Muted by <@U0123ABCD> until <!date\^\d+\^/);
    assert.deepEqual(
      buttons(message.blocks).map((b) => b.text.text),
      ['Details', 'Timeline', 'Acknowledge', 'Mute 1h', 'Mute 24h', 'Unmute'],
    );
    const unmute = buttonNamed(message, 'Unmute');
    assert.equal(unmute?.action_id, ACTION.unmuteAlert);
    assert.deepEqual(groupRefSchema.parse(unmute?.value), { groupId: 42 });
    assert.ok(message.text.endsWith('(muted)'));
    assertMessageFits(message);
  });

  test('a mute that has ended counts as none', () => {
    for (const until of [NOW, minutesAgo(1)]) {
      const message = renderAlertGroup(group(), mute({ until }), NOW);
      assert.doesNotMatch(all(message), /Muted by/);
      assert.equal(buttonNamed(message, 'Unmute'), undefined);
    }
  });

  test('a mutedBy that is not a Slack user ID is shown as escaped text, never as a mention', () => {
    const message = renderAlertGroup(group(), mute({ mutedBy: '<!channel> & co' }), NOW);
    assert.ok(all(message).includes('🔕 Muted by &lt;!channel&gt; &amp; co until'));
    assertNoOutsideControlSequences(message);
  });

  test('outside strings are escaped everywhere in mrkdwn and in the fallback text', () => {
    const message = renderAlertGroup(
      group({
        code: '<!channel> & <@U1>',
        sessionId: '<!here>',
        sample: [
          { participantId: '<@U1>', userId: '<!channel> & <@U1>', remoteParticipantId: '<!everyone>' },
        ],
      }),
      undefined,
      NOW,
    );
    assert.equal(
      message.blocks[0]?.type === 'header' && message.blocks[0].text.text,
      '🚨 <!channel> & <@U1> on stage AbCdEf123456',
      'plain text as it came',
    );
    const text = mrkdwnTexts(message.blocks).join('\n');
    assert.ok(text.includes('`&lt;!channel&gt; &amp; &lt;@U1&gt;`'));
    assert.ok(
      text.includes('• `&lt;!channel&gt; &amp; &lt;@U1&gt;` (`&lt;@U1&gt;`, publisher `&lt;!everyone&gt;`)'),
    );
    assert.ok(text.includes('`&lt;!here&gt;`'));
    assert.equal(
      message.text,
      '&lt;!channel&gt; &amp; &lt;@U1&gt; on stage AbCdEf123456: 17 events, 5 participants',
    );
    assertNoOutsideControlSequences(message);
    assert.equal(buttonNamed(message, 'Details'), undefined, 'no button the open listener would refuse');
  });

  test('an unknown code is shown as it came, with the generic explanation and fix', () => {
    const message = renderAlertGroup(group({ code: 'SOMETHING_NEWER_THAN_US' }), undefined, NOW);
    const text = all(message);
    assert.ok(text.includes('🚨 SOMETHING_NEWER_THAN_US on stage AbCdEf123456'));
    assert.ok(text.includes(`\`SOMETHING_NEWER_THAN_US\`: ${explainErrorCode('SOMETHING_NEWER_THAN_US')}.`));
    assert.match(text, /does not know yet/);
    assert.ok(text.includes(errorCodeFix('SOMETHING_NEWER_THAN_US')));
  });

  test('no sample: no Details button; nobody counted: no participants section', () => {
    const message = renderAlertGroup(group({ sample: [], participantCount: 0 }), undefined, NOW);
    assert.deepEqual(
      buttons(message.blocks).map((b) => b.text.text),
      ['Timeline', 'Acknowledge', 'Mute 1h', 'Mute 24h'],
    );
    assert.doesNotMatch(all(message), /Affected participants/);
    const counted = renderAlertGroup(group({ sample: [], participantCount: 3 }), undefined, NOW);
    assert.ok(all(counted).includes('*Affected participants*\n_+3 more_'));
  });

  test('an ARN that does not parse is shown whole in the header', () => {
    const message = renderAlertGroup(group({ stageArn: 'stage-from-elsewhere' }), undefined, NOW);
    assert.ok(all(message).startsWith('🚨 QUOTA_EXCEEDED on stage stage-from-elsewhere'));
    assert.equal(buttonNamed(message, 'Details'), undefined);
    assert.equal(buttonNamed(message, 'Timeline'), undefined);
  });
});

describe('renderAlertGroup, each state of an alert’s life (issue 16)', () => {
  const ACK = { by: 'U0ALICE99', at: minutesAgo(3) };
  const labels = (message: SlackMessage) => buttons(message.blocks).map((b) => b.text.text);

  test('acknowledged: who is on it since when, Unacknowledge instead of Acknowledge', () => {
    const message = renderAlertGroup(group({ acknowledged: ACK }), undefined, NOW);
    assert.match(all(message), /👀 <@U0ALICE99> is on it since <!date\^\d+\^/);
    assert.deepEqual(labels(message), ['Details', 'Timeline', 'Unacknowledge', 'Mute 1h', 'Mute 24h']);
    const undo = buttonNamed(message, 'Unacknowledge');
    assert.equal(undo?.action_id, ACTION.unacknowledgeAlert);
    assert.deepEqual(groupRefSchema.parse(undo?.value), { groupId: 42 });
    assert.ok(message.text.endsWith('(acknowledged)'));
    assertMessageFits(message);
  });

  test('an acknowledger that is not a Slack user ID is escaped text, never a mention', () => {
    const message = renderAlertGroup(group({ acknowledged: { by: '<!channel>', at: NOW } }), undefined, NOW);
    assert.ok(all(message).includes('👀 &lt;!channel&gt; is on it since'));
    assertNoOutsideControlSequences(message);
  });

  test('quiet: the same message says since when and what the burst was; Mute buttons go, Details stays', () => {
    const quiet = group({
      firstSeen: minutesAgo(60),
      lastSeen: minutesAgo(44),
      eventCount: 5000,
      participantCount: 50,
      quietAt: minutesAgo(14),
    });
    for (const m of [undefined, mute()]) {
      const message = renderAlertGroup(quiet, m, NOW);
      assert.equal(
        message.blocks[0]?.type === 'header' && message.blocks[0].text.text,
        '✅ QUOTA_EXCEEDED on stage AbCdEf123456 (quiet)',
      );
      assert.match(
        all(message),
        /✅ \*Quiet since <!date\^\d+\^[^>]*>\* — 5,000 events over 16 minutes, 50 participants\./,
      );
      assert.deepEqual(labels(message), ['Details', 'Timeline']);
      assert.ok(message.text.includes('(quiet'));
      assertMessageFits(message);
    }
  });

  test('session ended: says when, so nobody hunts a session that is gone', () => {
    const message = renderAlertGroup(group({ sessionEndedAt: minutesAgo(2) }), undefined, NOW);
    assert.match(all(message), /⏹️ Session ended <!date\^\d+\^/);
    assert.deepEqual(labels(message), ['Details', 'Timeline', 'Acknowledge', 'Mute 1h', 'Mute 24h']);
    assertMessageFits(message);
  });

  test('a new burst links to the last one and says how long after it', () => {
    const again = group({
      firstSeen: minutesAgo(10),
      previous: { groupId: 41, messageTs: '1700000000.000100', lastSeen: minutesAgo(130) },
    });
    const linked = renderAlertGroup(again, undefined, NOW, {
      previousPermalink: 'https://example.slack.com/archives/C0123ABCD/p1700000000000100',
    });
    assert.ok(
      all(linked).includes(
        '🔁 Again, 2 h after the last burst (<https://example.slack.com/archives/C0123ABCD/p1700000000000100|the last burst>).',
      ),
    );
    assertValidBlockKit(linked);
    // Without a permalink (Slack did not give one) the words stay, without a link.
    const unlinked = renderAlertGroup(again, undefined, NOW);
    assert.ok(all(unlinked).includes('🔁 Again, 2 h after the last burst.'));
    // Something that is not a plain https link is never put in a link.
    const odd = renderAlertGroup(again, undefined, NOW, {
      previousPermalink: 'https://x.example|<!channel>',
    });
    assert.ok(all(odd).includes('🔁 Again, 2 h after the last burst.'));
    assertNoOutsideControlSequences(odd);
  });

  test('reopened: the earlier burst points forward to the new alert and says when and how long after', () => {
    const earlier = group({
      firstSeen: minutesAgo(200),
      lastSeen: minutesAgo(190),
      quietAt: minutesAgo(160),
      next: { groupId: 43, messageTs: '1700000000.000200', firstSeen: minutesAgo(70) },
    });
    const link = 'https://example.slack.com/archives/C0123ABCD/p1700000000000200';
    const linked = renderAlertGroup(earlier, undefined, NOW, { nextPermalink: link });
    assert.match(
      all(linked),
      /🔁 Fired again <!date\^\d+\^[^>]*>, 2 h after this burst \(<https:\/\/example\.slack\.com\/archives\/C0123ABCD\/p1700000000000200\|the new alert>\)\./,
    );
    assert.deepEqual(labels(linked), ['Details', 'Timeline'], 'still the quiet message');
    assertValidBlockKit(linked);
    // The new message not posted (muted) or no permalink: the words stay, without a link.
    const unlinked = renderAlertGroup(earlier, undefined, NOW);
    assert.match(all(unlinked), /🔁 Fired again <!date\^\d+\^[^>]*>, 2 h after this burst\./);
    const odd = renderAlertGroup(earlier, undefined, NOW, { nextPermalink: 'https://x.example|<!channel>' });
    assert.doesNotMatch(all(odd), /the new alert/);
    assertNoOutsideControlSequences(odd);
  });

  test('the first message pages the watch’s mention, in the blocks and the notification text; updates do not', () => {
    for (const mention of ['<@U0ONCALL1>', '<!subteam^S0VIDEO12>', '<!here>']) {
      const first = renderAlertGroup(group({ mention }), undefined, NOW, { first: true });
      assert.ok(first.text.startsWith(`${mention} QUOTA_EXCEEDED on stage`), first.text);
      assert.ok(all(first).includes(`${mention} new alert`));
      assertValidBlockKit(first);
      const update = renderAlertGroup(group({ mention }), undefined, NOW);
      assert.ok(!update.text.includes(mention) && !all(update).includes(mention));
    }
  });

  test('a mention not in the stored form is never put in a message', () => {
    for (const mention of ['<!channel>', '<!everyone>', '<@U123|x>', '@here', 'here', '<!subteam^S1>x']) {
      const message = renderAlertGroup(group({ mention }), undefined, NOW, { first: true });
      assert.doesNotMatch(`${message.text}\n${all(message)}`, /<!channel>|<!everyone>|<!here>|<@U123/);
    }
  });

  test('alertGroupRow: quiet, who is on it, session ended', () => {
    const row = alertGroupRow(group({ acknowledged: ACK, sessionEndedAt: NOW, quietAt: NOW }), false);
    assert.match(row, /^✅ `QUOTA_EXCEEDED`/);
    assert.ok(row.includes('👀 <@U0ALICE99> on it'));
    assert.ok(row.includes('session ended'));
    assert.match(row, /quiet since <!date/);
  });

  test('/ivs watches: alerts still firing first, with who is on them; each watch says who it pages', () => {
    const w: Watch = {
      stageArn: ARN,
      channelId: 'C0123ABCD',
      codes: null,
      createdBy: 'U0123ABCD',
      createdAt: NOW,
      mention: '<!subteam^S0VIDEO12>',
    };
    const message = renderWatches([w, { ...w, channelId: 'C0THERONE1', mention: '<!here>' }], [], NOW, [], {
      groups: [group({ acknowledged: ACK }), group({ id: 7, code: 'BITRATE_EXCEEDED', quietAt: NOW })],
      mutes: [],
    });
    const text = all(message);
    assert.ok(text.includes('👀 <@U0ALICE99> on it'));
    assert.doesNotMatch(text, /BITRATE_EXCEEDED/, 'a quiet alert is not firing');
    assert.ok(text.includes('Pages: <!subteam^S0VIDEO12> on each new alert'));
    assert.ok(text.includes('Pages: `@here` on each new alert'), '@here is shown, never sent as <!here>');
    assert.doesNotMatch(text, /<!here>/);
    assertValidBlockKit(message);
  });
});

describe('renderAlertReply', () => {
  const reply = (overrides: Partial<ReplyPayload> = {}): ReplyPayload => ({
    events: 3,
    participants: [
      { participantId: 'p-carol-3', userId: 'carol', remoteParticipantId: null },
      { participantId: 'p-dave-4', userId: null, remoteParticipantId: 'pub-1' },
    ],
    firstSeen: minutesAgo(4).toISOString(),
    lastSeen: minutesAgo(2).toISOString(),
    ...overrides,
  });

  test('one short line naming what is new', () => {
    const message = renderAlertReply(group(), reply());
    assert.equal(message.blocks.length, 1);
    const [text = ''] = mrkdwnTexts(message.blocks);
    assert.match(
      text,
      /^\+3 more `QUOTA_EXCEEDED` events between <!date\^\d+\^[^>]+> and <!date\^\d+\^[^>]+>: `carol` \(`p-carol-3`\), _no userId_ \(`p-dave-4`, publisher `pub-1`\)$/,
    );
    assert.equal(message.text, '+3 more QUOTA_EXCEEDED events');
  });

  test('one event, nobody new; bad dates show a dash', () => {
    const message = renderAlertReply(
      group(),
      reply({ events: 1, participants: [], firstSeen: 'nope', lastSeen: 'nope' }),
    );
    assert.deepEqual(mrkdwnTexts(message.blocks), ['+1 more `QUOTA_EXCEEDED` event between — and —.']);
  });

  test('outside strings are escaped', () => {
    const message = renderAlertReply(
      group({ code: '<!channel>' }),
      reply({
        participants: [{ participantId: 'p1', userId: '<@U1> & <!here>', remoteParticipantId: null }],
      }),
    );
    assert.ok(mrkdwnTexts(message.blocks)[0]?.includes('`&lt;@U1&gt; &amp; &lt;!here&gt;` (`p1`)'));
    assertNoOutsideControlSequences(message);
  });
});

describe('renderStageNotice', () => {
  test('failing: the error sentence, escaped, and that alerts pause', () => {
    const message = renderStageNotice({
      stageArn: ARN,
      transition: 'failing',
      error: 'IVS refused access <!channel> & more.',
      at: NOW.toISOString(),
    });
    const text = all(message);
    assert.ok(
      text.includes(
        'Polling stage `AbCdEf123456` is failing: IVS refused access &lt;!channel&gt; &amp; more.',
      ),
    );
    assert.ok(text.includes('Alerts for this stage are paused until it recovers.'));
    assert.match(text, new RegExp(`Stage \`${ARN}\` · <!date\\^${NOW.getTime() / 1000}\\^`));
    assertNoOutsideControlSequences(message);
    assertMessageFits(message);
  });

  test('failing without an error still reads', () => {
    const message = renderStageNotice({
      stageArn: ARN,
      transition: 'failing',
      error: null,
      at: NOW.toISOString(),
    });
    assert.ok(all(message).includes('is failing: no reason was given'));
  });

  test('recovered: alerts resume', () => {
    const message = renderStageNotice({
      stageArn: ARN,
      transition: 'recovered',
      error: null,
      at: NOW.toISOString(),
    });
    assert.ok(all(message).includes('Polling stage `AbCdEf123456` works again; its alerts resume.'));
    assert.equal(message.text, 'Polling stage AbCdEf123456 recovered');
  });
});

describe('renderWatches', () => {
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
    lastPollAt: minutesAgo(2),
    status: 'ok',
    lastError: null,
    lagSeconds: 0,
    ...overrides,
  });

  test('each watch: stage, channel, codes, last poll, status and lag', () => {
    const message = renderWatches(
      [
        watch(),
        watch({ stageArn: ARN_2, channelId: 'G0999XYZ', codes: ['QUOTA_EXCEEDED', 'BITRATE_EXCEEDED'] }),
        watch({ stageArn: 'arn:aws:ivs:us-east-1:123456789012:stage/NeverPolled1' }),
      ],
      [
        health(),
        health({ stageArn: ARN_2, status: 'failing', lastError: 'Access denied <!here>', lagSeconds: 90 }),
      ],
      NOW,
    );
    const rows = mrkdwnTexts(message.blocks);
    assert.ok(all(message).startsWith('IVS alert watches (3 watches, 1 failing)'));
    assert.match(
      rows[0] ?? '',
      new RegExp(
        `^\\*Stage\\* \`AbCdEf123456\` → <#C0123ABCD>\\n\`${ARN}\`\\nCodes: all error codes\\n:large_green_circle: ok · last poll <!date\\^\\d+\\^[^>]+> \\(2m ago\\) · up to date$`,
      ),
    );
    assert.ok(rows[1]?.includes('→ <#G0999XYZ>'));
    assert.ok(rows[1]?.includes('Codes: `QUOTA_EXCEEDED`, `BITRATE_EXCEEDED`'));
    assert.ok(rows[1]?.includes(':red_circle: failing: Access denied &lt;!here&gt;'));
    assert.ok(rows[1]?.includes('behind by 90s'));
    assert.ok(rows[2]?.includes(':white_circle: not polled yet'));
    assertNoOutsideControlSequences(message);
    assertMessageFits(message);
  });

  test('a channel ID that is not one is shown as escaped code, not a link', () => {
    const message = renderWatches([watch({ channelId: '<!channel>' })], [], NOW);
    assert.ok(all(message).includes('→ `&lt;!channel&gt;`'));
    assertNoOutsideControlSequences(message);
  });

  test('none: says how to add one', () => {
    const message = renderWatches([], [], NOW);
    assert.equal(
      mrkdwnTexts(message.blocks)[0],
      'No stages are watched yet. Add one with `/ivs watch &lt;stage&gt; [#channel] [codes=…] [mention=…]`.',
    );
  });

  test('many watches: the rows that fit are whole and the rest are counted', () => {
    const watches = Array.from({ length: 200 }, (_, i) =>
      watch({ channelId: `C${String(i).padStart(8, '0')}` }),
    );
    const message = renderWatches(watches, [health()], NOW);
    assertMessageFits(message);
    const rows = mrkdwnTexts(message.blocks).filter((t) => t.startsWith('*Stage*'));
    for (const row of rows) assert.ok(row.endsWith('up to date'), row);
    assert.ok(all(message).includes(`_${200 - rows.length} more watches not shown, to fit Slack’s limits._`));
  });
});

describe('stages in several accounts (IVS_ACCOUNT_ROLES)', () => {
  const PROD_ARN = 'arn:aws:ivs:us-east-1:111111111111:stage/ProdStage001';
  const accounts = new Map([
    [
      '111111111111',
      { accountId: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/r', alias: 'prod' },
    ],
    ['222222222222', { accountId: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/r' }],
  ]);
  const watch = (stageArn: string): Watch => ({
    stageArn,
    channelId: 'C0123ABCD',
    codes: null,
    createdBy: 'U0123ABCD',
    createdAt: minutesAgo(60),
  });

  test('an alert names the stage’s account, with its alias; the bot’s own account by its ID', () => {
    const prod = JSON.stringify(
      renderAlertGroup(group({ stageArn: PROD_ARN }), undefined, NOW, { accounts }),
    );
    assert.match(prod, /\*Account\*\\nprod \(111111111111\)/);
    const own = JSON.stringify(renderAlertGroup(group(), undefined, NOW, { accounts }));
    assert.match(own, /\*Account\*\\n123456789012/);
    assert.doesNotMatch(
      JSON.stringify(renderAlertGroup(group(), undefined, NOW)),
      /\*Account\*/,
      'one account: the ARN says it',
    );
  });

  test('/ivs watches and stage notices name each stage’s account', () => {
    const text = JSON.stringify(renderWatches([watch(PROD_ARN), watch(ARN)], [], NOW, [], { accounts }));
    assert.match(text, /ProdStage001` · account prod \(111111111111\)/);
    assert.match(text, /AbCdEf123456` · account 123456789012/);
    const notice = renderStageNotice(
      {
        transition: 'failing',
        stageArn: PROD_ARN,
        at: NOW.toISOString(),
        error: 'The bot could not assume …',
      },
      accounts,
    );
    assert.match(JSON.stringify(notice), /· account prod \(111111111111\) ·/);
    assertValidBlockKit(notice);
  });
});

describe('renderMutes', () => {
  test('mutes in force: code, stage, until and by whom; ended ones are left out', () => {
    const message = renderMutes(
      [
        mute(),
        mute({
          code: 'BITRATE_EXCEEDED',
          stageArn: ARN_2,
          mutedBy: 'not a user <!here>',
          until: new Date(NOW.getTime() + 86_400_000),
        }),
        mute({ code: 'ENDED', until: minutesAgo(1) }),
      ],
      NOW,
    );
    const text = all(message);
    assert.ok(text.startsWith('Muted alerts (2)'));
    assert.match(
      text,
      /🔕 `QUOTA_EXCEEDED` on stage `AbCdEf123456` until <!date\^\d+\^[^>]+> \(60m left\) · by <@U0123ABCD>/,
    );
    assert.match(
      text,
      /🔕 `BITRATE_EXCEEDED` on stage `ZyXwVu654321` until <!date\^\d+\^[^>]+> \(24h left\) · by not a user &lt;!here&gt;/,
    );
    assert.doesNotMatch(text, /ENDED/);
    assertNoOutsideControlSequences(message);
  });

  test('none in force: says so', () => {
    for (const mutes of [[], [mute({ until: NOW })]]) {
      const message = renderMutes(mutes, NOW);
      assert.deepEqual(mrkdwnTexts(message.blocks), ['No alerts are muted.']);
      assert.equal(message.text, 'No alerts are muted.');
    }
  });
});

// Arbitraries shaped like the store's data, with hostile and very long outside strings.
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
// size 'max' so lengths really reach the bounds (fast-check's default keeps them short).
const outside = (maxLength: number) =>
  fc.oneof(fc.string({ unit, maxLength: 12 }), fc.string({ unit, maxLength, size: 'max' }));
const date = fc.date({
  min: new Date('2020-01-01T00:00:00Z'),
  max: new Date('2030-01-01T00:00:00Z'),
  noInvalidDate: true,
});
const stageArn = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9]{12}$/).map((id) => `arn:aws:ivs:us-east-1:123456789012:stage/${id}`),
  outside(200),
);
const sessionId = fc.oneof(fc.stringMatching(/^st-[A-Za-z0-9]{13}$/), outside(100));
const participant: fc.Arbitrary<AffectedParticipant> = fc.record({
  participantId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), outside(80)),
  userId: fc.option(fc.oneof(outside(128), fc.string({ unit, minLength: 128, maxLength: 128 }))),
  remoteParticipantId: fc.option(outside(64)),
});
// Every error code and *_ERROR event name of the SDK model, and codes newer than it.
const code = fc.oneof(
  fc.constantFrom(
    ...Object.values(EventErrorCode),
    ...Object.values(EventName).filter((name) => name.endsWith('_ERROR')),
  ),
  outside(300),
);
const alertGroup: fc.Arbitrary<AlertGroup> = fc.record({
  id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  stageArn,
  sessionId,
  code,
  channelId: fc.constant('C0123ABCD'),
  firstSeen: date,
  lastSeen: date,
  eventCount: fc.nat(),
  participantCount: fc.nat(),
  sample: fc.array(participant, { maxLength: 5 }),
  messageTs: fc.constant(null),
  repliesQueued: fc.nat({ max: 3 }),
  createdAt: date,
});
const slackUser = fc.oneof(fc.stringMatching(/^U[A-Z0-9]{8,10}$/), outside(100));
const muteArb: fc.Arbitrary<Mute> = fc.record({
  stageArn,
  code,
  until: date,
  mutedBy: slackUser,
  createdAt: date,
});

function assertEveryButtonParses(message: SlackMessage): void {
  for (const b of buttons(message.blocks)) {
    const schema =
      b.action_id === ACTION.muteAlert1h || b.action_id === ACTION.muteAlert24h
        ? muteRefSchema
        : b.action_id === ACTION.unmuteAlert ||
            b.action_id === ACTION.acknowledgeAlert ||
            b.action_id === ACTION.unacknowledgeAlert
          ? groupRefSchema
          : openTargetSchema;
    assert.ok(schema.safeParse(b.value).success, `${b.action_id} ${b.value}`);
    if (schema === muteRefSchema)
      assert.equal(b.action_id, `ivs_alert_mute_${muteRefSchema.parse(b.value).hours}h`);
  }
}

function assertFitsAndSafe(message: SlackMessage): void {
  assertMessageFits(message);
  assertNoOutsideControlSequences(message);
  assertEveryButtonParses(message);
}

describe('properties: any data keeps Slack’s limits and never pings', () => {
  test('renderAlertGroup', () => {
    fc.assert(
      fc.property(alertGroup, fc.option(muteArb, { nil: undefined }), date, (g, m, now) => {
        const message = renderAlertGroup(g, m, now);
        assertFitsAndSafe(message);
        const labels = buttons(message.blocks).map((b) => b.text.text);
        assert.equal(labels.includes('Unmute'), m !== undefined && m.until > now);
        if (labels.includes('Details')) assert.ok(g.sample.length > 0);
      }),
      { numRuns: 300 },
    );
  });

  test('renderAlertGroup in every state: firing, acknowledged, quiet, session ended, new burst, fired again, first message', () => {
    const ack = fc.option(fc.record({ by: slackUser, at: date }), { nil: null });
    const previous = fc.option(
      fc.record({
        groupId: fc.integer({ min: 1, max: 1_000_000 }),
        messageTs: fc.option(fc.stringMatching(/^\d{10}\.\d{6}$/)),
        lastSeen: date,
      }),
      { nil: null },
    );
    const mention = fc.option(
      fc.oneof(
        fc.constantFrom('<@U0ONCALL1>', '<!subteam^S0VIDEO12>', '<!here>', '<!channel>', '<!everyone>'),
        outside(60),
      ),
      { nil: null },
    );
    const lifecycle = fc.record({
      acknowledged: ack,
      quietAt: fc.option(date, { nil: null }),
      sessionEndedAt: fc.option(date, { nil: null }),
      previous,
      next: fc.option(
        fc.record({
          groupId: fc.integer({ min: 1, max: 1_000_000 }),
          messageTs: fc.option(fc.stringMatching(/^\d{10}\.\d{6}$/)),
          firstSeen: date,
        }),
        { nil: null },
      ),
      mention,
    });
    const options = fc.record(
      {
        first: fc.boolean(),
        previousPermalink: fc.oneof(
          fc
            .stringMatching(/^[a-z0-9]{1,20}$/)
            .map((t) => `https://${t}.slack.com/archives/C0123ABCD/p1700000000000100`),
          outside(80),
        ),
        nextPermalink: fc.oneof(
          fc
            .stringMatching(/^[a-z0-9]{1,20}$/)
            .map((t) => `https://${t}.slack.com/archives/C0123ABCD/p1700000000000200`),
          outside(80),
        ),
      },
      { requiredKeys: [] },
    );
    const ours = (g: AlertGroup, o: AlertRenderOptions) => {
      const tokens: string[] = [];
      if (o.first && g.mention && isAlertMention(g.mention)) tokens.push(g.mention);
      if (g.previous && o.previousPermalink && /^https:\/\/[^\s<>|&]{1,400}$/.test(o.previousPermalink))
        tokens.push(`<${o.previousPermalink}|the last burst>`);
      if (g.next && o.nextPermalink && /^https:\/\/[^\s<>|&]{1,400}$/.test(o.nextPermalink))
        tokens.push(`<${o.nextPermalink}|the new alert>`);
      return tokens;
    };
    fc.assert(
      fc.property(
        alertGroup,
        lifecycle,
        fc.option(muteArb, { nil: undefined }),
        date,
        options,
        (base, state, m, now, o) => {
          const g: AlertGroup = { ...base, ...state };
          const message = renderAlertGroup(g, m, now, o);
          assertMessageFits(message);
          assertEveryButtonParses(message);
          // Outside data stays inert; the only tokens besides dates and users are the page and the link we built.
          const tokens = ours(g, o);
          const strip = (text: string) => tokens.reduce((t, token) => t.split(token).join(''), text);
          for (const text of [...mrkdwnTexts(message.blocks), message.text]) {
            assert.doesNotMatch(strip(text).replace(OUR_TOKENS, ''), /[<>]/, text);
          }
          const page = tokens.find((t) => !t.startsWith('<http'));
          if (page) assert.ok(message.text.startsWith(`${page} `), 'the page leads the notification');
          else assert.doesNotMatch(message.text, /^<[@!]/, 'no page unless first and well-formed');
          const labels = buttons(message.blocks).map((b) => b.text.text);
          if (g.quietAt) {
            assert.ok(
              labels.every((label) => label === 'Details' || label === 'Timeline'),
              'quiet: only Details and Timeline stay',
            );
          } else {
            assert.equal(labels.includes('Unacknowledge'), Boolean(g.acknowledged));
            assert.equal(labels.includes('Acknowledge'), !g.acknowledged);
            assert.ok(labels.includes('Mute 1h') && labels.includes('Mute 24h'));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  test('renderAlertReply', () => {
    const payload: fc.Arbitrary<ReplyPayload> = fc.record({
      events: fc.nat(),
      participants: fc.array(participant, { maxLength: 40, size: 'max' }),
      firstSeen: fc.oneof(
        date.map((d) => d.toISOString()),
        outside(40),
      ),
      lastSeen: fc.oneof(
        date.map((d) => d.toISOString()),
        outside(40),
      ),
    });
    fc.assert(
      fc.property(alertGroup, payload, (g, p) => assertFitsAndSafe(renderAlertReply(g, p))),
      { numRuns: 200 },
    );
  });

  test('renderStageNotice', () => {
    fc.assert(
      fc.property(
        stageArn,
        fc.constantFrom('failing' as const, 'recovered' as const),
        fc.option(outside(5000)),
        fc.oneof(
          date.map((d) => d.toISOString()),
          outside(40),
        ),
        (arn, transition, error, at) =>
          assertFitsAndSafe(renderStageNotice({ stageArn: arn, transition, error, at })),
      ),
      { numRuns: 200 },
    );
  });

  test('renderWatches with up to 200 watches', () => {
    const watchArb: fc.Arbitrary<Watch> = fc.record({
      stageArn,
      channelId: fc.oneof(fc.stringMatching(/^C[A-Z0-9]{8,10}$/), outside(40)),
      codes: fc.option(fc.array(code, { maxLength: 30, size: 'max' })),
      createdBy: slackUser,
      createdAt: date,
    });
    const healthArb = (arn: string): fc.Arbitrary<StageHealth> =>
      fc.record({
        stageArn: fc.constant(arn),
        lastPollAt: fc.option(date),
        status: fc.constantFrom('ok' as const, 'failing' as const),
        lastError: fc.option(outside(3000)),
        lagSeconds: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e7, noNaN: true })),
      });
    const data = fc
      .array(watchArb, { maxLength: 200, size: 'max' })
      .chain((watches) =>
        fc.tuple(fc.constant(watches), fc.tuple(...watches.map((w) => healthArb(w.stageArn)))),
      );
    fc.assert(
      fc.property(data, date, ([watches, health], now) =>
        assertFitsAndSafe(renderWatches(watches, health, now)),
      ),
      { numRuns: 60 },
    );
  });

  test('renderWatches with who each watch pages and the alerts still firing (issue 16)', () => {
    const mention = fc.option(
      fc.oneof(
        fc.constantFrom('<@U0ONCALL1>', '<!subteam^S0VIDEO12>', '<!here>', '<!channel>', '<!everyone>'),
        outside(60),
      ),
      { nil: null },
    );
    const watchArb: fc.Arbitrary<Watch> = fc.record({
      stageArn,
      channelId: fc.oneof(fc.stringMatching(/^C[A-Z0-9]{8,10}$/), outside(40)),
      codes: fc.option(fc.array(code, { maxLength: 5 })),
      createdBy: slackUser,
      createdAt: date,
      mention,
    });
    const firing = fc.record({
      acknowledged: fc.option(fc.record({ by: slackUser, at: date }), { nil: null }),
      quietAt: fc.option(date, { nil: null }),
      sessionEndedAt: fc.option(date, { nil: null }),
    });
    const groups = fc.array(
      fc.tuple(alertGroup, firing).map(([g, state]) => ({ ...g, ...state })),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(
        fc.array(watchArb, { minLength: 1, maxLength: 60 }),
        groups,
        fc.array(muteArb, { maxLength: 10 }),
        date,
        (watches, firingGroups, mutes, now) => {
          const message = renderWatches(watches, [], now, [], { groups: firingGroups, mutes });
          assertMessageFits(message);
          assertEveryButtonParses(message);
          for (const text of [...mrkdwnTexts(message.blocks), message.text]) {
            // A group is shown by name in a list (it pages nobody there); here and channel never are.
            const rest = text.replace(/<!subteam\^S[A-Z0-9]{2,30}>/g, '').replace(OUR_TOKENS, '');
            assert.doesNotMatch(rest, /[<>]/, text);
          }
          const shown = JSON.stringify(message.blocks);
          assert.doesNotMatch(shown, /<!here>|<!channel>|<!everyone>/);
        },
      ),
      { numRuns: 80 },
    );
  });

  test('renderMutes with up to 200 mutes', () => {
    fc.assert(
      fc.property(fc.array(muteArb, { maxLength: 200, size: 'max' }), date, (mutes, now) =>
        assertFitsAndSafe(renderMutes(mutes, now)),
      ),
      { numRuns: 60 },
    );
  });
});
