import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type Config, DEFAULT_DATABASE_URL, loadConfig, parseStoreLocation } from '../src/config.ts';

const HTTP_MODE = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef',
  SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
  AWS_REGION: 'us-east-1',
} as const;

function problemsOf(env: Record<string, string | undefined>): string[] {
  const result = loadConfig(env);
  assert.equal(result.ok, false, 'expected the environment to be refused');
  return result.ok ? [] : result.problems;
}

function configOf(env: Record<string, string | undefined>): Config {
  const result = loadConfig(env);
  if (!result.ok) assert.fail(`expected a config, got: ${result.problems.join(' | ')}`);
  return result.config;
}

/** The single problem line about `variable`; fails unless there is exactly one. */
function lineFor(problems: readonly string[], variable: string): string {
  const lines = problems.filter((line) => line.startsWith(`${variable}: `));
  assert.equal(lines.length, 1, `one line for ${variable} in ${JSON.stringify(problems)}`);
  return lines[0] ?? '';
}

describe('loadConfig', () => {
  test('an empty environment gives one line per required variable, each saying how to get it', () => {
    const problems = problemsOf({});
    assert.equal(problems.length, 3, JSON.stringify(problems));
    assert.match(lineFor(problems, 'SLACK_BOT_TOKEN'), /missing; .*xoxb-.*OAuth & Permissions/);
    assert.match(lineFor(problems, 'SLACK_SIGNING_SECRET'), /missing; .*Signing Secret.*SLACK_APP_TOKEN/);
    assert.match(lineFor(problems, 'AWS_REGION'), /missing; .*us-east-1/);
  });

  for (const variable of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'AWS_REGION'] as const) {
    test(`missing ${variable} alone is the only problem`, () => {
      const problems = problemsOf({ ...HTTP_MODE, [variable]: undefined });
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(lineFor(problems, variable), /missing; /);
    });

    test(`blank ${variable} counts as missing, reported once`, () => {
      const problems = problemsOf({ ...HTTP_MODE, [variable]: '   ' });
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(lineFor(problems, variable), /missing; /);
    });
  }

  test('a user token instead of a bot token is named', () => {
    const problems = problemsOf({ ...HTTP_MODE, SLACK_BOT_TOKEN: 'xoxp-123' });
    assert.match(lineFor(problems, 'SLACK_BOT_TOKEN'), /must be a bot token starting with "xoxb-"/);
  });

  test('Socket Mode (SLACK_APP_TOKEN) needs no signing secret', () => {
    const config = configOf({
      SLACK_BOT_TOKEN: HTTP_MODE.SLACK_BOT_TOKEN,
      SLACK_APP_TOKEN: 'xapp-1-A111-222-abc',
      AWS_REGION: 'eu-west-1',
    });
    assert.equal(config.slackAppToken, 'xapp-1-A111-222-abc');
    assert.equal(config.slackSigningSecret, undefined);
    assert.equal(config.awsRegion, 'eu-west-1');
  });

  test('a blank SLACK_APP_TOKEN is unset, so HTTP mode still needs the secret', () => {
    const problems = problemsOf({ ...HTTP_MODE, SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: ' ' });
    assert.deepEqual(
      problems.map((line) => line.split(':')[0]),
      ['SLACK_SIGNING_SECRET'],
    );
  });

  test('an app token that is not xapp- is named', () => {
    const problems = problemsOf({ ...HTTP_MODE, SLACK_APP_TOKEN: 'xoxb-not-an-app-token' });
    assert.match(lineFor(problems, 'SLACK_APP_TOKEN'), /must be an app-level token starting with "xapp-"/);
    assert.equal(problems.length, 1);
  });

  const badValues: Array<{ variable: string; value: string; expect: RegExp }> = [
    { variable: 'PORT', value: 'http', expect: /must be a TCP port number/ },
    { variable: 'PORT', value: '3000.5', expect: /must be a whole number/ },
    { variable: 'PORT', value: '70000', expect: /must be between 0 and 65535/ },
    { variable: 'PORT', value: '-1', expect: /must be between 0 and 65535/ },
    { variable: 'SLACK_API_URL', value: 'slack.com/api', expect: /must be an absolute URL/ },
    { variable: 'AWS_REGION', value: 'moon-base', expect: /must be an AWS region name such as us-east-1/ },
    { variable: 'AWS_REGION', value: 'US-EAST-1', expect: /must be an AWS region name/ },
    {
      variable: 'DATABASE_URL',
      value: 'mysql://db/ivs',
      expect: /must be sqlite:<file path>.*postgres:\/\//,
    },
    { variable: 'DATABASE_URL', value: 'sqlite:', expect: /must be sqlite:<file path>/ },
    { variable: 'LOG_LEVEL', value: 'loud', expect: /"info"/ },
    { variable: 'IVS_EVENTS_QUEUE_URL', value: 'ivs-events', expect: /must be an SQS queue URL/ },
    {
      variable: 'IVS_EVENTS_QUEUE_URL',
      value: 'arn:aws:sqs:us-east-1:123456789012:ivs-events',
      expect: /must be an SQS queue URL such as https:\/\/sqs/,
    },
    {
      variable: 'IVS_EVENTS_QUEUE_URL',
      value: 'https://sqs.us-east-1.amazonaws.com/ivs-events',
      expect: /must be an SQS queue URL/,
    },
  ];

  test('IVS_EVENTS_QUEUE_URL: unset means polling only; a queue URL is kept as given', () => {
    assert.equal(configOf(HTTP_MODE).eventsQueueUrl, undefined);
    assert.equal(configOf({ ...HTTP_MODE, IVS_EVENTS_QUEUE_URL: ' ' }).eventsQueueUrl, undefined);
    const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/ivs-events';
    assert.equal(configOf({ ...HTTP_MODE, IVS_EVENTS_QUEUE_URL: url }).eventsQueueUrl, url);
  });
  for (const { variable, value, expect } of badValues) {
    test(`${variable}=${value} is refused with one line naming ${variable}`, () => {
      const problems = problemsOf({ ...HTTP_MODE, [variable]: value });
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(lineFor(problems, variable), expect);
    });
  }

  test('several bad settings are all reported together, each on its own line', () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: 'nope',
      AWS_REGION: 'nowhere',
      PORT: 'eighty',
      SLACK_API_URL: 'not a url',
      DATABASE_URL: 'redis://cache',
      LOG_LEVEL: 'chatty',
    });
    assert.deepEqual(problems.map((line) => line.split(':')[0]).sort(), [
      'AWS_REGION',
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'SLACK_API_URL',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
    ]);
    for (const line of problems) assert.doesNotMatch(line, /\n/);
  });

  test('defaults: port 3000, the SQLite file under ./data, log level info', () => {
    const config = configOf(HTTP_MODE);
    assert.equal(config.port, 3000);
    assert.equal(DEFAULT_DATABASE_URL, 'sqlite:./data/ivs-bot.db');
    assert.deepEqual(config.store, { kind: 'sqlite', path: './data/ivs-bot.db' });
    assert.equal(config.logLevel, 'info');
    assert.equal(config.slackApiUrl, undefined);
    assert.equal(config.slackAppToken, undefined);
    assert.equal(config.slackSigningSecret, HTTP_MODE.SLACK_SIGNING_SECRET);
    assert.equal(config.slackBotToken, HTTP_MODE.SLACK_BOT_TOKEN);
  });

  test('explicit settings are used, trimmed', () => {
    const config = configOf({
      ...HTTP_MODE,
      PORT: ' 8080 ',
      SLACK_API_URL: 'http://localhost:9999/api/',
      AWS_REGION: ' eu-central-1 ',
      DATABASE_URL: 'postgres://bot:secret@db.internal:5432/ivs',
      LOG_LEVEL: 'debug',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.slackApiUrl, 'http://localhost:9999/api/');
    assert.equal(config.awsRegion, 'eu-central-1');
    assert.deepEqual(config.store, { kind: 'postgres', url: 'postgres://bot:secret@db.internal:5432/ivs' });
    assert.equal(config.logLevel, 'debug');
  });

  test('PORT=0 is allowed (the OS picks a free port, used by end-to-end tests)', () => {
    assert.equal(configOf({ ...HTTP_MODE, PORT: '0' }).port, 0);
  });

  test('an empty PORT (PORT= in a .env file) falls back to 3000 like the other blank settings', () => {
    assert.equal(configOf({ ...HTTP_MODE, PORT: '' }).port, 3000);
  });

  test('unrelated environment variables are ignored', () => {
    const config = configOf({ ...HTTP_MODE, HOME: '/root', PATH: '/usr/bin' });
    assert.equal(Object.hasOwn(config, 'HOME'), false);
  });

  test('the config and its store location are frozen', () => {
    const config = configOf(HTTP_MODE);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.store));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });
});

