// Who a watch pages: the stored form parseMention writes is the only one a view puts in a message,
// checked by the ID rules of slackIds.ts; describeMention says it in words that page nobody.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeMention, isAlertMention, mentionName, parseMention } from '../../src/slack/mention.ts';

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

test('the name Slack gave beside a picked person or group is kept, and shown as code, never as a mention', () => {
  assert.equal(mentionName('<@U0123ABCD|alice>'), 'alice');
  assert.equal(mentionName('<!subteam^S0VIDEO12|@video-oncall>'), '@video-oncall');
  for (const word of ['@U0123ABCD', '<@U0123ABCD>', 'here', '<!here|here>', '<!subteam^S0VIDEO12>'])
    assert.equal(mentionName(word), undefined, word);
  assert.equal(mentionName(`<@U0123ABCD|${'x'.repeat(200)}>`)?.length, 80);
  assert.equal(
    describeMention('<!subteam^S0VIDEO12>', '@video-oncall'),
    'the user group `@video-oncall` (Slack ID `S0VIDEO12`)',
  );
  assert.equal(describeMention('<@U0123ABCD>', 'alice'), 'the person `@alice` (Slack ID `U0123ABCD`)');
  // A hostile name stays text inside its code span.
  const hostile = describeMention('<@U0123ABCD>', '<!channel> `x`');
  assert.equal(hostile, 'the person `@&lt;!channel&gt; ˋxˋ` (Slack ID `U0123ABCD`)');
  assert.equal(describeMention('<!here>', 'here'), '`@here` (whoever is active in the channel)');
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
