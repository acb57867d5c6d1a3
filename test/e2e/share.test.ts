import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import nock from 'nock';
import { assertValidBlockKit } from '../../testkit/blockKit.ts';
import { buttonClickBody, postSigned } from '../../testkit/slackRequests.ts';
import {
  eventsPage1,
  eventsPage2,
  IVS_ENDPOINT,
  PARTICIPANT_ID,
  participantAnswer,
  SESSION_ID,
  STAGE_ARN,
} from '../fixtures/ivsAnswers.ts';
import { interceptAws } from '../support/awsNock.ts';
import { assertVerbatim, mrkdwnTexts } from '../support/inertText.ts';
import { answerToSlash, SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

// Share end to end, with signed requests: the copy in the channel is a snapshot posted once with
// text escaped once, its buttons never replace it, and outside data in it stays inert.

const ADMIN = 'UA8RXUSPL';
const CHANNEL = 'CBR2V3XEX';

interface Button {
  action_id: string;
  value: string;
}

let t: TestBot;
let aws: ReturnType<typeof interceptAws>;
let counter = 0;

before(async () => {
  aws = interceptAws();
  // Every IVS read is made afresh (no reuse of recent answers), so each test expects exactly its calls.
  t = await startTestBot({ IVS_ADMIN_USERS: ADMIN, IVS_READ_CACHE_SECONDS: '0' });
});

after(async () => {
  await t.stop();
  aws.restore();
});

afterEach(() => aws.assertAllUsed());

function expectParticipant(participant: Record<string, unknown>, events: object): void {
  nock(IVS_ENDPOINT)
    .post('/GetParticipant')
    .reply(200, { participant: { ...participantAnswer.participant, ...participant } });
  nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(200, events);
}

const slash = (text: string) => answerToSlash(t, text, { userId: ADMIN, timeoutMs: 5_000 });

async function click(button: Button, name = `c${++counter}`): Promise<void> {
  const body = buttonClickBody({
    actionId: button.action_id,
    value: button.value,
    responseUrl: t.slack.responseUrl(name),
    userId: ADMIN,
    channelId: CHANNEL,
  });
  assert.equal((await postSigned(t.eventsUrl, body, SIGNING_SECRET)).status, 200);
}

function buttons(message: Record<string, unknown>): Button[] {
  const found: Button[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) walk(item);
    else if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      if (object.type === 'button') found.push(object as unknown as Button);
      else for (const child of Object.values(object)) walk(child);
    }
  };
  walk(message.blocks);
  return found;
}

const named = (message: Record<string, unknown>, actionId: string): Button => {
  const button = buttons(message).find((b) => b.action_id === actionId);
  assert.ok(button, `a ${actionId} button in ${JSON.stringify(buttons(message).map((b) => b.action_id))}`);
  return button;
};

/** Opens the participant, clicks Share, and returns the message posted to the channel. */
async function share(participant: Record<string, unknown>): Promise<Record<string, unknown>> {
  expectParticipant(participant, eventsPage1);
  const own = await slash(`participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`);
  assert.ok(
    buttons(own).some((b) => b.action_id === 'ivs_disconnect_participant'),
    'admins see Disconnect',
  );
  const before = t.slack.callsTo('chat.postMessage').length;
  expectParticipant(participant, eventsPage1);
  await click(named(own, 'ivs_share'));
  const posts = await t.slack.waitFor('chat.postMessage', before + 1);
  const post = posts.at(-1);
  assert.ok(post?.ok, 'Slack accepted the shared copy');
  assert.equal(post.body.channel, CHANNEL);
  return post.body;
}

describe('Share', () => {
  test('the fallback text is escaped once: & < > arrive as &amp; &lt; &gt;, never &amp;amp;', async () => {
    const shared = await share({ userId: 'R&D <lab> team' });
    assert.equal(
      shared.text,
      `Participant R&amp;D &lt;lab&gt; team (${PARTICIPANT_ID}): CONNECTED, 1 error event(s) on this page`,
    );
    const everything = JSON.stringify(shared);
    assert.doesNotMatch(everything, /&amp;amp;|&amp;lt;|&amp;gt;/);
    assert.ok(mrkdwnTexts(shared.blocks).some((text) => text.includes('R&amp;D &lt;lab&gt; team')));
    assertValidBlockKit(shared);
  });

  test('the channel copy is a snapshot: no Share, no Disconnect, no button that replaces it', async () => {
    const shared = await share({ userId: 'alice@example.com' });
    assert.deepEqual(
      buttons(shared).map((b) => b.action_id),
      ['ivs_page_next_copy', 'ivs_timeline'],
      'Timeline draws the session for whoever clicks, into their own messages with the bot',
    );
    assert.match(
      mrkdwnTexts(shared.blocks).join('\n'),
      new RegExp(`Shared by <@${ADMIN}> · a snapshot: its buttons open your own copy`),
    );
  });

  test('Next on the snapshot answers the clicker with their own copy and leaves the channel’s alone', async () => {
    const shared = await share({ userId: 'alice@example.com' });
    const updatesBefore = t.slack.callsTo('chat.update').length;
    const postsBefore = t.slack.callsTo('chat.postMessage').length;
    nock(IVS_ENDPOINT).post('/GetParticipant').reply(200, participantAnswer);
    nock(IVS_ENDPOINT)
      .post('/ListParticipantEvents', (body) => body.nextToken === 'tokenPage2==')
      .reply(200, eventsPage2);
    await click(named(shared, 'ivs_page_next_copy'), 'copy-next');
    const [answer] = await t.slack.waitFor('response:copy-next');
    assert.equal(answer?.body.response_type, 'ephemeral');
    assert.equal(answer?.body.replace_original, false);
    const copy = answer?.body ?? {};
    assert.match(mrkdwnTexts(copy.blocks).join('\n'), /page 2/);
    assert.match(JSON.stringify(copy.blocks), /QUOTA_EXCEEDED/);
    // The copy is the clicker's own: its buttons page it in place and it can be shared again.
    const own = buttons(copy).map((b) => b.action_id);
    assert.ok(own.includes('ivs_page_previous') && own.includes('ivs_share'), own.join());
    assert.equal(t.slack.callsTo('chat.update').length, updatesBefore, 'the channel message is not replaced');
    assert.equal(t.slack.callsTo('chat.postMessage').length, postsBefore, 'nothing new in the channel');
  });

  test('outside data stays inert: a URL userId is not linked, <!channel> does not ping', async () => {
    const shared = await share({
      userId: 'https://evil.example/login',
      attributes: { note: '<!channel> see https://evil.example/login', role: '@here #general' },
    });
    assertVerbatim(shared);
    const blocks = JSON.stringify(shared.blocks);
    assert.ok(blocks.includes('https://evil.example/login'), 'shown as text');
    assert.doesNotMatch(blocks, /<https?:/, 'never written as a link');
    assert.doesNotMatch(blocks, /<!channel>|<!here>/);
    assert.ok(blocks.includes('&lt;!channel&gt; see https://evil.example/login'));
    assert.doesNotMatch(String(shared.text), /<https?:|<!channel>/);
  });
});
