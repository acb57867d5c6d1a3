import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Paging } from '../../../src/browse/types.ts';
import { EVENT_NAMES, explainErrorCode } from '../../../src/ivs/eventCatalog.ts';
import type { ParticipantDetails, ParticipantEvent } from '../../../src/ivs/IvsGateway.ts';
import { parseStageArn, type StageArn } from '../../../src/ivs/identifiers.ts';
import { ACTION, openTarget, openTargetSchema, pageRefSchema } from '../../../src/slack/actionIds.ts';
import type { ActionsBlock, SlackMessage } from '../../../src/slack/views/blocks.ts';
import {
  type ParticipantViewData,
  renderEventLine,
  renderParticipant,
} from '../../../src/slack/views/participantView.ts';
import { slackDate } from '../../../src/slack/views/text.ts';
import { assertValidBlockKit } from '../../../testkit/blockKit.ts';
import { assertDataEscaped, assertVerbatim, DATE_TOKEN, mrkdwnTexts } from '../../support/inertText.ts';
import {
  paging as pagingArbitrary,
  participantDetails,
  participantEvent,
  sessionId,
  stageArn,
} from '../../support/viewArbitraries.ts';

function stage(arn: string): StageArn {
  const parsed = parseStageArn(arn);
  if (!parsed) throw new Error(`bad fixture ARN ${arn}`);
  return parsed;
}

const STAGE = stage('arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456');
const REPLICA_STAGE = 'arn:aws:ivs:us-west-2:123456789012:stage/ReplicaStage1';
const SESSION = 'st-XyZ1234567890';
const FIRST_JOIN = new Date('2026-11-25T10:00:00Z');
const at = (seconds: number) => new Date(FIRST_JOIN.getTime() + seconds * 1000);

const FULL_PARTICIPANT: ParticipantDetails = {
  participantId: 'pAbc12345678',
  userId: 'alice@example.com',
  state: 'CONNECTED',
  firstJoinTime: FIRST_JOIN,
  published: true,
  recordingState: 'ACTIVE',
  recordingS3BucketName: 'ivs-recordings',
  recordingS3Prefix: 'stage/AbCdEf123456/',
  replicationType: 'REPLICA',
  replicationState: 'ACTIVE',
  sourceStageArn: 'arn:aws:ivs:eu-west-1:123456789012:stage/SourceStage1',
  sourceSessionId: 'st-Source1234567',
  redundantIngest: true,
  attributes: { role: 'host', displayName: 'Alice' },
  ispName: 'Example ISP',
  osName: 'macOS',
  osVersion: '15.1',
  browserName: 'Chrome',
  browserVersion: '131.0',
  sdkVersion: '1.25.0',
  protocol: 'RTMPS',
  ingestConfigurationArn: 'arn:aws:ivs:us-east-1:123456789012:ingest-configuration/IngestCfg123',
};

