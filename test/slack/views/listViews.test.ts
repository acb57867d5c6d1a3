import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Paging } from '../../../src/browse/types.ts';
import type {
  ParticipantFilter,
  ParticipantSummary,
  SessionSummary,
  StageSummary,
} from '../../../src/ivs/IvsGateway.ts';
import { parseStageArn, type StageArn } from '../../../src/ivs/identifiers.ts';
import { ACTION, openTargetSchema, pageRefSchema } from '../../../src/slack/actionIds.ts';
import type { ActionsBlock, ButtonElement, SlackMessage } from '../../../src/slack/views/blocks.ts';
import {
  describeFilter,
  renderParticipants,
  renderSessions,
  renderStages,
} from '../../../src/slack/views/listViews.ts';
import { slackDate } from '../../../src/slack/views/text.ts';
import { assertValidBlockKit } from '../../../testkit/blockKit.ts';
import { assertDataEscaped, assertVerbatim, DATE_TOKEN, mrkdwnTexts } from '../../support/inertText.ts';
import {
  dataText,
  paging as pagingArbitrary,
  participantId,
  sessionId,
  stageArn,
} from '../../support/viewArbitraries.ts';

function stage(arn: string): StageArn {
  const parsed = parseStageArn(arn);
  if (!parsed) throw new Error(`bad fixture ARN ${arn}`);
  return parsed;
}

const STAGE = stage('arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456');
const IDLE_STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/ZzZzZz999999';
const SESSION = 'st-XyZ1234567890';
const PAGING: Paging = { stateId: 'c3RhdGUxMjM0', pageIndex: 0, hasPrevious: false, hasNext: true };
const START = new Date('2026-11-25T09:59:00Z');

const allMrkdwn = (message: SlackMessage) => mrkdwnTexts(message.blocks).join('\n');

/** Slack's rules (the independent Block Kit checker) and verbatim mrkdwn, so outside data never links. */
function assertSlackAccepts(message: SlackMessage): void {
  assertValidBlockKit(message);
  assertVerbatim(message);
}

function rowButtons(message: SlackMessage): ButtonElement[] {
  return message.blocks.flatMap((block) =>
    block.type === 'section' && block.accessory ? [block.accessory] : [],
  );
}

function pagingButtons(message: SlackMessage): ButtonElement[] {
  const block = message.blocks.find((b): b is ActionsBlock => b.type === 'actions');
  return block?.elements ?? [];
}

/** Buttons carry values that the action listeners accept, with the expected paging labels. */
function assertPagingButtons(message: SlackMessage, paging: Paging, extra: readonly string[] = []): void {
  const labels = [
    ...(paging.hasPrevious ? ['◀ Previous'] : []),
    ...(paging.hasNext ? ['Next ▶'] : []),
    'Share',
    ...extra,
  ];
  const buttons = pagingButtons(message);
  assert.deepEqual(
    buttons.map((b) => b.text.text),
    labels,
  );
  const pageOf: Record<string, number> = {
    [ACTION.previousPage]: paging.pageIndex - 1,
    [ACTION.nextPage]: paging.pageIndex + 1,
    [ACTION.share]: paging.pageIndex,
  };
  for (const b of buttons) {
    if (b.action_id === ACTION.timeline) {
      assert.ok(openTargetSchema.safeParse(b.value).success, b.value);
      continue;
    }
    assert.equal(b.value, `${paging.stateId}:${pageOf[b.action_id]}`);
    assert.ok(pageRefSchema.safeParse(b.value).success);
  }
}

