import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBotProcess } from '../../testkit/botProcess.ts';

// Start-up as `npm start` does it: clear errors for missing settings, and no crash when Slack is
// unreachable at start (auth.test failing is retried at the next request, not fatal).
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

test('missing settings: one line per variable, exit code 1, nothing started', async () => {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  for (const variable of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'AWS_REGION']) {
    assert.match(output, new RegExp(`^  - ${variable}: missing; it is `, 'm'));
  }
  assert.doesNotMatch(output, /ivs-realtime-bot started/);
});

test('Slack unreachable at start-up: the bot stays up and healthy instead of crashing', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as { port: number };
  await new Promise((resolve) => closed.close(resolve));
  const dir = mkdtempSync(join(tmpdir(), 'ivs-startup-'));
  const bot = await startBotProcess({
    SLACK_BOT_TOKEN: 'xoxb-startup-test',
    SLACK_SIGNING_SECRET: 'secret',
    AWS_REGION: 'us-east-1',
    SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    DATABASE_URL: `sqlite:${join(dir, 'bot.db')}`,
    PORT: '0',
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(bot.child.exitCode, null, 'still running');
    assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
  } finally {
    bot.kill('SIGTERM');
    assert.equal(await bot.exited, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
