import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import nock from 'nock';
import { postSigned, slashCommandBody } from '../../testkit/slackRequests.ts';
import { ACCOUNT, SESSION_ID } from '../fixtures/ivsAnswers.ts';
import { interceptAws } from '../support/awsNock.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

// Regions come from what people type. Only the regions where IVS Real-Time exists (or IVS_REGIONS)
// are called; any other gets a clear answer before any AWS call, and no client or quota bucket.
let aws: ReturnType<typeof interceptAws>;
let n = 0;

before(() => {
  aws = interceptAws();
});

after(() => aws.restore());

afterEach(() => aws.assertAllUsed());

async function answerOf(t: TestBot, text: string): Promise<string> {
  const name = `g${++n}`;
  const res = await postSigned(
    t.eventsUrl,
    slashCommandBody({ text, responseUrl: t.slack.responseUrl(name) }),
    SIGNING_SECRET,
  );
  assert.equal(res.status, 200);
  const [call] = await t.slack.waitFor(`response:${name}`);
  return JSON.stringify(call?.body);
}

const stageIn = (region: string) => `arn:aws:ivs:${region}:${ACCOUNT}:stage/AbCdEf123456`;

describe('default regions (IVS Real-Time’s own)', () => {
  let t: TestBot;

  before(async () => {
    t = await startTestBot();
  });

  after(() => t.stop());

  test('/ivs stages xx-fake-9 answers clearly, with no AWS call', async () => {
    const answer = await answerOf(t, 'stages xx-fake-9');
    assert.match(answer, /IVS Real-Time is not offered in xx-fake-9/);
    assert.match(answer, /us-east-1, us-west-2, eu-central-1, eu-west-1/);
    assert.deepEqual(aws.unmatched, []);
  });

  test('a real AWS region without IVS Real-Time is refused the same way', async () => {
    assert.match(await answerOf(t, 'stages ap-southeast-2'), /not offered in ap-southeast-2/);
    assert.match(await answerOf(t, 'stages us-gov-west-1'), /not offered in us-gov-west-1/);
    assert.deepEqual(aws.unmatched, []);
  });

  test('a stage ARN in another region is refused in every command that takes a stage', async () => {
    const arn = stageIn('xx-fake-9');
    for (const text of [
      `sessions ${arn}`,
      `participants ${arn} ${SESSION_ID}`,
      `participant ${arn} ${SESSION_ID} pAbc12345678`,
      `watch ${arn}`,
      `unwatch ${arn}`,
    ]) {
      assert.match(
        await answerOf(t, text),
        /The stage is in xx-fake-9, where IVS Real-Time is not offered/,
        text,
      );
    }
    assert.deepEqual(aws.unmatched, []);
  });

  test('a listed region is called as before', async () => {
    nock('https://ivsrealtime.eu-west-1.amazonaws.com').post('/ListStages').reply(200, { stages: [] });
    assert.doesNotMatch(await answerOf(t, 'stages EU-WEST-1'), /not offered/);
  });
});

describe('IVS_REGIONS', () => {
  let t: TestBot;

  before(async () => {
    t = await startTestBot({ IVS_REGIONS: 'us-east-1,ap-southeast-2' });
  });

  after(() => t.stop());

  test('a region added there is called, and the defaults it leaves out are refused', async () => {
    nock('https://ivsrealtime.ap-southeast-2.amazonaws.com').post('/ListStages').reply(200, { stages: [] });
    assert.doesNotMatch(await answerOf(t, 'stages ap-southeast-2'), /not offered/);
    assert.match(
      await answerOf(t, 'stages eu-west-1'),
      /not offered in eu-west-1; the bot calls us-east-1, ap-southeast-2/,
    );
    assert.deepEqual(aws.unmatched, []);
  });
});