describe('parseStoreLocation', () => {
  const cases: Array<[string, ReturnType<typeof parseStoreLocation>]> = [
    ['sqlite:./data/ivs-bot.db', { kind: 'sqlite', path: './data/ivs-bot.db' }],
    ['sqlite:/var/lib/ivs/bot.db', { kind: 'sqlite', path: '/var/lib/ivs/bot.db' }],
    ['sqlite:///var/lib/ivs/bot.db', { kind: 'sqlite', path: '/var/lib/ivs/bot.db' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    [
      'postgres://bot:pw@localhost:5432/ivs',
      { kind: 'postgres', url: 'postgres://bot:pw@localhost:5432/ivs' },
    ],
    [
      'postgresql://bot@db/ivs?sslmode=require',
      { kind: 'postgres', url: 'postgresql://bot@db/ivs?sslmode=require' },
    ],
    ['sqlite:', undefined],
    ['', undefined],
    ['./data/ivs-bot.db', undefined],
    ['mysql://db/ivs', undefined],
    ['postgres:/missing-slash', undefined],
    ['http://db/ivs', undefined],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${expected ? expected.kind : 'undefined'}`, () => {
      assert.deepEqual(parseStoreLocation(input), expected);
    });
  }
});

describe('alert settings', () => {
  const ARN = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';

  test('defaults: every minute, 3 calls per second, no declared watches', () => {
    const config = configOf(HTTP_MODE);
    assert.equal(config.pollSchedule, '* * * * *');
    assert.equal(config.maxTps, 3);
    assert.deepEqual(config.watches, []);
  });

  test('a seconds field is allowed in IVS_POLL_SCHEDULE; nonsense is named', () => {
    assert.equal(
      configOf({ ...HTTP_MODE, IVS_POLL_SCHEDULE: '*/5 * * * * *' }).pollSchedule,
      '*/5 * * * * *',
    );
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, IVS_POLL_SCHEDULE: 'every minute' }), 'IVS_POLL_SCHEDULE'),
      /cron expression/,
    );
  });

  test('IVS_RETENTION_DAYS: 30 days by default, whole days from 1, named when wrong', () => {
    assert.equal(configOf(HTTP_MODE).retentionMs, 30 * 24 * 60 * 60 * 1000);
    assert.equal(configOf({ ...HTTP_MODE, IVS_RETENTION_DAYS: '7' }).retentionMs, 7 * 24 * 60 * 60 * 1000);
    for (const bad of ['0', '1.5', 'forever', '-3']) {
      assert.match(
        lineFor(problemsOf({ ...HTTP_MODE, IVS_RETENTION_DAYS: bad }), 'IVS_RETENTION_DAYS'),
        /day/,
      );
    }
  });

  test('IVS_MAX_TPS must stay within what IVS allows', () => {
    assert.equal(configOf({ ...HTTP_MODE, IVS_MAX_TPS: '4' }).maxTps, 4);
    assert.match(lineFor(problemsOf({ ...HTTP_MODE, IVS_MAX_TPS: '5' }), 'IVS_MAX_TPS'), /at most 4/);
    assert.match(lineFor(problemsOf({ ...HTTP_MODE, IVS_MAX_TPS: '0' }), 'IVS_MAX_TPS'), /above 0/);
  });

  test('IVS_READ_CACHE_SECONDS: 5 s by default, 0 allowed, at most 60, named when wrong', () => {
    assert.equal(configOf(HTTP_MODE).readCacheMs, 5_000);
    assert.equal(configOf({ ...HTTP_MODE, IVS_READ_CACHE_SECONDS: '0' }).readCacheMs, 0);
    assert.equal(configOf({ ...HTTP_MODE, IVS_READ_CACHE_SECONDS: '2.5' }).readCacheMs, 2_500);
    for (const bad of ['-1', '61', 'soon']) {
      assert.match(
        lineFor(problemsOf({ ...HTTP_MODE, IVS_READ_CACHE_SECONDS: bad }), 'IVS_READ_CACHE_SECONDS'),
        /seconds|at most 60|0 \(share only reads in flight\)/,
      );
    }
  });

  test('IVS_POLLER_SHARE: 0.25 by default, from 0 to 0.5, named when wrong', () => {
    assert.equal(configOf(HTTP_MODE).pollerShare, 0.25);
    assert.equal(configOf({ ...HTTP_MODE, IVS_POLLER_SHARE: '0' }).pollerShare, 0);
    assert.equal(configOf({ ...HTTP_MODE, IVS_POLLER_SHARE: '0.5' }).pollerShare, 0.5);
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, IVS_POLLER_SHARE: '0.6' }), 'IVS_POLLER_SHARE'),
      /at most 0.5/,
    );
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, IVS_POLLER_SHARE: '-0.1' }), 'IVS_POLLER_SHARE'),
      /between 0/,
    );
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, IVS_POLLER_SHARE: 'a lot' }), 'IVS_POLLER_SHARE'),
      /fraction/,
    );
  });

  test('IVS_WATCHES entries become watches, codes optional', () => {
    const config = configOf({
      ...HTTP_MODE,
      IVS_WATCHES: JSON.stringify([
        { stage: ARN, channel: 'C0123ABCDEF' },
        { stage: ARN, channel: 'G0123ABCDEF', codes: ['QUOTA_EXCEEDED', 'SUBSCRIBE_ERROR'] },
      ]),
    });
    assert.deepEqual(config.watches, [
      { stageArn: ARN, channelId: 'C0123ABCDEF', codes: null },
      { stageArn: ARN, channelId: 'G0123ABCDEF', codes: ['QUOTA_EXCEEDED', 'SUBSCRIBE_ERROR'] },
    ]);
  });

  test('IVS_WATCHES entries take mention (issue 16): a person, a user group or here', () => {
    const config = configOf({
      ...HTTP_MODE,
      IVS_WATCHES: JSON.stringify([
        { stage: ARN, channel: 'C0123ABCDEF', mention: '@U0ONCALL1' },
        { stage: ARN, channel: 'C0THERONE1', mention: '@S0VIDEO12' },
        { stage: ARN, channel: 'G0123ABCDEF', mention: 'here' },
      ]),
    });
    assert.deepEqual(
      config.watches.map((w) => w.mention),
      ['<@U0ONCALL1>', '<!subteam^S0VIDEO12>', '<!here>'],
    );
  });

  test('a malformed IVS_WATCHES mention stops start-up naming the entry, with the forms it may take', () => {
    const problems = problemsOf({
      ...HTTP_MODE,
      IVS_WATCHES: JSON.stringify([
        { stage: ARN, channel: 'C0123ABCDEF', mention: '@alice' },
        { stage: ARN, channel: 'C0123ABCDEF', mention: '<!channel>' },
        { stage: ARN, channel: 'C0123ABCDEF', mention: 7 },
      ]),
    });
    const lines = problems.filter((line) => line.startsWith('IVS_WATCHES'));
    assert.ok(
      lines.some((line) =>
        /entry \[0\]\.mention must be "@U0123ABCD" \(a person\), "@S0123ABCD" \(a user group\) or "here"; got "@alice"/.test(
          line,
        ),
      ),
      lines.join('\n'),
    );
    assert.ok(lines.some((line) => /entry \[1\]\.mention must be/.test(line)));
    assert.ok(lines.some((line) => /entry \[2\]\.mention must be a string/.test(line)));
  });

  test('a bad IVS_WATCHES names the entry and the field', () => {
    const problems = problemsOf({
      ...HTTP_MODE,
      IVS_WATCHES: JSON.stringify([
        { stage: ARN, channel: 'C0123ABCDEF' },
        { stage: 'nope', channel: '#general', codes: ['NOPE'] },
      ]),
    });
    const lines = problems.filter((line) => line.startsWith('IVS_WATCHES'));
    assert.ok(
      lines.some((line) => /entry \[1\]\.stage must be a stage ARN/.test(line)),
      lines.join('\n'),
    );
    assert.ok(lines.some((line) => /entry \[1\]\.channel must be a Slack channel ID/.test(line)));
    assert.ok(
      lines.some((line) => /entry \[1\]\.codes must only contain known codes: .*QUOTA_EXCEEDED/.test(line)),
    );
    assert.ok(!lines.some((line) => /entry \[0\]/.test(line)));
  });

  test('IVS_ACCOUNT_ROLES: account ID → role, external ID and alias optional; empty by default', () => {
    assert.equal(configOf(HTTP_MODE).accountRoles.size, 0);
    const config = configOf({
      ...HTTP_MODE,
      IVS_ACCOUNT_ROLES: JSON.stringify({
        '111111111111': {
          roleArn: 'arn:aws:iam::111111111111:role/ivs-bot-read',
          externalId: 'ivs-bot-7f3a',
          alias: 'prod',
        },
        '222222222222': { roleArn: 'arn:aws:iam::222222222222:role/team/ivs-bot-read' },
      }),
    });
    assert.deepEqual(config.accountRoles.get('111111111111'), {
      accountId: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/ivs-bot-read',
      externalId: 'ivs-bot-7f3a',
      alias: 'prod',
    });
    assert.equal(config.accountRoles.get('222222222222')?.alias, undefined);
  });

  test('a bad IVS_ACCOUNT_ROLES names the account and the field, one line each', () => {
    const roles = (value: unknown) =>
      problemsOf({
        ...HTTP_MODE,
        IVS_ACCOUNT_ROLES: typeof value === 'string' ? value : JSON.stringify(value),
      })
        .filter((line) => line.startsWith('IVS_ACCOUNT_ROLES'))
        .join('\n');
    assert.match(roles('not json'), /must be a JSON object like \{"111122223333"/);
    assert.match(roles([{ roleArn: 'x' }]), /must be a JSON object/);
    assert.match(
      roles({ prod: { roleArn: 'arn:aws:iam::111111111111:role/r' } }),
      /key "prod" must be a 12-digit AWS account ID/,
    );
    assert.match(roles({ '111111111111': {} }), /account 111111111111\.roleArn must be an IAM role ARN/);
    assert.match(
      roles({ '111111111111': { roleArn: 'arn:aws:iam::111111111111:user/bob' } }),
      /account 111111111111\.roleArn must be an IAM role ARN like arn:aws:iam::111122223333:role\/ivs-bot-read/,
    );
    assert.match(
      roles({ '111111111111': { roleArn: 'arn:aws:iam::999999999999:role/r' } }),
      /account 111111111111\.roleArn names a role of another account/,
    );
    assert.match(
      roles({ '111111111111': { roleArn: 'arn:aws:iam::111111111111:role/r', externalId: 'x' } }),
      /account 111111111111\.externalId must be 2 to 1224/,
    );
    assert.match(
      roles({ '111111111111': { roleArn: 'arn:aws:iam::111111111111:role/r', role: 'typo' } }),
      /account 111111111111 has unknown fields role; it takes roleArn, externalId and alias/,
    );
    assert.match(
      roles({
        '111111111111': { roleArn: 'arn:aws:iam::111111111111:role/r', alias: 'prod' },
        '222222222222': { roleArn: 'arn:aws:iam::222222222222:role/r', alias: 'prod' },
      }),
      /account 222222222222\.alias "prod" is already account 111111111111/,
    );
    assert.match(
      roles({ '111111111111': { roleArn: 'arn:aws:iam::111111111111:role/r', alias: '<!channel>' } }),
      /account 111111111111\.alias must be 1 to 32 letters/,
    );
  });

  test('IVS_REGIONS: IVS Real-Time’s regions by default, a comma-separated list when set', () => {
    assert.deepEqual([...configOf(HTTP_MODE).ivsRegions].sort(), [
      'ap-northeast-1',
      'ap-northeast-2',
      'ap-south-1',
      'eu-central-1',
      'eu-west-1',
      'us-east-1',
      'us-west-2',
    ]);
    const listed = configOf({ ...HTTP_MODE, IVS_REGIONS: ' us-east-1, ap-southeast-2 ,' });
    assert.deepEqual([...listed.ivsRegions], ['us-east-1', 'ap-southeast-2']);
  });

  test('IVS_REGIONS problems, and AWS_REGION or IVS_WATCHES outside it, are named', () => {
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, IVS_REGIONS: 'us-east-1,moon' }), 'IVS_REGIONS'),
      /comma-separated list of AWS region names.*not valid: moon/,
    );
    assert.match(lineFor(problemsOf({ ...HTTP_MODE, IVS_REGIONS: ',' }), 'IVS_REGIONS'), /region names/);
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, AWS_REGION: 'us-gov-west-1' }), 'AWS_REGION'),
      /IVS Real-Time is not offered in us-gov-west-1.*IVS_REGIONS/,
    );
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, IVS_REGIONS: 'eu-west-1' }), 'AWS_REGION'),
      /not offered in us-east-1; the bot calls eu-west-1/,
    );
    const watches = JSON.stringify([
      { stage: ARN.replace('us-east-1', 'ap-southeast-2'), channel: 'C0123ABCDEF' },
    ]);
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, IVS_WATCHES: watches }), 'IVS_WATCHES'),
      /entry \[0\]\.stage is in ap-southeast-2, not one of IVS_REGIONS/,
    );
  });

  test('METRICS_PORT and METRICS_HOST: unset by default, a port and an interface when set', () => {
    const plain = configOf(HTTP_MODE);
    assert.equal(plain.metricsPort, undefined);
    assert.equal(plain.metricsHost, undefined);
    const separate = configOf({ ...HTTP_MODE, METRICS_PORT: ' 9464 ', METRICS_HOST: '10.0.0.5' });
    assert.equal(separate.metricsPort, 9464);
    assert.equal(separate.metricsHost, '10.0.0.5');
    assert.equal(configOf({ ...HTTP_MODE, PORT: '0', METRICS_PORT: '0' }).metricsPort, 0);
  });

  test('METRICS_PORT and METRICS_HOST problems are named', () => {
    for (const bad of ['http', '70000', '-1', '1.5']) {
      assert.match(
        lineFor(problemsOf({ ...HTTP_MODE, METRICS_PORT: bad }), 'METRICS_PORT'),
        /port number|whole number|between 0 and 65535/,
      );
    }
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, PORT: '8080', METRICS_PORT: '8080' }), 'METRICS_PORT'),
      /must differ from PORT/,
    );
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, METRICS_PORT: '3000' }), 'METRICS_PORT'),
      /must differ from PORT/,
    );
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, METRICS_HOST: '127.0.0.1' }), 'METRICS_HOST'),
      /only used with METRICS_PORT/,
    );
  });

  test('an IVS_WATCHES channel must be on IVS_ALLOWED_CHANNELS when that list is set', () => {
    const watches = JSON.stringify([
      { stage: ARN, channel: 'C0123ABCDEF' },
      { stage: ARN, channel: 'COTHER12345' },
    ]);
    const line = lineFor(
      problemsOf({ ...HTTP_MODE, IVS_ALLOWED_CHANNELS: 'C0123ABCDEF', IVS_WATCHES: watches }),
      'IVS_WATCHES',
    );
    assert.match(line, /entry \[1\]\.channel COTHER12345 is not on IVS_ALLOWED_CHANNELS/);
    assert.equal(
      configOf({ ...HTTP_MODE, IVS_ALLOWED_CHANNELS: 'C0123ABCDEF,COTHER12345', IVS_WATCHES: watches })
        .watches.length,
      2,
    );
  });

  test('IVS_WATCHES that is not a JSON array says what it must be', () => {
    assert.match(lineFor(problemsOf({ ...HTTP_MODE, IVS_WATCHES: '{oops' }), 'IVS_WATCHES'), /JSON array/);
    assert.match(
      lineFor(problemsOf({ ...HTTP_MODE, IVS_WATCHES: '{"stage":"x"}' }), 'IVS_WATCHES'),
      /JSON array/,
    );
  });
});

describe("README's Configuration table", () => {
  // The schema is the list of settings; the table is what a person reads before the first start.
  const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
  const start = source.indexOf('const envSchema = z.object({');
  const schema = source.slice(start, source.indexOf('\n});\n', start));
  const inSchema = new Set([...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]));
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'), readme.indexOf('\n## IAM policy\n'));
  const rows = new Map(
    [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (.*) \|$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );

  test('names every setting config.ts reads, and only those', () => {
    assert.ok(inSchema.size > 20, `the schema was found (${inSchema.size} settings)`);
    assert.deepEqual([...rows.keys()].sort(), [...inSchema].sort());
  });

  test('says of each whether it is required or what happens by default', () => {
    for (const [name, meaning] of rows) {
      assert.match(meaning, /required|default|when set|unset/i, `${name}: ${meaning}`);
    }
  });
});
