import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  code,
  escapeMrkdwn,
  formatTime,
  slackDate,
  truncate,
  truncateMrkdwn,
} from '../../../src/slack/views/text.ts';

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** True when every surrogate in `value` is half of a pair that was whole in the source. */
function hasNoSplitPair(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (isHigh(unit) && !isLow(value.charCodeAt(i + 1))) return false;
    if (isLow(unit) && !isHigh(value.charCodeAt(i - 1))) return false;
  }
  return true;
}

describe('escapeMrkdwn', () => {
  test('escapes exactly &, < and >', () => {
    assert.equal(escapeMrkdwn('<!channel> & <@U123|x>'), '&lt;!channel&gt; &amp; &lt;@U123|x&gt;');
    assert.equal(escapeMrkdwn('*bold* _it_ ~s~ `c` :emoji: "q"'), '*bold* _it_ ~s~ `c` :emoji: "q"');
  });

  test('escapes an existing entity again, so it shows as typed', () => {
    assert.equal(escapeMrkdwn('&lt;!here&gt;'), '&amp;lt;!here&amp;gt;');
  });

  test('property: no raw < or > remains and every & starts an entity', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: fc.constantFrom('<', '>', '&', 'a', ';') }),
        (a, b) => {
          const escaped = escapeMrkdwn(a + b);
          assert.doesNotMatch(escaped, /[<>]/);
          assert.doesNotMatch(escaped, /&(?!amp;|lt;|gt;)/);
        },
      ),
    );
  });
});

describe('truncate', () => {
  test('leaves short text alone', () => {
    assert.equal(truncate('hello', 5), 'hello');
    assert.equal(truncate('', 0), '');
  });

  test('shortens to max units ending with …', () => {
    assert.equal(truncate('hello world', 6), 'hello…');
    assert.equal(truncate('hello', 1), '…');
    assert.equal(truncate('hello', 0), '');
  });

  test('does not split a surrogate pair at the cut', () => {
    // '😀' is two UTF-16 units; a cut after its first unit must drop it whole.
    assert.equal(truncate('ab😀cd', 4), 'ab…');
    assert.equal(truncate('ab😀cd', 5), 'ab😀…');
    assert.equal(truncate('😀😀😀', 2), '…');
  });

  test('property: at most max units, no split pair, a prefix of the input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 80 }),
        fc.integer({ min: 0, max: 100 }),
        (value, max) => {
          const out = truncate(value, max);
          assert.ok(out.length <= max);
          assert.ok(hasNoSplitPair(out), JSON.stringify(out));
          if (out !== value && out !== '') {
            assert.ok(out.endsWith('…'));
            assert.ok(value.startsWith(out.slice(0, -1)));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('truncateMrkdwn', () => {
  test('leaves short text alone', () => {
    assert.equal(truncateMrkdwn('a &amp; b', 9), 'a &amp; b');
  });

  test('never leaves half an entity', () => {
    const escaped = escapeMrkdwn('<<<<');
    for (let max = 1; max < escaped.length; max++) {
      const out = truncateMrkdwn(escaped, max);
      assert.doesNotMatch(out, /&(?!amp;|lt;|gt;)/, `max ${max}: ${out}`);
      assert.ok(out.length <= max, `max ${max}: ${out}`);
    }
    assert.equal(truncateMrkdwn('ab&lt;cd', 6), 'ab…');
    assert.equal(truncateMrkdwn('ab&lt;cd', 7), 'ab&lt;…');
  });

  test('property: escaped input stays escaped, within max, with no split pair', () => {
    const alphabet = fc.constantFrom('<', '>', '&', ';', 'a', ' ', '😀', 'é', '\n');
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 120 }),
        fc.integer({ min: 1, max: 200 }),
        (raw, max) => {
          const out = truncateMrkdwn(escapeMrkdwn(raw), max);
          assert.ok(out.length <= max);
          assert.doesNotMatch(out, /[<>]/);
          assert.doesNotMatch(out, /&(?!amp;|lt;|gt;)/, out);
          assert.ok(hasNoSplitPair(out));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('code', () => {
  test('wraps escaped text in backticks', () => {
    assert.equal(code('st-AbCdEf1234567'), '`st-AbCdEf1234567`');
    assert.equal(code('<!channel> & co'), '`&lt;!channel&gt; &amp; co`');
  });

  test('backticks inside cannot end the span', () => {
    const out = code('a`b``c');
    assert.equal(out, '`aˋbˋˋc`');
    assert.equal(out.split('`').length - 1, 2);
  });

  test('line breaks cannot end the span either', () => {
    assert.equal(code('a\nb\r\nc\rd'), '`a↵b↵c↵d`');
  });
});

describe('formatTime and slackDate', () => {
  const when = new Date('2026-11-25T10:11:12.345Z');

  test('formatTime is UTC to the second', () => {
    assert.equal(formatTime(when), '2026-11-25 10:11:12 UTC');
    assert.equal(formatTime(undefined), '—');
    assert.equal(formatTime(new Date(Number.NaN)), '—');
  });

  test('slackDate is a date token with the UTC text as fallback', () => {
    assert.equal(
      slackDate(when),
      `<!date^${Math.floor(when.getTime() / 1000)}^{date_short_pretty} {time_secs}|2026-11-25 10:11:12 UTC>`,
    );
    assert.equal(slackDate(undefined), '—');
    assert.equal(slackDate(new Date('not a date')), '—');
    // Before 1970 there is no Unix timestamp for the token: the date is plain text (found by the
    // reply property test with a payload date of "999").
    assert.equal(slackDate(new Date('0999-01-01T00:00:00Z')), '0999-01-01 00:00:00 UTC');
  });
});