/** One event of every EventName, the error ones with codes, as IVS describes them. */
const ALL_EVENTS: ParticipantEvent[] = [
  { name: 'JOINED', participantId: 'pAbc12345678', eventTime: at(0) },
  {
    name: 'JOIN_ERROR',
    participantId: 'pAbc12345678',
    eventTime: at(1),
    errorCode: 'INSUFFICIENT_CAPABILITIES',
  },
  { name: 'PUBLISH_STARTED', participantId: 'pAbc12345678', eventTime: at(2) },
  { name: 'PUBLISH_ERROR', participantId: 'pAbc12345678', eventTime: at(3), errorCode: 'B_FRAME_PRESENT' },
  { name: 'PUBLISH_STOPPED', participantId: 'pAbc12345678', eventTime: at(4) },
  {
    name: 'SUBSCRIBE_STARTED',
    participantId: 'pAbc12345678',
    eventTime: at(5),
    remoteParticipantId: 'pRemote99999',
  },
  {
    name: 'SUBSCRIBE_ERROR',
    participantId: 'pAbc12345678',
    eventTime: at(6),
    remoteParticipantId: 'pRemote99999',
    errorCode: 'PUBLISHER_NOT_FOUND',
  },
  {
    name: 'SUBSCRIBE_STOPPED',
    participantId: 'pAbc12345678',
    eventTime: at(7),
    remoteParticipantId: 'pRemote99999',
  },
  {
    name: 'REPLICATION_STARTED',
    participantId: 'pAbc12345678',
    eventTime: at(8),
    destinationStageArn: REPLICA_STAGE,
    destinationSessionId: 'st-Replica123456',
  },
  {
    name: 'REPLICATION_STOPPED',
    participantId: 'pAbc12345678',
    eventTime: at(9),
    destinationStageArn: REPLICA_STAGE,
  },
  {
    name: 'TOKEN_EXCHANGED',
    participantId: 'pAbc12345678',
    eventTime: at(10),
    previousToken: {
      userId: 'alice@example.com',
      capabilities: ['PUBLISH', 'SUBSCRIBE'],
      attributes: { role: 'host' },
    },
    newToken: {
      userId: 'alice@example.com',
      capabilities: ['SUBSCRIBE'],
      attributes: { role: 'viewer' },
      expirationTime: at(3600),
    },
  },
  { name: 'LEFT', participantId: 'pAbc12345678', eventTime: at(11), replica: true },
];

const PAGING: Paging = { stateId: 'Qk9vZ2xlRm9v', pageIndex: 1, hasPrevious: true, hasNext: true };

function data(overrides: Partial<ParticipantViewData> = {}): ParticipantViewData {
  return {
    stage: STAGE,
    sessionId: SESSION,
    participant: FULL_PARTICIPANT,
    events: ALL_EVENTS,
    paging: PAGING,
    ...overrides,
  };
}

const allMrkdwn = (message: SlackMessage) => mrkdwnTexts(message.blocks).join('\n');

/** Slack's rules (the independent Block Kit checker) and verbatim mrkdwn, so outside data never links. */
function assertSlackAccepts(message: SlackMessage): void {
  assertValidBlockKit(message);
  assertVerbatim(message);
}

function fieldValue(message: SlackMessage, label: string): string | undefined {
  const prefix = `*${label}*\n`;
  for (const text of mrkdwnTexts(message.blocks))
    if (text.startsWith(prefix)) return text.slice(prefix.length);
  return undefined;
}

function actionsBlock(message: SlackMessage): ActionsBlock | undefined {
  return message.blocks.find((block): block is ActionsBlock => block.type === 'actions');
}

