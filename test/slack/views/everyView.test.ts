import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { BrowseProblem } from '../../../src/browse/types.ts';
import type { IvsFailure } from '../../../src/ivs/IvsFailure.ts';
import { ACTION, openTargetSchema, pageRefSchema } from '../../../src/slack/actionIds.ts';
import { renderBrowseView } from '../../../src/slack/browseViews/registry.ts';
import { helpUsage } from '../../../src/slack/commands/parseCommand.ts';
import { HELP } from '../../../src/slack/commandUsage.ts';
import type { SlackMessage } from '../../../src/slack/views/blocks.ts';
import {
  renderBrowseProblem,
  renderHelp,
  renderNotice,
  renderUsageError,
  renderWatchStarted,
} from '../../../src/slack/views/noticeView.ts';
import { assertValidBlockKit, blockKitViolations } from '../../../testkit/blockKit.ts';
import { assertDataEscaped, assertVerbatim } from '../../support/inertText.ts';
import { browseView, dataText, stageArn } from '../../support/viewArbitraries.ts';

// Every message builder that the other view tests do not already drive with random data, fed data at
// the edges and checked by the independent Block Kit checker: the browse views in each way they are
// sent (to the asker, to an admin, after a Disconnect, as a snapshot shared to a channel) and every
// notice. (Alerts, watches, mutes and notices of stages: alertViews.test.ts; Home: homeView.test.ts.)

/** What Slack accepts, with every mrkdwn text verbatim and outside data escaped. */
function assertSlackAccepts(message: SlackMessage): void {
  assertValidBlockKit(message);
  assertVerbatim(message);
  assertDataEscaped(message, { mentions: true });
}

type Button = { action_id: string; value: string };
function buttons(message: SlackMessage): Button[] {
  return message.blocks.flatMap((block): Button[] =>
    block.type === 'actions'
      ? block.elements
      : block.type === 'section' && block.accessory
        ? [block.accessory]
        : [],
  );
}

/** A button's value is what its listener accepts. */
function assertButtonsParse(message: SlackMessage): void {
  for (const b of buttons(message)) {
    const schema =
      b.action_id.startsWith('ivs_page_') || b.action_id === ACTION.share ? pageRefSchema : openTargetSchema;
    assert.ok(schema.safeParse(b.value).success, `${b.action_id}: ${b.value}`);
  }
}

