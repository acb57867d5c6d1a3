import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import nock from 'nock';
import { buttonClickBody, postSigned, slashCommandBody } from '../../testkit/slackRequests.ts';
import {
  eventsPage1,
  eventsPage2,
  IVS_ENDPOINT,
  ivsError,
  PARTICIPANT_ID,
  participantAnswer,
  participantsAnswer,
  SESSION_ID,
  STAGE_ARN,
  STAGE_ID,
  sessionsAnswer,
  stagesAnswer,
} from '../fixtures/ivsAnswers.ts';
import { interceptAws } from '../support/awsNock.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

interface Block {
  type: string;
  text?: { text: string };
  fields?: { text: string }[];
  elements?: { action_id?: string; value?: string; text?: { text: string } }[];
  accessory?: { action_id: string; value: string };
}

let t: TestBot;
let responseCounter = 0;
let aws: ReturnType<typeof interceptAws>;

before(async () => {
  aws = interceptAws();
  t = await startTestBot();
});

after(async () => {
  await t.stop();
  aws.restore();
});

afterEach(() => aws.assertAllUsed());

/** Sends `/ivs <text>` and returns what the bot answered through response_url. */
async function slash(
  text: string,
): Promise<{ status: number; answer: Record<string, unknown>; ackMs: number }> {
  const name = `r${++responseCounter}`;
  const started = performance.now();
  const res = await postSigned(
    t.eventsUrl,
    slashCommandBody({ text, responseUrl: t.slack.responseUrl(name) }),
    SIGNING_SECRET,
  );
  const ackMs = performance.now() - started;
  assert.equal(res.status, 200);
  const [call] = await t.slack.waitFor(`response:${name}`);
  return { status: res.status, answer: call?.body ?? {}, ackMs };
}

async function click(actionId: string, value: string): Promise<Record<string, unknown>> {
  const name = `r${++responseCounter}`;
  const res = await postSigned(
    t.eventsUrl,
    buttonClickBody({ actionId, value, responseUrl: t.slack.responseUrl(name) }),
    SIGNING_SECRET,
  );
  assert.equal(res.status, 200);
  const [call] = await t.slack.waitFor(`response:${name}`);
  return call?.body ?? {};
}

function blocksOf(answer: Record<string, unknown>): Block[] {
  return answer.blocks as Block[];
}

function allText(answer: Record<string, unknown>): string {
  return JSON.stringify(answer.blocks);
}

function button(answer: Record<string, unknown>, actionId: string): { value: string } | undefined {
  for (const block of blocksOf(answer)) {
    for (const element of block.elements ?? []) {
      if (element.action_id === actionId && element.value) return { value: element.value };
    }
    if (block.accessory?.action_id === actionId) return { value: block.accessory.value };
  }
  return undefined;
}

function expectParticipant(): void {
  nock(IVS_ENDPOINT)
    .post('/GetParticipant', { stageArn: STAGE_ARN, sessionId: SESSION_ID, participantId: PARTICIPANT_ID })
    .reply(200, participantAnswer);
}