describe('renderParticipant with a full participant', () => {
  const message = renderParticipant(data());

  test('keeps Slack’s limits', () => {
    assertSlackAccepts(message);
  });

  test('header names the participant', () => {
    assert.deepEqual(message.blocks[0], {
      type: 'header',
      text: { type: 'plain_text', text: 'Participant pAbc12345678' },
    });
  });

  test('shows every field of the participant', () => {
    assert.equal(fieldValue(message, 'State'), ':large_green_circle: CONNECTED');
    assert.equal(fieldValue(message, 'User ID'), '`alice@example.com`');
    assert.equal(fieldValue(message, 'Published'), 'yes');
    assert.equal(fieldValue(message, 'First join'), slackDate(FIRST_JOIN));
    assert.equal(fieldValue(message, 'Browser'), 'Chrome 131.0');
    assert.equal(fieldValue(message, 'OS'), 'macOS 15.1');
    assert.equal(fieldValue(message, 'SDK version'), '1.25.0');
    assert.equal(fieldValue(message, 'ISP'), 'Example ISP');
    assert.equal(fieldValue(message, 'Protocol'), 'RTMPS');
    assert.equal(fieldValue(message, 'Recording'), 'ACTIVE → `s3://ivs-recordings/stage/AbCdEf123456/`');
    assert.equal(
      fieldValue(message, 'Replication'),
      'REPLICA ACTIVE from `arn:aws:ivs:eu-west-1:123456789012:stage/SourceStage1` `st-Source1234567`',
    );
    assert.equal(fieldValue(message, 'Redundant ingest'), 'yes');
    assert.equal(
      fieldValue(message, 'Ingest configuration'),
      '`arn:aws:ivs:us-east-1:123456789012:ingest-configuration/IngestCfg123`',
    );
  });

  test('lists the attributes', () => {
    assert.match(allMrkdwn(message), /\*Attributes\*\n`role`: `host`\n`displayName`: `Alice`/);
  });

  test('summarises the page of events with its error count', () => {
    assert.match(allMrkdwn(message), /\*Events\* · page 2 · 12 events · :red_circle: 3 errors/);
  });

  test('shows one line per event, every EventName included, in the given order', () => {
    const text = allMrkdwn(message);
    let from = 0;
    for (const event of ALL_EVENTS) {
      const index = text.indexOf(renderEventLine(event), from);
      assert.ok(index >= from, `${event.name} missing or out of order`);
      from = index;
    }
    for (const name of EVENT_NAMES) assert.ok(text.includes(name), name);
  });

  test('error events are marked :red_circle: with the code and its explanation', () => {
    for (const event of ALL_EVENTS.filter((e) => e.errorCode)) {
      const line = renderEventLine(event);
      assert.ok(line.includes(`:red_circle: *${event.name}*`), line);
      assert.ok(line.includes(`\`${event.errorCode}\` — ${explainErrorCode(event.errorCode ?? '')}`), line);
    }
    assert.equal(allMrkdwn(message).split(':red_circle:').length - 1, 1 + 3);
  });

  test('other events are not marked', () => {
    const line = renderEventLine({ name: 'JOINED', eventTime: at(0) });
    assert.equal(line, '`2026-11-25 10:00:00 UTC` · JOINED');
  });

  test('TOKEN_EXCHANGED shows what changed: capabilities, attributes, expiry', () => {
    const line = renderEventLine(ALL_EVENTS.find((e) => e.name === 'TOKEN_EXCHANGED') ?? { name: '' });
    assert.match(
      line,
      /TOKEN_EXCHANGED · token changed: capabilities PUBLISH\+SUBSCRIBE → SUBSCRIBE, attribute `role` `host` → `viewer`, expires — → \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
    );
    assert.match(
      renderEventLine({ name: 'TOKEN_EXCHANGED', newToken: { capabilities: [], attributes: {} } }),
      /new token: capabilities none, user _none_, expires —$/,
    );
  });

  test('REPLICATION_STARTED shows the destination stage and session', () => {
    const line = renderEventLine(ALL_EVENTS.find((e) => e.name === 'REPLICATION_STARTED') ?? { name: '' });
    assert.ok(line.endsWith(`REPLICATION_STARTED · to \`${REPLICA_STAGE}\` \`st-Replica123456\``), line);
  });

  test('remote participants and replicas are shown', () => {
    assert.match(renderEventLine(ALL_EVENTS[5] ?? { name: '' }), /remote `pRemote99999`/);
    assert.match(renderEventLine(ALL_EVENTS[11] ?? { name: '' }), /_\(replica\)_/);
  });

  test('names the stage, session and region in the context', () => {
    assert.ok(allMrkdwn(message).includes(`Stage \`${STAGE.arn}\` · session \`${SESSION}\` · us-east-1`));
  });

  test('fallback text sums up the participant', () => {
    assert.equal(
      message.text,
      'Participant alice@example.com (pAbc12345678): CONNECTED, 3 error event(s) on this page',
    );
  });
});

