import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { after, before, test } from 'node:test';
import nock from 'nock';
import { readPayload } from '../../testkit/slackRequests.ts';
import { startTestBot, type TestBot } from '../support/startTestBot.ts';

// Socket Mode end to end: the bot asks Slack for a WebSocket URL (apps.connections.open at
// SLACK_API_URL, the fake Slack), connects to the fake's socket speaking Slack's envelope protocol,
// acks a slash command over the socket and answers through response_url; /healthz is served on PORT meanwhile.
let t: TestBot;
let port: number;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

before(async () => {
  // Nothing may reach slack.com: apps.connections.open must follow SLACK_API_URL.
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  port = await freePort();
  t = await startTestBot({
    SLACK_APP_TOKEN: 'xapp-1-test-socket-mode',
    SLACK_SIGNING_SECRET: '',
    PORT: String(port),
  });
});

after(async () => {
  await t.stop();
  nock.enableNetConnect();
});

test('a slash command over the socket is acked by envelope and answered through response_url', async () => {
  const form = Object.fromEntries(
    new URLSearchParams(readPayload('slash-command.official-doc-example.txt').trim()),
  );
  const payload = { ...form, command: '/ivs', text: 'help', response_url: t.slack.responseUrl('socket') };
  const socketMode = t.slack.socketMode;
  assert.ok(socketMode, 'the fake Slack speaks Socket Mode');
  await socketMode.waitForConnection();
  assert.equal(
    t.slack.callsTo('apps.connections.open').length,
    1,
    'the socket URL came from SLACK_API_URL, with the app-level token',
  );
  const ack = await socketMode.send('slash_commands', payload);
  const [answer] = await t.slack.waitFor('response:socket', 1, 10_000);
  assert.match(JSON.stringify(answer?.body.blocks), /\/ivs participant/);
  assert.ok(typeof ack.envelope_id === 'string', 'acked over the socket');
  assert.deepEqual(socketMode.protocolErrors, []);
});

test('GET /healthz answers on PORT in Socket Mode too', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(res.status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
});

test('the routes on PORT answer any request in Socket Mode without ending the bot', async () => {
  const head = await fetch(`http://127.0.0.1:${port}/healthz`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`, { method: 'POST' })).status, 405);
  // Bolt's own Socket Mode server rejected a promise nobody handled on this target.
  // Raw bytes, with nock's interception off for a moment: it cannot parse that target either.
  nock.restore();
  const slashes = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.end('GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  }).finally(() => nock.activate());
  assert.match(slashes, /^HTTP\/1\.1 404 /);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
});