describe('/ivs participant', () => {
  test('answers with the participant, its first page of events and paging buttons', async () => {
    expectParticipant();
    nock(IVS_ENDPOINT)
      .post('/ListParticipantEvents', {
        stageArn: STAGE_ARN,
        sessionId: SESSION_ID,
        participantId: PARTICIPANT_ID,
        maxResults: 20,
      })
      .reply(200, eventsPage1);
    const { answer } = await slash(`participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`);

    assert.equal(answer.response_type, 'ephemeral');
    const text = allText(answer);
    assert.match(text, /Participant pAbc12345678/);
    for (const expected of [
      'alice@example.com',
      'CONNECTED',
      'Chrome 131.0',
      'macOS 15.1',
      '1.25.0',
      'Example ISP',
      'WHIP',
    ]) {
      assert.ok(text.includes(expected), `shows ${expected}`);
    }
    // Attribute values from outside are escaped: no ping, no mention.
    assert.ok(text.includes('&lt;!channel&gt; &amp; &lt;@U999&gt;'));
    assert.ok(!text.includes('<!channel>'));
    // Events sorted by time, the error marked and explained.
    const joined = text.indexOf('JOINED');
    const started = text.indexOf('PUBLISH_STARTED');
    const failed = text.indexOf('SUBSCRIBE_ERROR');
    assert.ok(joined < started && started < failed, 'events in time order');
    assert.match(text, /:red_circle: \*SUBSCRIBE_ERROR\*/);
    assert.match(text, /PUBLISHER_NOT_FOUND/);
    assert.match(text, /publisher that does not exist/);
    assert.ok(button(answer, 'ivs_page_next'), 'Next button');
    assert.equal(button(answer, 'ivs_page_previous'), undefined, 'no Previous on page 1');
    assert.ok(button(answer, 'ivs_share'), 'Share button');
  });

  test('Next then Previous page through events with nextToken, replacing the message', async () => {
    expectParticipant();
    nock(IVS_ENDPOINT)
      .post('/ListParticipantEvents', (body) => body.nextToken === undefined)
      .reply(200, eventsPage1);
    const first = await slash(`participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`);
    const next = button(first.answer, 'ivs_page_next');
    assert.ok(next);

    expectParticipant();
    nock(IVS_ENDPOINT)
      .post('/ListParticipantEvents', (body) => body.nextToken === 'tokenPage2==')
      .reply(200, eventsPage2);
    const second = await click('ivs_page_next', next.value);
    assert.equal(second.replace_original, true);
    assert.match(allText(second), /QUOTA_EXCEEDED/);
    assert.match(allText(second), /page 2/);
    assert.equal(button(second, 'ivs_page_next'), undefined, 'last page has no Next');
    const previous = button(second, 'ivs_page_previous');
    assert.ok(previous);

    expectParticipant();
    nock(IVS_ENDPOINT)
      .post('/ListParticipantEvents', (body) => body.nextToken === undefined)
      .reply(200, eventsPage1);
    const back = await click('ivs_page_previous', previous.value);
    assert.equal(back.replace_original, true);
    assert.match(allText(back), /page 1/);
    assert.match(allText(back), /SUBSCRIBE_ERROR/);
  });

  test('a bare stage ID is resolved in AWS_REGION through ListStages', async () => {
    nock(IVS_ENDPOINT).post('/ListStages').reply(200, stagesAnswer);
    expectParticipant();
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(200, eventsPage2);
    const { answer } = await slash(`participant ${STAGE_ID} ${SESSION_ID} ${PARTICIPANT_ID}`);
    assert.match(allText(answer), /Participant pAbc12345678/);
  });

  test('Share posts the same page to the channel, naming who shared it', async () => {
    expectParticipant();
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(200, eventsPage2);
    const { answer } = await slash(`participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`);
    const share = button(answer, 'ivs_share');
    assert.ok(share);
    expectParticipant();
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(200, eventsPage2);
    const before = t.slack.callsTo('chat.postMessage').length;
    await postSigned(
      t.eventsUrl,
      buttonClickBody({
        actionId: 'ivs_share',
        value: share.value,
        responseUrl: t.slack.responseUrl('share'),
      }),
      SIGNING_SECRET,
    );
    const posts = await t.slack.waitFor('chat.postMessage', before + 1);
    const post = posts.at(-1);
    assert.equal(post?.body.channel, 'CBR2V3XEX');
    assert.match(JSON.stringify(post?.body.blocks), /Shared by <@UA8RXUSPL>/);
    assert.match(JSON.stringify(post?.body.blocks), /QUOTA_EXCEEDED/);
  });

  test('Share into a channel the bot is not in explains how to fix it', async () => {
    expectParticipant();
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(200, eventsPage2);
    const { answer } = await slash(`participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`);
    const share = button(answer, 'ivs_share');
    assert.ok(share);
    expectParticipant();
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(200, eventsPage2);
    t.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    const reply = await click('ivs_share', share.value);
    assert.match(allText(reply), /not a member of that channel/);
    assert.match(allText(reply), /\/invite/);
  });
});

