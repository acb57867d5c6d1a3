// Who a watch pages: the stored form parseMention writes is the only one a view puts in a message,
// checked by the ID rules of slackIds.ts; describeMention says it in words that page nobody.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeMention, isAlertMention, parseMention } from '../../src/slack/mention.ts';

test('parseMention writes the stored form from a picked person or group, a bare ID, or here', () => {
  assert.deepEqual(parseMention('<@U0123ABCD|alice>'), { ok: true, value: '<@U0123ABCD>' });
  assert.deepEqual(parseMention('@W0123ABCD'), { ok: true, value: '<@W0123ABCD>' });
  assert.deepEqual(parseMention('<!subteam^S0VIDEO12|@video-oncall>'), {
    ok: true,
    value: '<!subteam^S0VIDEO12>',
  });
  assert.deepEqual(parseMention('@S0VIDEO12'), { ok: true, value: '<!subteam^S0VIDEO12>' });
  assert.deepEqual(parseMention('here'), { ok: true, value: '<!here>' });
  for (const word of ['@channel', '<!everyone>', 'bob', '<@u0123abcd>', '<@C0123ABCD>']) {
    assert.equal(parseMention(word).ok, false, word);
  }
});

test('every stored form parseMention writes is accepted again, and described without a mention', () => {
  for (const word of ['<@U0123ABCD|alice>', '@W0123ABCD', '<!subteam^S0VIDEO12|@oncall>', 'here']) {
    const parsed = parseMention(word);
    assert.ok(parsed.ok);
    assert.equal(isAlertMention(parsed.value), true, parsed.value);
    const words = describeMention(parsed.value);
    assert.ok(words);
    assert.doesNotMatch(words, /<[@!]/, 'pages nobody');
  }
  assert.equal(describeMention('<@U0123ABCD>'), 'the person with Slack ID `U0123ABCD`');
  assert.equal(describeMention('<!subteam^S0VIDEO12>'), 'the user group with Slack ID `S0VIDEO12`');
});

test('anything but the stored form is refused: labels, other IDs, channel-wide pings', () => {
  for (const value of [
    '<@U0123ABCD|alice>',
    '<@C0123ABCD>',
    '<@U01>x',
    '<!subteam^S0VIDEO12|@oncall>',
    '<!subteam^U0123ABCD>',
    '<!channel>',
    '<!everyone>',
    '<!here|here>',
    '',
  ]) {
    assert.equal(isAlertMention(value), false, value);
    assert.equal(describeMention(value), undefined, value);
  }
});
