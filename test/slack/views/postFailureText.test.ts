import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PostFailure } from '../../../src/domain/delivery.ts';
import { describePostFailure, undeliveredReason } from '../../../src/slack/views/postFailureText.ts';

const permanent = (error: string): PostFailure => ({ kind: 'permanent', error, scope: 'channel' });

describe('describePostFailure and undeliveredReason: one explanation per Slack error', () => {
  test('passing failures ask to try again', () => {
    assert.match(
      describePostFailure({ kind: 'rate_limited', error: 'ratelimited', retryAfterSec: 1 }),
      /rate limiting/,
    );
    assert.match(describePostFailure({ kind: 'transient', error: 'timeout' }), /not answering/);
  });

  test('the channel errors the asker can fix have their own sentence', () => {
    assert.match(
      describePostFailure(permanent('not_in_channel')),
      /^The bot is not a member of that channel/,
    );
    assert.match(describePostFailure(permanent('channel_not_found')), /^The bot cannot see that channel/);
    assert.equal(describePostFailure(permanent('is_archived')), 'That channel is archived.');
    assert.match(undeliveredReason('not_in_channel'), /^the bot is not in the channel — invite it/);
  });

  test('other errors: the asker reads the held-messages clause as a sentence', () => {
    for (const error of ['is_inactive', 'token_revoked', 'channel_not_allowed', 'http_502', 'odd_error']) {
      const reason = undeliveredReason(error);
      assert.equal(describePostFailure(permanent(error)), `${reason[0]?.toUpperCase()}${reason.slice(1)}.`);
    }
    assert.equal(undeliveredReason('is_inactive'), undeliveredReason('is_archived'));
    assert.match(undeliveredReason('http_502'), /HTTP 502 — check SLACK_API_URL/);
    assert.equal(undeliveredReason('odd_error'), 'Slack refused the message (odd_error)');
  });

  test('missing_scope: the scope Slack named, where to add it, and that the app must be reinstalled', () => {
    const needed = (scopes: string): PostFailure => ({
      kind: 'permanent',
      error: 'missing_scope',
      scope: 'workspace',
      needed: scopes,
    });
    assert.equal(
      describePostFailure(needed('files:write')),
      "The bot token lacks the Slack scope files:write. Add it to the app's bot token scopes (OAuth & Permissions, or oauth_config.scopes.bot in manifest.yml), reinstall the app and restart the bot with the new SLACK_BOT_TOKEN.",
    );
    assert.match(
      describePostFailure(needed('channels:manage,im:write')),
      /^The bot token lacks one of the Slack scopes channels:manage, im:write\. .*reinstall the app/,
    );
    // Without Slack's `needed`, the general advice still says to reinstall.
    assert.match(
      describePostFailure(permanent('missing_scope')),
      /lacks a permission \(missing_scope\) — reinstall/,
    );
  });
});