describe('lists open the next level down', () => {
  test('/ivs stages → Sessions → Participants → Details', async () => {
    nock(IVS_ENDPOINT).post('/ListStages', { maxResults: 20 }).reply(200, stagesAnswer);
    const stages = await slash('stages');
    assert.match(allText(stages.answer), /main-stage/);
    assert.match(allText(stages.answer), /live session/);
    const openSessions = button(stages.answer, 'ivs_open_sessions');
    assert.ok(openSessions);

    nock(IVS_ENDPOINT)
      .post('/ListStageSessions', { stageArn: STAGE_ARN, maxResults: 20 })
      .reply(200, sessionsAnswer);
    const sessions = await click('ivs_open_sessions', openSessions.value);
    assert.match(allText(sessions), /st-XyZ1234567890/);
    const openParticipants = button(sessions, 'ivs_open_participants');
    assert.ok(openParticipants);

    nock(IVS_ENDPOINT)
      .post('/ListParticipants', { stageArn: STAGE_ARN, sessionId: SESSION_ID, maxResults: 20 })
      .reply(200, participantsAnswer);
    const participants = await click('ivs_open_participants', openParticipants.value);
    assert.match(allText(participants), /alice@example.com/);
    const details = button(participants, 'ivs_open_participant');
    assert.ok(details);

    expectParticipant();
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(200, eventsPage2);
    const participant = await click('ivs_open_participant', details.value);
    assert.match(allText(participant), /Participant pAbc12345678/);
  });

  test('/ivs participants passes exactly one filter to ListParticipants', async () => {
    nock(IVS_ENDPOINT)
      .post('/ListParticipants', {
        stageArn: STAGE_ARN,
        sessionId: SESSION_ID,
        filterByState: 'CONNECTED',
        maxResults: 20,
      })
      .reply(200, { participants: [participantsAnswer.participants[0]] });
    const { answer } = await slash(`participants ${STAGE_ARN} ${SESSION_ID} --state connected`);
    assert.match(allText(answer), /state connected/);
  });

  test('/ivs sessions lists sessions of a stage', async () => {
    nock(IVS_ENDPOINT).post('/ListStageSessions').reply(200, sessionsAnswer);
    const { answer } = await slash(`sessions ${STAGE_ARN}`);
    assert.match(allText(answer), /st-OldSession123/);
  });
});

/** In a describe block: each of its tests asserts that it made no AWS request (nock saw none unmatched). */
function eachTestCallsNoAws(): void {
  let unmatchedBefore = 0;
  beforeEach(() => {
    unmatchedBefore = aws.unmatched.length;
  });
  afterEach(() => {
    assert.deepEqual(aws.unmatched.slice(unmatchedBefore), [], 'no AWS request was made');
  });
}

describe('bad input gets one clear message and no AWS call', () => {
  eachTestCallsNoAws();

  test('/ivs alone and /ivs help show usage with examples', async () => {
    for (const text of ['', 'help']) {
      const { answer } = await slash(text);
      assert.match(
        allText(answer),
        /\/ivs participant &lt;stage&gt; &lt;session-id&gt; &lt;participant-id&gt;/,
      );
      assert.match(allText(answer), /e\.g\./);
    }
  });

  test('missing arguments say what is expected, with an example', async () => {
    const { answer } = await slash(`participant ${STAGE_ARN}`);
    assert.match(allText(answer), /Missing &lt;session-id&gt; and &lt;participant-id&gt;/);
    assert.match(allText(answer), /Example: \/ivs participant arn:aws:ivs/);
  });

  test('a malformed ARN names the argument and its form', async () => {
    const { answer } = await slash(`participant arn:aws:ivs:nope ${SESSION_ID} ${PARTICIPANT_ID}`);
    assert.match(allText(answer), /&lt;stage&gt; must be a stage ARN/);
  });

  test('a malformed session ID names the argument', async () => {
    const { answer } = await slash(`participant ${STAGE_ARN} session-1 ${PARTICIPANT_ID}`);
    assert.match(allText(answer), /&lt;session-id&gt; must be a session ID like/);
  });

  test('an unknown subcommand is named', async () => {
    const { answer } = await slash('particpant x');
    assert.match(allText(answer), /Unknown subcommand “particpant”/);
  });
});

