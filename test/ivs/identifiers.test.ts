import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  IVS_REALTIME_REGIONS,
  isParticipantId,
  isSessionId,
  PARTICIPANT_FORM,
  parseParticipantId,
  parseRegion,
  parseSessionId,
  parseStageArn,
  parseStageRef,
  parseUserId,
  SESSION_FORM,
  STAGE_FORM,
} from '../../src/ivs/identifiers.ts';

const ARN = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';

describe('parseStageArn', () => {
  test('splits a stage ARN into region, account and ID', () => {
    assert.deepEqual(parseStageArn(ARN), {
      arn: ARN,
      region: 'us-east-1',
      accountId: '123456789012',
      id: 'AbCdEf123456',
    });
  });

  test('accepts the other AWS partitions', () => {
    assert.equal(
      parseStageArn('arn:aws-us-gov:ivs:us-gov-west-1:123456789012:stage/AbCdEf123456')?.region,
      'us-gov-west-1',
    );
    assert.equal(
      parseStageArn('arn:aws-cn:ivs:cn-north-1:123456789012:stage/AbCdEf123456')?.region,
      'cn-north-1',
    );
  });

  const refused = [
    '',
    'AbCdEf123456',
    ` ${ARN}`,
    `${ARN} `,
    ARN.replace(':ivs:', ':ivschat:'),
    ARN.replace('stage/', 'channel/'),
    ARN.replace('123456789012', '12345678901'),
    ARN.replace('123456789012', '1234567890123'),
    ARN.replace('123456789012', 'abcdefghijkl'),
    'arn:aws:ivs:us-east-1:123456789012:stage/',
    'arn:aws:ivs:us-east-1:123456789012:stage/AbC_Ef123456',
    'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456/extra',
    'arn:gcp:ivs:us-east-1:123456789012:stage/AbCdEf123456',
    `arn:aws:ivs:us-east-1:123456789012:stage/${'a'.repeat(100)}`,
  ];
  for (const input of refused) {
    test(`refuses ${JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input)}`, () => {
      assert.equal(parseStageArn(input), undefined);
    });
  }
});

describe('parseStageRef', () => {
  test('a full ARN is kind arn, with its own region', () => {
    const ref = parseStageRef(ARN, 'eu-west-1');
    assert.ok(ref.ok);
    assert.equal(ref.value.kind, 'arn');
    assert.equal(ref.value.kind === 'arn' ? ref.value.stage.region : undefined, 'us-east-1');
  });

  test('a bare 12-character ID is kind id in the default region', () => {
    assert.deepEqual(parseStageRef('AbCdEf123456', 'eu-west-1'), {
      ok: true,
      value: { kind: 'id', id: 'AbCdEf123456', region: 'eu-west-1' },
    });
  });

  test('surrounding spaces are ignored', () => {
    const ref = parseStageRef(`  ${ARN}\t`, 'eu-west-1');
    assert.ok(ref.ok && ref.value.kind === 'arn' && ref.value.stage.arn === ARN);
    assert.deepEqual(parseStageRef(' AbCdEf123456 ', 'us-west-2'), {
      ok: true,
      value: { kind: 'id', id: 'AbCdEf123456', region: 'us-west-2' },
    });
  });

  for (const input of ['', 'AbCdEf12345', 'AbCdEf1234567', 'AbCdEf-12345', 'stage/AbCdEf123456', '<@U123>']) {
    test(`refuses ${JSON.stringify(input)} naming <stage> and the expected form`, () => {
      assert.deepEqual(parseStageRef(input, 'us-east-1'), {
        ok: false,
        problem: `<stage> must be ${STAGE_FORM}.`,
      });
    });
  }
});

