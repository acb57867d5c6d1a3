import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nock from 'nock';
import { IvsSimulator, type SimulatorCall } from '../../testkit/ivsSimulator.ts';
import { assumeRoleAnswer } from '../fixtures/stsAnswers.ts';
import { answerToSlash, startTestBot, type TestBot } from '../support/startTestBot.ts';

// IVS's rate quota is per account and region. People ask about many stages of two accounts at once
// (the prod account through its role's temporary key, the bot's own account through its own key)
// against a simulator that enforces IVS's 5 calls per second per (account, region, operation).
// Each account's budget (IVS_MAX_TPS 4, per account) keeps its calls under its own quota: no 429
// while the two together call above 5 a second; charge the prod key to the bot's own account and
// the same load is throttled. (The poller does not make this load: a cycle's call allowance per
// operation, interval × IVS_MAX_TPS − 1, is shared by every account it polls.)
const CHANNEL = 'CQU0TA0001';
const PROD_ACCOUNT = '111111111111';
const OWN_ACCOUNT = '123456789012';
const PROD_ROLE = `arn:aws:iam::${PROD_ACCOUNT}:role/ivs-bot-read`;
const PROD_KEY = 'ASIAPRODQUOTA0001';
const QUOTA = 5;
const STAGES_PER_ACCOUNT = 10;

let sim: IvsSimulator;
let t: TestBot;

before(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  sim = await IvsSimulator.start({
    maxRequestsPerSecondPerOperation: QUOTA,
    accessKeyAccounts: { [PROD_KEY]: PROD_ACCOUNT },
  });
  process.env.AWS_ENDPOINT_URL_IVS_REALTIME = sim.url;
  t = await startTestBot({
    IVS_MAX_TPS: '4',
    IVS_ACCOUNT_ROLES: JSON.stringify({ [PROD_ACCOUNT]: { roleArn: PROD_ROLE, alias: 'prod' } }),
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

/** The most calls of `operation` (by one account, or by all) that arrived within any one second. */
function peakPerSecond(calls: readonly SimulatorCall[], operation: string, account?: string): number {
  const times = calls
    .filter((call) => call.operation === operation && (account === undefined || call.account === account))
    .map((call) => call.at)
    .sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= 1000) start += 1;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

const throttled = (calls: readonly SimulatorCall[]) => calls.filter((call) => call.status === 429);

test('two accounts called side by side each get their own quota; the same load on one account is throttled', async () => {
  const sts = nock('https://sts.us-east-1.amazonaws.com')
    .post('/', (body: Record<string, string>) => body.RoleArn === PROD_ROLE)
    .reply(
      200,
      assumeRoleAnswer(PROD_ROLE, 'ivs-realtime-bot', {
        accessKeyId: PROD_KEY,
        secretAccessKey: 'prod-secret',
        sessionToken: 'prod-token',
        expiration: new Date(Date.now() + 3_600_000),
      }),
      { 'content-type': 'text/xml' },
    );
  const stages: string[] = [];
  for (let i = 0; i < STAGES_PER_ACCOUNT; i++) {
    stages.push(
      sim.addStage({ accountId: PROD_ACCOUNT, name: `prod-${i}` }),
      sim.addStage({ accountId: OWN_ACCOUNT, name: `own-${i}` }),
    );
  }
  const askAll = () =>
    Promise.all(
      stages.map(async (stage) =>
        assert.match(await slash(`sessions ${stage}`), /0 sessions of stage|no sessions yet/),
      ),
    );

  // Side by side: every answer comes, both accounts call at their budget's pace, together above
  // what one account may call, and nothing is throttled.
  await askAll();
  const sideBySide = [...sim.calls];
  assert.ok(sts.isDone(), 'the prod stages were read with the prod role’s key');
  assert.deepEqual(throttled(sideBySide), [], 'no 429 while each account has its own quota');
  const operations = new Set(sideBySide.map((call) => call.operation));
  for (const account of [PROD_ACCOUNT, OWN_ACCOUNT]) {
    for (const operation of operations) {
      const peak = peakPerSecond(sideBySide, operation, account);
      assert.ok(peak <= QUOTA, `${account} ${operation}: ${peak} calls in one second`);
    }
  }
  const busiest = [...operations].find((operation) => peakPerSecond(sideBySide, operation) > QUOTA);
  assert.ok(busiest, `together the accounts called one operation above ${QUOTA} a second`);

  // Charged to one account, the same load goes over that account's quota.
  const before = sim.calls.length;
  sim.setAccessKeyAccount(PROD_KEY, OWN_ACCOUNT);
  await Promise.allSettled(stages.map((stage) => slash(`sessions ${stage}`)));
  const refused = throttled(sim.calls.slice(before));
  assert.ok(refused.length > 0, 'the simulator throttles the load charged to one account');
  assert.ok(refused.every((call) => call.account === OWN_ACCOUNT));
});
