import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PostResult } from '../../src/domain/delivery.ts';
import { AllowedChannelsPoster, CHANNEL_NOT_ALLOWED } from '../../src/slack/AllowedChannelsPoster.ts';
import type { SlackPoster } from '../../src/slack/SlackPoster.ts';
import { undeliveredReason } from '../../src/slack/views/postFailureText.ts';

const message = { text: 'alert', blocks: [] };

/** Records what reaches Slack's side of the decorator. */
function recordingPoster(): SlackPoster & { calls: string[] } {
  const calls: string[] = [];
  const ok = (channel: string, ts: string): Promise<PostResult> => Promise.resolve({ ok: true, ts, channel });
  return {
    calls,
    post: (channel) => {
      calls.push(`post ${channel}`);
      return ok(channel, '1.1');
    },
    update: (channel, ts) => {
      calls.push(`update ${channel}`);
      return ok(channel, ts);
    },
  };
}

test('a post or update to a channel off IVS_ALLOWED_CHANNELS is held as a channel cause, never sent', async () => {
  const inner = recordingPoster();
  const poster = new AllowedChannelsPoster(inner, {
    allowedUsers: null,
    allowedChannels: new Set(['CALLOWED01']),
    adminUsers: null,
  });
  const expected = {
    ok: false,
    failure: { kind: 'permanent', error: CHANNEL_NOT_ALLOWED, scope: 'channel' },
  };
  assert.deepEqual(await poster.post('COTHER0001', message), expected);
  assert.deepEqual(await poster.update('COTHER0001', '1.1', message), expected);
  assert.deepEqual(inner.calls, [], 'nothing reached Slack');
  assert.equal((await poster.post('CALLOWED01', message)).ok, true);
  assert.equal((await poster.update('CALLOWED01', '1.1', message)).ok, true);
  assert.deepEqual(inner.calls, ['post CALLOWED01', 'update CALLOWED01']);
  assert.match(undeliveredReason(CHANNEL_NOT_ALLOWED), /not on IVS_ALLOWED_CHANNELS.*admin unwatch/);
});

test('without a channel list every channel is allowed', async () => {
  const inner = recordingPoster();
  const poster = new AllowedChannelsPoster(inner, {
    allowedUsers: null,
    allowedChannels: null,
    adminUsers: null,
  });
  assert.equal((await poster.post('CANYWHERE1', message)).ok, true);
  assert.deepEqual(inner.calls, ['post CANYWHERE1']);
});
