import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import nock from 'nock';
import type { AccountRole } from '../../src/ivs/accountRoles.ts';
import { describeIvsFailure } from '../../src/ivs/IvsFailure.ts';
import { parseStageArn, type StageArn } from '../../src/ivs/identifiers.ts';
import { createIvsClientFactory, ROLE_SESSION_NAME } from '../../src/ivs/ivsClients.ts';
import { RequestBudget, systemClock } from '../../src/ivs/RequestBudget.ts';
import { SdkIvsGateway } from '../../src/ivs/SdkIvsGateway.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { ACCOUNT, IVS_ENDPOINT, ivsError, REGION, STAGE_ARN } from '../fixtures/ivsAnswers.ts';
import { assumeRoleAnswer, stsErrorAnswer, type TemporaryKeys } from '../fixtures/stsAnswers.ts';
import { FakeClock } from '../support/fakeClock.ts';

// Stages in several accounts with the real SDK: STS and IVS are faked at the network edge (nock),
// so the SDK's own AssumeRole request, its parsing of STS's XML and its credential cache all run.
const STS_ENDPOINT = `https://sts.${REGION}.amazonaws.com`;
const PROD: AccountRole = {
  accountId: '111111111111',
  roleArn: 'arn:aws:iam::111111111111:role/ivs-bot-read',
  externalId: 'ivs-bot-prod-7f3a',
  alias: 'prod',
};
const STAGING: AccountRole = {
  accountId: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/ivs-bot-read',
};
const stageIn = (accountId: string, id: string): StageArn => {
  const stage = parseStageArn(`arn:aws:ivs:${REGION}:${accountId}:stage/${id}`);
  assert.ok(stage);
  return stage;
};
const prodStage = stageIn(PROD.accountId, 'ProdStage001');
const prodStage2 = stageIn(PROD.accountId, 'ProdStage002');
const stagingStage = stageIn(STAGING.accountId, 'StagStage001');
const ownStage = parseStageArn(STAGE_ARN);
assert.ok(ownStage);

const HOUR = 60 * 60 * 1000;
function keys(name: string, expiresInMs: number): TemporaryKeys {
  return {
    accessKeyId: `ASIA${name.toUpperCase()}`,
    secretAccessKey: `${name}-secret`,
    sessionToken: `${name}-session-token`,
    expiration: new Date(Date.now() + expiresInMs),
  };
}

/** Expects one AssumeRole of `role`, signed with the bot's own (source) keys, answering `answer`. */
function expectAssumeRole(role: AccountRole, answer: TemporaryKeys): void {
  nock(STS_ENDPOINT)
    .matchHeader('authorization', /Credential=AKIDSOURCE\/\d{8}\/us-east-1\/sts\/aws4_request/)
    .post('/', (body: Record<string, string>) => {
      const expected: Record<string, string> = {
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: role.roleArn,
        RoleSessionName: ROLE_SESSION_NAME,
      };
      if (role.externalId) expected.ExternalId = role.externalId;
      return (
        JSON.stringify(body) === JSON.stringify({ ...body, ...expected }) &&
        Object.keys(body).length === Object.keys(expected).length
      );
    })
    .reply(200, assumeRoleAnswer(role.roleArn, ROLE_SESSION_NAME, answer), { 'content-type': 'text/xml' });
}

/** Expects one GetStage of `stage`, signed with `accessKeyId` (and its session token, if any). */
function expectGetStage(stage: StageArn, accessKeyId: string, sessionToken?: string): void {
  const scope = nock(
    IVS_ENDPOINT,
    sessionToken === undefined ? { badheaders: ['x-amz-security-token'] } : {},
  ).matchHeader('authorization', new RegExp(`Credential=${accessKeyId}/\\d{8}/us-east-1/ivs/aws4_request`));
  (sessionToken === undefined ? scope : scope.matchHeader('x-amz-security-token', sessionToken))
    .post('/GetStage', { arn: stage.arn })
    .reply(200, { stage: { arn: stage.arn, name: stage.id, tags: {} } });
}

function gateway(budget = new RequestBudget(100)) {
  const clients = createIvsClientFactory({
    maxAttempts: 1,
    requestTimeoutMs: 2_000,
    accountRoles: new Map([
      [PROD.accountId, PROD],
      [STAGING.accountId, STAGING],
    ]),
    roleSourceCredentials: { accessKeyId: 'AKIDSOURCE', secretAccessKey: 'source-secret' },
    overrides: { credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
  });
  const ivs = new SdkIvsGateway({
    clientFor: clients.clientFor,
    quotaAccount: clients.quotaAccount,
    budget,
    logger: createLogger('fatal'),
  });
  return { ivs, clients, budget };
}

before(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  assert.deepEqual(pending, [], 'every expected STS and IVS call was made');
});
after(() => nock.enableNetConnect());

