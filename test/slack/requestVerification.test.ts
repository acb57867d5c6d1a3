import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isValidSlackRequest } from '@slack/bolt';
import { isOutsideReplayWindow } from '../../src/slack/createSlackApp.ts';
import { readPayload } from '../../testkit/slackRequests.ts';

// What Bolt checks and what we add, verified instead of assumed.
const meta = JSON.parse(readPayload('slash-command.official-signature-example.meta.json')) as {
  signing_secret: string;
  headers: { 'X-Slack-Request-Timestamp': string; 'X-Slack-Signature': string };
};
const body = readPayload('slash-command.official-signature-example.txt');
const timestampSec = Number(meta.headers['X-Slack-Request-Timestamp']);

function boltAccepts(nowSec: number, overrides: { body?: string; signature?: string } = {}): boolean {
  return isValidSlackRequest({
    signingSecret: meta.signing_secret,
    body: overrides.body ?? body,
    headers: {
      'x-slack-signature': overrides.signature ?? meta.headers['X-Slack-Signature'],
      'x-slack-request-timestamp': timestampSec,
    },
    nowMilliseconds: nowSec * 1000,
  });
}

describe('Bolt’s request verification', () => {
  test('accepts Slack’s golden vector at its own time', () => {
    assert.equal(boltAccepts(timestampSec), true);
  });

  test('refuses a changed body or signature', () => {
    assert.equal(boltAccepts(timestampSec, { body: `${body}&x=1` }), false);
    assert.equal(boltAccepts(timestampSec, { signature: 'v0=00' }), false);
  });

  test('refuses a timestamp more than 5 minutes old', () => {
    assert.equal(boltAccepts(timestampSec + 5 * 60 + 1), false);
  });

  test('does NOT refuse a timestamp from the future — which is why the bot checks that itself', () => {
    assert.equal(boltAccepts(timestampSec - 60 * 60), true);
  });
});

describe('isOutsideReplayWindow (the bot’s own ±5 minute check)', () => {
  const now = 1_800_000_000_000;
  const nowSec = now / 1000;
  test('inside the window', () => {
    for (const offset of [-300, -1, 0, 1, 300])
      assert.equal(isOutsideReplayWindow(String(nowSec + offset), now), false);
  });
  test('outside the window, either side', () => {
    for (const offset of [-301, 301, -86_400, 86_400])
      assert.equal(isOutsideReplayWindow(String(nowSec + offset), now), true);
  });
  test('missing or malformed timestamps', () => {
    for (const header of [undefined, '', 'abc', '1e9', '-5', '12345678901234']) {
      assert.equal(isOutsideReplayWindow(header, now), true, String(header));
    }
  });
});
