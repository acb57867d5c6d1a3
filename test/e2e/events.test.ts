import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';
import { postSigned, slashCommandBody } from '../../testkit/slackRequests.ts';
import { SqsSimulator } from '../../testkit/sqsSimulator.ts';
import { eventFixture } from '../support/eventFixtures.ts';
import { freshDatabase, NO_POSTGRES } from '../support/postgres.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

// EventBridge events through SQS with the real bot: IVS_EVENTS_QUEUE_URL pointing at the SQS
// simulator (the SDK sends to the queue URL's host), a watch from IVS_WATCHES, the fake Slack.
const CHANNEL = 'CBR2V3XEX';

let ivs: IvsSimulator;
let sqs: SqsSimulator;

before(async () => {
  ivs = await IvsSimulator.start();
  sqs = await SqsSimulator.start();
  process.env.AWS_ENDPOINT_URL_IVS_REALTIME = ivs.url;
});

after(async () => {
  await ivs.close();
  await sqs.close();
  delete process.env.AWS_ENDPOINT_URL_IVS_REALTIME;
});

/** Waits until `check` holds, up to `ms`; fails naming `what`. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('with a queue', () => {
  let t: TestBot;
  let stageArn: string;
  let sessionId: string;
  let participantId: string;
  let queueUrl: string;

  before(async () => {
    stageArn = ivs.addStage({ name: 'events-stage' });
    sessionId = ivs.startSession(stageArn);
    participantId = ivs.addParticipant(stageArn, sessionId, { userId: 'dana' });
    queueUrl = sqs.createQueue('ivs-events', {
      deadLetter: { queueName: 'ivs-events-dlq', maxReceiveCount: 5 },
    });
    sqs.createQueue('ivs-events-dlq');
    t = await startTestBot({
      IVS_EVENTS_QUEUE_URL: queueUrl,
      IVS_WATCHES: JSON.stringify([{ stage: stageArn, channel: CHANNEL }]),
      // Polling stays out of the way: the alert below can only have come from the queue.
      IVS_POLL_SCHEDULE: '0 0 1 1 *',
    });
  });

  after(() => t.stop());

  test('a recording that failed to start reaches the channel as an alert naming the bucket', async () => {
    const event = JSON.parse(eventFixture('participant-recording.recording-start-failure'));
    event.resources = [stageArn];
    event.detail.session_id = sessionId;
    event.detail.participant_id = participantId;
    sqs.send(queueUrl, JSON.stringify(event));
    const [post] = await t.slack.waitFor('chat.postMessage', 1, 15_000);
    const blocks = JSON.stringify(post?.body.blocks);
    assert.equal(post?.body.channel, CHANNEL);
    assert.match(blocks, /RECORDING_START_FAILURE/);
    assert.match(blocks, /ivs-recordings/);
    await eventually('the message deleted', () => sqs.depth(queueUrl) === 0);
  });

  test('/ivs watches says events arrive and when the last came; /metrics counts them', async () => {
    const res = await postSigned(
      t.eventsUrl,
      slashCommandBody({
        text: 'watches',
        responseUrl: t.slack.responseUrl('w1'),
        userId: 'UADMIN001',
        channelId: CHANNEL,
      }),
      SIGNING_SECRET,
    );
    assert.equal(res.status, 200);
    const [answer] = await t.slack.waitFor('response:w1', 1, 10_000);
    assert.match(JSON.stringify(answer?.body), /EventBridge events:\*+ the queue answers/);
    assert.match(JSON.stringify(answer?.body), /last event/);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    assert.match(metrics, /ivs_bot_events_received_total [1-9]/);
    assert.match(metrics, /ivs_bot_events_alerted_total 1/);
  });
});

describe('with the queue unreachable', () => {
  let t: TestBot;

  before(async () => {
    // A port nothing listens on: every ReceiveMessage fails to connect.
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    t = await startTestBot({ IVS_EVENTS_QUEUE_URL: `http://127.0.0.1:${port}/123456789012/ivs-events` });
  });

  after(() => t.stop());

  test('the bot stays ready, warns once and counts the failures', async () => {
    await eventually('a warning about the queue', () =>
      t.logs.some((line) => line.includes('"level":40') && line.includes('events queue not reachable')),
    );
    assert.equal((await fetch(`${t.baseUrl}/readyz`)).status, 200);
    assert.equal((await fetch(`${t.baseUrl}/healthz`)).status, 200);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    assert.match(metrics, /ivs_bot_events_failed_total\{step="receive"\} [1-9]/);
  });
});

describe('replicas on PostgreSQL: the replica that receives an event is not the one that sends', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let leader: TestBot | undefined;
  let receiver: TestBot | undefined;
  let stageArn: string;
  let queueUrl: string;

  before(async () => {
    if (NO_POSTGRES) return;
    db = await freshDatabase();
    stageArn = ivs.addStage({ name: 'replica-events-stage' });
    queueUrl = sqs.createQueue('ivs-events-replicas', {
      deadLetter: { queueName: 'ivs-events-replicas-dlq', maxReceiveCount: 5 },
    });
    sqs.createQueue('ivs-events-replicas-dlq');
    const env = {
      DATABASE_URL: db.url,
      IVS_WATCHES: JSON.stringify([{ stage: stageArn, channel: CHANNEL }]),
      // No poll cycle in the test: nothing but the event can bring the alert.
      IVS_POLL_SCHEDULE: '0 0 1 1 *',
    };
    // The first replica takes the lease; only the second reads the queue, so it receives the event.
    leader = await startTestBot(env);
    receiver = await startTestBot({ ...env, IVS_EVENTS_QUEUE_URL: queueUrl });
  });

  after(async () => {
    await receiver?.stop();
    await leader?.stop();
    await db?.drop();
  });

  test('the leader sends the alert within seconds, not at its next poll cycle', {
    skip: NO_POSTGRES,
  }, async () => {
    const event = JSON.parse(eventFixture('composition.destination-failure'));
    event.detail.stage_arn = stageArn;
    sqs.send(queueUrl, JSON.stringify(event));
    await eventually('the event deleted from the queue', () => sqs.depth(queueUrl) === 0);
    const [post] = (await leader?.slack.waitFor('chat.postMessage', 1, 15_000)) ?? [];
    assert.equal(post?.body.channel, CHANNEL);
    assert.match(JSON.stringify(post?.body.blocks), /COMPOSITION_DESTINATION_FAILURE/);
    assert.equal(
      receiver?.slack.callsTo('chat.postMessage').length,
      0,
      'the replica not leading sends nothing',
    );
  });
});
