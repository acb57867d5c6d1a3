import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertValidBlockKit,
  blockKitViolations,
  SLACK_RULES,
  type Surface,
  slackErrorMessages,
  type Violation,
} from '../../testkit/blockKit.ts';

// The checker itself, on hand-written payloads: a valid message and view pass, and each rule has a
// payload that breaks it and is reported at the right place.

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
const button = (actionId: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain('Go'),
  action_id: actionId,
  value: 'v',
  ...extra,
});
const x = (n: number) => 'x'.repeat(n);

/** A message using every modelled block and element, each at its limit. */
function fullMessage(): Record<string, unknown> {
  return {
    text: 'fallback',
    blocks: [
      { type: 'header', block_id: 'h', text: { type: 'plain_text', text: x(150), emoji: true } },
      { type: 'section', text: mrkdwn(x(3000)) },
      { type: 'section', fields: Array.from({ length: 10 }, () => mrkdwn(x(200))) },
      {
        type: 'section',
        text: plain('with accessory'),
        accessory: button('open', { style: 'primary', url: `https://example.com/${x(100)}` }),
      },
      {
        type: 'section',
        text: mrkdwn('img'),
        accessory: { type: 'image', image_url: 'https://e.x/i.png', alt_text: 'i' },
      },
      {
        type: 'context',
        elements: [
          ...Array.from({ length: 9 }, () => mrkdwn('c')),
          { type: 'image', image_url: 'https://e.x/i.png', alt_text: 'i' },
        ],
      },
      { type: 'divider', block_id: x(255) },
      { type: 'image', image_url: 'https://e.x/i.png', alt_text: 'alt', title: plain('t') },
      {
        type: 'actions',
        block_id: 'a',
        elements: [
          ...Array.from({ length: 24 }, (_, i) => button(`b${i}`)),
          button('danger', {
            style: 'danger',
            accessibility_label: x(75),
            confirm: {
              title: plain(x(100)),
              text: mrkdwn(x(300)),
              confirm: plain(x(30)),
              deny: plain(x(30)),
              style: 'danger',
            },
          }),
        ],
      },
    ],
  };
}

function check(payload: unknown, surface: Surface = 'message'): Violation[] {
  return blockKitViolations(payload, surface);
}

/** The single violation of `payload`, which must be exactly one. */
function only(payload: unknown, surface: Surface = 'message'): Violation {
  const violations = check(payload, surface);
  assert.equal(violations.length, 1, JSON.stringify(violations, null, 1));
  return violations[0] as Violation;
}

function withBlock(block: unknown): Record<string, unknown> {
  return { text: 'fallback', blocks: [block] };
}

describe('blockKitViolations: valid payloads', () => {
  test('a message using every modelled block at its limits passes', () => {
    assert.deepEqual(check(fullMessage()), []);
    assertValidBlockKit(fullMessage());
  });

  test('a text-only message passes', () => {
    assert.deepEqual(check({ text: 'hello' }), []);
  });

  test('a Home view with 100 blocks passes', () => {
    const view = { type: 'home', blocks: Array.from({ length: 100 }, () => ({ type: 'divider' })) };
    assert.deepEqual(check(view, 'home'), []);
  });

  test('a modal with title, submit and close passes', () => {
    const view = {
      type: 'modal',
      title: plain(x(24)),
      submit: plain('Save'),
      close: plain('Cancel'),
      blocks: [{ type: 'section', text: mrkdwn('hi') }],
    };
    assert.deepEqual(check(view, 'modal'), []);
  });
});

