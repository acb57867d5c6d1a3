import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import { type BotProcess, eventually, startBotProcess } from '../../testkit/botProcess.ts';
import { FakeSlack } from '../../testkit/fakeSlack.ts';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';
import { buttonClickBody, postSigned, slashCommandBody } from '../../testkit/slackRequests.ts';
import { freshDatabase, NO_POSTGRES, TEST_DATABASE_URL } from '../support/postgres.ts';
import { TcpProxy } from '../support/tcpProxy.ts';

// Several bot processes on one PostgreSQL, the IVS simulator and a fake Slack: the deployment the
// replicas section of the docs describes, with real processes, signals and connections.
const SECRET = 'replica-test-signing-secret';
const CHANNEL = 'CREPLICAS01';
const LEADER_TIMEOUT_S = 3;

function botEnv(
  databaseUrl: string,
  sim: IvsSimulator,
  slack: FakeSlack,
  stageArn: string,
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-replica-test',
    SLACK_SIGNING_SECRET: SECRET,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_IVS_REALTIME: sim.url,
    SLACK_API_URL: slack.apiUrl,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    LOG_LEVEL: 'info',
    IVS_POLL_SCHEDULE: '* * * * * *',
    IVS_MAX_TPS: '4',
    IVS_LEADER_TIMEOUT: String(LEADER_TIMEOUT_S),
    IVS_WATCHES: JSON.stringify([{ stage: stageArn, channel: CHANNEL }]),
  };
}

/** Each injected error is in its own session, so each must become exactly one alert message. */
function injectError(sim: IvsSimulator, stageArn: string): string {
  const sessionId = sim.startSession(stageArn);
  const participantId = sim.addParticipant(stageArn, sessionId, { userId: `viewer-${sessionId}` });
  sim.addEvent(stageArn, sessionId, participantId, {
    name: 'SUBSCRIBE_ERROR',
    errorCode: 'PUBLISHER_NOT_FOUND' as EventErrorCode,
    remoteParticipantId: 'pPublisher01',
    eventTime: new Date(),
  });
  return sessionId;
}

function alertsPerSession(slack: FakeSlack): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of slack.callsTo('chat.postMessage')) {
    if (!call.ok || call.body.thread_ts !== undefined) continue;
    const blocks = JSON.stringify(call.body.blocks);
    if (!blocks.includes('🚨')) continue;
    const session = /st-[A-Za-z0-9]{13}/.exec(blocks)?.[0] ?? '?';
    counts.set(session, (counts.get(session) ?? 0) + 1);
  }
  return counts;
}

async function leaders(replicas: BotProcess[]): Promise<BotProcess[]> {
  const flags = await Promise.all(replicas.map((r) => r.metric('ivs_bot_leader')));
  return replicas.filter((_, i) => flags[i] === 1);
}

