import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';
import { buttonClickBody, postSigned, sign } from '../../testkit/slackRequests.ts';
import { answerToSlash, SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

// The alert path end to end: a real bot on a free port polling the IVS simulator every second,
// posting to a fake Slack, and answering signed commands and clicks.
const CHANNEL = 'CBR2V3XEX'; // the channel of Slack's documented block_actions payload

let sim: IvsSimulator;
let t: TestBot;
let stageArn: string;
let sessionId: string;
let participantId: string;

before(async () => {
  sim = await IvsSimulator.start();
  process.env.AWS_ENDPOINT_URL_IVS_REALTIME = sim.url;
  stageArn = sim.addStage({ name: 'e2e-stage' });
  sessionId = sim.startSession(stageArn);
  participantId = sim.addParticipant(stageArn, sessionId, { userId: 'carol' });
  t = await startTestBot({ IVS_POLL_SCHEDULE: '* * * * * *', IVS_MAX_TPS: '4' });
});

after(async () => {
  await t.stop();
  await sim.close();
  delete process.env.AWS_ENDPOINT_URL_IVS_REALTIME;
});

const slash = async (text: string, channelId = CHANNEL): Promise<string> =>
  JSON.stringify(await answerToSlash(t, text, { userId: 'UADMIN001', channelId }));

const alertPosts = () =>
  t.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.ok && c.body.thread_ts === undefined && JSON.stringify(c.body.blocks).includes('🚨'));

describe('/ivs watch', () => {
  test('a malformed ARN is refused and nothing is stored', async () => {
    const answer = await slash('watch arn:aws:ivs:bad');
    assert.match(answer, /&lt;stage&gt; must be a stage ARN/);
    assert.match(await slash('watches'), /No stages are watched/);
  });

  test('an unknown code lists the valid ones and nothing is stored', async () => {
    const answer = await slash(`watch ${stageArn} codes=QUOTA_EXCEEDED,NOT_A_CODE`);
    assert.match(answer, /Unknown code NOT_A_CODE/);
    assert.match(answer, /PUBLISHER_NOT_FOUND/);
    assert.match(await slash('watches'), /No stages are watched/);
  });

  test('a channel the bot cannot post to says how to fix it and nothing is stored', async () => {
    t.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    const answer = await slash(`watch ${stageArn} <#CPRIVATE01|secret>`);
    assert.match(answer, /not a member of that channel/);
    assert.match(answer, /\/invite/);
    assert.match(await slash('watches'), /No stages are watched/);
  });

  test('a stage IVS does not know is refused', async () => {
    const answer = await slash('watch arn:aws:ivs:us-east-1:123456789012:stage/NoSuchStage1');
    assert.match(answer, /Not watching: Not found/);
  });

  test('watching announces itself in the channel and /ivs watches lists it', async () => {
    const answer = await slash(`watch ${stageArn} codes=QUOTA_EXCEEDED`);
    assert.match(answer, /Now watching/);
    const announcement = t.slack
      .callsTo('chat.postMessage')
      .find((c) => c.ok && JSON.stringify(c.body).includes('started watching'));
    assert.equal(announcement?.body.channel, CHANNEL);
    const watches = await slash('watches');
    assert.match(watches, new RegExp(stageArn.split('/')[1] ?? 'x'));
    assert.match(watches, /QUOTA_EXCEEDED/);
  });
});