describe('renderParticipant with little data', () => {
  const message = renderParticipant(
    data({
      participant: { participantId: 'pMinimal0001', attributes: {} },
      events: [],
      paging: { ...PAGING, pageIndex: 0, hasPrevious: false, hasNext: false },
    }),
  );

  test('missing values show as —, newer fields are left out', () => {
    for (const label of [
      'State',
      'User ID',
      'Published',
      'First join',
      'Browser',
      'OS',
      'SDK version',
      'ISP',
    ]) {
      assert.equal(fieldValue(message, label), '—', label);
    }
    for (const label of [
      'Protocol',
      'Recording',
      'Replication',
      'Redundant ingest',
      'Ingest configuration',
    ]) {
      assert.equal(fieldValue(message, label), undefined, label);
    }
  });

  test('no attributes and no events say so', () => {
    assert.match(allMrkdwn(message), /\*Attributes\*\n_none_/);
    assert.match(allMrkdwn(message), /_No events on this page\._/);
    assert.match(allMrkdwn(message), /\*Events\* · page 1 · 0 events(?! ·)/);
    assert.equal(message.text, 'Participant pMinimal0001: unknown state, 0 error event(s) on this page');
  });

  test('replication NONE is not shown; published false is no', () => {
    const none = renderParticipant(
      data({ participant: { ...FULL_PARTICIPANT, replicationType: 'NONE', published: false } }),
    );
    assert.equal(fieldValue(none, 'Replication'), undefined);
    assert.equal(fieldValue(none, 'Published'), 'no');
  });
});

describe('renderParticipant with values newer than this bot', () => {
  const message = renderParticipant(
    data({
      participant: {
        ...FULL_PARTICIPANT,
        state: 'RECONNECTING',
        protocol: 'QUIC',
        recordingState: 'PAUSED',
        replicationType: 'MIRROR',
        replicationState: 'SYNCING',
      },
      events: [
        { name: 'RECORDING_PAUSED', eventTime: at(0) },
        { name: 'JOINED', eventTime: at(1), errorCode: 'SOME_NEW_CODE' },
        { name: 'MIGRATION_ERROR', eventTime: at(2) },
      ],
    }),
  );

  test('unknown enum values are shown as they came', () => {
    assert.equal(fieldValue(message, 'State'), ':grey_question: RECONNECTING');
    assert.equal(fieldValue(message, 'Protocol'), 'QUIC');
    assert.match(fieldValue(message, 'Recording') ?? '', /^PAUSED/);
    assert.match(fieldValue(message, 'Replication') ?? '', /^MIRROR SYNCING/);
    assert.match(allMrkdwn(message), /· RECORDING_PAUSED/);
  });

  test('an unknown error code is marked and explained generically', () => {
    const text = allMrkdwn(message);
    assert.ok(
      text.includes(`:red_circle: *JOINED* · \`SOME_NEW_CODE\` — ${explainErrorCode('SOME_NEW_CODE')}`),
    );
    assert.ok(text.includes(':red_circle: *MIGRATION_ERROR*'));
    assert.match(text, /:red_circle: 2 errors/);
  });
});

describe('renderParticipant keeps outside data inert', () => {
  test('a userId that is a URL or a broadcast stays text: code span, verbatim, escaped', () => {
    const message = renderParticipant(
      data({
        participant: {
          ...FULL_PARTICIPANT,
          userId: 'https://evil.example/login',
          attributes: { note: '<!channel> *urgent* https://evil.example/login' },
        },
      }),
    );
    assertSlackAccepts(message);
    assert.equal(fieldValue(message, 'User ID'), '`https://evil.example/login`');
    assert.ok(allMrkdwn(message).includes('`note`: `&lt;!channel&gt; *urgent* https://evil.example/login`'));
    const json = JSON.stringify(message.blocks);
    assert.doesNotMatch(json, /<https?:|<!channel>/);
    assertDataEscaped(message);
  });
});

