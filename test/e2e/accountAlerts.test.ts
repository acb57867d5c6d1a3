import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nock from 'nock';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';
import { assumeRoleAnswer } from '../fixtures/stsAnswers.ts';
import { answerToSlash, startTestBot, type TestBot } from '../support/startTestBot.ts';

// Alerts from two accounts side by side: the bot polls the IVS simulator every second, a stage of
// the prod account (IVS_ACCOUNT_ROLES, its role assumed once through STS faked by nock) and one of
// the bot's own account; each alert and /ivs watches name the stage's account.
const CHANNEL = 'CBR2V3XEX';
const PROD_ROLE = 'arn:aws:iam::111111111111:role/ivs-bot-read';

let sim: IvsSimulator;
let t: TestBot;

before(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  sim = await IvsSimulator.start();
  process.env.AWS_ENDPOINT_URL_IVS_REALTIME = sim.url;
  t = await startTestBot({
    IVS_POLL_SCHEDULE: '* * * * * *',
    IVS_MAX_TPS: '4',
    IVS_ACCOUNT_ROLES: JSON.stringify({ '111111111111': { roleArn: PROD_ROLE, alias: 'prod' } }),
  });
});

after(async () => {
  await t.stop();
  await sim.close();
  delete process.env.AWS_ENDPOINT_URL_IVS_REALTIME;
  nock.cleanAll();
  nock.enableNetConnect();
});

const slash = async (text: string): Promise<string> =>
  JSON.stringify(await answerToSlash(t, text, { channelId: CHANNEL }));

test('alerts of a listed account and of the bot’s own account each name their account', async () => {
  // Credentials good for an hour: the role is assumed once, however many polls follow.
  const sts = nock('https://sts.us-east-1.amazonaws.com')
    .post('/', (body: Record<string, string>) => body.RoleArn === PROD_ROLE)
    .reply(
      200,
      assumeRoleAnswer(PROD_ROLE, 'ivs-realtime-bot', {
        accessKeyId: 'ASIAPRODALERTS',
        secretAccessKey: 'prod-secret',
        sessionToken: 'prod-token',
        expiration: new Date(Date.now() + 3_600_000),
      }),
      { 'content-type': 'text/xml' },
    );
  const prodStage = sim.addStage({ accountId: '111111111111', name: 'prod-show' });
  const ownStage = sim.addStage({ name: 'own-show' });
  for (const stage of [prodStage, ownStage]) {
    const session = sim.startSession(stage);
    const p = sim.addParticipant(stage, session, { userId: 'dave' });
    sim.addEvent(stage, session, p, { name: 'JOINED' });
    sim.addEvent(stage, session, p, { name: 'PUBLISH_ERROR', errorCode: 'BITRATE_EXCEEDED' });
  }
  assert.match(await slash(`watch ${prodStage}`), /Now watching/);
  assert.match(await slash(`watch ${ownStage}`), /Now watching/);

  const alertOf = (stage: string) =>
    t.slack
      .callsTo('chat.postMessage')
      .map((call) => JSON.stringify(call.body))
      .find((body) => body.includes('BITRATE_EXCEEDED') && body.includes(stage));
  const deadline = Date.now() + 20_000;
  while ((!alertOf(prodStage) || !alertOf(ownStage)) && Date.now() < deadline) {
    await t.slack.waitFor(
      'chat.postMessage',
      t.slack.callsTo('chat.postMessage').length + 1,
      deadline - Date.now(),
    );
  }
  assert.match(alertOf(prodStage) ?? '', /\*Account\*\\nprod \(111111111111\)/);
  assert.match(alertOf(ownStage) ?? '', /\*Account\*\\n123456789012/);
  assert.ok(sts.isDone(), 'the prod stage was read with its role');

  const watches = await slash('watches');
  assert.match(watches, /account prod \(111111111111\)/);
  assert.match(watches, /account 123456789012/);
});