const slackUser = fc.oneof(fc.stringMatching(/^U[A-Z0-9]{8,10}$/), dataText(40));
const date = fc.date({
  min: new Date('2020-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
  noInvalidDate: true,
});

describe('renderBrowseView, every way it is sent (property)', () => {
  test('to the asker, to an admin, after a Disconnect', () => {
    const options = fc.record(
      { offer: fc.boolean(), done: fc.record({ by: slackUser, at: date }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(browseView, options, (view, option) => {
        const message = renderBrowseView(view, option);
        assertSlackAccepts(message);
        assertButtonsParse(message);
        for (const b of buttons(message))
          assert.ok(!b.action_id.endsWith('_copy'), 'copies are for snapshots');
      }),
      { numRuns: 150 },
    );
  });

  test('as a snapshot shared to a channel: nothing on it replaces it, nothing changes anything', () => {
    const mayAppear = new Set<string>([
      ACTION.previousPageCopy,
      ACTION.nextPageCopy,
      ACTION.openSessions,
      ACTION.openParticipants,
      ACTION.openParticipant,
      // Draws the session for the clicker alone, into their messages with the bot.
      ACTION.timeline,
    ]);
    fc.assert(
      fc.property(browseView, slackUser, fc.boolean(), (view, sharedBy, offer) => {
        const message = renderBrowseView(view, { offer, snapshot: { sharedBy } });
        assertSlackAccepts(message);
        assertButtonsParse(message);
        for (const b of buttons(message)) assert.ok(mayAppear.has(b.action_id), b.action_id);
      }),
      { numRuns: 150 },
    );
  });
});

describe('notices (property)', () => {
  test('renderNotice: any text and detail', () => {
    fc.assert(
      fc.property(dataText(5000), fc.option(dataText(5000), { nil: undefined }), (text, detail) => {
        const message = renderNotice(text, detail);
        // An empty notice is still a message: its fallback is a space at worst, never missing.
        assertValidBlockKit({ ...message, text: message.text === '' ? 'x' : message.text });
        assertVerbatim(message);
        assertDataEscaped(message);
      }),
      { numRuns: 200 },
    );
  });

  test('renderUsageError: any problem, any usage (the help usage included)', () => {
    fc.assert(
      fc.property(
        dataText(3000, 1),
        fc.oneof(fc.constant(helpUsage()), dataText(4000, 1)),
        (problem, usage) => assertSlackAccepts(renderUsageError(problem, usage)),
      ),
      { numRuns: 200 },
    );
  });

  test('renderBrowseProblem: every IVS failure with any detail, expiry, a stale token', () => {
    const failure: fc.Arbitrary<IvsFailure> = fc.record({
      kind: fc.constantFrom('not_found', 'access_denied', 'throttled', 'invalid_input', 'unavailable'),
      operation: fc.oneof(fc.constantFrom('GetParticipant', 'ListStages'), dataText(100, 1)),
      resource: fc.oneof(
        stageArn.map((s) => s.arn),
        dataText(400),
      ),
      detail: dataText(2000),
    });
    const problem: fc.Arbitrary<BrowseProblem> = fc.oneof(
      failure.map((f) => ({ kind: 'ivs' as const, failure: f })),
      fc.constant({ kind: 'expired' as const }),
      fc
        .stringMatching(/^[A-Za-z0-9_-]{1,32}$/)
        .map((stateId) => ({ kind: 'stale_token' as const, stateId })),
    );
    fc.assert(
      fc.property(problem, (p) => {
        const message = renderBrowseProblem(p);
        assertSlackAccepts(message);
        assertButtonsParse(message);
      }),
      { numRuns: 200 },
    );
  });

  test('renderWatchStarted: any stage, name, codes and user', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          stageArn.map((s) => s.arn),
          dataText(200, 1),
        ),
        fc.option(dataText(128), { nil: undefined }),
        fc.option(fc.array(dataText(60, 1), { maxLength: 60, size: 'max' }), { nil: null }),
        slackUser,
        fc.option(
          fc.oneof(
            fc.constantFrom('<@U0ONCALL1>', '<!subteam^S0VIDEO12>', '<!here>', '<!channel>'),
            dataText(60),
          ),
          { nil: null },
        ),
        fc.option(dataText(100), { nil: undefined }),
        (arn, stageName, codes, userId, mention, mentionName) => {
          const message = renderWatchStarted({
            stageArn: arn,
            stageName,
            codes,
            userId,
            mention,
            ...(mentionName ? { mentionName } : {}),
          });
          assertSlackAccepts(message);
          // Who will be paged is said in words: the announcement itself pages nobody.
          const text = `${message.text}${JSON.stringify(message.blocks)}`;
          assert.doesNotMatch(text, /<!(?:subteam|here|channel|everyone)/);
          assert.doesNotMatch(text.split(`<@${userId}>`).join(''), /<@/);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('renderWatchStarted names who each new alert pages, without a mention', () => {
    const said = (mention: string | null) =>
      JSON.stringify(
        renderWatchStarted({ stageArn: 'arn', stageName: 'main', codes: null, userId: 'U0STARTER', mention })
          .blocks,
      );
    assert.match(said('<@U0ONCALL1>'), /pages the person with Slack ID `U0ONCALL1`\./);
    assert.match(said('<!subteam^S0VIDEO12>'), /pages the user group with Slack ID `S0VIDEO12`\./);
    assert.match(said('<!here>'), /pages `@here` \(whoever is active in the channel\)\./);
    assert.doesNotMatch(said(null), /pages/);
    assert.doesNotMatch(said('<!channel>'), /pages/, 'only the stored forms are named');
  });

  test('renderHelp', () => {
    assertSlackAccepts(renderHelp(HELP));
  });
});

describe('the checker is strict enough to catch what the views avoid', () => {
  test('a view with repeated action_ids would be refused (the bug of issue 9)', () => {
    const message = renderBrowseView({
      kind: 'stages',
      region: 'us-east-1',
      stages: [],
      paging: { stateId: 'abc', pageIndex: 1, hasPrevious: true, hasNext: true },
    });
    const actions = message.blocks.at(-1);
    assert.ok(actions?.type === 'actions');
    const broken = {
      ...message,
      blocks: [
        ...message.blocks.slice(0, -1),
        { ...actions, elements: actions.elements.map((e) => ({ ...e, action_id: 'same' })) },
      ],
    };
    assert.match(blockKitViolations(broken, 'message')[0]?.rule ?? '', /duplicate action_id/);
  });
});
