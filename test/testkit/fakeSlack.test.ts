import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { webApi } from '@slack/bolt';
import {
  FakeSlack,
  HTTP_MANIFEST,
  manifestBotScopes,
  REQUIRED_BOT_SCOPES,
  RESPONSE_URL_LIFETIME_MS,
  RESPONSE_URL_MAX_USES,
  SOCKET_MODE_MANIFEST,
} from '../../testkit/fakeSlack.ts';

// The fake Slack refuses what Slack refuses, in Slack's shape, through the real WebClient, and makes
// the test that sent it fail at close() unless the test said it expects refusals.

const TOKEN = 'xoxb-test-token-not-a-secret-0000';
// The WebClient logs Slack's response_metadata.messages; these tests read them from the error.
const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => webApi.LogLevel.ERROR,
  setName() {},
};
const clientFor = (fake: FakeSlack) =>
  new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });
const muteButtons = {
  type: 'actions' as const,
  elements: [
    {
      type: 'button' as const,
      text: { type: 'plain_text' as const, text: 'Mute 1h' },
      action_id: 'mute',
      value: '1',
    },
    {
      type: 'button' as const,
      text: { type: 'plain_text' as const, text: 'Mute 24h' },
      action_id: 'mute',
      value: '24',
    },
  ],
};

async function withFake(run: (fake: FakeSlack, client: webApi.WebClient) => Promise<void>): Promise<void> {
  const fake = await FakeSlack.start();
  const client = clientFor(fake);
  try {
    await run(fake, client);
  } finally {
    fake.allowRefusals();
    await fake.close();
  }
}

/** The Slack platform error the WebClient throws, as data. */
async function platformError(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (error) {
    const data = (error as { data?: Record<string, unknown> }).data;
    assert.ok(data, String(error));
    return data;
  }
  assert.fail('Slack accepted it');
}

describe('FakeSlack refuses invalid Block Kit as Slack does', () => {
  test('chat.postMessage: invalid_blocks with the rule and JSON pointer in response_metadata.messages', async () => {
    await withFake(async (fake, client) => {
      const data = await platformError(
        client.chat.postMessage({ channel: 'C1', text: 'alert', blocks: [mrkdwnSection('ok'), muteButtons] }),
      );
      assert.equal(data.ok, false);
      assert.equal(data.error, 'invalid_blocks');
      assert.deepEqual((data.response_metadata as { messages: string[] }).messages, [
        '[ERROR] duplicate action_id in block (also /blocks/1/elements/0/action_id) [json-pointer:/blocks/1/elements/1/action_id]',
      ]);
      assert.equal(fake.refusals.length, 1);
      assert.equal(fake.callsTo('chat.postMessage')[0]?.ok, false);
    });
  });

  test('chat.update and chat.postEphemeral are checked the same way', async () => {
    await withFake(async (fake, client) => {
      const long = [{ type: 'section' as const, text: mrkdwn('x'.repeat(3001)) }];
      const update = await platformError(
        client.chat.update({ channel: 'C1', ts: '1.2', text: 't', blocks: long }),
      );
      assert.equal(update.error, 'invalid_blocks');
      const ephemeral = await platformError(
        client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 't', blocks: long }),
      );
      assert.deepEqual((ephemeral.response_metadata as { messages: string[] }).messages, [
        '[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
      ]);
      assert.deepEqual(
        fake.refusals.map((r) => r.method),
        ['chat.update', 'chat.postEphemeral'],
      );
    });
  });

  test('blocks over the size limit: msg_blocks_too_long', async () => {
    await withFake(async (_fake, client) => {
      const blocks = Array.from({ length: 5 }, () => mrkdwnSection('x'.repeat(2900)));
      const data = await platformError(client.chat.postMessage({ channel: 'C1', text: 't', blocks }));
      assert.equal(data.error, 'msg_blocks_too_long');
    });
  });

  test('views.publish: a Home view holds 100 blocks; 101 is invalid_arguments at /view/blocks', async () => {
    await withFake(async (fake, client) => {
      const blocks = Array.from({ length: 100 }, () => ({ type: 'divider' as const }));
      await client.views.publish({ user_id: 'U1', view: { type: 'home', blocks } });
      const data = await platformError(
        client.views.publish({
          user_id: 'U1',
          view: { type: 'home', blocks: [...blocks, { type: 'divider' }] },
        }),
      );
      assert.equal(data.error, 'invalid_arguments');
      assert.deepEqual((data.response_metadata as { messages: string[] }).messages, [
        '[ERROR] must be less than 101 items [json-pointer:/view/blocks]',
      ]);
      assert.equal(fake.refusals.length, 1);
    });
  });

  test('response_url: HTTP 400 with the error code as text, like an incoming webhook', async () => {
    await withFake(async (fake) => {
      const res = await fetch(fake.responseUrl('r1'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 't', blocks: [muteButtons], replace_original: true }),
      });
      assert.equal(res.status, 400);
      assert.equal(await res.text(), 'invalid_blocks');
      const deleted = await fetch(fake.responseUrl('r2'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ delete_original: true }),
      });
      assert.equal(deleted.status, 200);
      assert.deepEqual(
        fake.refusals.map((r) => r.method),
        ['response:r1'],
      );
    });
  });

  test('valid messages are accepted as before', async () => {
    const fake = await FakeSlack.start();
    const client = clientFor(fake);
    const posted = await client.chat.postMessage({
      channel: 'C1',
      text: 'hi',
      blocks: [mrkdwnSection('hi')],
    });
    assert.equal(posted.ok, true);
    await fake.close();
  });
});