describe('alerts from the poller', () => {
  test('an error event becomes one alert in the channel; Mute 1h says who muted until when; Unmute', async () => {
    sim.addEvent(stageArn, sessionId, participantId, {
      name: 'PUBLISH_ERROR',
      errorCode: 'QUOTA_EXCEEDED' as EventErrorCode,
      eventTime: new Date(),
    });
    const deadline = Date.now() + 15_000;
    while (alertPosts().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const [alert] = alertPosts();
    assert.ok(alert, 'the alert arrived');
    assert.equal(alert.body.channel, CHANNEL);
    const blocks = JSON.stringify(alert.body.blocks);
    assert.match(blocks, /QUOTA_EXCEEDED/);
    assert.match(blocks, /carol/);

    // Each mute length has its own action_id: Slack refuses two equal ones in one block.
    const mute = /"action_id":"ivs_alert_mute_1h","value":"([^"]+:1)"/.exec(blocks)?.[1];
    assert.ok(mute, 'a Mute 1h button');
    assert.match(blocks, /"action_id":"ivs_alert_mute_24h","value":"[^"]+:24"/);
    const res = await postSigned(
      t.eventsUrl,
      buttonClickBody({
        actionId: 'ivs_alert_mute_1h',
        value: mute,
        responseUrl: t.slack.responseUrl('mute'),
        userId: 'UMUTER001',
      }),
      SIGNING_SECRET,
    );
    assert.equal(res.status, 200);
    const [muted] = await t.slack.waitFor('response:mute');
    assert.equal(muted?.body.replace_original, true);
    assert.match(JSON.stringify(muted?.body.blocks), /Muted by <@UMUTER001> until/);
    assert.match(await slash('mutes'), /QUOTA_EXCEEDED/);

    const unmute = /"action_id":"ivs_alert_unmute","value":"(\d+)"/.exec(
      JSON.stringify(muted?.body.blocks),
    )?.[1];
    assert.ok(unmute, 'an Unmute button on the muted alert');
    await postSigned(
      t.eventsUrl,
      buttonClickBody({
        actionId: 'ivs_alert_unmute',
        value: unmute,
        responseUrl: t.slack.responseUrl('unmute'),
      }),
      SIGNING_SECRET,
    );
    const [unmuted] = await t.slack.waitFor('response:unmute');
    assert.doesNotMatch(JSON.stringify(unmuted?.body.blocks), /Muted by/);
    assert.match(await slash('mutes'), /No alerts are muted/);

    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(alertPosts().length, 1, 'later cycles do not repeat the alert');
  });

  test('Mute on alerts posted before each length had its own action_id (ivs_alert_mute) still works', async () => {
    const [alert] = alertPosts();
    assert.ok(alert, 'the alert of the test above');
    const blocks = JSON.stringify(alert.body.blocks);
    const value = /"action_id":"ivs_alert_mute_24h","value":"([^"]+:24)"/.exec(blocks)?.[1];
    assert.ok(value, 'a Mute 24h button');
    const click = (actionId: string, name: string) =>
      postSigned(
        t.eventsUrl,
        buttonClickBody({ actionId, value, responseUrl: t.slack.responseUrl(name), userId: 'UOLDMUTE1' }),
        SIGNING_SECRET,
      );

    // A value that disagrees with the button's length is not trusted.
    await click('ivs_alert_mute_1h', 'mismatch');
    const [mismatch] = await t.slack.waitFor('response:mismatch');
    assert.equal(mismatch?.body.replace_original, false);
    assert.match(JSON.stringify(mismatch?.body.blocks), /does not recognise/);

    await click('ivs_alert_mute', 'old-mute');
    const [muted] = await t.slack.waitFor('response:old-mute');
    assert.equal(muted?.body.replace_original, true);
    assert.match(JSON.stringify(muted?.body.blocks), /Muted by <@UOLDMUTE1> until/);
    assert.match(await slash('mutes'), /24h left|1440m left|23h left/);

    const unmute = /"action_id":"ivs_alert_unmute","value":"(\d+)"/.exec(
      JSON.stringify(muted?.body.blocks),
    )?.[1];
    assert.ok(unmute);
    await postSigned(
      t.eventsUrl,
      buttonClickBody({
        actionId: 'ivs_alert_unmute',
        value: unmute,
        responseUrl: t.slack.responseUrl('old-unmute'),
      }),
      SIGNING_SECRET,
    );
    await t.slack.waitFor('response:old-unmute');
  });

  test('the App Home tab shows watches and the latest alerts', async () => {
    const body = JSON.stringify({
      token: 'x',
      team_id: 'T0001',
      api_app_id: 'A0001',
      type: 'event_callback',
      event_id: 'Ev0001',
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_home_opened', user: 'UHOME0001', channel: 'D0001', tab: 'home', event_ts: '1.2' },
    });
    const headers = {
      ...sign(body, SIGNING_SECRET, Math.floor(Date.now() / 1000)),
      'content-type': 'application/json',
    };
    const res = await fetch(t.eventsUrl, { method: 'POST', headers, body });
    assert.equal(res.status, 200);
    const [publish] = await t.slack.waitFor('views.publish');
    assert.equal(publish?.body.user_id, 'UHOME0001');
    const view = JSON.stringify(publish?.body.view);
    assert.match(view, /"type":"home"/);
    assert.match(view, /QUOTA_EXCEEDED/);
  });
});

