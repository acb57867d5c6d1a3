import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dmChannelOf, HTTP_MANIFEST, manifestBotScopes } from '../../testkit/fakeSlack.ts';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';
import { buttonClickBody, postSigned, slashCommandBody } from '../../testkit/slackRequests.ts';
import { decodePng } from '../support/decodePng.ts';
import { answerToSlash, SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

// /ivs timeline and its buttons end to end: signed requests to the real bot, IVS from the simulator,
// the picture uploaded to the fake Slack through @slack/web-api's files.uploadV2 (the three calls of
// Slack's upload flow), into the asker's messages with the bot; Share uploads it to the channel.

const CHANNEL = 'CBR2V3XEX';
const OTHER_CHANNEL = 'C0NOTLISTED';
const READER = 'UREADER01';
const ADMIN = 'UADMIN001';

let sim: IvsSimulator;
let t: TestBot;
let stageArn: string;
let sessionId: string;
let counter = 0;

before(async () => {
  sim = await IvsSimulator.start();
  process.env.AWS_ENDPOINT_URL_IVS_REALTIME = sim.url;
  stageArn = sim.addStage({ name: 'timeline-stage' });
  sessionId = sim.startSession(stageArn);
  const host = sim.addParticipant(stageArn, sessionId, { userId: 'host', published: true });
  const viewer = sim.addParticipant(stageArn, sessionId, { userId: 'viewer' });
  sim.addEvent(stageArn, sessionId, host, { name: 'JOINED' });
  sim.addEvent(stageArn, sessionId, host, { name: 'PUBLISH_STARTED' });
  sim.addEvent(stageArn, sessionId, viewer, { name: 'JOINED' });
  sim.addEvent(stageArn, sessionId, viewer, {
    name: 'SUBSCRIBE_ERROR',
    errorCode: 'PUBLISHER_NOT_FOUND',
    remoteParticipantId: host,
  });
  t = await startTestBot({
    IVS_ALLOWED_CHANNELS: CHANNEL,
    IVS_ADMIN_USERS: ADMIN,
    IVS_ALLOWED_USERS: READER,
  });
});

after(async () => {
  await t.stop();
  await sim.close();
  delete process.env.AWS_ENDPOINT_URL_IVS_REALTIME;
});

const slash = (text: string, userId: string, channelId = CHANNEL) =>
  answerToSlash(t, text, { userId, channelId, timeoutMs: 15_000 });

async function click(
  button: { action_id: string; value: string },
  userId: string,
  channelId = CHANNEL,
): Promise<string> {
  const name = `c${++counter}`;
  const body = buttonClickBody({
    actionId: button.action_id,
    value: button.value,
    responseUrl: t.slack.responseUrl(name),
    userId,
    channelId,
  });
  assert.equal((await postSigned(t.eventsUrl, body, SIGNING_SECRET)).status, 200);
  return name;
}

function buttonsOf(message: unknown): { action_id: string; value: string; text: { text: string } }[] {
  const found: { action_id: string; value: string; text: { text: string } }[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) walk(item);
    else if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      if (object.type === 'button') found.push(object as unknown as (typeof found)[number]);
      else for (const child of Object.values(object)) walk(child);
    }
  };
  walk(message);
  return found;
}

