import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  SLACK_CHANNEL_ID,
  SLACK_ID,
  SLACK_USER_ID,
  TYPED_CHANNEL_ID,
  WATCHABLE_CHANNEL_ID,
} from '../../src/slack/slackIds.ts';

test('Slack ID rules: users, conversations, watchable channels, typed channel IDs, payload IDs', () => {
  assert.ok(SLACK_USER_ID.test('U0123ABCD') && SLACK_USER_ID.test('W0123ABCD'));
  assert.ok(!SLACK_USER_ID.test('C0123ABCD') && !SLACK_USER_ID.test('u0123abcd'));
  for (const id of ['C0123ABCD', 'G0123ABCD', 'D0123ABCD']) assert.ok(SLACK_CHANNEL_ID.test(id), id);
  assert.ok(WATCHABLE_CHANNEL_ID.test('C0123ABCD') && WATCHABLE_CHANNEL_ID.test('G0123ABCD'));
  assert.ok(!WATCHABLE_CHANNEL_ID.test('D0123ABCD'), 'a DM is no place for a watch');
  assert.ok(TYPED_CHANNEL_ID.test('C0123ABCDEF'));
  assert.ok(!TYPED_CHANNEL_ID.test('CODES'), 'a short upper-case word is not a channel');
  assert.ok(SLACK_ID.test('T0001') && !SLACK_ID.test('<!channel>'));
  for (const rule of [SLACK_USER_ID, SLACK_CHANNEL_ID, WATCHABLE_CHANNEL_ID, TYPED_CHANNEL_ID, SLACK_ID]) {
    assert.ok(!rule.test(`C${'A'.repeat(40)}`), 'bounded length');
  }
});

/** Every .ts file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

test('Slack ID and AWS region patterns are written once (slack/slackIds.ts, ivs/identifiers.ts)', () => {
  const slackIdPattern = /\/\^\[(UW|CGD|CG)\]/;
  const regionPattern = /\/\^\[a-z\]\{2\}/;
  const offenders: string[] = [];
  for (const file of sources('src')) {
    const text = readFileSync(file, 'utf8');
    if (!file.endsWith('slackIds.ts') && slackIdPattern.test(text))
      offenders.push(`${file}: a Slack ID pattern`);
    if (!file.endsWith('identifiers.ts') && regionPattern.test(text))
      offenders.push(`${file}: a region pattern`);
  }
  assert.deepEqual(offenders, []);
});