describe('FakeSlack makes the sending test fail', () => {
  test('close() throws, naming the rule, when the bot sent something Slack refuses', async () => {
    const fake = await FakeSlack.start();
    const client = clientFor(fake);
    await platformError(client.chat.postMessage({ channel: 'C1', text: 't', blocks: [muteButtons] }));
    await assert.rejects(fake.close(), /chat\.postMessage → invalid_blocks[\s\S]*duplicate action_id/);
  });

  test('close() passes after allowRefusals() for a test that sends invalid messages on purpose', async () => {
    const fake = await FakeSlack.start();
    fake.allowRefusals();
    const client = clientFor(fake);
    await platformError(client.chat.postMessage({ channel: 'C1', text: 't', blocks: [muteButtons] }));
    await fake.close();
  });

  test('an injected failure does not hide an invalid message', async () => {
    const fake = await FakeSlack.start();
    fake.fail('chat.postMessage', { error: 'not_in_channel' });
    const client = clientFor(fake);
    const data = await platformError(
      client.chat.postMessage({ channel: 'C1', text: 't', blocks: [muteButtons] }),
    );
    assert.equal(data.error, 'not_in_channel');
    await assert.rejects(fake.close(), /duplicate action_id/);
  });
});

function mrkdwnSection(text: string) {
  return { type: 'section' as const, text: mrkdwn(text) };
}

describe('FakeSlack holds an answer', () => {
  test('holdNext records the call at once and answers only when released', async () => {
    const fake = await FakeSlack.start();
    try {
      const release = fake.holdNext('chat.postMessage');
      let answered = false;
      const sending = clientFor(fake)
        .chat.postMessage({ channel: 'CHOLD00001', text: 'held' })
        .then((answer) => {
          answered = true;
          return answer;
        });
      await fake.waitFor('chat.postMessage');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(answered, false, 'Slack has the message; the sender has no answer yet');
      release();
      assert.equal((await sending).ok, true);
      const next = await clientFor(fake).chat.postMessage({ channel: 'CHOLD00001', text: 'not held' });
      assert.equal(next.ok, true, 'only the next call is held');
    } finally {
      await fake.close();
    }
  });
});

