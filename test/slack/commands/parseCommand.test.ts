import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type Command,
  type CommandParse,
  helpUsage,
  parseCommand,
  tokenize,
} from '../../../src/slack/commands/parseCommand.ts';
import { EXAMPLES, USAGE } from '../../../src/slack/commandUsage.ts';

const REGION = 'us-east-1';
const ARN = 'arn:aws:ivs:eu-west-1:123456789012:stage/AbCdEf123456';
const STAGE_ID = 'AbCdEf123456';
const SESSION = 'st-AbCdEf1234567';
const PARTICIPANT = 'xYz123AbC456';

function commandOf(text: string): Command {
  const parsed = parseCommand(text, REGION);
  if (!parsed.ok) assert.fail(`expected a command for ${JSON.stringify(text)}, got: ${parsed.problem}`);
  return parsed.command;
}

/** Asserts a usage answer for `name`: the problem matches, and the usage and example are those of `name`. */
function assertUsage(text: string, name: keyof typeof USAGE, problem: RegExp): void {
  const parsed: CommandParse = parseCommand(text, REGION);
  if (parsed.ok) assert.fail(`expected a usage answer for ${JSON.stringify(text)}`);
  assert.match(parsed.problem, problem);
  assert.equal(parsed.usage, `Usage: ${USAGE[name]}\nExample: ${EXAMPLES[name]}`);
}

describe('tokenize', () => {
  test('splits on any whitespace and honours straight, smart and single quotes', () => {
    assert.deepEqual(tokenize('  a\tb\n c  '), ['a', 'b', 'c']);
    assert.deepEqual(tokenize('--user "alice smith" x'), ['--user', 'alice smith', 'x']);
    assert.deepEqual(tokenize('--user “alice smith”'), ['--user', 'alice smith']);
    assert.deepEqual(tokenize("--user 'alice smith'"), ['--user', 'alice smith']);
    assert.deepEqual(tokenize('--user ""'), ['--user', '']);
  });
});

describe('parseCommand: help', () => {
  for (const text of ['', '   ', 'help', 'HELP', '-h', '--help', 'help me please']) {
    test(`${JSON.stringify(text)} is help`, () => {
      assert.deepEqual(commandOf(text), { name: 'help' });
    });
  }
});