describe('regions', () => {
  test('the default list is the regions with an IVS Real-Time endpoint (AWS General Reference)', () => {
    assert.deepEqual([...IVS_REALTIME_REGIONS].sort(), [
      'ap-northeast-1',
      'ap-northeast-2',
      'ap-south-1',
      'eu-central-1',
      'eu-west-1',
      'us-east-1',
      'us-west-2',
    ]);
  });

  test('parseRegion takes a listed region, lower-cased and trimmed', () => {
    assert.deepEqual(parseRegion(' EU-WEST-1 ', IVS_REALTIME_REGIONS), { ok: true, value: 'eu-west-1' });
  });

  test('parseRegion refuses a region name that is not listed, saying which are', () => {
    for (const region of ['xx-fake-9', 'ap-southeast-2', 'us-gov-west-1', 'cn-north-1']) {
      const parsed = parseRegion(region, IVS_REALTIME_REGIONS);
      assert.equal(parsed.ok, false, region);
      assert.match(
        parsed.ok ? '' : parsed.problem,
        new RegExp(`not offered in ${region}; the bot calls us-east-1, `),
      );
    }
    assert.deepEqual(parseRegion('ap-southeast-2', new Set(['ap-southeast-2'])), {
      ok: true,
      value: 'ap-southeast-2',
    });
  });

  test('parseRegion refuses what is not a region name', () => {
    for (const text of ['moon', '', 'us-east', 'us_east_1', 'a'.repeat(300)]) {
      const parsed = parseRegion(text, IVS_REALTIME_REGIONS);
      assert.match(parsed.ok ? '' : parsed.problem, /is not an AWS region name such as us-east-1/);
    }
  });

  test('parseStageRef refuses a stage ARN outside the regions, before any call', () => {
    const parsed = parseStageRef(ARN.replace('us-east-1', 'xx-fake-9'), 'us-east-1');
    assert.equal(parsed.ok, false);
    assert.match(
      parsed.ok ? '' : parsed.problem,
      /The stage is in xx-fake-9, where IVS Real-Time is not offered/,
    );
    assert.ok(parseStageRef(ARN.replace('us-east-1', 'xx-fake-9'), 'us-east-1', new Set(['xx-fake-9'])).ok);
  });
});

describe('parseSessionId', () => {
  test('accepts st- and 13 letters or digits, trimmed', () => {
    assert.deepEqual(parseSessionId('st-AbCdEf1234567'), { ok: true, value: 'st-AbCdEf1234567' });
    assert.deepEqual(parseSessionId(' st-AbCdEf1234567 '), { ok: true, value: 'st-AbCdEf1234567' });
    assert.ok(isSessionId('st-AbCdEf1234567'));
  });

  for (const input of [
    '',
    'st-',
    'st-AbCdEf123456',
    'st-AbCdEf12345678',
    'ST-AbCdEf1234567',
    'st_AbCdEf1234567',
    'st-AbCdEf123456-',
  ]) {
    test(`refuses ${JSON.stringify(input)} naming <session-id>`, () => {
      assert.deepEqual(parseSessionId(input), {
        ok: false,
        problem: `<session-id> must be ${SESSION_FORM}.`,
      });
      assert.equal(isSessionId(input), false);
    });
  }
});

describe('parseParticipantId', () => {
  test('accepts letters, digits and - up to 64 (the API pattern), trimmed', () => {
    assert.deepEqual(parseParticipantId('xYz123AbC456'), { ok: true, value: 'xYz123AbC456' });
    assert.deepEqual(parseParticipantId(' a-b-c '), { ok: true, value: 'a-b-c' });
    assert.deepEqual(parseParticipantId('p'.repeat(64)), { ok: true, value: 'p'.repeat(64) });
    assert.ok(isParticipantId('a'));
  });

  for (const input of ['', 'p'.repeat(65), 'a b', 'a.b', 'a_b', 'ü', '<@U123>']) {
    test(`refuses ${JSON.stringify(input)} naming <participant-id>`, () => {
      assert.deepEqual(parseParticipantId(input), {
        ok: false,
        problem: `<participant-id> must be ${PARTICIPANT_FORM}.`,
      });
    });
  }
});

describe('parseUserId', () => {
  test('accepts any text of 1 to 128 characters as it is', () => {
    for (const input of ['a', 'alice@example.com', ' spaced ', 'a b', '<@U123>', 'x'.repeat(128)]) {
      assert.deepEqual(parseUserId(input), { ok: true, value: input });
    }
  });

  test('refuses empty and over-long user IDs, naming --user', () => {
    for (const input of ['', 'x'.repeat(129)]) {
      assert.deepEqual(parseUserId(input), {
        ok: false,
        problem: '--user takes a userId of 1 to 128 characters.',
      });
    }
  });
});
