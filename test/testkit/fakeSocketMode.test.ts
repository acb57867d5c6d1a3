import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { FakeSlack } from '../../testkit/fakeSlack.ts';

async function connectionsOpen(fake: FakeSlack, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${fake.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as Record<string, unknown>;
}

test('apps.connections.open takes an app-level token only and answers the socket URL', async () => {
  const fake = await FakeSlack.start({ socketMode: true });
  try {
    assert.deepEqual(await connectionsOpen(fake, 'xoxb-bot-token'), {
      ok: false,
      error: 'not_allowed_token_type',
    });
    const opened = await connectionsOpen(fake, 'xapp-1-app-token');
    assert.equal(opened.ok, true);
    assert.equal(opened.url, fake.socketMode?.url);
  } finally {
    await fake.close();
  }
  const plain = await FakeSlack.start();
  try {
    assert.equal((await connectionsOpen(plain, 'xapp-1-app-token')).ok, false, 'Socket Mode not enabled');
  } finally {
    await plain.close();
  }
});

test('the socket says hello, sends envelopes and records acks, refusing acks that break the protocol', async () => {
  const fake = await FakeSlack.start({ socketMode: true });
  const socketMode = fake.socketMode;
  assert.ok(socketMode);
  const app = new WebSocket(socketMode.url);
  const messages: Record<string, unknown>[] = [];
  app.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    messages.push(message);
    if (typeof message.envelope_id === 'string') {
      app.send(JSON.stringify({ envelope_id: message.envelope_id, payload: { text: 'ok' } }));
    }
  });
  try {
    await socketMode.waitForConnection();
    const ack = await socketMode.send('slash_commands', { command: '/ivs', text: 'help' });
    assert.equal(messages[0]?.type, 'hello');
    assert.deepEqual(messages[1]?.payload, { command: '/ivs', text: 'help' });
    assert.equal(messages[1]?.accepts_response_payload, true);
    assert.equal(ack.envelope_id, messages[1]?.envelope_id);
    assert.deepEqual(socketMode.protocolErrors, []);
    await socketMode.send('events_api', { event: { type: 'app_home_opened' } });
    assert.match(socketMode.protocolErrors.join('\n'), /payload the envelope does not accept/);
  } finally {
    app.close();
    await fake.close();
  }
});