describe("FakeSlack's file upload follows Slack's documented flow", () => {
  const bytes = Buffer.from('not really a png, 32 bytes long!');

  test('getUploadURLExternal needs a filename and a positive length; the URL takes exactly that many bytes', async () => {
    await withFake(async (fake, client) => {
      assert.equal(
        (await platformError(client.apiCall('files.getUploadURLExternal', { length: 3 }))).error,
        'invalid_arguments',
      );
      assert.equal(
        (await platformError(client.apiCall('files.getUploadURLExternal', { filename: 'a.png' }))).error,
        'invalid_arguments',
      );
      assert.equal(
        (await platformError(client.apiCall('files.getUploadURLExternal', { filename: 'a.png', length: 0 })))
          .error,
        'missing_argument',
      );
      assert.equal(
        (
          await platformError(
            client.files.getUploadURLExternal({ filename: 'a.png', length: 3, alt_text: 'x'.repeat(1001) }),
          )
        ).error,
        'alt_txt_too_large',
      );
      const answer = await client.files.getUploadURLExternal({ filename: 'a.png', length: bytes.length });
      assert.ok(answer.upload_url && answer.file_id);
      const short = await fetch(answer.upload_url, { method: 'POST', body: bytes.subarray(1) });
      assert.equal(short.status, 400, 'fewer bytes than announced');
      // Completing before the bytes arrived: Slack has no file to share.
      assert.equal(
        (await platformError(client.files.completeUploadExternal({ files: [{ id: answer.file_id }] }))).error,
        'file_not_found',
      );
      const raw = await fetch(answer.upload_url, { method: 'POST', body: bytes });
      assert.equal(raw.status, 200, 'raw bytes of the announced length');
      assert.ok(fake.files[0]?.bytes?.equals(bytes));
      const done = await client.files.completeUploadExternal({
        files: [{ id: answer.file_id, title: 'A' }],
        channel_id: 'C1',
        initial_comment: 'here',
      });
      assert.equal(done.ok, true);
      assert.deepEqual(fake.files[0]?.completed, {
        title: 'A',
        channelId: 'C1',
        threadTs: undefined,
        initialComment: 'here',
      });
    });
  });

  test('completeUploadExternal refuses a file ID it never issued, and an empty list', async () => {
    await withFake(async (_fake, client) => {
      assert.equal(
        (await platformError(client.files.completeUploadExternal({ files: [{ id: 'F0000000404' }] }))).error,
        'file_not_found',
      );
      assert.equal(
        (await platformError(client.apiCall('files.completeUploadExternal', { files: [] }))).error,
        'invalid_arguments',
      );
    });
  });

  test('a multipart upload (what uploadV2 sends) is read by its file part', async () => {
    await withFake(async (fake, client) => {
      const answer = await client.files.getUploadURLExternal({ filename: 'a.png', length: bytes.length });
      const form = new FormData();
      form.append('filename', 'a.png');
      form.append('file', new Blob([new Uint8Array(bytes)]), 'a.png');
      const posted = await fetch(String(answer.upload_url), { method: 'POST', body: form });
      assert.equal(posted.status, 200);
      assert.ok(fake.files[0]?.bytes?.equals(bytes));
      assert.deepEqual(fake.callsTo('upload')[0]?.body, {
        file_id: answer.file_id,
        bytes: bytes.length,
        multipart: true,
      });
    });
  });

  test('conversations.open needs users: users_list_not_supplied', async () => {
    await withFake(async (_fake, client) => {
      assert.equal(
        (await platformError(client.apiCall('conversations.open', {}))).error,
        'users_list_not_supplied',
      );
      assert.equal(
        (await platformError(client.conversations.open({ users: 'not a user' }))).error,
        'user_not_found',
      );
      const opened = await client.conversations.open({ users: 'U0ASKER01' });
      assert.match(String(opened.channel?.id), /^D/);
    });
  });
});