describe('three replicas on PostgreSQL', { skip: NO_POSTGRES }, () => {
  let sim: IvsSimulator;
  let slack: FakeSlack;
  let db: { url: string; drop(): Promise<void> };
  let stageArn: string;
  let replicas: BotProcess[] = [];

  before(async () => {
    sim = await IvsSimulator.start();
    slack = await FakeSlack.start();
    db = await freshDatabase();
    stageArn = sim.addStage({ name: 'replicated' });
    const env = botEnv(db.url, sim, slack, stageArn);
    // Started together: migrations must apply once, under the lock.
    replicas = await Promise.all([startBotProcess(env), startBotProcess(env), startBotProcess(env)]);
  });

  after(async () => {
    for (const replica of replicas) replica.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await db.drop();
    await sim.close();
    await slack.close();
  });

  test('exactly one replica leads and polls', async () => {
    assert.ok(await eventually(async () => (await leaders(replicas)).length === 1, 10_000), 'one leader');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const cycles = await Promise.all(
      replicas.map((r) => r.metric('ivs_bot_poll_cycles_total', 'outcome="ok"')),
    );
    const [leader] = await leaders(replicas);
    assert.equal(
      cycles.filter((c) => (c ?? 0) > 0).length,
      1,
      `only one replica polled: ${cycles.join(', ')}`,
    );
    assert.ok(
      ((await leader?.metric('ivs_bot_poll_cycles_total', 'outcome="ok"')) ?? 0) > 0,
      'the leader is the one',
    );
  });

  test('a button click is answered by a replica other than the one that rendered the message', async () => {
    const sessionId = sim.startSession(stageArn);
    const participantId = sim.addParticipant(stageArn, sessionId, { userId: 'dora' });
    for (let i = 0; i < 25; i++)
      sim.addEvent(stageArn, sessionId, participantId, {
        name: 'JOINED',
        eventTime: new Date(Date.now() - i * 1000),
      });
    const [a, b] = replicas;
    assert.ok(a && b);
    await postSigned(
      `${a.url}/slack/events`,
      slashCommandBody({
        text: `participant ${stageArn} ${sessionId} ${participantId}`,
        responseUrl: slack.responseUrl('first'),
      }),
      SECRET,
    );
    const [first] = await slack.waitFor('response:first', 1, 10_000);
    const next = /"action_id":"ivs_page_next","value":"([^"]+)"/.exec(
      JSON.stringify(first?.body.blocks),
    )?.[1];
    assert.ok(next, 'a Next button');
    await postSigned(
      `${b.url}/slack/events`,
      buttonClickBody({ actionId: 'ivs_page_next', value: next, responseUrl: slack.responseUrl('second') }),
      SECRET,
    );
    const [second] = await slack.waitFor('response:second', 1, 10_000);
    assert.match(JSON.stringify(second?.body.blocks), /page 2/);
  });

  test('Acknowledge clicked on one replica is shown by the alert message another replica updates (issue 16)', async () => {
    assert.ok(await eventually(async () => (await leaders(replicas)).length === 1, 10_000), 'one leader');
    const [leader] = await leaders(replicas);
    const clicked = replicas.find((r) => r !== leader);
    assert.ok(leader && clicked);
    const sessionId = injectError(sim, stageArn);
    const isThisAlert = (call: { ok: boolean; body: Record<string, unknown> }) =>
      call.ok && call.body.thread_ts === undefined && JSON.stringify(call.body.blocks).includes(sessionId);
    assert.ok(
      await eventually(async () => slack.callsTo('chat.postMessage').some(isThisAlert), 15_000),
      'the alert is posted',
    );
    const post = slack.callsTo('chat.postMessage').find(isThisAlert);
    const value = /"action_id":"ivs_alert_acknowledge","value":"(\d+)"/.exec(
      JSON.stringify(post?.body.blocks),
    )?.[1];
    assert.ok(value, 'an Acknowledge button');
    const sentBefore = await clicked.metric('ivs_bot_alert_messages_total', 'kind="update",outcome="sent"');

    await postSigned(
      `${clicked.url}/slack/events`,
      buttonClickBody({
        actionId: 'ivs_alert_acknowledge',
        value,
        userId: 'U0ACKER01',
        channelId: CHANNEL,
        responseUrl: slack.responseUrl('ack'),
      }),
      SECRET,
    );
    const [note] = await slack.waitFor('response:ack', 1, 10_000);
    assert.match(JSON.stringify(note?.body), /you are on it/);
    const acknowledged = (call: { ok: boolean; body: Record<string, unknown> }) =>
      call.ok &&
      JSON.stringify(call.body.blocks).includes(sessionId) &&
      JSON.stringify(call.body.blocks).includes('👀 <@U0ACKER01> is on it since');
    assert.ok(
      await eventually(async () => slack.callsTo('chat.update').some(acknowledged), 15_000),
      'the alert message says who is on it',
    );
    assert.equal(slack.callsTo('chat.update').filter(acknowledged).length, 1, 'updated once');
    // The replica that took the click does not send: the leader's outbox did.
    assert.equal(
      await clicked.metric('ivs_bot_alert_messages_total', 'kind="update",outcome="sent"'),
      sentBefore,
    );
  });

  test('kill -9 of the leader mid-cycle: another takes over within the timeout; every error alerted exactly once', async () => {
    const injected: string[] = [];
    injected.push(injectError(sim, stageArn));
    assert.ok(await eventually(() => alertsPerSession(slack).size === 1, 15_000), 'first alert arrives');

    const [leader] = await leaders(replicas);
    assert.ok(leader);
    // Hold the leader inside a cycle (a slow IVS answer), then kill it there.
    sim.delayNext('ListStageSessions', 5_000);
    injected.push(injectError(sim, stageArn));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const killedAt = Date.now();
    leader.kill('SIGKILL');
    await leader.exited;
    const survivors = replicas.filter((r) => r !== leader);

    assert.ok(
      await eventually(async () => (await leaders(survivors)).length === 1, (LEADER_TIMEOUT_S + 5) * 1000),
      'a new leader',
    );
    const takeoverSeconds = (Date.now() - killedAt) / 1000;
    assert.ok(takeoverSeconds <= LEADER_TIMEOUT_S + 5, `took over in ${takeoverSeconds}s`);

    injected.push(injectError(sim, stageArn));
    injected.push(injectError(sim, stageArn));
    assert.ok(
      await eventually(() => injected.every((s) => alertsPerSession(slack).has(s)), 20_000),
      'every injected error alerted',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const [session, count] of alertsPerSession(slack))
      assert.equal(count, 1, `${session} alerted ${count} times`);
    replicas = survivors;
  });

  test('SIGTERM: the replica stops taking requests, releases leadership and exits 0', async () => {
    const [leader] = await leaders(replicas);
    assert.ok(leader);
    leader.kill('SIGTERM');
    assert.equal(await leader.exited, 0);
    assert.ok(leader.lines.some((line) => line.includes('"msg":"stopped"')));
    replicas = replicas.filter((r) => r !== leader);
    // Released, not expired: the other replica leads at its next attempt.
    assert.ok(await eventually(async () => (await leaders(replicas)).length === 1, LEADER_TIMEOUT_S * 1000));
  });
});