describe('blockKitViolations: each rule has a failing example', () => {
  test('a message holds at most 50 blocks', () => {
    const message = { text: 't', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) };
    assert.deepEqual(only(message), {
      rule: 'must be less than 51 items',
      pointer: '/blocks',
      refusal: 'invalid_blocks',
    });
  });

  test('a Home view holds at most 100 blocks, and so does a modal', () => {
    const blocks = Array.from({ length: 101 }, () => ({ type: 'divider' }));
    assert.equal(only({ type: 'home', blocks }, 'home').pointer, '/blocks');
    assert.equal(only({ type: 'modal', title: plain('t'), blocks }, 'modal').pointer, '/blocks');
  });

  test('a view must be of its surface type, and a modal needs a title of at most 24 characters', () => {
    assert.equal(only({ type: 'modal', blocks: [] }, 'home').pointer, '/type');
    assert.equal(only({ type: 'modal', blocks: [] }, 'modal').pointer, '/title');
    assert.equal(only({ type: 'modal', title: plain(x(25)), blocks: [] }, 'modal').pointer, '/title/text');
    assert.equal(only({ type: 'home', blocks: [], title: plain('t') }, 'home').pointer, '/title');
  });

  test('the blocks of a message together hold at most 12,000 characters (msg_blocks_too_long)', () => {
    const blocks = Array.from({ length: 5 }, () => ({ type: 'section', text: mrkdwn(x(2500)) }));
    const violation = only({ text: 't', blocks });
    assert.equal(violation.refusal, 'msg_blocks_too_long');
    assert.equal(violation.pointer, '/blocks');
    // Views have no such rule.
    assert.deepEqual(check({ type: 'home', blocks }, 'home'), []);
  });

  test('a message without text or blocks is refused (no_text)', () => {
    assert.equal(only({}).refusal, 'no_text');
    assert.equal(only({ text: '', blocks: [] }).refusal, 'no_text');
  });

  test('blocks without fallback text are accepted by Slack but reported as guidance', () => {
    const violation = only({ blocks: [{ type: 'divider' }] });
    assert.equal(violation.pointer, '/text');
    assert.equal(violation.refusal, undefined);
  });

  test('text beyond 40,000 characters is truncated by Slack: reported as guidance', () => {
    const violation = only({ text: x(SLACK_RULES.messageText + 1) });
    assert.equal(violation.refusal, undefined);
  });

  test('section text is at most 3,000 characters and at least 1', () => {
    assert.deepEqual(only(withBlock({ type: 'section', text: mrkdwn(x(3001)) })), {
      rule: 'must be less than 3001 characters',
      pointer: '/blocks/0/text/text',
      refusal: 'invalid_blocks',
    });
    assert.equal(
      only(withBlock({ type: 'section', text: mrkdwn('') })).rule,
      'must be more than 0 characters',
    );
  });

  test('a section needs text or fields', () => {
    assert.deepEqual(only(withBlock({ type: 'section' })), {
      rule: 'must provide either text or fields',
      pointer: '/blocks/0',
      refusal: 'invalid_blocks',
    });
  });

  test('section fields: at most 10, each at most 2,000 characters', () => {
    const eleven = Array.from({ length: 11 }, () => mrkdwn('f'));
    assert.equal(only(withBlock({ type: 'section', fields: eleven })).pointer, '/blocks/0/fields');
    const long = [mrkdwn('a'), mrkdwn(x(2001))];
    assert.equal(only(withBlock({ type: 'section', fields: long })).pointer, '/blocks/0/fields/1/text');
  });

  test('header: plain_text only, at most 150 characters, text required', () => {
    assert.equal(only(withBlock({ type: 'header', text: plain(x(151)) })).pointer, '/blocks/0/text/text');
    assert.deepEqual(only(withBlock({ type: 'header', text: mrkdwn('h') })), {
      rule: 'must be plain_text',
      pointer: '/blocks/0/text/type',
      refusal: 'invalid_blocks',
    });
    assert.equal(only(withBlock({ type: 'header' })).rule, 'is required');
  });

  test('context: 1 to 10 elements, text objects or images, no buttons', () => {
    const eleven = Array.from({ length: 11 }, () => mrkdwn('c'));
    assert.equal(only(withBlock({ type: 'context', elements: eleven })).pointer, '/blocks/0/elements');
    assert.equal(only(withBlock({ type: 'context', elements: [] })).pointer, '/blocks/0/elements');
    assert.equal(
      only(withBlock({ type: 'context', elements: [mrkdwn('c'), button('b')] })).pointer,
      '/blocks/0/elements/1/type',
    );
    assert.equal(
      only(withBlock({ type: 'context', elements: [mrkdwn(x(3001))] })).pointer,
      '/blocks/0/elements/0/text',
    );
  });

  test('actions: 1 to 25 elements, interactive ones only', () => {
    const many = Array.from({ length: 26 }, (_, i) => button(`b${i}`));
    assert.equal(only(withBlock({ type: 'actions', elements: many })).pointer, '/blocks/0/elements');
    assert.equal(only(withBlock({ type: 'actions' })).rule, 'is required');
    assert.equal(
      only(withBlock({ type: 'actions', elements: [mrkdwn('no')] })).pointer,
      '/blocks/0/elements/0/type',
    );
    const image = { type: 'image', image_url: 'https://e.x/i.png', alt_text: 'i' };
    assert.equal(
      only(withBlock({ type: 'actions', elements: [image] })).pointer,
      '/blocks/0/elements/0/type',
    );
  });

  test('elements Slack allows but this checker does not model are refused, saying so', () => {
    const select = { type: 'static_select', action_id: 's', options: [] };
    assert.match(only(withBlock({ type: 'actions', elements: [select] })).rule, /not modelled/);
  });

  test('action_id: at most 255 characters, unique among the action_ids of its block', () => {
    assert.equal(
      only(withBlock({ type: 'actions', elements: [button(x(256))] })).pointer,
      '/blocks/0/elements/0/action_id',
    );
    assert.deepEqual(only(withBlock({ type: 'actions', elements: [button('mute'), button('mute')] })), {
      rule: 'duplicate action_id in block (also /blocks/0/elements/0/action_id)',
      pointer: '/blocks/0/elements/1/action_id',
      refusal: 'invalid_blocks',
    });
    // The same action_id in two blocks is allowed.
    const twoBlocks = {
      text: 't',
      blocks: [
        { type: 'section', text: mrkdwn('a'), accessory: button('open') },
        { type: 'section', text: mrkdwn('b'), accessory: button('open') },
        { type: 'actions', elements: [button('open')] },
      ],
    };
    assert.deepEqual(check(twoBlocks), []);
  });

  test('block_id: at most 255 characters, unique in the message or view', () => {
    assert.equal(only(withBlock({ type: 'divider', block_id: x(256) })).pointer, '/blocks/0/block_id');
    assert.equal(only(withBlock({ type: 'divider', block_id: '' })).pointer, '/blocks/0/block_id');
    const twice = {
      text: 't',
      blocks: [
        { type: 'divider', block_id: 'd' },
        { type: 'divider', block_id: 'd' },
      ],
    };
    assert.deepEqual(only(twice), {
      rule: 'duplicate block_id (also /blocks/0/block_id)',
      pointer: '/blocks/1/block_id',
      refusal: 'invalid_blocks',
    });
    const home = { type: 'home', blocks: twice.blocks };
    assert.equal(only(home, 'home').pointer, '/blocks/1/block_id');
  });

  test('button: text plain_text of at most 75, value 2,000, url 3,000, style primary or danger', () => {
    const at = (extra: Record<string, unknown>) =>
      only(withBlock({ type: 'actions', elements: [button('b', extra)] })).pointer;
    assert.equal(at({ text: plain(x(76)) }), '/blocks/0/elements/0/text/text');
    assert.equal(at({ text: mrkdwn('b') }), '/blocks/0/elements/0/text/type');
    assert.equal(at({ value: x(2001) }), '/blocks/0/elements/0/value');
    assert.equal(at({ url: x(3001) }), '/blocks/0/elements/0/url');
    assert.equal(at({ style: 'secondary' }), '/blocks/0/elements/0/style');
    assert.equal(at({ accessibility_label: x(76) }), '/blocks/0/elements/0/accessibility_label');
    assert.equal(at({ text: undefined }), '/blocks/0/elements/0/text');
  });

  test('confirm dialog: title 100, text 300, confirm and deny 30, all required', () => {
    const confirm = { title: plain('t'), text: plain('x'), confirm: plain('y'), deny: plain('n') };
    const at = (extra: Record<string, unknown>) =>
      only(withBlock({ type: 'actions', elements: [button('b', { confirm: { ...confirm, ...extra } })] }))
        .pointer;
    assert.equal(at({ title: plain(x(101)) }), '/blocks/0/elements/0/confirm/title/text');
    assert.equal(at({ text: plain(x(301)) }), '/blocks/0/elements/0/confirm/text/text');
    assert.equal(at({ confirm: plain(x(31)) }), '/blocks/0/elements/0/confirm/confirm/text');
    assert.equal(at({ deny: plain(x(31)) }), '/blocks/0/elements/0/confirm/deny/text');
    assert.equal(at({ deny: undefined }), '/blocks/0/elements/0/confirm/deny');
    assert.equal(at({ style: 'loud' }), '/blocks/0/elements/0/confirm/style');
  });

  test('section accessory: a button or an image, not a text object or an actions-only element', () => {
    assert.equal(
      only(withBlock({ type: 'section', text: mrkdwn('a'), accessory: mrkdwn('no') })).pointer,
      '/blocks/0/accessory/type',
    );
    const picker = { type: 'datetimepicker', action_id: 'd' };
    assert.equal(
      only(withBlock({ type: 'section', text: mrkdwn('a'), accessory: picker })).pointer,
      '/blocks/0/accessory/type',
    );
  });

  test('image block: image_url and alt_text required, title plain_text', () => {
    assert.equal(
      only(withBlock({ type: 'image', image_url: 'https://e.x/i.png' })).pointer,
      '/blocks/0/alt_text',
    );
    assert.equal(
      only(withBlock({ type: 'image', image_url: x(3001), alt_text: 'a' })).pointer,
      '/blocks/0/image_url',
    );
    assert.equal(
      only(withBlock({ type: 'image', image_url: 'u', alt_text: 'a', title: mrkdwn('t') })).pointer,
      '/blocks/0/title/type',
    );
  });

  test('text objects: plain_text or mrkdwn; emoji only on plain_text, verbatim only on mrkdwn', () => {
    assert.equal(
      only(withBlock({ type: 'section', text: { type: 'markdown', text: 'a' } })).pointer,
      '/blocks/0/text/type',
    );
    assert.equal(
      only(withBlock({ type: 'section', text: { type: 'mrkdwn', text: 'a', emoji: true } })).pointer,
      '/blocks/0/text/emoji',
    );
    assert.equal(
      only(withBlock({ type: 'section', text: { type: 'plain_text', text: 'a', verbatim: true } })).pointer,
      '/blocks/0/text/verbatim',
    );
    assert.equal(
      only(withBlock({ type: 'section', text: { type: 'mrkdwn', text: 'a', verbatim: 'yes' } })).pointer,
      '/blocks/0/text/verbatim',
    );
    assert.equal(
      only(withBlock({ type: 'section', text: { type: 'mrkdwn', text: 5 } })).pointer,
      '/blocks/0/text/text',
    );
  });

  test('unknown block types and unknown fields are refused', () => {
    assert.equal(only(withBlock({ type: 'sektion', text: mrkdwn('a') })).pointer, '/blocks/0/type');
    assert.equal(
      only(withBlock({ type: 'section', text: mrkdwn('a'), colour: 'red' })).pointer,
      '/blocks/0/colour',
    );
    assert.equal(only(withBlock({ type: 'divider', text: mrkdwn('a') })).pointer, '/blocks/0/text');
    assert.equal(
      only(withBlock({ type: 'actions', elements: [button('b', { action: 'x' })] })).pointer,
      '/blocks/0/elements/0/action',
    );
  });
});

describe('slackErrorMessages', () => {
  test('words violations as Slack does in response_metadata.messages', () => {
    const violations = check(withBlock({ type: 'section', text: mrkdwn(x(3001)) }));
    assert.deepEqual(slackErrorMessages(violations), [
      '[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
    assert.deepEqual(slackErrorMessages(violations, '/view'), [
      '[ERROR] must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]',
    ]);
  });

  test('assertValidBlockKit names every violation', () => {
    assert.throws(
      () => assertValidBlockKit(withBlock({ type: 'actions', elements: [button('m'), button('m')] })),
      /duplicate action_id in block/,
    );
  });
});