describe('renderParticipant escapes data from IVS', () => {
  const hostile: ParticipantDetails = {
    ...FULL_PARTICIPANT,
    userId: '<@U123|x> & co',
    attributes: { note: '<!channel>', '<b>`key`</b>': 'a & b > c', link: '<https://evil.example|click>' },
    browserName: '<!here>',
    ispName: '&lt;!everyone&gt;',
  };
  const message = renderParticipant(
    data({
      participant: hostile,
      events: [
        {
          name: '<!channel>_ERROR',
          eventTime: at(0),
          errorCode: '<@U999>',
          remoteParticipantId: '<!subteam^S1>',
          previousToken: { capabilities: ['<!here>'], attributes: {} },
        },
      ],
    }),
  );
  const blocksJson = JSON.stringify(message.blocks);

  test('data strings appear escaped', () => {
    assert.equal(fieldValue(message, 'User ID'), '`&lt;@U123|x&gt; &amp; co`');
    assert.equal(fieldValue(message, 'ISP'), '&amp;lt;!everyone&amp;gt;');
    const text = allMrkdwn(message);
    assert.ok(text.includes('`note`: `&lt;!channel&gt;'));
    assert.ok(text.includes('`&lt;b&gt;ˋkeyˋ&lt;/b&gt;`: `a &amp; b &gt; c`'));
    assert.ok(text.includes('&lt;https://evil.example|click&gt;'));
    assert.ok(text.includes(':red_circle: *&lt;!channel&gt;_ERROR* · `&lt;@U999&gt;`'));
  });

  test('no raw <!, <@ or <http from data anywhere in the blocks', () => {
    for (const raw of [
      '<!channel',
      '<@U123',
      '<!here',
      '<@U999',
      '<!subteam',
      '<https',
      '<b>',
      '<!everyone',
    ]) {
      assert.ok(!blocksJson.includes(raw), raw);
    }
    assert.doesNotMatch(blocksJson.replace(DATE_TOKEN, ''), /[<>]/);
    assertDataEscaped(message);
  });

  test('the fallback text (shown in notifications, read by screen readers, parsed as mrkdwn) is escaped too', () => {
    assert.ok(!message.text.includes('<@U123'), message.text);
    assert.ok(!JSON.stringify(message).includes('<@U123'));
  });
});

describe('renderParticipant paging buttons', () => {
  const cases: Array<[Partial<Paging>, string[]]> = [
    [{ pageIndex: 0, hasPrevious: false, hasNext: false }, ['Share', 'Timeline']],
    [{ pageIndex: 0, hasPrevious: false, hasNext: true }, ['Next ▶', 'Share', 'Timeline']],
    [{ pageIndex: 3, hasPrevious: true, hasNext: false }, ['◀ Previous', 'Share', 'Timeline']],
    [{ pageIndex: 3, hasPrevious: true, hasNext: true }, ['◀ Previous', 'Next ▶', 'Share', 'Timeline']],
  ];
  for (const [flags, labels] of cases) {
    test(`${labels.join(', ')} for ${JSON.stringify(flags)}`, () => {
      const paging = { ...PAGING, ...flags };
      const block = actionsBlock(renderParticipant(data({ paging })));
      assert.ok(block, 'an actions block');
      assert.equal(Object.hasOwn(block, 'block_id'), false, 'Slack makes a new block_id per update');
      assert.deepEqual(
        block.elements.map((b) => b.text.text),
        labels,
      );
      const expected: Record<string, [string, number]> = {
        '◀ Previous': [ACTION.previousPage, paging.pageIndex - 1],
        'Next ▶': [ACTION.nextPage, paging.pageIndex + 1],
        Share: [ACTION.share, paging.pageIndex],
      };
      for (const element of block.elements) {
        if (element.text.text === 'Timeline') {
          // The whole session's picture, whatever the page.
          assert.equal(element.action_id, ACTION.timeline);
          assert.deepEqual(openTargetSchema.parse(element.value), { a: STAGE.arn, s: SESSION });
          continue;
        }
        const [actionId, pageIndex] = expected[element.text.text] ?? ['', -1];
        assert.equal(element.action_id, actionId);
        assert.equal(element.value, `${paging.stateId}:${pageIndex}`);
        assert.deepEqual(pageRefSchema.parse(element.value), { stateId: paging.stateId, pageIndex });
      }
    });
  }

  test('the buttons are the last block', () => {
    assert.equal(renderParticipant(data()).blocks.at(-1)?.type, 'actions');
  });

  test('a shared snapshot: Previous / Next open a copy for the clicker, Timeline draws for them; no Share, no Disconnect', () => {
    const paging = { ...PAGING, pageIndex: 2, hasPrevious: true, hasNext: true };
    const message = renderParticipant(data({ paging }), {
      offer: true,
      snapshot: { sharedBy: 'UA8RXUSPL' },
    });
    assertSlackAccepts(message);
    const block = actionsBlock(message);
    assert.deepEqual(
      block?.elements.map((b) => [b.text.text, b.action_id, b.value]),
      [
        ['◀ Previous', ACTION.previousPageCopy, `${paging.stateId}:1`],
        ['Next ▶', ACTION.nextPageCopy, `${paging.stateId}:3`],
        ['Timeline', ACTION.timeline, openTarget({ a: STAGE.arn, s: SESSION })],
      ],
    );
    assert.match(allMrkdwn(message), /Shared by <@UA8RXUSPL> · a snapshot: its buttons open your own copy/);
    const onePage = renderParticipant(data({ paging: { ...PAGING, hasPrevious: false, hasNext: false } }), {
      snapshot: { sharedBy: 'UA8RXUSPL' },
    });
    assert.deepEqual(
      actionsBlock(onePage)?.elements.map((b) => b.text.text),
      ['Timeline'],
      'a one-page snapshot: only the picture, for whoever clicks',
    );
    assertSlackAccepts(onePage);
  });
});