describe('the life of an alert through the running app (issue 16)', () => {
  test('Acknowledge: a note to the clicker, the alert message updated through the outbox, App Home shows who is on it', async () => {
    const [alert] = alertPosts();
    assert.ok(alert, 'the alert of the tests above');
    const value = /"action_id":"ivs_alert_acknowledge","value":"(\d+)"/.exec(
      JSON.stringify(alert.body.blocks),
    )?.[1];
    assert.ok(value, 'an Acknowledge button');
    const updatesBefore = t.slack.callsTo('chat.update').length;
    await postSigned(
      t.eventsUrl,
      buttonClickBody({
        actionId: 'ivs_alert_acknowledge',
        value,
        responseUrl: t.slack.responseUrl('ack'),
        userId: 'UACKER001',
      }),
      SIGNING_SECRET,
    );
    const [note] = await t.slack.waitFor('response:ack');
    assert.match(JSON.stringify(note?.body), /you are on it/);
    assert.notEqual(note?.body.replace_original, true, 'the channel message is the outbox’s to update');
    const [update] = (await t.slack.waitFor('chat.update', updatesBefore + 1, 10_000)).slice(updatesBefore);
    assert.equal(update?.body.channel, CHANNEL);
    assert.match(JSON.stringify(update?.body.blocks), /👀 <@UACKER001> is on it since/);
    assert.match(JSON.stringify(update?.body.blocks), /"action_id":"ivs_alert_unacknowledge"/);

    const body = JSON.stringify({
      token: 'x',
      team_id: 'T0001',
      api_app_id: 'A0001',
      type: 'event_callback',
      event_id: 'Ev0002',
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_home_opened', user: 'UHOME0002', channel: 'D0002', tab: 'home', event_ts: '1.3' },
    });
    const publishes = t.slack.callsTo('views.publish').length;
    await fetch(t.eventsUrl, {
      method: 'POST',
      headers: {
        ...sign(body, SIGNING_SECRET, Math.floor(Date.now() / 1000)),
        'content-type': 'application/json',
      },
      body,
    });
    const [home] = (await t.slack.waitFor('views.publish', publishes + 1)).slice(publishes);
    assert.match(JSON.stringify(home?.body.view), /👀 <@UACKER001> on it/);
    assert.match(await slash('watches'), /👀 <@UACKER001> on it/);
  });

  test('mention=: a malformed one is refused with an example and changes nothing; a picked group is kept and shown', async () => {
    const refused = await slash(`watch ${stageArn} codes=QUOTA_EXCEEDED mention=@alice`);
    assert.match(refused, /not a person or user group Slack identified/);
    assert.match(
      refused,
      /Example: \/ivs watch AbCdEf123456 #live-alerts codes=QUOTA_EXCEEDED,PUBLISHER_NOT_FOUND mention=@video-oncall/,
    );
    assert.doesNotMatch(await slash('watches'), /Pages:/);

    const kept = await slash(
      `watch ${stageArn} codes=QUOTA_EXCEEDED mention=<!subteam^S0VIDEO12|@video-oncall>`,
    );
    assert.match(kept, /Updated the watch/);
    assert.match(
      kept,
      /The first message of each new alert pages the user group `@video-oncall` \(Slack ID `S0VIDEO12`\)\./,
    );
    assert.match(await slash('watches'), /Pages: <!subteam\^S0VIDEO12> on each new alert/);
    // The channel is told who will be paged, in words: announcing the watch pages nobody.
    const announcement = t.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.ok && JSON.stringify(c.body).includes('started watching'))
      .at(-1);
    const posted = `${String(announcement?.body.text)}${JSON.stringify(announcement?.body.blocks)}`;
    assert.match(posted, /pages the user group `@video-oncall` \(Slack ID `S0VIDEO12`\)/);
    assert.doesNotMatch(posted, /<!subteam|<!here|<!channel/);
  });
});