describe('renderStages', () => {
  const stages: StageSummary[] = [
    { arn: STAGE.arn, name: 'main-stage', activeSessionId: SESSION, tags: { env: 'prod', team: 'live' } },
    { arn: IDLE_STAGE, name: '', tags: {} },
  ];
  const message = renderStages({ region: 'us-east-1', stages, paging: PAGING });

  test('keeps Slack’s limits', () => {
    assertSlackAccepts(message);
  });

  test('one row per stage: name, live session, ARN and tags', () => {
    assert.deepEqual(message.blocks[0], {
      type: 'header',
      text: { type: 'plain_text', text: 'IVS stages in us-east-1' },
    });
    const text = allMrkdwn(message);
    assert.ok(
      text.includes(
        `*main-stage* · :large_green_circle: live session \`${SESSION}\`\n\`${STAGE.arn}\`\n_env=prod, team=live_`,
      ),
    );
    assert.ok(text.includes(`*(unnamed)* · no live session\n\`${IDLE_STAGE}\``));
    assert.match(text, /Page 1 · 2 stages · more on the next page/);
    assert.equal(message.text, '2 IVS stages in us-east-1');
  });

  test('each row has a Sessions button whose value opens that stage', () => {
    const buttons = rowButtons(message);
    assert.deepEqual(
      buttons.map((b) => [b.text.text, b.action_id]),
      [
        ['Sessions', ACTION.openSessions],
        ['Sessions', ACTION.openSessions],
      ],
    );
    assert.deepEqual(openTargetSchema.parse(buttons[0]?.value), { a: STAGE.arn });
    assert.deepEqual(openTargetSchema.parse(buttons[1]?.value), { a: IDLE_STAGE });
  });

  test('paging buttons follow the flags', () => {
    assertPagingButtons(message, PAGING);
  });

  test('no stages says so', () => {
    const other = renderStages({
      region: 'eu-west-1',
      account: 'prod (111111111111)',
      stages: [],
      paging: { ...PAGING, hasNext: false },
    });
    assert.match(JSON.stringify(other), /IVS stages in eu-west-1 · account prod \(111111111111\)/);
    assert.match(JSON.stringify(other), /No stages in this region of this account/);
    const empty = renderStages({ region: 'eu-west-1', stages: [], paging: { ...PAGING, hasNext: false } });
    assert.match(allMrkdwn(empty), /_No stages in this region\._/);
    assert.match(allMrkdwn(empty), /Page 1 · 0 stages$/m);
    assertPagingButtons(empty, { ...PAGING, hasNext: false });
  });

  test('names and tags from AWS are escaped', () => {
    const hostile = renderStages({
      region: 'us-east-1',
      stages: [{ arn: STAGE.arn, name: '<!channel>', tags: { '<@U123|x>': 'a & b', owner: '<!here>' } }],
      paging: PAGING,
    });
    const text = allMrkdwn(hostile);
    assert.ok(text.includes('*&lt;!channel&gt;*'));
    assert.ok(text.includes('_&lt;@U123|x&gt;=a &amp; b, owner=&lt;!here&gt;_'));
    assertDataEscaped(hostile);
  });
});

describe('renderSessions', () => {
  const sessions: SessionSummary[] = [
    { sessionId: SESSION, startTime: START },
    {
      sessionId: 'st-OldSession123',
      startTime: new Date('2026-11-24T09:00:00Z'),
      endTime: new Date('2026-11-24T10:00:00Z'),
    },
    { sessionId: 'st-NoTimes123456' },
  ];
  const paging: Paging = { stateId: 'c2Vzc2lvbnMx', pageIndex: 2, hasPrevious: true, hasNext: false };
  const message = renderSessions({ stage: STAGE, sessions, paging });

  test('keeps Slack’s limits', () => {
    assertSlackAccepts(message);
  });

  test('one row per session: live or ended, with Slack dates', () => {
    const text = allMrkdwn(message);
    assert.deepEqual(message.blocks[0], {
      type: 'header',
      text: { type: 'plain_text', text: 'Sessions of stage AbCdEf123456' },
    });
    assert.ok(text.includes(`\`${SESSION}\` · started ${slackDate(START)} · :large_green_circle: live`));
    assert.ok(
      text.includes(
        `\`st-OldSession123\` · started ${slackDate(new Date('2026-11-24T09:00:00Z'))} · ended ${slackDate(new Date('2026-11-24T10:00:00Z'))}`,
      ),
    );
    assert.ok(text.includes('`st-NoTimes123456` · started — · :large_green_circle: live'));
    assert.ok(text.includes(`Stage \`${STAGE.arn}\``));
    assert.match(text, /Page 3 · 3 sessions(?! · more)/);
  });

  test('each row has a Participants button for that session', () => {
    const buttons = rowButtons(message);
    assert.equal(buttons.length, 3);
    for (const [i, b] of buttons.entries()) {
      assert.equal(b.action_id, ACTION.openParticipants);
      assert.deepEqual(openTargetSchema.parse(b.value), { a: STAGE.arn, s: sessions[i]?.sessionId });
    }
  });

  test('paging buttons follow the flags', () => {
    assertPagingButtons(message, paging);
  });

  test('no sessions says so', () => {
    assert.match(
      allMrkdwn(renderSessions({ stage: STAGE, sessions: [], paging: PAGING })),
      /_This stage has no sessions yet\._/,
    );
  });
});

