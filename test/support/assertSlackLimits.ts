import assert from 'node:assert/strict';
import {
  type Block,
  type ButtonElement,
  LIMITS,
  messageSize,
  type SlackMessage,
} from '../../src/slack/views/blocks.ts';

// Checks shared by the view tests: Slack's documented limits, and that text from data cannot become a
// control sequence (mention, link, date) once Slack parses the mrkdwn.

/** Every Slack limit a message must keep, or Slack refuses it. */
export function assertSlackLimits(message: SlackMessage): void {
  const { blocks } = message;
  assert.ok(blocks.length <= LIMITS.blocksPerMessage, `${blocks.length} blocks`);
  assert.ok(messageSize(blocks) <= LIMITS.messageChars, `${messageSize(blocks)} characters of blocks`);
  assert.ok(message.text.length <= LIMITS.fallbackText, 'fallback text');
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        assert.ok(block.text.text.length > 0 && block.text.text.length <= LIMITS.headerText, 'header');
        break;
      case 'section': {
        const fields = block.fields ?? [];
        assert.ok(block.text !== undefined || fields.length > 0, 'a section needs text or fields');
        if (block.text) assert.ok(block.text.text.length > 0 && block.text.text.length <= LIMITS.sectionText);
        assert.ok(fields.length <= LIMITS.fieldsPerSection, 'fields per section');
        for (const field of fields) assert.ok(field.text.length > 0 && field.text.length <= LIMITS.fieldText);
        if (block.accessory) assertButton(block.accessory);
        break;
      }
      case 'context':
        assert.ok(block.elements.length > 0 && block.elements.length <= LIMITS.contextElements);
        for (const element of block.elements) assert.ok(element.text.length <= LIMITS.contextText);
        break;
      case 'actions':
        assert.ok(block.elements.length > 0 && block.elements.length <= LIMITS.actionsElements);
        assert.ok((block.block_id ?? '').length <= LIMITS.blockId);
        for (const element of block.elements) assertButton(element);
        break;
      case 'divider':
        break;
    }
  }
}

function assertButton(element: ButtonElement): void {
  assert.ok(element.text.text.length > 0 && element.text.text.length <= LIMITS.buttonText, 'button text');
  assert.ok(element.value.length <= LIMITS.buttonValue, 'button value');
  assert.ok(element.action_id.length <= LIMITS.actionId, 'action_id');
}

/** Every mrkdwn text of the blocks (section text and fields, context elements): what Slack parses. */
export function mrkdwnTexts(blocks: readonly Block[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'section')
      return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((f) => f.text)];
    if (block.type === 'context') return block.elements.map((e) => e.text);
    return [];
  });
}

/** Our own `<!date^…|…>` tokens (see slackDate), the only control sequences the views write. */
export const DATE_TOKEN = /<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[^<>]*>/g;

/** The text without our own date tokens (truncation keeps them whole or drops them). */
export function withoutDateTokens(text: string): string {
  return text.replace(DATE_TOKEN, '');
}

/**
 * Fails when a mrkdwn text holds a `<`, `>` or a bare `&` that is not ours: after removing our date
 * tokens, the only ones left must be escapes (&amp; &lt; &gt;).
 */
export function assertNoRawControlCharacters(text: string): void {
  const rest = withoutDateTokens(text);
  assert.doesNotMatch(rest, /[<>]/, `raw < or > in ${JSON.stringify(text.slice(0, 400))}`);
  assert.doesNotMatch(rest, /&(?!amp;|lt;|gt;)/, `bare & in ${JSON.stringify(text.slice(0, 400))}`);
}

/**
 * No text from data can act as markup: mrkdwn texts hold only escapes besides our date tokens, and
 * plain texts and button values (never parsed, but copied around) hold no < or > at all.
 */
export function assertDataEscaped(message: SlackMessage): void {
  for (const text of mrkdwnTexts(message.blocks)) assertNoRawControlCharacters(text);
  const plainTexts = message.blocks.flatMap((block) =>
    block.type === 'header'
      ? [block.text.text]
      : block.type === 'section' && block.accessory
        ? [block.accessory.text.text, block.accessory.value]
        : block.type === 'actions'
          ? block.elements.flatMap((b) => [b.text.text, b.value])
          : [],
  );
  for (const text of plainTexts) assert.doesNotMatch(text, /[<>]/, text);
}