describe('IVS errors become one sentence', () => {
  test('ResourceNotFoundException names what was not found', async () => {
    const error = ivsError('ResourceNotFoundException', 'Participant not found');
    nock(IVS_ENDPOINT).post('/GetParticipant').reply(404, error.body, error.headers);
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(404, error.body, error.headers);
    const { answer } = await slash(`participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`);
    assert.match(allText(answer), /Not found: participant pAbc12345678 in session st-XyZ1234567890/);
    assert.match(allText(answer), /Participant not found/);
  });

  test('AccessDeniedException names the IAM action and resource', async () => {
    const error = ivsError('AccessDeniedException', 'User is not authorized');
    nock(IVS_ENDPOINT).post('/ListStageSessions').reply(403, error.body, error.headers);
    const { answer } = await slash(`sessions ${STAGE_ARN}`);
    assert.match(
      allText(answer),
      /ivs:ListStageSessions on stage arn:aws:ivs:us-east-1:123456789012:stage\/AbCdEf123456/,
    );
  });

  test('5xx is retried within a bound, then "IVS is not answering"', async () => {
    const error = ivsError('InternalServerException', 'boom');
    nock(IVS_ENDPOINT).post('/ListStages').times(3).reply(500, error.body, error.headers);
    const { answer } = await slash('stages');
    assert.match(allText(answer), /IVS is not answering, try again/);
  });

  test('throttling is retried within a bound, then "IVS is not answering"', async () => {
    const error = ivsError('ThrottlingException', 'Rate exceeded');
    nock(IVS_ENDPOINT).post('/ListStages').times(3).reply(429, error.body, error.headers);
    const { answer } = await slash('stages');
    assert.match(allText(answer), /IVS is not answering, try again/);
  });

  test('a retried call that succeeds answers normally', async () => {
    const error = ivsError('ThrottlingException', 'Rate exceeded');
    nock(IVS_ENDPOINT).post('/ListStages').reply(429, error.body, error.headers);
    nock(IVS_ENDPOINT).post('/ListStages').reply(200, stagesAnswer);
    const { answer } = await slash('stages');
    assert.match(allText(answer), /main-stage/);
  });
});

describe('paging state', () => {
  test('an unknown paging state says so and how to start again', async () => {
    const reply = await click('ivs_page_next', 'unknownState1:1');
    assert.match(allText(reply), /expired or are unknown/);
    assert.match(allText(reply), /Run the \/ivs command again/);
  });

  test('a nextToken IVS no longer accepts offers to start again from page 1', async () => {
    expectParticipant();
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(200, eventsPage1);
    const first = await slash(`participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`);
    const next = button(first.answer, 'ivs_page_next');
    assert.ok(next);
    expectParticipant();
    const error = ivsError('ValidationException', 'Invalid nextToken');
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(400, error.body, error.headers);
    const reply = await click('ivs_page_next', next.value);
    assert.match(allText(reply), /no longer accepts this page position/);
    assert.ok(button(reply, 'ivs_page_restart'));
  });

  test('garbage button values get a clear message', async () => {
    for (const [actionId, value] of [
      ['ivs_page_next', '../../etc/passwd'],
      ['ivs_open_participant', '{"a":"not-an-arn"}'],
      ['ivs_share', ''],
    ] as const) {
      const reply = await click(actionId, value);
      assert.match(allText(reply), /does not recognise/);
    }
  });
});