describe('renderParticipants', () => {
  const participants: ParticipantSummary[] = [
    {
      participantId: 'pAbc12345678',
      userId: 'alice@example.com',
      state: 'CONNECTED',
      firstJoinTime: START,
      published: true,
    },
    {
      participantId: 'pDef12345678',
      userId: '<@U123|x> & co',
      state: 'DISCONNECTED',
      firstJoinTime: START,
      published: false,
    },
    { participantId: 'pGhi12345678', state: 'RECONNECTING' },
    { participantId: 'pJkl12345678' },
  ];
  const message = renderParticipants({
    stage: STAGE,
    sessionId: SESSION,
    filter: { kind: 'none' },
    participants,
    paging: PAGING,
  });

  test('keeps Slack’s limits', () => {
    assertSlackAccepts(message);
  });

  test('one row per participant: user, ID, state, published, joined', () => {
    const text = allMrkdwn(message);
    assert.deepEqual(message.blocks[0], {
      type: 'header',
      text: { type: 'plain_text', text: `Participants of session ${SESSION}` },
    });
    assert.ok(
      text.includes(
        `\`alice@example.com\` · \`pAbc12345678\` · :large_green_circle: connected · published\njoined ${slackDate(START)}`,
      ),
    );
    assert.ok(
      text.includes(
        `\`&lt;@U123|x&gt; &amp; co\` · \`pDef12345678\` · disconnected\njoined ${slackDate(START)}`,
      ),
    );
    assert.ok(
      text.includes('_no userId_ · `pGhi12345678` · reconnecting\njoined —'),
      'a future state is shown as it came',
    );
    assert.ok(text.includes('_no userId_ · `pJkl12345678` · unknown\njoined —'));
    assert.match(text, /Page 1 · 4 participants · more on the next page/);
  });

  test('a userId with mentions stays text in the blocks', () => {
    assert.ok(!JSON.stringify(message.blocks).includes('<@U123'));
    assertDataEscaped(message);
  });

  test('the fallback text holds only the count and the validated session ID', () => {
    assert.equal(message.text, `4 participants in session ${SESSION}`);
  });

  test('each row has a Details button that opens the participant', () => {
    const buttons = rowButtons(message);
    assert.equal(buttons.length, 4);
    for (const [i, b] of buttons.entries()) {
      assert.equal(b.text.text, 'Details');
      assert.equal(b.action_id, ACTION.openParticipant);
      assert.deepEqual(openTargetSchema.parse(b.value), {
        a: STAGE.arn,
        s: SESSION,
        p: participants[i]?.participantId,
      });
    }
  });

  test('paging buttons follow the flags', () => {
    assertPagingButtons(message, PAGING, ['Timeline']);
  });

  const filters: Array<[ParticipantFilter, string]> = [
    [{ kind: 'none' }, ''],
    [{ kind: 'state', state: 'CONNECTED' }, ' · state connected'],
    [{ kind: 'state', state: 'DISCONNECTED' }, ' · state disconnected'],
    [{ kind: 'published' }, ' · published only'],
    [{ kind: 'user', userId: '<!channel> `x`' }, ' · userId `&lt;!channel&gt; ˋxˋ`'],
    [{ kind: 'recording', state: 'ACTIVE' }, ' · recording active'],
  ];
  for (const [filter, described] of filters) {
    test(`the context names the filter ${filter.kind}`, () => {
      assert.equal(describeFilter(filter), described);
      const filtered = renderParticipants({
        stage: STAGE,
        sessionId: SESSION,
        filter,
        participants: [],
        paging: PAGING,
      });
      assert.ok(allMrkdwn(filtered).includes(`Stage \`${STAGE.arn}\`${described}`));
      assert.match(allMrkdwn(filtered), /_No participants match\._/);
      assertDataEscaped(filtered);
    });
  }
});

describe('participant rows', () => {
  test('keep the ingest configuration ARN of participants publishing through one (RTMP, WHIP ingest)', () => {
    const ingest = 'arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456';
    const message = renderParticipants({
      stage: STAGE,
      sessionId: SESSION,
      filter: { kind: 'none' },
      participants: [
        { participantId: 'pAbc12345678', state: 'CONNECTED', ingestConfigurationArn: ingest },
        { participantId: 'pDef12345678', state: 'CONNECTED' },
      ],
      paging: PAGING,
    });
    const text = allMrkdwn(message);
    assert.ok(text.includes(`ingest \`${ingest}\``));
    assert.equal(text.split('ingest `').length - 1, 1, 'only where there is one');
    assertValidBlockKit(message);
  });
});

