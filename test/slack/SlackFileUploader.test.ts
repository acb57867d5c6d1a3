import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { webApi } from '@slack/bolt';
import { WebClientFileUploader } from '../../src/slack/SlackFileUploader.ts';
import { describePostFailure } from '../../src/slack/views/postFailureText.ts';
import { dmChannelOf, FakeSlack } from '../../testkit/fakeSlack.ts';

// The uploader runs @slack/web-api's files.uploadV2 against the fake Slack: the real client code makes
// the three calls of Slack's upload flow, the fake checks them as Slack documents them.

const TOKEN = 'xoxb-test-token-not-a-secret-0000';
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(5000, 7),
]);
const FILE = {
  filename: 'timeline-st-XyZ1234567890.png',
  title: 'Session st-XyZ1234567890',
  altText: 'Timeline of session st-XyZ1234567890: 3 participants, 1 with errors',
  bytes: PNG,
  comment: 'Timeline of session st-XyZ1234567890',
};

async function withUploader(
  run: (fake: FakeSlack, uploader: WebClientFileUploader, delivered: string[]) => Promise<void>,
) {
  const fake = await FakeSlack.start();
  const client = new webApi.WebClient(TOKEN, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
  });
  try {
    const delivered: string[] = [];
    await run(
      fake,
      new WebClientFileUploader(client, { onDelivered: (channel) => delivered.push(channel) }),
      delivered,
    );
  } finally {
    await fake.close();
  }
}

describe('WebClientFileUploader', () => {
  test("to a user: opens the bot's DM with them, then Slack's three upload steps into it", async () => {
    await withUploader(async (fake, uploader) => {
      const result = await uploader.uploadToUser('U0ASKER01', FILE);
      assert.deepEqual(result, { ok: true, fileId: fake.files[0]?.id, channel: dmChannelOf('U0ASKER01') });
      assert.deepEqual(
        fake.calls.map((call) => call.method),
        ['conversations.open', 'files.getUploadURLExternal', 'upload', 'files.completeUploadExternal'],
      );
      assert.equal(fake.callsTo('conversations.open')[0]?.body.users, 'U0ASKER01');
      const announced = fake.callsTo('files.getUploadURLExternal')[0]?.body;
      assert.equal(announced?.filename, FILE.filename);
      assert.equal(Number(announced?.length), PNG.length);
      const [file] = fake.files;
      assert.ok(file?.bytes?.equals(PNG), 'the bytes Slack received are the PNG');
      assert.deepEqual(file?.completed, {
        title: FILE.title,
        channelId: dmChannelOf('U0ASKER01'),
        threadTs: undefined,
        initialComment: FILE.comment,
      });
      assert.equal(file?.altText, FILE.altText);
    });
  });

  test('to a channel: shared there (and reported delivered); a channel Slack refuses comes back as a classified failure', async () => {
    await withUploader(async (fake, uploader, delivered) => {
      assert.deepEqual(await uploader.uploadToChannel('C0SHARED1', FILE), {
        ok: true,
        fileId: fake.files[0]?.id,
        channel: 'C0SHARED1',
      });
      assert.equal(fake.files[0]?.completed?.channelId, 'C0SHARED1');
      // Like an accepted message, so alerts Slack refused in that channel are put back in line.
      assert.deepEqual(delivered, ['C0SHARED1']);

      fake.setChannelError('C0PRIVATE', 'not_in_channel');
      const refused = await uploader.uploadToChannel('C0PRIVATE', FILE);
      assert.deepEqual(refused, {
        ok: false,
        failure: { kind: 'permanent', error: 'not_in_channel', scope: 'channel' },
      });
      assert.deepEqual(delivered, ['C0SHARED1'], 'a refused upload is not a delivery');
    });
  });

  test('Slack not answering the DM opening is a transient failure, and nothing is uploaded', async () => {
    await withUploader(async (fake, uploader) => {
      fake.fail('conversations.open', { status: 503 });
      const result = await uploader.uploadToUser('U0ASKER01', FILE);
      assert.deepEqual(result, { ok: false, failure: { kind: 'transient', error: 'http_503' } });
      assert.equal(fake.callsTo('files.getUploadURLExternal').length, 0);
    });
  });

  test('a token without files:write: missing_scope with the scope Slack named, told to the asker', async () => {
    const fake = await FakeSlack.start({ scopes: ['commands', 'chat:write', 'im:write'] });
    const client = new webApi.WebClient(TOKEN, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: webApi.LogLevel.ERROR,
    });
    try {
      const result = await new WebClientFileUploader(client).uploadToUser('U0ASKER01', FILE);
      assert.deepEqual(result, {
        ok: false,
        failure: { kind: 'permanent', error: 'missing_scope', scope: 'workspace', needed: 'files:write' },
      });
      assert.match(
        describePostFailure(result.ok ? assert.fail() : result.failure),
        /scope files:write\. .*reinstall/,
      );
    } finally {
      fake.allowRefusals();
      await fake.close();
    }
  });
});