describe('request authenticity', () => {
  const body = () => slashCommandBody({ text: 'stages', responseUrl: t.slack.responseUrl('never') });
  eachTestCallsNoAws();
  afterEach(() => {
    assert.equal(t.slack.callsTo('response:never').length, 0, 'nothing answered through response_url');
  });

  test('a bad signature is refused with 401 and no AWS call', async () => {
    const res = await postSigned(t.eventsUrl, body(), SIGNING_SECRET, { signature: 'v0=deadbeef' });
    assert.equal(res.status, 401);
  });

  test('a timestamp older than 5 minutes is refused', async () => {
    const res = await postSigned(t.eventsUrl, body(), SIGNING_SECRET, {
      timestampSec: Math.floor(Date.now() / 1000) - 301,
    });
    assert.equal(res.status, 401);
  });

  test('a timestamp more than 5 minutes in the future is refused (Bolt does not check this)', async () => {
    const res = await postSigned(t.eventsUrl, body(), SIGNING_SECRET, {
      timestampSec: Math.floor(Date.now() / 1000) + 301,
    });
    assert.equal(res.status, 401);
  });

  test('a request signed with another secret is refused', async () => {
    const res = await postSigned(t.eventsUrl, body(), 'another-secret');
    assert.equal(res.status, 401);
  });
});

/** The value of a Prometheus counter with these labels in a /metrics text (0 when not yet counted). */
function counter(metricsText: string, name: string, labels: string): number {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function metricsText(): Promise<string> {
  const res = await fetch(`${t.baseUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  return res.text();
}

describe('probes and metrics', () => {
  test('GET /readyz is 200 and GET /metrics counts commands and IVS calls by outcome', async () => {
    assert.equal((await fetch(`${t.baseUrl}/readyz`)).status, 200);
    // [counter, labels, how much this test adds]: a command answered with an IVS error's sentence is
    // still an `ok` command (the outcomes are ok, usage_error and refused); the IVS call says what failed.
    const counted = [
      ['ivs_bot_commands_total', 'command="participant",outcome="ok"', 2],
      ['ivs_bot_commands_total', 'command="unknown",outcome="usage_error"', 1],
      ['ivs_bot_ivs_calls_total', 'operation="GetParticipant",outcome="ok"', 1],
      ['ivs_bot_ivs_calls_total', 'operation="ListStages",outcome="throttled"', 1],
      ['ivs_bot_ivs_calls_total', 'operation="GetParticipant",outcome="not_found"', 1],
    ] as const;
    const before = await metricsText();

    expectParticipant();
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(200, eventsPage1);
    await slash(`participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`);
    await slash('particpant x');
    const throttled = ivsError('ThrottlingException', 'Rate exceeded');
    nock(IVS_ENDPOINT).post('/ListStages').times(3).reply(429, throttled.body, throttled.headers);
    await slash('stages');
    const missing = ivsError('ResourceNotFoundException', 'Participant not found');
    nock(IVS_ENDPOINT).post('/GetParticipant').reply(404, missing.body, missing.headers);
    nock(IVS_ENDPOINT).post('/ListParticipantEvents').reply(404, missing.body, missing.headers);
    await slash(`participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`);

    const after = await metricsText();
    for (const [name, labels, added] of counted) {
      assert.equal(
        counter(after, name, labels) - counter(before, name, labels),
        added,
        `${name}{${labels}} +${added}`,
      );
    }
    assert.match(after, /ivs_bot_leader 1/);
    assert.match(after, /ivs_bot_outbox_depth 0/);
  });

  test('GET /healthz answers 200', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    assert.equal(res.status, 200);
  });
});