describe('FakeSlack holds the bot token to the scopes its app was granted', () => {
  test('a method whose scope the token lacks: missing_scope with needed and provided', async () => {
    const fake = await FakeSlack.start({ scopes: ['commands', 'chat:write'] });
    try {
      const client = clientFor(fake);
      const data = await platformError(client.files.getUploadURLExternal({ filename: 'a.png', length: 3 }));
      const { ok, error, needed, provided } = data;
      assert.deepEqual(
        { ok, error, needed, provided },
        { ok: false, error: 'missing_scope', needed: 'files:write', provided: 'commands,chat:write' },
      );
      assert.equal(fake.callsTo('files.getUploadURLExternal')[0]?.ok, false);
      assert.equal(fake.files.length, 0, 'nothing was started');
      // Any one of the documented scopes opens a DM; without them the refusal lists them all.
      const open = await platformError(client.conversations.open({ users: 'U0ASKER01' }));
      assert.equal(open.error, 'missing_scope');
      assert.equal(open.needed, 'channels:manage,groups:write,im:write,mpim:write');
      // What the token does have, and what needs no scope, goes through.
      await client.chat.postMessage({ channel: 'C1', text: 'hello' });
      await client.auth.test();
      await client.chat.getPermalink({ channel: 'C1', message_ts: '1700000001.000100' });
      assert.deepEqual(
        fake.refusals.map((r) => r.error),
        ['missing_scope', 'missing_scope'],
      );
    } finally {
      fake.allowRefusals();
      await fake.close();
    }
  });

  test('a test that expects no refusal fails at close() when a scope is missing', async () => {
    const fake = await FakeSlack.start({ scopes: [] });
    await assert.rejects(clientFor(fake).chat.postMessage({ channel: 'C1', text: 'hello' }));
    await assert.rejects(fake.close(), /missing_scope/);
  });

  test('by default the token has the scopes manifest.yml grants, which cover every method in the table', async () => {
    for (const manifest of [HTTP_MANIFEST, SOCKET_MODE_MANIFEST]) {
      const granted = manifestBotScopes(manifest);
      for (const [method, required] of Object.entries(REQUIRED_BOT_SCOPES)) {
        assert.ok(
          required.length === 0 || required.some((s) => granted.includes(s)),
          `${manifest} grants none of ${required.join(', ')} for ${method}`,
        );
      }
    }
    await withFake(async (_fake, client) => {
      await client.files.getUploadURLExternal({ filename: 'a.png', length: 3 });
      await client.conversations.open({ users: 'U0ASKER01' });
    });
  });

  test('a method the fake has no scope row for is refused, so it cannot pass unchecked', async () => {
    await withFake(async (fake, client) => {
      assert.equal(
        (await platformError(client.apiCall('users.info', { user: 'U1' }))).error,
        'unknown_method',
      );
      assert.equal(fake.refusals[0]?.error, 'unknown_method');
    });
  });
});

describe("FakeSlack holds a response_url to Slack's documented limits", () => {
  const post = (url: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'an answer', response_type: 'ephemeral' }),
    });

  test('up to 5 uses: the 6th is refused with HTTP 404 used_url', async () => {
    const fake = await FakeSlack.start();
    try {
      const url = fake.responseUrl('five');
      for (let use = 1; use <= RESPONSE_URL_MAX_USES; use++) assert.equal((await post(url)).status, 200);
      const sixth = await post(url);
      assert.equal(sixth.status, 404);
      assert.equal(await sixth.text(), 'used_url');
      // Another interaction's URL is counted on its own.
      assert.equal((await post(fake.responseUrl('other'))).status, 200);
      assert.deepEqual(
        fake.refusals.map((r) => [r.method, r.error]),
        [['response:five', 'used_url']],
      );
    } finally {
      fake.allowRefusals();
      await fake.close();
    }
  });

  test('within 30 minutes of the interaction: later uses are refused with HTTP 404 expired_url', async () => {
    let now = 1_700_000_000_000;
    const fake = await FakeSlack.start({ now: () => now });
    try {
      const url = fake.responseUrl('late');
      now += RESPONSE_URL_LIFETIME_MS;
      assert.equal((await post(url)).status, 200, 'at exactly 30 minutes it still works');
      now += 1;
      const late = await post(url);
      assert.equal(late.status, 404);
      assert.equal(await late.text(), 'expired_url');
      // A URL handed out now has its own 30 minutes.
      assert.equal((await post(fake.responseUrl('fresh'))).status, 200);
    } finally {
      fake.allowRefusals();
      await fake.close();
    }
  });

  test('a test that expects no refusal fails at close() when the bot overuses a response_url', async () => {
    const fake = await FakeSlack.start();
    const url = fake.responseUrl('overused');
    for (let use = 0; use <= RESPONSE_URL_MAX_USES; use++) await post(url);
    await assert.rejects(fake.close(), /used_url/);
  });
});
