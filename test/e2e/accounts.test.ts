import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import nock from 'nock';
import { postSigned, slashCommandBody } from '../../testkit/slackRequests.ts';
import { IVS_ENDPOINT, REGION } from '../fixtures/ivsAnswers.ts';
import { assumeRoleAnswer, stsErrorAnswer } from '../fixtures/stsAnswers.ts';
import { interceptAws } from '../support/awsNock.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

// Stages in several accounts through the running bot: signed slash commands in, STS and IVS faked
// at the network edge. The roles are assumed with the bot's own credentials (the default chain:
// the test keys startTestBot puts in the environment).
const STS_ENDPOINT = `https://sts.${REGION}.amazonaws.com`;
const PROD_ROLE = 'arn:aws:iam::111111111111:role/ivs-bot-read';
const STAGING_ROLE = 'arn:aws:iam::222222222222:role/ivs-bot-read';
const PROD_STAGE = `arn:aws:ivs:${REGION}:111111111111:stage/ProdStage001`;
const STAGING_STAGE = `arn:aws:ivs:${REGION}:222222222222:stage/StagStage001`;

let aws: ReturnType<typeof interceptAws>;
let t: TestBot;
let n = 0;

before(async () => {
  aws = interceptAws();
  t = await startTestBot({
    IVS_ACCOUNT_ROLES: JSON.stringify({
      '111111111111': { roleArn: PROD_ROLE, externalId: 'ivs-bot-7f3a', alias: 'prod' },
      '222222222222': { roleArn: STAGING_ROLE },
    }),
  });
});

after(async () => {
  await t.stop();
  aws.restore();
});

afterEach(() => aws.assertAllUsed());

async function answerOf(text: string): Promise<string> {
  const name = `a${++n}`;
  const res = await postSigned(
    t.eventsUrl,
    slashCommandBody({ text, responseUrl: t.slack.responseUrl(name) }),
    SIGNING_SECRET,
  );
  assert.equal(res.status, 200);
  const [call] = await t.slack.waitFor(`response:${name}`, 1, 10_000);
  return JSON.stringify(call?.body);
}

test('/ivs stages us-east-1 prod lists the prod account’s stages with its role’s credentials', async () => {
  nock(STS_ENDPOINT)
    .matchHeader('authorization', /Credential=AKIDTESTKEY\//)
    .post(
      '/',
      (body: Record<string, string>) => body.RoleArn === PROD_ROLE && body.ExternalId === 'ivs-bot-7f3a',
    )
    .reply(
      200,
      assumeRoleAnswer(PROD_ROLE, 'ivs-realtime-bot', {
        accessKeyId: 'ASIAPRODE2E',
        secretAccessKey: 'prod-secret',
        sessionToken: 'prod-token',
        expiration: new Date(Date.now() + 3_600_000),
      }),
      { 'content-type': 'text/xml' },
    );
  nock(IVS_ENDPOINT)
    .matchHeader('authorization', /Credential=ASIAPRODE2E\//)
    .matchHeader('x-amz-security-token', 'prod-token')
    .post('/ListStages')
    .reply(200, { stages: [{ arn: PROD_STAGE, name: 'prod-main', tags: {} }] });
  const answer = await answerOf('stages us-east-1 prod');
  assert.match(answer, /IVS stages in us-east-1 · account prod \(111111111111\)/);
  assert.match(answer, /prod-main/);
  assert.match(answer, /ProdStage001/);
});

test('an account without a role is refused with the listed ones, and nothing reaches AWS', async () => {
  const answer = await answerOf('stages us-east-1 999999999999');
  assert.match(
    answer,
    /no role for account 999999999999: IVS_ACCOUNT_ROLES lists prod \(111111111111\), 222222222222/,
  );
  assert.deepEqual(aws.unmatched, []);
});

test('a stage in an account whose role cannot be assumed: one sentence naming the role and STS’s error', async () => {
  nock(STS_ENDPOINT)
    .post('/', (body: Record<string, string>) => body.RoleArn === STAGING_ROLE)
    .reply(
      403,
      stsErrorAnswer(
        'AccessDenied',
        `User: arn:aws:iam::123456789012:user/bot is not authorized to perform: sts:AssumeRole on resource: ${STAGING_ROLE}`,
      ),
      { 'content-type': 'text/xml' },
    );
  const answer = await answerOf(`sessions ${STAGING_STAGE}`);
  assert.match(
    answer,
    /The bot could not assume arn:aws:iam::222222222222:role\/ivs-bot-read \(IVS_ACCOUNT_ROLES, account 222222222222\): STS answered AccessDenied: User: arn:aws:iam::123456789012:user\/bot is not authorized to perform: sts:AssumeRole/,
  );
  assert.deepEqual(aws.unmatched, [], 'no IVS call without credentials');
});
