import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ACTION, openTargetSchema } from '../../../src/slack/actionIds.ts';
import type { ActionsBlock } from '../../../src/slack/views/blocks.ts';
import {
  renderTimelineSent,
  timelineButton,
  timelineCommentForAsker,
  timelineCommentForChannel,
} from '../../../src/slack/views/timelineView.ts';
import { assertValidBlockKit } from '../../../testkit/blockKit.ts';
import { assertDataEscaped } from '../../support/inertText.ts';
import { dataText, sessionId, stageArn } from '../../support/viewArbitraries.ts';

const ARN = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const SESSION = 'st-XyZ1234567890';

describe('timeline views', () => {
  test('the answer says where the picture is, what it shows, and offers Share for this session', () => {
    const message = renderTimelineSent({
      stageArn: ARN,
      sessionId: SESSION,
      summary: '3 participants drawn',
    });
    assertValidBlockKit(message);
    const actions = message.blocks.find((b): b is ActionsBlock => b.type === 'actions');
    assert.deepEqual(
      actions?.elements.map((b) => [b.text.text, b.action_id]),
      [['Share', ACTION.timelineShare]],
    );
    assert.deepEqual(openTargetSchema.parse(actions?.elements[0]?.value), { a: ARN, s: SESSION });
    assert.match(JSON.stringify(message.blocks), /in your messages with the bot/);
  });

  test('the Timeline button names the stage and session; none for IDs its listener would refuse', () => {
    const button = timelineButton(ARN, SESSION);
    assert.equal(button?.action_id, ACTION.timeline);
    assert.deepEqual(openTargetSchema.parse(button?.value), { a: ARN, s: SESSION });
    assert.equal(timelineButton('not-an-arn', SESSION), undefined);
    assert.equal(timelineButton(ARN, 'st-short'), undefined);
  });

  test('the comments with the file: the channel linked only when it is one, data escaped, the sharer mentioned', () => {
    const facts = { stageArn: ARN, sessionId: SESSION, summary: 'a <!channel> & b' };
    assert.equal(
      timelineCommentForAsker(facts, 'C0123ABCD'),
      `Timeline of session \`${SESSION}\` on stage \`${ARN}\` (asked in <#C0123ABCD>). a &lt;!channel&gt; &amp; b`,
    );
    assert.doesNotMatch(timelineCommentForAsker(facts, 'D0123ABCD'), /<#/);
    assert.match(
      timelineCommentForChannel(facts, 'U0SHARER1'),
      /shared by <@U0SHARER1>\. a &lt;!channel&gt;/,
    );
  });

  test('property: any summary keeps Slack’s limits and stays inert', () => {
    fc.assert(
      fc.property(stageArn, sessionId, dataText(3000), (stage, session, summary) => {
        const message = renderTimelineSent({ stageArn: stage.arn, sessionId: session, summary });
        assertValidBlockKit(message);
        assertDataEscaped(message);
      }),
      { numRuns: 200 },
    );
  });
});