describe('parseCommand: stages', () => {
  test('no region means the default region', () => {
    assert.deepEqual(commandOf('stages'), { name: 'stages', region: REGION });
  });

  test('a region is taken, lower-cased', () => {
    assert.deepEqual(commandOf('stages eu-west-1'), { name: 'stages', region: 'eu-west-1' });
    assert.deepEqual(commandOf('STAGES AP-NORTHEAST-1'), { name: 'stages', region: 'ap-northeast-1' });
  });

  test('a bad region is named', () => {
    assertUsage('stages moon', 'stages', /“moon” is not an AWS region name such as us-east-1/);
  });

  test('extra arguments are refused', () => {
    assertUsage('stages eu-west-1 111111111111 x', 'stages', /Too many arguments/);
  });

  const ACCOUNTS = new Map([
    [
      '111111111111',
      { accountId: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/r', alias: 'prod' },
    ],
    ['222222222222', { accountId: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/r' }],
  ]);
  const withAccounts = (text: string): CommandParse => parseCommand(text, REGION, undefined, ACCOUNTS);

  test('[account]: a listed account by ID or alias, after the region or alone (default region)', () => {
    const prod = { id: '111111111111', label: 'prod (111111111111)' };
    assert.deepEqual(withAccounts('stages eu-west-1 prod'), {
      ok: true,
      command: { name: 'stages', region: 'eu-west-1', account: prod },
    });
    assert.deepEqual(withAccounts('stages eu-west-1 111111111111'), {
      ok: true,
      command: { name: 'stages', region: 'eu-west-1', account: prod },
    });
    assert.deepEqual(withAccounts('stages prod'), {
      ok: true,
      command: { name: 'stages', region: REGION, account: prod },
    });
    assert.deepEqual(withAccounts('stages 222222222222'), {
      ok: true,
      command: { name: 'stages', region: REGION, account: { id: '222222222222', label: '222222222222' } },
    });
    assert.deepEqual(withAccounts('stages eu-west-1'), {
      ok: true,
      command: { name: 'stages', region: 'eu-west-1' },
    });
  });

  test('[account]: an account without a role is refused naming the listed ones, before any call', () => {
    const unlisted = withAccounts('stages eu-west-1 999999999999');
    assert.ok(!unlisted.ok);
    assert.match(
      unlisted.problem,
      /no role for account 999999999999: IVS_ACCOUNT_ROLES lists prod \(111111111111\), 222222222222\. Without \[account\], the bot's own account/,
    );
    const unknown = withAccounts('stages staging');
    assert.ok(!unknown.ok);
    assert.match(
      unknown.problem,
      /“staging” is not an AWS region name such as us-east-1, nor an account: IVS_ACCOUNT_ROLES lists prod/,
    );
    assertUsage(
      'stages eu-west-1 us-east-1',
      'stages',
      /“us-east-1” is not an account ID or alias the bot knows: IVS_ACCOUNT_ROLES lists no account/,
    );
  });
});

describe('parseCommand: sessions', () => {
  test('a stage ARN', () => {
    const command = commandOf(`sessions ${ARN}`);
    assert.equal(command.name, 'sessions');
    assert.deepEqual(command.name === 'sessions' && command.stage, {
      kind: 'arn',
      stage: { arn: ARN, region: 'eu-west-1', accountId: '123456789012', id: STAGE_ID },
    });
  });

  test('a bare stage ID is kind id in the default region', () => {
    assert.deepEqual(commandOf(`sessions ${STAGE_ID}`), {
      name: 'sessions',
      stage: { kind: 'id', id: STAGE_ID, region: REGION },
    });
  });

  test('missing <stage>', () => {
    assertUsage('sessions', 'sessions', /^Missing <stage>\.$/);
  });

  test('extra arguments', () => {
    assertUsage(`sessions ${ARN} ${SESSION}`, 'sessions', /Too many arguments/);
  });

  test('a bad stage names <stage>', () => {
    assertUsage('sessions arn:aws:ivs:eu-west-1:123:stage/x', 'sessions', /^<stage> must be a stage ARN/);
  });
});

describe('parseCommand: participant', () => {
  test('stage, session and participant', () => {
    assert.deepEqual(commandOf(`participant ${STAGE_ID} ${SESSION} ${PARTICIPANT}`), {
      name: 'participant',
      stage: { kind: 'id', id: STAGE_ID, region: REGION },
      sessionId: SESSION,
      participantId: PARTICIPANT,
    });
    const withArn = commandOf(`participant ${ARN} ${SESSION} ${PARTICIPANT}`);
    assert.ok(withArn.name === 'participant' && withArn.stage.kind === 'arn');
  });

  test('the documented example parses', () => {
    assert.equal(commandOf(EXAMPLES.participant.replace(/^\/ivs /, '')).name, 'participant');
  });

  const missing: Array<[string, RegExp]> = [
    ['participant', /^Missing <stage> and <session-id> and <participant-id>\.$/],
    [`participant ${ARN}`, /^Missing <session-id> and <participant-id>\.$/],
    [`participant ${ARN} ${SESSION}`, /^Missing <participant-id>\.$/],
  ];
  for (const [text, problem] of missing) {
    test(`${JSON.stringify(text)} says what is missing`, () => {
      assertUsage(text, 'participant', problem);
    });
  }

  test('a fourth argument is refused', () => {
    assertUsage(
      `participant ${ARN} ${SESSION} ${PARTICIPANT} extra`,
      'participant',
      /Too many arguments \(expected three\)/,
    );
  });

  test('each bad argument is named, the first one wins', () => {
    assertUsage(`participant stage/nope ${SESSION} ${PARTICIPANT}`, 'participant', /^<stage> must be/);
    assertUsage(
      `participant ${ARN} st-short ${PARTICIPANT}`,
      'participant',
      /^<session-id> must be a session ID like/,
    );
    assertUsage(
      `participant ${ARN} ${SESSION} not.valid`,
      'participant',
      /^<participant-id> must be a participant ID/,
    );
    assertUsage('participant x y z', 'participant', /^<stage> must be/);
  });

  test('an underscore is refused before any AWS call: the API takes [a-zA-Z0-9-]*, at most 64', () => {
    assertUsage(
      `participant ${ARN} ${SESSION} pAbc_12345678`,
      'participant',
      /^<participant-id> must be a participant ID of letters, digits and - \(at most 64\)\.$/,
    );
  });
});

describe('parseCommand: participants', () => {
  const prefix = `participants ${ARN} ${SESSION}`;

  test('without a filter', () => {
    const command = commandOf(prefix);
    assert.ok(command.name === 'participants');
    assert.equal(command.sessionId, SESSION);
    assert.deepEqual(command.filter, { kind: 'none' });
  });

  const filters: Array<[string, Extract<Command, { name: 'participants' }>['filter']]> = [
    ['--state connected', { kind: 'state', state: 'CONNECTED' }],
    ['--state DISCONNECTED', { kind: 'state', state: 'DISCONNECTED' }],
    ['--state=connected', { kind: 'state', state: 'CONNECTED' }],
    ['--STATE=Disconnected', { kind: 'state', state: 'DISCONNECTED' }],
    ['--published', { kind: 'published' }],
    ['--user alice', { kind: 'user', userId: 'alice' }],
    ['--user=alice', { kind: 'user', userId: 'alice' }],
    ['--user "Alice Smith"', { kind: 'user', userId: 'Alice Smith' }],
    ['--user “Alice Smith”', { kind: 'user', userId: 'Alice Smith' }],
    ["--user 'Alice Smith'", { kind: 'user', userId: 'Alice Smith' }],
    ['--user a=b', { kind: 'user', userId: 'a=b' }],
    ['--recording active', { kind: 'recording', state: 'ACTIVE' }],
    ['--recording=FAILED', { kind: 'recording', state: 'FAILED' }],
    ['--recording Stopping', { kind: 'recording', state: 'STOPPING' }],
  ];
  for (const [options, filter] of filters) {
    test(`${options}`, () => {
      const command = commandOf(`${prefix} ${options}`);
      assert.ok(command.name === 'participants');
      assert.deepEqual(command.filter, filter);
    });
  }

  test('options may come before the positional arguments', () => {
    const command = commandOf(`participants --published ${STAGE_ID} ${SESSION}`);
    assert.ok(command.name === 'participants');
    assert.deepEqual(command.filter, { kind: 'published' });
    assert.deepEqual(command.stage, { kind: 'id', id: STAGE_ID, region: REGION });
  });

  test('--user="a b" keeps the quoted value whole, like --user "a b"', () => {
    const command = commandOf(`${prefix} --user="Alice Smith"`);
    assert.ok(command.name === 'participants');
    assert.deepEqual(command.filter, { kind: 'user', userId: 'Alice Smith' });
  });

  test('two filters are refused: IVS takes one', () => {
    for (const options of [
      '--state connected --published',
      '--published --user bob',
      '--published --published',
    ]) {
      assertUsage(
        `${prefix} ${options}`,
        'participants',
        /one thing at a time: use only one of --state, --published, --user/,
      );
    }
  });

  test('a filter without its value', () => {
    assertUsage(`${prefix} --state`, 'participants', /^--state needs a value\.$/);
    assertUsage(`${prefix} --state=`, 'participants', /^--state needs a value\.$/);
    assertUsage(`${prefix} --user`, 'participants', /^--user needs a value\.$/);
    assertUsage(`${prefix} --user ""`, 'participants', /^--user needs a value\.$/);
  });

  test('a bad state', () => {
    assertUsage(`${prefix} --state live`, 'participants', /--state takes connected or disconnected/);
  });

  test('--recording takes the recording states IVS filters by, one filter at a time', () => {
    assertUsage(
      `${prefix} --recording disabled`,
      'participants',
      /^--recording takes starting, active, stopping, stopped, failed\.$/,
    );
    assertUsage(`${prefix} --recording`, 'participants', /^--recording needs a value\.$/);
    assertUsage(
      `${prefix} --recording active --state connected`,
      'participants',
      /use only one of --state, --published, --user, --recording\./,
    );
  });

  test('--published takes no value', () => {
    assertUsage(`${prefix} --published=yes`, 'participants', /--published takes no value/);
  });

  test('a user ID over 128 characters', () => {
    assertUsage(
      `${prefix} --user ${'u'.repeat(129)}`,
      'participants',
      /--user takes a userId of 1 to 128 characters/,
    );
  });

  test('an unknown option is named', () => {
    assertUsage(`${prefix} --connected`, 'participants', /^Unknown option --connected\.$/);
    assertUsage(`${prefix} --limit=5`, 'participants', /^Unknown option --limit\.$/);
  });

  test('missing and extra positional arguments', () => {
    assertUsage('participants', 'participants', /^Missing <stage> and <session-id>\.$/);
    assertUsage(`participants ${ARN} --published`, 'participants', /^Missing <session-id>\.$/);
    assertUsage(`${prefix} ${PARTICIPANT}`, 'participants', /^Too many arguments\.$/);
  });

  test('bad stage and session are named', () => {
    assertUsage(`participants nope ${SESSION}`, 'participants', /^<stage> must be/);
    assertUsage(`participants ${ARN} ${PARTICIPANT}`, 'participants', /^<session-id> must be/);
  });
});

describe('parseCommand: other input', () => {
  test('an unknown subcommand is named, with every usage', () => {
    const parsed = parseCommand('particpant x y z', REGION);
    assert.deepEqual(parsed, { ok: false, problem: 'Unknown subcommand “particpant”.', usage: helpUsage() });
    for (const usage of Object.values(USAGE)) assert.ok(helpUsage().includes(usage));
  });

  test('subcommands are case-insensitive', () => {
    assert.equal(commandOf(`Participant ${ARN} ${SESSION} ${PARTICIPANT}`).name, 'participant');
  });

  test('text over 2,000 characters is refused before any parsing', () => {
    const parsed = parseCommand(`stages ${'x'.repeat(2000)}`, REGION);
    assert.ok(!parsed.ok);
    assert.match(parsed.problem, /too long/);
  });

  test('Slack mentions and specials are not IDs', () => {
    assertUsage('sessions <@U123ABC>', 'sessions', /^<stage> must be/);
    assertUsage('sessions <!channel>', 'sessions', /^<stage> must be/);
  });

  test('property: any text gives a command or a usage answer, never an exception', () => {
    const mention = fc.constantFrom(
      '<@U123>',
      '<@U123|alice>',
      '<!channel>',
      '<!here>',
      '<#C123|general>',
      '&amp;',
      '&lt;',
    );
    const word = fc.oneof(
      fc.constantFrom(
        'stages',
        'sessions',
        'participants',
        'participant',
        'help',
        '--state',
        '--state=',
        '--user',
        '--user=',
        '--published',
        '--',
        '-',
        ARN,
        STAGE_ID,
        SESSION,
        PARTICIPANT,
        'connected',
        '"',
        '“',
        '”',
        "'",
        '=',
        ' ',
        '\n',
        '\t',
      ),
      mention,
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
    );
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ minLength: 1900, maxLength: 2500 }),
      fc.array(word, { maxLength: 12 }).map((words) => words.join(' ')),
      fc.array(word, { maxLength: 12 }).map((words) => words.join('')),
    );
    fc.assert(
      fc.property(text, (input) => {
        const parsed = parseCommand(input, REGION);
        if (parsed.ok) {
          assert.ok(
            ['help', 'stages', 'sessions', 'participants', 'participant'].includes(parsed.command.name),
          );
        } else {
          assert.equal(typeof parsed.problem, 'string');
          assert.ok(parsed.problem.length > 0);
          assert.ok(parsed.usage.length > 0);
          assert.ok(parsed.usage === helpUsage() || parsed.usage.startsWith('Usage: /ivs '));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseCommand: watch mention= (issue 16)', () => {
  const watchOf = (text: string) => {
    const command = commandOf(text);
    assert.equal(command.name, 'watch');
    return command.name === 'watch' ? command : assert.fail('not a watch');
  };

  test('a person, a user group or here, as Slack sends them, become the stored mention', () => {
    const cases: [string, string][] = [
      ['<@U0ONCALL1|alice>', '<@U0ONCALL1>'],
      ['<@W0ONCALL1>', '<@W0ONCALL1>'],
      ['@U0ONCALL1', '<@U0ONCALL1>'],
      ['<!subteam^S0VIDEO12|@video-oncall>', '<!subteam^S0VIDEO12>'],
      ['<!subteam^S0VIDEO12>', '<!subteam^S0VIDEO12>'],
      ['@S0VIDEO12', '<!subteam^S0VIDEO12>'],
      ['here', '<!here>'],
      ['@here', '<!here>'],
      ['<!here>', '<!here>'],
      ['<!here|here>', '<!here>'],
    ];
    for (const [typed, stored] of cases) {
      const command = watchOf(`watch ${STAGE_ID} <#C0123ABCDEF|live> codes=QUOTA_EXCEEDED mention=${typed}`);
      assert.equal(command.mention, stored, typed);
      assert.deepEqual(command.codes, ['QUOTA_EXCEEDED']);
      assert.equal(command.channelId, 'C0123ABCDEF');
    }
    // The name Slack gave beside a picked one is kept to say who is paged; none without one.
    assert.equal(
      watchOf(`watch ${STAGE_ID} mention=<!subteam^S0VIDEO12|@video-oncall>`).mentionName,
      '@video-oncall',
    );
    assert.equal(watchOf(`watch ${STAGE_ID} mention=@U0ONCALL1`).mentionName, undefined);
    // Slack escapes & < > in command text; the tokenizer turns them back first.
    assert.equal(
      watchOf(`watch ${STAGE_ID} mention=&lt;!subteam^S0VIDEO12|@oncall&gt;`).mention,
      '<!subteam^S0VIDEO12>',
    );
  });

  test('without mention= nobody is paged', () => {
    assert.equal(watchOf(`watch ${STAGE_ID}`).mention, null);
  });

  test('a malformed mention is refused with the forms it may take and an example', () => {
    for (const typed of [
      '@alice',
      'alice',
      '',
      '<@lowercase>',
      '<!subteam^nope>',
      'U0ONCALL1x!',
      '<#C0123ABCDEF>',
    ]) {
      assertUsage(
        `watch ${STAGE_ID} mention=${typed}`,
        'watch',
        /not a person or user group Slack identified.*mention=@video-oncall/,
      );
    }
    for (const typed of ['@channel', 'everyone', '<!channel>', '<!everyone>']) {
      assertUsage(`watch ${STAGE_ID} mention=${typed}`, 'watch', /does not page the whole channel/);
    }
    assertUsage(`watch ${STAGE_ID} mention=here mention=here`, 'watch', /Give mention= once/);
    assertUsage(`unwatch ${STAGE_ID} mention=here`, 'unwatch', /Unexpected/);
    // The usage answer shows mention= in the line and the example.
    assert.match(USAGE.watch, /\[mention=@user\|@group\|here\]/);
    assert.match(EXAMPLES.watch, /mention=@/);
  });

  test('a refusal never echoes more than a short piece of what was typed', () => {
    const parsed = parseCommand(`watch ${STAGE_ID} mention=${'x'.repeat(500)}`, REGION);
    assert.ok(!parsed.ok);
    assert.ok(parsed.problem.length < 400);
  });
});