describe('PostgreSQL unreachable for a while', { skip: NO_POSTGRES }, () => {
  test('/readyz fails while it is away, nothing is lost, and the bot recovers by itself', async () => {
    const sim = await IvsSimulator.start();
    const slack = await FakeSlack.start();
    const db = await freshDatabase();
    const server = new URL(TEST_DATABASE_URL ?? '');
    const proxy = await TcpProxy.start(server.hostname, Number(server.port || 5432));
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const stageArn = sim.addStage({ name: 'flaky-db' });
    const bot = await startBotProcess(botEnv(viaProxy.toString(), sim, slack, stageArn));
    try {
      assert.equal((await fetch(`${bot.url}/readyz`)).status, 200);
      const before = injectError(sim, stageArn);
      assert.ok(await eventually(() => alertsPerSession(slack).has(before), 15_000));

      proxy.cut();
      assert.ok(
        await eventually(async () => (await fetch(`${bot.url}/readyz`)).status === 503, 10_000),
        '/readyz fails',
      );
      assert.equal((await fetch(`${bot.url}/healthz`)).status, 200, 'the process itself is up');
      const during = injectError(sim, stageArn);
      await new Promise((resolve) => setTimeout(resolve, 3_000));

      proxy.restore();
      assert.ok(
        await eventually(async () => (await fetch(`${bot.url}/readyz`)).status === 200, 15_000),
        '/readyz recovers',
      );
      assert.ok(
        await eventually(() => alertsPerSession(slack).has(during), 20_000),
        'the error raised during the outage is alerted',
      );
      for (const [session, count] of alertsPerSession(slack))
        assert.equal(count, 1, `${session} alerted ${count} times`);
      assert.equal(bot.child.exitCode, null, 'no restart was needed');
    } finally {
      bot.kill('SIGKILL');
      await bot.exited;
      await proxy.close();
      await db.drop();
      await sim.close();
      await slack.close();
    }
  });
});