describe('/ivs timeline', () => {
  test('an app installed without files:write: the asker is told which scope to add and to reinstall', async () => {
    const granted = manifestBotScopes(HTTP_MANIFEST);
    t.slack.grantScopes(granted.filter((scope) => scope !== 'files:write'));
    try {
      const answer = JSON.stringify(await slash(`timeline ${stageArn} ${sessionId}`, READER));
      assert.match(answer, /lacks the Slack scope files:write\. Add it .*reinstall the app/);
      const refused = t.slack.takeRefusals('missing_scope');
      assert.deepEqual(
        refused.map((r) => r.method),
        ['files.getUploadURLExternal'],
      );
      assert.ok(
        t.logs.some(
          (line) => line.includes('timeline upload failed') && line.includes('"needed":"files:write"'),
        ),
        'the log names the scope too',
      );
    } finally {
      t.slack.grantScopes(granted);
    }
  });

  test('draws the session into the asker’s messages with the bot, and answers with Share', async () => {
    const before = t.slack.files.length;
    const answer = await slash(`timeline ${stageArn} ${sessionId}`, READER);
    assert.match(JSON.stringify(answer), /is in your messages with the bot/);
    assert.match(JSON.stringify(answer), /1 with errors \(PUBLISHER_NOT_FOUND ×1\)/);
    assert.notEqual(answer.response_type, 'in_channel', 'the answer is for the asker only');

    const opened = t.slack.callsTo('conversations.open').at(-1);
    assert.equal(opened?.body.users, READER);
    const file = t.slack.files[before];
    assert.ok(file?.bytes, 'Slack received the bytes');
    assert.equal(file.filename, `ivs-timeline-${sessionId}.png`);
    assert.equal(
      file.completed?.channelId,
      dmChannelOf(READER),
      'shared only in the asker’s DM with the bot',
    );
    assert.match(file.completed?.initialComment ?? '', new RegExp(`asked in <#${CHANNEL}>`));
    const png = decodePng(file.bytes);
    assert.equal(png.width, 1200);
    assert.ok(file.bytes.length < 300_000);

    // Share: drawn again, uploaded into the channel the button is in, for everyone there.
    const share = buttonsOf(answer).find((b) => b.text.text === 'Share');
    assert.ok(share);
    const uploads = t.slack.files.length;
    const clicked = await click(share, ADMIN);
    await t.slack.waitFor(
      'files.completeUploadExternal',
      t.slack.callsTo('files.completeUploadExternal').length + 1,
      15_000,
    );
    const shared = t.slack.files[uploads];
    assert.equal(shared?.completed?.channelId, CHANNEL);
    assert.match(shared?.completed?.initialComment ?? '', new RegExp(`shared by <@${ADMIN}>`));
    assert.equal(t.slack.callsTo(`response:${clicked}`).length, 0, 'a share that worked says nothing more');
  });

  test('Share needs the change level: a reader is refused and nothing is uploaded', async () => {
    const answer = await slash(`timeline ${stageArn} ${sessionId}`, READER);
    const share = buttonsOf(answer).find((b) => b.text.text === 'Share');
    assert.ok(share);
    const uploads = t.slack.files.length;
    const clicked = await click(share, READER);
    const [refusal] = await t.slack.waitFor(`response:${clicked}`);
    assert.match(JSON.stringify(refusal?.body), /Only the bot’s admins/);
    assert.equal(t.slack.files.length, uploads);
  });

  test('Slack refusing the upload is said in one sentence: Messages tab off, bot not in the channel', async () => {
    t.slack.setChannelError(dmChannelOf(READER), 'messages_tab_disabled');
    const answer = await slash(`timeline ${stageArn} ${sessionId}`, READER);
    t.slack.setChannelError(dmChannelOf(READER), undefined);
    assert.match(JSON.stringify(answer), /Messages tab is turned off\. Turn it on/);
    const share = buttonsOf(await slash(`timeline ${stageArn} ${sessionId}`, READER)).find(
      (b) => b.text.text === 'Share',
    );
    assert.ok(share);
    t.slack.setChannelError(CHANNEL, 'not_in_channel');
    const clicked = await click(share, ADMIN);
    const [refusal] = await t.slack.waitFor(`response:${clicked}`, 1, 15_000);
    t.slack.setChannelError(CHANNEL, undefined);
    assert.match(JSON.stringify(refusal?.body), /The bot is not a member of that channel/);
  });

  test('one picture at a time per person: a second ask while the first is drawn is told to wait', async () => {
    const release = t.slack.holdNext('conversations.open');
    const opens = t.slack.callsTo('conversations.open').length;
    const name = `t${++counter}`;
    const first = slashCommandBody({
      text: `timeline ${stageArn} ${sessionId}`,
      responseUrl: t.slack.responseUrl(name),
      userId: READER,
      channelId: CHANNEL,
    });
    assert.equal((await postSigned(t.eventsUrl, first, SIGNING_SECRET)).status, 200);
    // The first picture is drawn and waits for Slack to open the DM.
    await t.slack.waitFor('conversations.open', opens + 1, 15_000);
    assert.match(
      JSON.stringify(await slash(`timeline ${stageArn} ${sessionId}`, READER)),
      /Your previous timeline is still being drawn/,
    );
    release();
    const [done] = await t.slack.waitFor(`response:${name}`, 1, 15_000);
    assert.match(JSON.stringify(done?.body), /is in your messages with the bot/);
  });

  test('the Timeline button of the participant view opens the same picture for whoever clicks', async () => {
    const participant = sim.addParticipant(stageArn, sessionId, { userId: 'late' });
    const view = await slash(`participant ${stageArn} ${sessionId} ${participant}`, READER);
    const timeline = buttonsOf(view).find((b) => b.text.text === 'Timeline');
    assert.ok(timeline);
    const uploads = t.slack.files.length;
    const clicked = await click(timeline, READER);
    const [answer] = await t.slack.waitFor(`response:${clicked}`, 1, 15_000);
    assert.match(JSON.stringify(answer?.body), /is in your messages with the bot/);
    assert.equal(t.slack.files[uploads]?.completed?.channelId, dmChannelOf(READER));
  });

  test('the participant view shared to the channel, and the participants list, carry Timeline: it draws for whoever clicks', async () => {
    const participant = sim.addParticipant(stageArn, sessionId, { userId: 'shared' });
    const view = await slash(`participant ${stageArn} ${sessionId} ${participant}`, ADMIN);
    const share = buttonsOf(view).find((b) => b.text.text === 'Share');
    assert.ok(share);
    const posts = t.slack.callsTo('chat.postMessage').length;
    await click(share, ADMIN);
    const [copy] = (await t.slack.waitFor('chat.postMessage', posts + 1, 15_000)).slice(posts);
    assert.equal(copy?.body.channel, CHANNEL);
    const onCopy = buttonsOf(copy?.body.blocks);
    assert.deepEqual(
      onCopy.map((b) => b.text.text).filter((label) => label === 'Share' || label === 'Disconnect'),
      [],
      'still a snapshot',
    );
    const timeline = onCopy.find((b) => b.text.text === 'Timeline');
    assert.ok(timeline, 'the channel’s copy offers the picture');
    const uploads = t.slack.files.length;
    const clicked = await click(timeline, READER);
    const [answer] = await t.slack.waitFor(`response:${clicked}`, 1, 15_000);
    assert.match(JSON.stringify(answer?.body), /is in your messages with the bot/);
    assert.notEqual(answer?.body.replace_original, true, 'the channel’s copy stays as it is');
    assert.equal(t.slack.files[uploads]?.completed?.channelId, dmChannelOf(READER), 'to the clicker alone');

    const list = await slash(`participants ${stageArn} ${sessionId}`, READER);
    const fromList = buttonsOf(list).find((b) => b.text.text === 'Timeline');
    assert.ok(fromList, 'the participants list offers the picture of its session');
    const listed = await click(fromList, READER);
    const [drawn] = await t.slack.waitFor(`response:${listed}`, 1, 15_000);
    assert.match(JSON.stringify(drawn?.body), /is in your messages with the bot/);
  });

  test('outside IVS_ALLOWED_CHANNELS and for users not allowed, nothing is read or uploaded', async () => {
    const uploads = t.slack.files.length;
    const calls = sim.calls.length;
    assert.match(
      JSON.stringify(await slash(`timeline ${stageArn} ${sessionId}`, READER, OTHER_CHANNEL)),
      /does not answer in this channel/,
    );
    assert.match(
      JSON.stringify(await slash(`timeline ${stageArn} ${sessionId}`, 'USTRANGER1')),
      /not on this bot’s list of allowed users/,
    );
    assert.equal(t.slack.files.length, uploads);
    assert.equal(sim.calls.length, calls);
  });

  test('wrong arguments get the usage line; an unknown session is named', async () => {
    assert.match(JSON.stringify(await slash(`timeline ${stageArn}`, READER)), /Missing &lt;session-id&gt;/);
    assert.match(
      JSON.stringify(await slash(`timeline ${stageArn} st-Unknown00000a`, READER)),
      /Not found: session st-Unknown00000a/,
    );
  });
});
