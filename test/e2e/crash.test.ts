import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import { eventually, startBotProcess } from '../support/botProcess.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { IvsSimulator } from '../support/ivsSimulator.ts';

// SIGKILL at the two worst moments, on the embedded SQLite store, then a restart on the same file.
const CHANNEL = 'CCRASH0001';

let sim: IvsSimulator;
let slack: FakeSlack;
let dir: string;
let stageArn: string;

beforeEach(async () => {
  sim = await IvsSimulator.start();
  slack = await FakeSlack.start();
  dir = mkdtempSync(join(tmpdir(), 'ivs-crash-'));
  stageArn = sim.addStage({ name: 'crashy' });
});

afterEach(async () => {
  await sim.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-crash-test',
    SLACK_SIGNING_SECRET: 'crash-secret',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_IVS_REALTIME: sim.url,
    SLACK_API_URL: slack.apiUrl,
    DATABASE_URL: `sqlite:${join(dir, 'bot.db')}`,
    PORT: '0',
    LOG_LEVEL: 'info',
    IVS_POLL_SCHEDULE: '* * * * * *',
    IVS_WATCHES: JSON.stringify([{ stage: stageArn, channel: CHANNEL }]),
  };
}

function injectError(): string {
  const sessionId = sim.startSession(stageArn);
  const participantId = sim.addParticipant(stageArn, sessionId, { userId: 'eve' });
  sim.addEvent(stageArn, sessionId, participantId, {
    name: 'PUBLISH_ERROR',
    errorCode: 'QUOTA_EXCEEDED' as EventErrorCode,
    eventTime: new Date(),
  });
  return sessionId;
}

/** Alert posts Slack received for a session, whether or not the bot lived to see the answer. */
function postsFor(sessionId: string): number {
  return slack
    .callsTo('chat.postMessage')
    .filter((c) => c.body.thread_ts === undefined && JSON.stringify(c.body.blocks).includes(sessionId))
    .length;
}

describe('SIGKILL and restart on the same SQLite file', () => {
  test('in the middle of a poll cycle: after restart the alert arrives exactly once', async () => {
    const first = await startBotProcess(env());
    const sessionId = injectError();
    // The simulator logs a call when it answers: once the session's participants were listed, the
    // next call of the cycle is the events read, which is held for 10 s.
    sim.delayNext('ListParticipantEvents', 10_000);
    assert.ok(
      await eventually(
        () =>
          sim.calls.some(
            (c) => c.operation === 'ListParticipants' && JSON.stringify(c.body).includes(sessionId),
          ),
        10_000,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.kill('SIGKILL');
    await first.exited;
    assert.equal(postsFor(sessionId), 0);

    sim.clearFailures();
    const second = await startBotProcess(env());
    try {
      assert.ok(await eventually(() => postsFor(sessionId) === 1, 15_000), 'alerted after the restart');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.equal(postsFor(sessionId), 1, 'exactly once');
    } finally {
      second.kill('SIGKILL');
      await second.exited;
    }
  });

  test('in the middle of sending: the restart sends it again — the one documented duplicate window', async () => {
    const first = await startBotProcess(env());
    // Slack receives the post but answers slowly: the bot dies before recording it as sent.
    slack.delayNext('chat.postMessage', 10_000); // the "started watching" notice is not posted for IVS_WATCHES
    const sessionId = injectError();
    assert.ok(await eventually(() => postsFor(sessionId) === 1, 15_000), 'Slack received the alert');
    first.kill('SIGKILL');
    await first.exited;

    const second = await startBotProcess(env());
    try {
      assert.ok(
        await eventually(() => postsFor(sessionId) === 2, 15_000),
        'resent after the restart, not lost',
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.equal(postsFor(sessionId), 2, 'and only once more');
    } finally {
      second.kill('SIGKILL');
      await second.exited;
    }
  });
});
