import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  actions,
  type Block,
  button,
  context,
  divider,
  fieldSections,
  fitMessage,
  header,
  messageSize,
  section,
} from '../../../src/slack/views/blocks.ts';
import { escapeMrkdwn } from '../../../src/slack/views/text.ts';
import { assertValidBlockKit, SLACK_RULES } from '../../../testkit/blockKit.ts';
import { assertVerbatim } from '../../support/inertText.ts';

// Limits come from the Block Kit checker (Slack's documented figures), never from the code under test.

const long = (length: number, unit = 'x') => unit.repeat(length);

describe('block builders keep Slack’s limits', () => {
  test('header: plain text, at most 150, never empty', () => {
    const block = header(long(500));
    assert.equal(block.text.type, 'plain_text');
    assert.equal(block.text.text.length, SLACK_RULES.headerText);
    assert.ok(block.text.text.endsWith('…'));
    assert.equal(header('').text.text, ' ');
    assert.equal(
      header('Participant <!channel>').text.text,
      'Participant <!channel>',
      'plain text is shown as typed',
    );
  });

  test('section: verbatim mrkdwn at most 3000, never empty, accessory kept', () => {
    assert.equal(section(long(5000)).text?.text.length, SLACK_RULES.sectionText);
    assert.equal(section('').text?.text, ' ');
    const accessory = button({ text: 'Open', actionId: 'a', value: 'v' });
    assert.deepEqual(section('hi', accessory), {
      type: 'section',
      text: { type: 'mrkdwn', text: 'hi', verbatim: true },
      accessory,
    });
    assert.equal(Object.hasOwn(section('hi'), 'accessory'), false);
  });

  test('section: truncation never cuts an escaped entity', () => {
    const text = section(escapeMrkdwn(long(1000, '<'))).text?.text ?? '';
    assert.ok(text.length <= SLACK_RULES.sectionText);
    assert.doesNotMatch(text, /&(?!lt;)/);
  });

  test('fieldSections: 10 fields per section, each at most 2000', () => {
    const sections = fieldSections(Array.from({ length: 23 }, (_, i) => `*F${i}*\n${long(2500)}`));
    assert.deepEqual(
      sections.map((s) => s.fields?.length),
      [10, 10, 3],
    );
    for (const s of sections)
      for (const f of s.fields ?? []) assert.ok(f.text.length <= SLACK_RULES.sectionFieldText);
    assertVerbatim({ blocks: sections });
    assert.deepEqual(fieldSections([]), []);
    assert.equal(fieldSections([''])[0]?.fields?.[0]?.text, ' ');
  });

  test('context: at most 10 verbatim elements, each cut well within a text object', () => {
    const block = context(...Array.from({ length: 12 }, () => long(3000)));
    assert.equal(block.elements.length, SLACK_RULES.contextElements);
    for (const element of block.elements) assert.ok(element.text.length <= SLACK_RULES.textObject);
    assertVerbatim({ blocks: [block] });
    // 10 × 2000 characters is too much for a message (fitMessage shortens it), not for a Home view.
    assertValidBlockKit({ type: 'home', blocks: [block] }, 'home');
  });

  test('button: text at most 75; value and action_id over their limits are programming errors', () => {
    const element = button({ text: long(100), actionId: 'ivs_share', value: long(SLACK_RULES.buttonValue) });
    assert.equal(element.text.text.length, SLACK_RULES.buttonText);
    assert.equal(element.value.length, SLACK_RULES.buttonValue);
    assert.throws(
      () => button({ text: 't', actionId: 'a', value: long(SLACK_RULES.buttonValue + 1) }),
      RangeError,
    );
    assert.throws(
      () => button({ text: 't', actionId: long(SLACK_RULES.actionId + 1), value: 'v' }),
      RangeError,
    );
  });

  test('button: confirm dialog texts are cut to their limits', () => {
    const element = button({
      text: 'Disconnect',
      actionId: 'a',
      value: 'v',
      style: 'danger',
      confirm: { title: long(200), text: long(500), confirm: long(50), deny: long(50) },
    });
    assert.equal(element.style, 'danger');
    assert.equal(element.confirm?.title.text.length, SLACK_RULES.confirmTitle);
    assert.equal(element.confirm?.text.text.length, SLACK_RULES.confirmText);
    assert.equal(element.confirm?.confirm.text.length, SLACK_RULES.confirmButton);
    assert.equal(element.confirm?.deny.text.length, SLACK_RULES.confirmButton);
    assertValidBlockKit({ text: 't', blocks: [actions([element])] });
  });

  test('actions: none for no buttons, at most 25, no block_id (Slack makes a new one per update)', () => {
    assert.equal(actions([]), undefined);
    const many = Array.from({ length: 30 }, (_, i) =>
      button({ text: `${i}`, actionId: `a${i}`, value: `${i}` }),
    );
    const block = actions(many);
    assert.equal(block?.elements.length, SLACK_RULES.actionsElements);
    assert.equal(Object.hasOwn(block ?? {}, 'block_id'), false);
    assertValidBlockKit({ text: 't', blocks: [block] });
  });

  test('actions: two buttons with one action_id are a programming error (Slack refuses them)', () => {
    const mute = (value: string) => button({ text: 'Mute', actionId: 'ivs_alert_mute', value });
    assert.throws(() => actions([mute('1'), mute('24')]), /action_id ivs_alert_mute twice/);
  });

  test('divider', () => {
    assert.deepEqual(divider(), { type: 'divider' });
  });
});

