import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// A first start with nothing set, as on a fresh clone: one line per missing setting, saying where
// to get it, exit code 1, and nothing written (no store file) before the settings are right.
test('started with no settings, the bot names each missing one on its own line and exits 1', async () => {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const cwd = mkdtempSync(join(tmpdir(), 'ivs-bot-fresh-'));
  try {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', main], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.equal(stdout, '');
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'ivs-realtime-bot cannot start; fix these settings (see README → Configuration):');
    assert.deepEqual(
      lines.slice(1).map((line) => /^ {2}- ([A-Z_]+): missing; it is .+/.exec(line)?.[1]),
      ['SLACK_BOT_TOKEN', 'AWS_REGION', 'SLACK_SIGNING_SECRET'],
      stderr,
    );
    assert.match(stderr, /SLACK_SIGNING_SECRET: .*set SLACK_APP_TOKEN instead for Socket Mode/);
    assert.deepEqual(readdirSync(cwd), [], 'no ./data store created');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