describe('stages in several AWS accounts', () => {
  test('two listed accounts side by side: each account’s calls are signed with its own role’s keys, others with the default chain', async () => {
    const { ivs, clients } = gateway();
    try {
      expectAssumeRole(PROD, keys('prod', HOUR));
      expectAssumeRole(STAGING, keys('staging', HOUR));
      expectGetStage(prodStage, 'ASIAPROD', 'prod-session-token');
      expectGetStage(stagingStage, 'ASIASTAGING', 'staging-session-token');
      expectGetStage(ownStage, 'AKIDTEST');
      const [prod, staging, own] = await Promise.all([
        ivs.getStage(prodStage, 'interactive'),
        ivs.getStage(stagingStage, 'interactive'),
        ivs.getStage(ownStage, 'interactive'),
      ]);
      assert.ok(prod.ok && staging.ok && own.ok, JSON.stringify([prod, staging, own]));
      assert.equal(prod.value.arn, prodStage.arn);
      assert.notEqual(
        clients.clientFor(REGION, PROD.accountId),
        clients.clientFor(REGION, STAGING.accountId),
      );
      assert.equal(
        clients.clientFor(REGION, ACCOUNT),
        clients.clientFor(REGION, '999999999999'),
        'every unlisted account shares the default chain’s client',
      );
    } finally {
      clients.destroy();
    }
  });

  test('a role’s credentials are reused while valid: one AssumeRole for many calls', async () => {
    const { ivs, clients } = gateway();
    try {
      expectAssumeRole(PROD, keys('prod', HOUR));
      for (let i = 0; i < 3; i++) expectGetStage(prodStage, 'ASIAPROD', 'prod-session-token');
      for (let i = 0; i < 3; i++) assert.ok((await ivs.getStage(prodStage, 'interactive')).ok);
    } finally {
      clients.destroy();
    }
  });

  test('keys STS hands out already expired, or expiring within 5 minutes, are not used: the role is assumed again', async () => {
    const { ivs, clients } = gateway();
    try {
      expectAssumeRole(PROD, keys('expired', -60_000));
      expectAssumeRole(PROD, keys('fresh', HOUR));
      expectGetStage(prodStage, 'ASIAFRESH', 'fresh-session-token');
      assert.ok((await ivs.getStage(prodStage, 'background')).ok);
    } finally {
      clients.destroy();
    }
  });

  test('credentials are refreshed as they near their expiration: the role is assumed again, then kept', async (t) => {
    // Only Date is mocked (the SDK compares expirations with Date.now()); timers run as usual.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    // The quota buckets keep real time, or a frozen Date would never refill them.
    const { ivs, clients } = gateway(
      new RequestBudget(100, { ...systemClock, now: () => performance.now() }),
    );
    try {
      expectAssumeRole(PROD, keys('first', HOUR));
      expectGetStage(prodStage, 'ASIAFIRST', 'first-session-token');
      assert.ok((await ivs.getStage(prodStage, 'background')).ok);
      t.mock.timers.tick(50 * 60_000);
      expectGetStage(prodStage, 'ASIAFIRST', 'first-session-token');
      assert.ok((await ivs.getStage(prodStage, 'background')).ok, '10 minutes left: still used');
      t.mock.timers.tick(6 * 60_000);
      expectAssumeRole(PROD, keys('second', HOUR));
      expectGetStage(prodStage, 'ASIASECOND', 'second-session-token');
      assert.ok((await ivs.getStage(prodStage, 'background')).ok, '4 minutes left: assumed again');
      expectGetStage(prodStage, 'ASIASECOND', 'second-session-token');
      assert.ok((await ivs.getStage(prodStage, 'background')).ok, 'the new keys are kept');
    } finally {
      clients.destroy();
    }
  });

  test('a role that cannot be assumed: one sentence naming the role and STS’s error, and no IVS call', async () => {
    const { ivs, clients } = gateway();
    const refusal = `User: arn:aws:sts::123456789012:assumed-role/ivs-bot/i-0abc is not authorized to perform: sts:AssumeRole on resource: ${STAGING.roleArn}`;
    try {
      nock(STS_ENDPOINT)
        .post('/')
        .reply(403, stsErrorAnswer('AccessDenied', refusal), { 'content-type': 'text/xml' });
      const result = await ivs.getStage(stagingStage, 'interactive');
      assert.ok(!result.ok);
      assert.equal(
        result.failure.kind,
        'access_denied',
        'a lasting cause: alerts report the stage failing at once',
      );
      assert.deepEqual(result.failure.role, { roleArn: STAGING.roleArn, accountId: STAGING.accountId });
      const sentence = describeIvsFailure(result.failure);
      assert.equal(
        sentence,
        `The bot could not assume ${STAGING.roleArn} (IVS_ACCOUNT_ROLES, account ${STAGING.accountId}): STS answered AccessDenied: ${refusal}`,
      );
    } finally {
      clients.destroy();
    }
  });

  test('STS not answering (5xx) is a passing failure, still naming the role', async () => {
    const { ivs, clients } = gateway();
    try {
      nock(STS_ENDPOINT)
        .post('/')
        .times(3)
        .reply(503, stsErrorAnswer('ServiceUnavailable', 'Service is unavailable'), {
          'content-type': 'text/xml',
        });
      const result = await ivs.getStage(prodStage, 'background');
      assert.ok(!result.ok);
      assert.equal(result.failure.kind, 'unavailable');
      assert.match(
        describeIvsFailure(result.failure),
        /could not assume arn:aws:iam::111111111111:role\/ivs-bot-read .*ServiceUnavailable/,
      );
    } finally {
      clients.destroy();
    }
  });

  test('STS throttling (400 Throttling) is a passing failure like IVS throttling, not a refusal', async () => {
    const { ivs, clients } = gateway();
    try {
      nock(STS_ENDPOINT)
        .post('/')
        .times(3)
        .reply(400, stsErrorAnswer('Throttling', 'Rate exceeded'), { 'content-type': 'text/xml' });
      const result = await ivs.getStage(prodStage, 'background');
      assert.ok(!result.ok);
      assert.equal(result.failure.kind, 'throttled', 'a watched stage is not reported failing at once');
      assert.match(describeIvsFailure(result.failure), /could not assume .*Throttling: Rate exceeded/);
    } finally {
      clients.destroy();
    }
  });

  test('IVS denying a stage read with the bot’s own credentials suggests a role; denying a role says nothing of the kind', async () => {
    const { ivs, clients } = gateway();
    try {
      const denied = ivsError('AccessDeniedException', 'User is not authorized to perform ivs:GetStage');
      nock(IVS_ENDPOINT).post('/GetStage').reply(403, denied.body, denied.headers);
      const own = await ivs.getStage(ownStage, 'interactive');
      assert.ok(!own.ok);
      assert.match(
        describeIvsFailure(own.failure),
        /may not call ivs:GetStage .* If account 123456789012 is not the bot's own, give the bot a role there in IVS_ACCOUNT_ROLES\.$/,
      );
      expectAssumeRole(PROD, keys('prod', HOUR));
      nock(IVS_ENDPOINT).post('/GetStage').reply(403, denied.body, denied.headers);
      const prod = await ivs.getStage(prodStage, 'interactive');
      assert.ok(!prod.ok);
      assert.doesNotMatch(describeIvsFailure(prod.failure), /IVS_ACCOUNT_ROLES/);
    } finally {
      clients.destroy();
    }
  });

  test('ListStages of a listed account uses its role; an unlisted account is refused before any call', async () => {
    const { ivs, clients } = gateway();
    try {
      expectAssumeRole(PROD, keys('prod', HOUR));
      nock(IVS_ENDPOINT)
        .matchHeader('authorization', /Credential=ASIAPROD\//)
        .post('/ListStages')
        .reply(200, { stages: [{ arn: prodStage.arn, name: 'prod-main', tags: {} }] });
      const listed = await ivs.listStages(REGION, { maxResults: 50 }, 'interactive', PROD.accountId);
      assert.ok(listed.ok);
      assert.deepEqual(
        listed.value.items.map((s) => s.arn),
        [prodStage.arn],
      );
      const unlisted = await ivs.listStages(REGION, { maxResults: 50 }, 'interactive', '999999999999');
      assert.ok(!unlisted.ok);
      assert.equal(unlisted.failure.kind, 'invalid_input');
      assert.match(unlisted.failure.detail, /no role for account 999999999999 \(IVS_ACCOUNT_ROLES\)/);
    } finally {
      clients.destroy();
    }
  });

  test('quota buckets are per (account, region, operation): one account’s queue never holds up another’s', async () => {
    const clock = new FakeClock();
    const { ivs, clients, budget } = gateway(new RequestBudget(1, clock));
    try {
      expectAssumeRole(PROD, keys('prod', HOUR));
      expectAssumeRole(STAGING, keys('staging', HOUR));
      expectGetStage(prodStage, 'ASIAPROD', 'prod-session-token');
      expectGetStage(prodStage2, 'ASIAPROD', 'prod-session-token');
      expectGetStage(stagingStage, 'ASIASTAGING', 'staging-session-token');
      expectGetStage(ownStage, 'AKIDTEST');
      // At 1 call per second per bucket, the first call of each bucket goes at once (two stages:
      // identical reads would share one call).
      const second = ivs.getStage(prodStage2, 'interactive');
      const first = ivs.getStage(prodStage, 'background');
      const staging = ivs.getStage(stagingStage, 'background');
      const own = ivs.getStage(ownStage, 'background');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(budget.waiting(`${PROD.accountId}:${REGION}:GetStage`), 1, 'prod’s second call waits');
      assert.equal(budget.waiting(`${STAGING.accountId}:${REGION}:GetStage`), 0);
      assert.equal(budget.waiting(`default:${REGION}:GetStage`), 0);
      assert.ok((await staging).ok, 'staging’s call went while prod’s bucket was empty');
      assert.ok((await own).ok, 'so did the default chain’s');
      assert.ok((await second).ok, 'the person’s call went first');
      await clock.advance(1_000);
      assert.ok((await first).ok, 'the poller’s went one second later');
    } finally {
      clients.destroy();
    }
  });
});