describe('fitMessage', () => {
  test('drops undefined blocks and leaves a small message as it is', () => {
    const blocks = [header('h'), undefined, section('s'), divider()];
    const message = fitMessage('fallback', blocks);
    assert.deepEqual(message, { text: 'fallback', blocks: [header('h'), section('s'), divider()] });
  });

  test('does not change the blocks it was given', () => {
    const original = section(long(3000));
    const copy = structuredClone(original);
    fitMessage(
      't',
      Array.from({ length: 10 }, () => original),
    );
    assert.deepEqual(original, copy);
  });

  test('the fallback text is escaped once and cut to a notification’s length (3000)', () => {
    assert.equal(fitMessage(long(5000), []).text.length, 3000);
    assert.equal(fitMessage('a & <b>', []).text, 'a &amp; &lt;b&gt;');
  });

  test('over 50 blocks: keeps the first rows, says rows were left out, keeps the last two blocks', () => {
    const rows = Array.from({ length: 80 }, (_, i) => section(`row ${i}`));
    const tail = [context('footer'), actions([button({ text: 'Next', actionId: 'next', value: 's:1' })])];
    const message = fitMessage('t', [header('h'), ...rows, ...tail]);
    assert.equal(message.blocks.length, SLACK_RULES.blocks.message);
    assert.deepEqual(message.blocks.slice(-2), tail);
    const note = message.blocks.at(-3);
    assert.ok(note?.type === 'context' && /left out/.test(note.elements[0]?.text ?? ''));
    assert.deepEqual(message.blocks[1], section('row 0'));
  });

  test('huge texts are shortened until the JSON is at most 12,000 characters', () => {
    const blocks = [
      header(long(150)),
      ...Array.from({ length: 60 }, () => section(escapeMrkdwn(long(3000, '<')))),
      context(long(2000), long(2000)),
      actions([button({ text: 'Share', actionId: 'ivs_share', value: 'state:0' })]),
    ];
    const message = fitMessage('t', blocks);
    assertValidBlockKit(message);
    for (const block of message.blocks) {
      if (block.type === 'section') assert.doesNotMatch(block.text?.text ?? '', /&(?!lt;)/);
    }
  });

  test('text needing JSON escapes (quotes, newlines, control characters) is counted as sent', () => {
    const nasty = long(2000, '"\n\u0001\\');
    const message = fitMessage(
      't',
      Array.from({ length: 45 }, () => section(nasty)),
    );
    assertValidBlockKit(message);
    assert.ok(messageSize(message.blocks) <= SLACK_RULES.messageBlocksJson, `${messageSize(message.blocks)}`);
  });

  test('many full field sections still fit in 12,000 characters', () => {
    const blocks = Array.from({ length: 60 }, () =>
      fieldSections(Array.from({ length: 10 }, () => long(2000))),
    ).flat();
    const message = fitMessage('t', blocks);
    assertValidBlockKit(message);
  });

  test('property: messages shaped like our views (one header, rows of mrkdwn, paging buttons) always fit', () => {
    // fitMessage shortens mrkdwn only, so headers and buttons stay as the views make them: one header,
    // a few short paging buttons at the end.
    const text = fc.string({
      unit: fc.constantFrom('a', 'é', '😀', '<', '>', '&', '"', '\n', '`', '*'),
      maxLength: 4000,
    });
    const row: fc.Arbitrary<Block | undefined> = fc.oneof(
      text.map((t) => section(escapeMrkdwn(t))),
      text.map((t) => context(escapeMrkdwn(t))),
      fc.constant(divider()),
      fc.constant(undefined),
    );
    const paging = fc
      .subarray(['◀ Previous', 'Next ▶', 'Share'])
      .map((labels) =>
        actions(
          labels.map((label, i) =>
            button({ text: label, actionId: `ivs_page_${i}`, value: `AbCdEf123456789_-:${i}` }),
          ),
        ),
      );
    fc.assert(
      fc.property(
        text,
        text,
        fc.array(row, { maxLength: 120 }),
        text,
        paging,
        (fallback, title, rows, footer, buttons) => {
          const message = fitMessage(fallback, [
            header(title),
            ...rows,
            context(escapeMrkdwn(footer), 'note'),
            buttons,
          ]);
          // Slack needs some fallback text; an empty one is the guidance the checker reports.
          assertValidBlockKit({ ...message, text: message.text.trim() === '' ? 'x' : message.text });
          assertVerbatim(message);
          assert.ok(message.text.length <= 3000);
          for (const b of message.blocks) {
            const texts =
              b.type === 'section'
                ? [b.text?.text ?? '']
                : b.type === 'context'
                  ? b.elements.map((e) => e.text)
                  : [];
            for (const t of texts) assert.doesNotMatch(t, /&(?!amp;|lt;|gt;)/);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
