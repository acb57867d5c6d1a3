import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { type RunningBot, startBot } from '../../src/main.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { FakeSlack } from '../../testkit/fakeSlack.ts';
import { postSigned, slashCommandBody } from '../../testkit/slackRequests.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-test-token-not-a-secret-0000';

export interface TestBot {
  bot: RunningBot;
  slack: FakeSlack;
  eventsUrl: string;
  baseUrl: string;
  /** Every log line the bot wrote, for assertions and secret scans. */
  logs: string[];
  stop(): Promise<void>;
}

/** Starts the real bot in-process on a free port, with a fake Slack API and a fresh SQLite file. */
export async function startTestBot(env: Record<string, string> = {}): Promise<TestBot> {
  // The AWS SDK reads credentials from the standard chain; fixed test keys keep it off IMDS.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTKEY';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-access-key';
  // Socket Mode connects to the fake Slack's own socket (apps.connections.open at SLACK_API_URL).
  const slack = await FakeSlack.start({ socketMode: Boolean(env.SLACK_APP_TOKEN) });
  const dir = mkdtempSync(join(tmpdir(), 'ivs-bot-test-'));
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    AWS_REGION: 'us-east-1',
    PORT: '0',
    SLACK_API_URL: slack.apiUrl,
    DATABASE_URL: `sqlite:${join(dir, 'bot.db')}`,
    LOG_LEVEL: 'debug',
    // Each test scripts IVS's answers afresh, so nothing is reused between reads; cache tests set it.
    IVS_READ_CACHE_SECONDS: '0',
    ...env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const bot = await startBot(loaded.config, createLogger(loaded.config.logLevel, sink));
  const baseUrl = `http://127.0.0.1:${bot.port}`;
  return {
    bot,
    slack,
    baseUrl,
    eventsUrl: `${baseUrl}/slack/events`,
    logs,
    async stop() {
      try {
        await bot.stop();
        // Fails the test file when the bot sent anything Slack would have refused.
        await slack.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

let slashCommands = 0;

/**
 * Sends `/ivs <text>` to the running bot as Slack does (signed), checks the 200 ack, and returns the
 * answer the bot posted to that command's response_url.
 */
export async function answerToSlash(
  t: TestBot,
  text: string,
  options: { userId?: string; channelId?: string; timeoutMs?: number } = {},
): Promise<Record<string, unknown>> {
  const name = `slash${++slashCommands}`;
  const { timeoutMs = 10_000, ...who } = options;
  const body = slashCommandBody({ text, responseUrl: t.slack.responseUrl(name), ...who });
  assert.equal((await postSigned(t.eventsUrl, body, SIGNING_SECRET)).status, 200);
  const [call] = await t.slack.waitFor(`response:${name}`, 1, timeoutMs);
  return call?.body ?? {};
}