describe('list views near the message size limit', () => {
  test('shortening a long row keeps or drops its <!date^…> token whole', () => {
    const userId = '"Tom & Jerry" <tom.jerry@example.com>'.repeat(3).slice(0, 100);
    const participants = Array.from({ length: 20 }, (_, i) => ({
      participantId: `pAbc1234${String(i).padStart(4, '0')}`,
      userId,
      state: 'CONNECTED',
      firstJoinTime: START,
      published: true,
    }));
    const message = renderParticipants({
      stage: STAGE,
      sessionId: SESSION,
      filter: { kind: 'none' },
      participants,
      paging: PAGING,
    });
    assertSlackAccepts(message);
    for (const text of mrkdwnTexts(message.blocks)) {
      assert.doesNotMatch(text.replace(DATE_TOKEN, ''), /<!date/, text);
    }
  });
});

describe('list views with arbitrary data (property)', () => {
  // BrowseService asks IVS for 20 items per page (PAGE_SIZES); a page never holds more.
  const page = <T>(item: fc.Arbitrary<T>) =>
    fc.oneof(
      fc.array(item, { maxLength: 20 }),
      fc.array(item, { minLength: 15, maxLength: 20, size: 'max' }),
    );
  const date = fc.option(
    fc.date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    {
      nil: undefined,
    },
  );

  test('renderStages', () => {
    const stageSummary: fc.Arbitrary<StageSummary> = fc.record({
      arn: stageArn.map((s) => s.arn),
      name: fc.option(dataText(128), { nil: undefined }),
      activeSessionId: fc.option(sessionId, { nil: undefined }),
      tags: fc.dictionary(dataText(128, 1), dataText(256), { maxKeys: 50, size: 'small' }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom('us-east-1', 'eu-west-1'),
        fc.constantFrom(
          undefined,
          '222222222222',
          'prod-eu_1.a (111111111111)',
          `${'a'.repeat(32)} (111111111111)`,
        ),
        page(stageSummary),
        pagingArbitrary,
        (region, account, stages, paging) => {
          const message = renderStages({ region, account, stages, paging });
          assertSlackAccepts(message);
          assertDataEscaped(message);
          assertPagingButtons(message, paging);
          for (const b of rowButtons(message)) assert.ok(openTargetSchema.safeParse(b.value).success);
        },
      ),
      { numRuns: 100 },
    );
  });

  test('renderSessions', () => {
    const session: fc.Arbitrary<SessionSummary> = fc.record({ sessionId, startTime: date, endTime: date });
    fc.assert(
      fc.property(stageArn, page(session), pagingArbitrary, (stageValue, sessions, paging) => {
        const message = renderSessions({ stage: stageValue, sessions, paging });
        assertSlackAccepts(message);
        assertDataEscaped(message);
        assertPagingButtons(message, paging);
        for (const b of rowButtons(message)) assert.ok(openTargetSchema.safeParse(b.value).success);
      }),
      { numRuns: 100 },
    );
  });

  test('renderParticipants', () => {
    const participant: fc.Arbitrary<ParticipantSummary> = fc.record({
      participantId,
      userId: fc.option(dataText(128), { nil: undefined }),
      state: fc.option(fc.oneof(fc.constantFrom('CONNECTED', 'DISCONNECTED'), dataText(40)), {
        nil: undefined,
      }),
      firstJoinTime: date,
      published: fc.option(fc.boolean(), { nil: undefined }),
    });
    const filter: fc.Arbitrary<ParticipantFilter> = fc.oneof(
      fc.constant({ kind: 'none' as const }),
      fc.constant({ kind: 'published' as const }),
      fc
        .constantFrom('CONNECTED' as const, 'DISCONNECTED' as const)
        .map((state) => ({ kind: 'state' as const, state })),
      dataText(128, 1).map((userId) => ({ kind: 'user' as const, userId })),
      fc
        .constantFrom(
          'STARTING' as const,
          'ACTIVE' as const,
          'STOPPING' as const,
          'STOPPED' as const,
          'FAILED' as const,
        )
        .map((state) => ({ kind: 'recording' as const, state })),
    );
    fc.assert(
      fc.property(
        stageArn,
        sessionId,
        filter,
        page(participant),
        pagingArbitrary,
        (stageValue, session, f, participants, paging) => {
          const message = renderParticipants({
            stage: stageValue,
            sessionId: session,
            filter: f,
            participants,
            paging,
          });
          assertSlackAccepts(message);
          assertDataEscaped(message);
          assertPagingButtons(message, paging, ['Timeline']);
          for (const b of rowButtons(message))
            assert.ok(openTargetSchema.safeParse(b.value).success, b.value);
        },
      ),
      { numRuns: 100 },
    );
  });
});
