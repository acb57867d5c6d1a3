import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import nock from 'nock';
import pg from 'pg';
import { WebSocketServer } from 'ws';
import { loadConfig } from '../../src/config.ts';
import { startBot } from '../../src/main.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { freshDatabase, NO_POSTGRES, TEST_DATABASE_URL } from '../support/postgres.ts';
import { startTestBot } from '../support/startTestBot.ts';

// Start and stop through the Lifecycle: a graceful stop closes in the documented order, and a
// start-up that fails partway closes what it had started. The SQLite store holds an exclusive
// lock on its file for as long as it is open, and another process is refused while it does (see
// test/store/sqlite/SqliteStore.test.ts): a second process opening the file right after the failed
// start-up shows that the bot closed its store, where a store left open would refuse it.

const dir = mkdtempSync(join(tmpdir(), 'ivs-startup-unwind-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function listening(port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

const portOf = (server: Server) => (server.address() as { port: number }).port;
const closeServer = (server: Server) => new Promise((resolve) => server.close(resolve));

/** Opens the SQLite file from another process, as a second replica would. */
async function openFromAnotherProcess(file: string): Promise<{ opened?: boolean; code?: string }> {
  const script = `
    const { SqliteStore } = await import(process.argv[1]);
    try {
      SqliteStore.open(process.argv[2]).close();
      console.log(JSON.stringify({ opened: true }));
    } catch (error) {
      console.log(JSON.stringify({ code: error.code }));
    }
  `;
  const moduleUrl = new URL('../../src/store/sqlite/SqliteStore.ts', import.meta.url).href;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script, moduleUrl, file],
    { timeout: 20_000 },
  );
  return JSON.parse(stdout) as { opened?: boolean; code?: string };
}

async function startWith(
  databaseUrl: string,
  env: Record<string, string>,
): Promise<{ error: unknown; logs: string }> {
  const slackApi = await listening();
  const slackApiPort = portOf(slackApi);
  await closeServer(slackApi);
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-startup-unwind-test',
    SLACK_SIGNING_SECRET: 'secret',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDTESTKEY',
    AWS_SECRET_ACCESS_KEY: 'test-secret-access-key',
    SLACK_API_URL: `http://127.0.0.1:${slackApiPort}/api/`,
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    ...env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  let logs = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs += String(chunk);
      done();
    },
  });
  try {
    const bot = await startBot(loaded.config, createLogger('debug', sink));
    await bot.stop();
    return { error: undefined, logs };
  } catch (error) {
    return { error, logs };
  }
}

test('the control: while a store is open, another process is refused the file', async () => {
  const file = join(dir, 'control.db');
  const { SqliteStore } = await import('../../src/store/sqlite/SqliteStore.ts');
  const store = SqliteStore.open(file);
  try {
    assert.deepEqual(await openFromAnotherProcess(file), { code: 'locked' });
  } finally {
    await store.close();
  }
});

test('the Slack port already in use: start-up fails with the bind error and the store is closed', async () => {
  const file = join(dir, 'slack-port.db');
  const taken = await listening();
  try {
    const { error } = await startWith(`sqlite:${file}`, { PORT: String(portOf(taken)) });
    assert.equal((error as NodeJS.ErrnoException | undefined)?.code, 'EADDRINUSE');
    assert.deepEqual(await openFromAnotherProcess(file), { opened: true });
  } finally {
    await closeServer(taken);
  }
});

test('METRICS_PORT already in use: the Slack listener and the store started before it are closed', async () => {
  const file = join(dir, 'metrics-port.db');
  const free = await listening();
  const slackPort = portOf(free);
  await closeServer(free);
  const taken = await listening();
  try {
    const { error } = await startWith(`sqlite:${file}`, {
      PORT: String(slackPort),
      METRICS_PORT: String(portOf(taken)),
    });
    assert.equal((error as NodeJS.ErrnoException | undefined)?.code, 'EADDRINUSE');
    assert.deepEqual(await openFromAnotherProcess(file), { opened: true });
    // The Slack listener had started: its port is free again.
    await closeServer(await listening(slackPort));
  } finally {
    await closeServer(taken);
  }
});

test('PostgreSQL: the Slack port already in use closes the pool (the database drops without FORCE)', {
  skip: NO_POSTGRES,
}, async () => {
  const database = await freshDatabase();
  const name = new URL(database.url).pathname.slice(1);
  const taken = await listening();
  try {
    const { error } = await startWith(database.url, { PORT: String(portOf(taken)) });
    assert.equal((error as NodeJS.ErrnoException | undefined)?.code, 'EADDRINUSE');
    // DROP DATABASE refuses a database other sessions are connected to (after waiting a few seconds
    // for them to go), so it succeeds only if the bot ended its pool.
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE ${name}`);
    } finally {
      await admin.end();
    }
  } finally {
    await closeServer(taken);
    await database.drop();
  }
});

test('Socket Mode with the probe port already in use: the socket opened before is closed', {
  timeout: 20_000,
}, async () => {
  const file = join(dir, 'socket-mode.db');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const wsPort = (wss.address() as { port: number }).port;
  // Resolves when the bot's socket, once opened, is closed again.
  const socketClosed = new Promise<void>((resolve) => {
    wss.on('connection', (socket) => {
      socket.once('close', () => resolve());
      socket.send(
        JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0001' } }),
      );
    });
  });
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  // Socket Mode asks SLACK_API_URL for the socket address (apps.connections.open), like every Web API call.
  const slackApi = await listening();
  const slackApiOrigin = `http://127.0.0.1:${portOf(slackApi)}`;
  await closeServer(slackApi);
  nock(slackApiOrigin)
    .persist()
    .post('/api/apps.connections.open')
    .reply(200, { ok: true, url: `ws://127.0.0.1:${wsPort}/link` });
  const taken = await listening();
  try {
    const { error } = await startWith(`sqlite:${file}`, {
      SLACK_APP_TOKEN: 'xapp-1-test-startup-unwind',
      SLACK_SIGNING_SECRET: '',
      SLACK_API_URL: `${slackApiOrigin}/api/`,
      PORT: String(portOf(taken)),
    });
    assert.equal((error as NodeJS.ErrnoException | undefined)?.code, 'EADDRINUSE');
    await socketClosed;
    assert.deepEqual(await openFromAnotherProcess(file), { opened: true });
  } finally {
    await closeServer(taken);
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
    nock.cleanAll();
    nock.enableNetConnect();
  }
});

test('a graceful stop closes in the order docs/DEPLOYMENT.md describes', async () => {
  const t = await startTestBot();
  await t.stop();
  const parts = t.logs
    .map((line) => JSON.parse(line) as { msg?: string; part?: string })
    .filter((line) => line.msg === 'closing')
    .map((line) => line.part);
  assert.deepEqual(parts, [
    // The current cycle finishes and no new connections are taken …
    'poll schedule',
    'Slack listener',
    'prune, purge and outbox timers',
    // … answers already acknowledged finish, the cycle's messages are sent, then the lease goes …
    'in-flight answers',
    'outbox sends',
    'leader lease',
    'replica heartbeat',
    // … and what everything used closes last.
    'HTTP connections',
    'IVS clients',
    'store',
  ]);
});
