import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BotProcess, eventually } from '../../testkit/botProcess.ts';

// The one starter of the bot as a process (tests and bench): both ways it knows the bot is up, what
// it reads back, and that a start that fails leaves no child behind.

/** A port nothing listens on: Slack is unreachable, which the bot survives (startup.test.ts). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('BotProcess', () => {
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ivs-botprocess-'));
    env = {
      SLACK_BOT_TOKEN: 'xoxb-botprocess-test',
      SLACK_SIGNING_SECRET: 'secret',
      AWS_REGION: 'us-east-1',
      SLACK_API_URL: `http://127.0.0.1:${await closedPort()}/api/`,
      DATABASE_URL: `sqlite:${join(dir, 'bot.db')}`,
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('without PORT: a free port, ready by /healthz whatever LOG_LEVEL; logs, metrics, resources', async () => {
    const bot = await BotProcess.start({ env: { ...env, LOG_LEVEL: 'warn' }, cwd: dir });
    try {
      assert.ok(bot.port > 0);
      assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
      assert.equal(bot.logsWith('ivs-realtime-bot started').length, 0, 'no info lines at warn');
      assert.ok(await eventually(async () => (await bot.metric('ivs_bot_leader')) === 1, 10_000));
      assert.ok(bot.currentRssKb() > 0);
      assert.ok(bot.peakRssKb() >= bot.currentRssKb());
      assert.ok(bot.cpuSeconds() >= 0);
    } finally {
      assert.equal(await bot.stop(), 0);
    }
    assert.equal(await bot.metric('ivs_bot_leader'), undefined, 'a stopped bot has no metrics');
    assert.equal(bot.currentRssKb(), 0);
  });

  test('PORT=0: the port the bot chose, from its started line', async () => {
    const bot = await BotProcess.start({ env: { ...env, PORT: '0', LOG_LEVEL: 'info' } });
    try {
      const started = bot.logsWith('ivs-realtime-bot started')[0];
      assert.equal(started?.fields.port, bot.port);
      assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
    } finally {
      bot.kill('SIGTERM');
      assert.equal(await bot.exited, 0);
    }
    assert.ok(bot.lines.some((line) => line.includes('"msg":"stopped"')));
  });

  test('a bot that cannot start: the error carries its output', async () => {
    const { SLACK_BOT_TOKEN: _, ...missingToken } = env;
    await assert.rejects(
      BotProcess.start({ env: missingToken, cwd: dir }),
      /exited with 1[\s\S]*SLACK_BOT_TOKEN/,
    );
  });
});
