import assert from 'node:assert/strict';

// Checks that text from outside (IVS, users, the store) stays text once Slack parses the mrkdwn: no
// mention, link, date or formatting it did not come with. They walk the Block Kit JSON, so they work
// on any message or view without knowing the code's types.

type Json = Record<string, unknown>;

function textObjects(value: unknown, type: 'mrkdwn' | 'plain_text', out: Json[] = []): Json[] {
  if (Array.isArray(value)) for (const item of value) textObjects(item, type, out);
  else if (typeof value === 'object' && value !== null) {
    const object = value as Json;
    if (object.type === type && typeof object.text === 'string') out.push(object);
    else for (const child of Object.values(object)) textObjects(child, type, out);
  }
  return out;
}

/** Every mrkdwn text of the blocks, in order: what Slack parses for markup. */
export function mrkdwnTexts(blocks: unknown): string[] {
  return textObjects(blocks, 'mrkdwn').map((object) => object.text as string);
}

/**
 * Every plain_text text and button value of the blocks, in order, except inside confirm dialogs
 * (plain text shown to the one person about to click, as typed, never parsed or copied).
 */
export function plainTexts(blocks: unknown): string[] {
  const values: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) walk(item);
    else if (typeof value === 'object' && value !== null) {
      const object = value as Json;
      if (object.type === 'plain_text' && typeof object.text === 'string') values.push(object.text);
      else {
        if (object.type === 'button' && typeof object.value === 'string') values.push(object.value);
        for (const [key, child] of Object.entries(object)) if (key !== 'confirm') walk(child);
      }
    }
  };
  walk(blocks);
  return values;
}

/** Our own `<!date^…|…>` tokens (see slackDate), the only control sequences the views write. */
export const DATE_TOKEN = /<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[^<>]*>/g;

/** Mentions and channel links the views write for IDs they validated as Slack's (`<@U…>`, `<#C…>`). */
export const MENTION_TOKEN = /<@[UW][A-Z0-9]{2,30}>|<#[CGD][A-Z0-9]{2,30}>/g;

/** The text without our own date tokens (truncation keeps them whole or drops them). */
export function withoutDateTokens(text: string): string {
  return text.replace(DATE_TOKEN, '');
}

/**
 * Fails when a mrkdwn text holds a `<`, `>` or a bare `&` that is not ours: after removing our date
 * tokens, the only ones left must be escapes (&amp; &lt; &gt;).
 */
export function assertNoRawControlCharacters(text: string, options: { mentions?: boolean } = {}): void {
  const dated = withoutDateTokens(text);
  const rest = options.mentions ? dated.replace(MENTION_TOKEN, '') : dated;
  assert.doesNotMatch(rest, /[<>]/, `raw < or > in ${JSON.stringify(text.slice(0, 400))}`);
  assert.doesNotMatch(rest, /&(?!amp;|lt;|gt;)/, `bare & in ${JSON.stringify(text.slice(0, 400))}`);
}

/**
 * No text from data can act as markup: mrkdwn texts hold only escapes besides our date tokens (and,
 * with `mentions`, our mentions of validated IDs), and plain texts and button values (never parsed,
 * but copied around) hold no < or > at all.
 */
export function assertDataEscaped(message: { blocks?: unknown }, options: { mentions?: boolean } = {}): void {
  for (const text of mrkdwnTexts(message.blocks)) assertNoRawControlCharacters(text, options);
  for (const text of plainTexts(message.blocks)) assert.doesNotMatch(text, /[<>]/, text);
}

/**
 * Slack auto-links URLs, channel names and some mentions in mrkdwn unless the text object is
 * `verbatim: true`; every mrkdwn text the views write may carry outside data, so each must be.
 */
export function assertVerbatim(message: { blocks?: unknown }): void {
  for (const object of textObjects(message.blocks, 'mrkdwn'))
    assert.equal(object.verbatim, true, `mrkdwn without verbatim: ${JSON.stringify(object).slice(0, 300)}`);
}
