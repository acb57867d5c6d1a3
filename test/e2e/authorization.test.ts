import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import nock from 'nock';
import { buttonClickBody, postSigned, sign, slashCommandBody } from '../../testkit/slackRequests.ts';
import {
  eventsPage2,
  IVS_ENDPOINT,
  PARTICIPANT_ID,
  participantAnswer,
  SESSION_ID,
  STAGE_ARN,
} from '../fixtures/ivsAnswers.ts';
import { interceptAws } from '../support/awsNock.ts';
import { BOT_TOKEN, SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

const ADMIN = 'UADMIN0001';
const READER = 'UREADER001';
const STRANGER = 'USTRANGER1';
const ALLOWED_CHANNEL = 'CALLOWED01';
const OTHER_CHANNEL = 'COTHER0001';

let t: TestBot;
let n = 0;
let aws: ReturnType<typeof interceptAws>;

before(async () => {
  aws = interceptAws();
  t = await startTestBot({
    IVS_ALLOWED_USERS: `${READER},${ADMIN}`,
    IVS_ALLOWED_CHANNELS: ALLOWED_CHANNEL,
    IVS_ADMIN_USERS: ADMIN,
  });
});

after(async () => {
  await t.stop();
  aws.restore();
});

afterEach(() => aws.assertAllUsed());

async function slash(text: string, userId: string, channelId = ALLOWED_CHANNEL, teamId?: string) {
  const name = `z${++n}`;
  const res = await postSigned(
    t.eventsUrl,
    slashCommandBody({
      text,
      responseUrl: t.slack.responseUrl(name),
      userId,
      channelId,
      ...(teamId ? { teamId } : {}),
    }),
    SIGNING_SECRET,
  );
  return { res, name };
}

async function answerOf(text: string, userId: string, channelId = ALLOWED_CHANNEL): Promise<string> {
  const { res, name } = await slash(text, userId, channelId);
  assert.equal(res.status, 200);
  const [call] = await t.slack.waitFor(`response:${name}`);
  return JSON.stringify(call?.body);
}

async function clickAnswer(
  actionId: string,
  value: string,
  userId: string,
  channelId = ALLOWED_CHANNEL,
): Promise<Record<string, unknown>> {
  const name = `c${++n}`;
  const res = await postSigned(
    t.eventsUrl,
    buttonClickBody({
      actionId,
      value,
      responseUrl: t.slack.responseUrl(name),
      userId,
      channelId,
    }),
    SIGNING_SECRET,
  );
  assert.equal(res.status, 200);
  const [call] = await t.slack.waitFor(`response:${name}`);
  return call?.body ?? {};
}

function expectParticipantView(times = 1): void {
  nock(IVS_ENDPOINT).post('/GetParticipant').times(times).reply(200, participantAnswer);
  nock(IVS_ENDPOINT).post('/ListParticipantEvents').times(times).reply(200, eventsPage2);
}

const participantCommand = `participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`;
const target = JSON.stringify({ a: STAGE_ARN, s: SESSION_ID, p: PARTICIPANT_ID });

describe('who may read', () => {
  test('a user not on IVS_ALLOWED_USERS is refused, and nothing is asked of IVS', async () => {
    const answer = await answerOf(participantCommand, STRANGER);
    assert.match(answer, /not on this bot’s list of allowed users/);
    assert.deepEqual(aws.unmatched, []);
  });

  test('an allowed user in a channel not on IVS_ALLOWED_CHANNELS is refused', async () => {
    const answer = await answerOf(participantCommand, READER, OTHER_CHANNEL);
    assert.match(answer, /does not answer in this channel/);
  });

  test('help is for everyone', async () => {
    assert.match(await answerOf('help', STRANGER, OTHER_CHANNEL), /\/ivs participant/);
  });

  test('an allowed user in an allowed channel reads, without a Disconnect button', async () => {
    expectParticipantView();
    const answer = await answerOf(participantCommand, READER);
    assert.match(answer, /Participant pAbc12345678/);
    assert.doesNotMatch(answer, /ivs_disconnect_participant/);
  });

  test('every click is checked again: a stranger clicking a paging button is refused', async () => {
    const reply = await clickAnswer('ivs_page_next', 'someState1:1', STRANGER);
    assert.match(JSON.stringify(reply), /not on this bot’s list of allowed users/);
  });
});

describe('who may change', () => {
  test('with admins set, a non-admin cannot watch, mute or share', async () => {
    assert.match(await answerOf(`watch ${STAGE_ARN}`, READER), /Only the bot’s admins/);
    assert.match(JSON.stringify(await clickAnswer('ivs_alert_mute', '1:1', READER)), /Only the bot’s admins/);
    assert.match(JSON.stringify(await clickAnswer('ivs_share', 'abc:0', READER)), /Only the bot’s admins/);
  });

  test('a refusal is logged with user, channel and command', () => {
    const refusal = t.logs.find(
      (line) =>
        line.includes('slash command refused') && line.includes(READER) && line.includes('"command":"watch"'),
    );
    assert.ok(refusal, 'refusal logged');
    assert.match(refusal, /"user":"UREADER001"/);
    assert.match(refusal, /"channel":"CALLOWED01"/);
  });
});

describe('the channel list holds for where things go, admins included', () => {
  const postsTo = (channel: string) =>
    t.slack.callsTo('chat.postMessage').filter((call) => call.body.channel === channel);

  test('watch typed in an allowed channel cannot send alerts to a channel not on the list', async () => {
    const answer = await answerOf(`watch ${STAGE_ARN} <#${OTHER_CHANNEL}|elsewhere>`, ADMIN);
    assert.match(answer, /Not watching: That channel is not on this bot’s list of channels/);
    assert.deepEqual(aws.unmatched, [], 'no IVS call');
    assert.equal(postsTo(OTHER_CHANNEL).length, 0, 'nothing announced there');
    assert.doesNotMatch(await answerOf('watches', ADMIN), new RegExp(OTHER_CHANNEL));
  });

  test('only an admin may unwatch a channel off the list (a watch left from before the list changed)', async () => {
    const reader = await answerOf(`unwatch ${STAGE_ARN} ${OTHER_CHANNEL}`, READER);
    assert.match(reader, /Only the bot’s admins/);
    // Removing shows nothing there, so the list does not stop an admin from cleaning up.
    const admin = await answerOf(`unwatch ${STAGE_ARN} ${OTHER_CHANNEL}`, ADMIN);
    assert.match(admin, /was not watched in that channel/);
    assert.equal(postsTo(OTHER_CHANNEL).length, 0);
  });

  test('watch into the allowed channel itself still works', async () => {
    nock(IVS_ENDPOINT)
      .post('/GetStage')
      .reply(200, { stage: { arn: STAGE_ARN, name: 'allowed-stage', activeSessionId: SESSION_ID } });
    const before = postsTo(ALLOWED_CHANNEL).length;
    const answer = await answerOf(`watch ${STAGE_ARN} <#${ALLOWED_CHANNEL}|oncall>`, ADMIN);
    assert.match(answer, /Now watching/);
    assert.equal(postsTo(ALLOWED_CHANNEL).length, before + 1, 'announced in the allowed channel');
    assert.match(await answerOf(`unwatch ${STAGE_ARN}`, ADMIN), /Stopped watching/);
  });

  test('an admin in a channel not on the list reads nothing and shares nothing there', async () => {
    assert.match(await answerOf(participantCommand, ADMIN, OTHER_CHANNEL), /does not answer in this channel/);
    const shared = await clickAnswer('ivs_share', 'abc:0', ADMIN, OTHER_CHANNEL);
    assert.match(JSON.stringify(shared), /does not answer in this channel/);
    const disconnect = await clickAnswer('ivs_disconnect_participant', target, ADMIN, OTHER_CHANNEL);
    assert.match(JSON.stringify(disconnect), /does not answer in this channel/);
    assert.equal(postsTo(OTHER_CHANNEL).length, 0);
    assert.deepEqual(aws.unmatched, []);
  });
});

describe('Disconnect', () => {
  test('admins see a Disconnect button with a confirm dialog on a connected participant', async () => {
    expectParticipantView();
    const answer = await answerOf(participantCommand, ADMIN);
    assert.match(answer, /"action_id":"ivs_disconnect_participant"/);
    assert.match(answer, /"confirm":\{"title":\{"type":"plain_text","text":"Disconnect this participant\?"/);
  });

  test('a non-admin click (a forged button) is refused and IVS is not called', async () => {
    const reply = await clickAnswer('ivs_disconnect_participant', target, READER);
    assert.match(JSON.stringify(reply), /Only the bot’s admins/);
    assert.deepEqual(aws.unmatched, []);
  });

  test('an admin click disconnects with a reason naming them, and the message says who, whom and when', async () => {
    nock(IVS_ENDPOINT)
      .post('/DisconnectParticipant', (body) => {
        return (
          body.stageArn === STAGE_ARN &&
          body.participantId === PARTICIPANT_ID &&
          String(body.reason).includes(ADMIN)
        );
      })
      .reply(200, {});
    expectParticipantView();
    const reply = await clickAnswer('ivs_disconnect_participant', target, ADMIN);
    assert.equal(reply.replace_original, true);
    assert.match(
      JSON.stringify(reply.blocks),
      /:electric_plug: <@UADMIN0001> disconnected alice@example.com \(`pAbc12345678`\)/,
    );
  });
});

describe('App Home', () => {
  async function openHome(userId: string): Promise<string> {
    const published = t.slack.callsTo('views.publish').length;
    const body = JSON.stringify({
      token: 'x',
      team_id: 'T0001',
      api_app_id: 'A0001',
      type: 'event_callback',
      event_id: `EvHome${++n}`,
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_home_opened', user: userId, channel: 'D0001', tab: 'home', event_ts: '1.2' },
    });
    const headers = {
      ...sign(body, SIGNING_SECRET, Math.floor(Date.now() / 1000)),
      'content-type': 'application/json',
    };
    assert.equal((await fetch(t.eventsUrl, { method: 'POST', headers, body })).status, 200);
    const publish = (await t.slack.waitFor('views.publish', published + 1))[published];
    assert.equal(publish?.body.user_id, userId);
    return JSON.stringify(publish?.body.view);
  }

  test('someone not on the user list gets the refusal, not the watches', async () => {
    const view = await openHome(STRANGER);
    assert.match(view, /IVS_ALLOWED_USERS/);
    assert.doesNotMatch(view, /Amazon IVS Real-Time alerts|Watched stages/);
  });

  test('an allowed user gets the overview: the channel list does not apply to the Home tab', async () => {
    const view = await openHome(READER);
    assert.doesNotMatch(view, /IVS_ALLOWED/);
    assert.match(view, /Watched stages/);
  });
});

describe('workspaces and secrets', () => {
  test('a request from another workspace is refused at the ack, with no answer through response_url', async () => {
    const { res, name } = await slash(participantCommand, ADMIN, ALLOWED_CHANNEL, 'TOTHERTEAM');
    assert.equal(res.status, 200);
    assert.match(await res.text(), /serves another Slack workspace/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(t.slack.callsTo(`response:${name}`).length, 0);
  });

  test('no secret ever appears in the logs or in what the bot sent to Slack', () => {
    // Message content only: the Web API request's own `token` field is how the token must travel.
    const messages = t.slack.calls.map((c) =>
      JSON.stringify({ text: c.body.text, blocks: c.body.blocks, view: c.body.view }),
    );
    const everything = [...t.logs, ...messages].join('\n');
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, 'test-secret-access-key']) {
      assert.ok(!everything.includes(secret), `${secret.slice(0, 6)}… leaked`);
    }
    assert.ok(t.logs.length > 10, 'there were logs to scan');
  });
});