describe('renderParticipant with large data', () => {
  test('100 events with long texts still fit, buttons and context kept', () => {
    const events: ParticipantEvent[] = Array.from({ length: 100 }, (_, i) => ({
      name: i % 3 === 0 ? 'SUBSCRIBE_ERROR' : 'TOKEN_EXCHANGED',
      eventTime: at(i),
      errorCode: i % 3 === 0 ? 'PUBLISHER_NOT_FOUND' : undefined,
      remoteParticipantId: 'r'.repeat(64),
      destinationStageArn: REPLICA_STAGE,
      destinationSessionId: 'st-Replica123456',
      previousToken: { capabilities: ['PUBLISH', 'SUBSCRIBE'], attributes: {} },
      newToken: { capabilities: ['SUBSCRIBE'], attributes: {} },
    }));
    const message = renderParticipant(
      data({
        participant: { ...FULL_PARTICIPANT, userId: '&'.repeat(128), attributes: { k: '<'.repeat(1020) } },
        events,
      }),
    );
    assertSlackAccepts(message);
    assert.equal(message.blocks.at(-1)?.type, 'actions');
    assert.ok(message.blocks.some((b) => b.type === 'context' && b.elements[0]?.text.startsWith('Stage ')));
    assertDataEscaped(message);
  });

  test('property: any model-valid participant and up to 100 events give a message Slack accepts, data escaped', () => {
    const viewData: fc.Arbitrary<ParticipantViewData> = fc.record({
      stage: stageArn,
      sessionId,
      participant: participantDetails,
      events: fc.oneof(
        fc.array(participantEvent, { maxLength: 100 }),
        fc.array(participantEvent, { minLength: 50, maxLength: 100, size: 'max' }),
      ),
      paging: pagingArbitrary,
    });
    fc.assert(
      fc.property(viewData, (input) => {
        const message = renderParticipant(input);
        assertSlackAccepts(message);
        assertDataEscaped(message);
        const buttons = actionsBlock(message)?.elements ?? [];
        assert.ok(buttons.some((b) => b.action_id === ACTION.share));
        for (const b of buttons) {
          const schema = b.action_id === ACTION.timeline ? openTargetSchema : pageRefSchema;
          assert.ok(schema.safeParse(b.value).success, b.value);
        }
        const timeline = buttons.find((b) => b.action_id === ACTION.timeline);
        assert.deepEqual(openTargetSchema.parse(timeline?.value), { a: input.stage.arn, s: input.sessionId });
      }),
      { numRuns: 150 },
    );
  });
});
