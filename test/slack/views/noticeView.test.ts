import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BrowseProblem } from '../../../src/browse/types.ts';
import { describeIvsFailure, type IvsFailure, type IvsFailureKind } from '../../../src/ivs/IvsFailure.ts';
import { ACTION, pageRefSchema } from '../../../src/slack/actionIds.ts';
import { helpUsage } from '../../../src/slack/commands/parseCommand.ts';
import { EXAMPLES, HELP, USAGE } from '../../../src/slack/commandUsage.ts';
import type { SlackMessage } from '../../../src/slack/views/blocks.ts';
import {
  renderBrowseProblem,
  renderHelp,
  renderNotice,
  renderUsageError,
} from '../../../src/slack/views/noticeView.ts';
import { escapeMrkdwn } from '../../../src/slack/views/text.ts';
import { assertValidBlockKit } from '../../../testkit/blockKit.ts';
import { assertDataEscaped, assertVerbatim, mrkdwnTexts } from '../../support/inertText.ts';

const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const allMrkdwn = (message: SlackMessage) => mrkdwnTexts(message.blocks).join('\n');

/** Slack's rules (the independent Block Kit checker) and verbatim mrkdwn, so outside data never links. */
function assertSlackAccepts(message: SlackMessage): void {
  assertValidBlockKit(message);
  assertVerbatim(message);
}

describe('renderHelp', () => {
  const message = renderHelp(HELP);

  test('keeps Slack’s limits', () => {
    assertSlackAccepts(message);
  });

  test('mentions every subcommand with its usage and an example', () => {
    const text = allMrkdwn(message);
    for (const name of ['stages', 'sessions', 'participants', 'participant'] as const) {
      assert.ok(text.includes(`/ivs ${name}`), name);
      assert.ok(text.includes(escapeMrkdwn(USAGE[name])), `usage of ${name}`);
      assert.ok(text.includes(escapeMrkdwn(EXAMPLES[name])), `example of ${name}`);
    }
  });

  test('the <placeholders> of the usage lines are escaped so Slack shows them', () => {
    const section = message.blocks.find((b) => b.type === 'section');
    const text = section?.type === 'section' ? (section.text?.text ?? '') : '';
    assert.ok(text.includes('&lt;stage&gt; &lt;session-id&gt;'));
    assert.doesNotMatch(text, /<(stage|session-id|participant-id|userId)>/);
  });

  test('has a header and a fallback text', () => {
    assert.equal(message.blocks[0]?.type, 'header');
    assert.equal(message.text, 'How to use /ivs');
  });

  test('the context’s mrkdwn is escaped like the rest', () => {
    assertDataEscaped(message);
  });
});

describe('renderBrowseProblem', () => {
  const failure = (kind: IvsFailureKind): IvsFailure => ({
    kind,
    operation: 'GetParticipant',
    resource: `${STAGE} <@U123> & co`,
    detail: 'Participant <!channel> not found',
  });

  for (const kind of ['not_found', 'access_denied', 'throttled', 'invalid_input', 'unavailable'] as const) {
    test(`an IVS ${kind} failure shows its one sentence, escaped`, () => {
      const message = renderBrowseProblem({ kind: 'ivs', failure: failure(kind) });
      assertSlackAccepts(message);
      assert.equal(message.blocks.length, 1);
      assert.equal(allMrkdwn(message), `:warning: ${escapeMrkdwn(describeIvsFailure(failure(kind)))}`);
      assertDataEscaped(message);
    });
  }

  test('access denied names the IAM action', () => {
    assert.match(
      allMrkdwn(renderBrowseProblem({ kind: 'ivs', failure: failure('access_denied') })),
      /ivs:GetParticipant/,
    );
  });

  test('the fallback text of an IVS failure is escaped too', () => {
    const message = renderBrowseProblem({ kind: 'ivs', failure: failure('not_found') });
    assert.ok(!message.text.includes('<!channel>'), message.text);
    assert.ok(!message.text.includes('<@U123>'), message.text);
  });

  test('expired paging says how long state is kept and how to start over', () => {
    const message = renderBrowseProblem({ kind: 'expired' });
    assertSlackAccepts(message);
    assert.match(allMrkdwn(message), /expired or are unknown to the bot.*7 days/);
    assert.match(allMrkdwn(message), /Run the \/ivs command again/);
    assert.equal(
      message.blocks.some((b) => b.type === 'actions'),
      false,
    );
  });

  test('a stale IVS token offers to start again from page 1', () => {
    const problem: BrowseProblem = { kind: 'stale_token', stateId: 'c3RhbGUxMjM0' };
    const message = renderBrowseProblem(problem);
    assertSlackAccepts(message);
    assert.match(allMrkdwn(message), /no longer accepts this page position/);
    const block = message.blocks.find((b) => b.type === 'actions');
    assert.ok(block?.type === 'actions');
    assert.equal(block.elements.length, 1);
    const [restart] = block.elements;
    assert.equal(restart?.text.text, 'Start again from page 1');
    assert.equal(restart?.action_id, ACTION.restart);
    assert.equal(restart?.value, 'c3RhbGUxMjM0:0');
    assert.deepEqual(pageRefSchema.parse(restart?.value), { stateId: 'c3RhbGUxMjM0', pageIndex: 0 });
  });
});

describe('renderNotice and renderUsageError', () => {
  test('renderNotice escapes its text and detail', () => {
    const message = renderNotice('Hello <!channel> & co', 'detail <@U123>');
    assertSlackAccepts(message);
    assert.equal(allMrkdwn(message), 'Hello &lt;!channel&gt; &amp; co\ndetail &lt;@U123&gt;');
    assertDataEscaped(message);
    assert.equal(renderNotice('only text').blocks.length, 1);
  });

  test('renderUsageError shows the problem, the usage as a code block, and the help hint', () => {
    const message = renderUsageError(
      'Missing <stage>.',
      `Usage: ${USAGE.sessions}\nExample: ${EXAMPLES.sessions}`,
    );
    assertSlackAccepts(message);
    const [problem, usage, hint] = mrkdwnTexts(message.blocks);
    assert.equal(problem, ':warning: Missing &lt;stage&gt;.');
    assert.equal(usage, `\`\`\`Usage: /ivs sessions &lt;stage&gt;\nExample: ${EXAMPLES.sessions}\`\`\``);
    assert.match(hint ?? '', /\/ivs help/);
    assertDataEscaped(message);
  });

  test('renderUsageError with the help usage lists every subcommand', () => {
    const text = allMrkdwn(renderUsageError('Unknown subcommand “x”.', helpUsage()));
    for (const name of Object.keys(USAGE)) assert.ok(text.includes(`/ivs ${name}`));
  });

  test('the fallback text of a usage error does not echo the user’s mentions', () => {
    const message = renderUsageError('Unknown subcommand “<!channel>”.', helpUsage());
    assert.ok(!message.text.includes('<!channel>'), message.text);
  });
});
