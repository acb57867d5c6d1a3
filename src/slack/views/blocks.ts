import { escapeMrkdwn, truncate, truncateMrkdwn } from './text.ts';

// A small Block Kit subset built by functions that enforce Slack's documented limits, so no view can
// produce a message Slack rejects, whatever the data.
export const LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 2000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  fallbackText: 3000,
  /** Slack refuses messages whose blocks total more than about 12,000 characters; we count the JSON. */
  messageChars: 12_000,
} as const;

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
/**
 * Always `verbatim: true`: Slack then leaves URLs, channel names and bare mentions in the text as
 * they are instead of turning them into links, so outside data cannot become one. Our own escaped
 * text and tokens (`<@U…>`, `<!date…>`) are still rendered.
 */
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  verbatim: true;
}
export interface ConfirmDialog {
  title: PlainText;
  text: PlainText;
  confirm: PlainText;
  deny: PlainText;
  style?: 'danger' | 'primary';
}
export interface ButtonElement {
  type: 'button';
  text: PlainText;
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmDialog;
}
export interface HeaderBlock {
  type: 'header';
  text: PlainText;
}
export interface SectionBlock {
  type: 'section';
  text?: MrkdwnText;
  fields?: MrkdwnText[];
  accessory?: ButtonElement;
}
export interface ContextBlock {
  type: 'context';
  elements: MrkdwnText[];
}
// No block sets a block_id: Slack generates one per block, unique in the message and new on every
// update, as its docs ask.
export interface ActionsBlock {
  type: 'actions';
  elements: ButtonElement[];
}
export interface DividerBlock {
  type: 'divider';
}
export type Block = HeaderBlock | SectionBlock | ContextBlock | ActionsBlock | DividerBlock;

/** A whole message: blocks plus the notification/fallback text. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

const plain = (text: string, max: number): PlainText => ({
  type: 'plain_text',
  text: truncate(text, max) || ' ',
});

/** `text` must already be escaped mrkdwn. */
export const mrkdwn = (text: string, max: number): MrkdwnText => ({
  type: 'mrkdwn',
  text: truncateMrkdwn(text, max) || ' ',
  verbatim: true,
});

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(text, LIMITS.headerText) };
}

/** `text` must already be escaped mrkdwn. */
export function section(text: string, accessory?: ButtonElement): SectionBlock {
  const block: SectionBlock = { type: 'section', text: mrkdwn(text, LIMITS.sectionText) };
  if (accessory) block.accessory = accessory;
  return block;
}

/** Label/value pairs as section fields, split over as many sections as Slack's 10-field limit needs. */
export function fieldSections(fields: readonly string[]): SectionBlock[] {
  const sections: SectionBlock[] = [];
  for (let i = 0; i < fields.length; i += LIMITS.fieldsPerSection) {
    sections.push({
      type: 'section',
      fields: fields.slice(i, i + LIMITS.fieldsPerSection).map((text) => mrkdwn(text, LIMITS.fieldText)),
    });
  }
  return sections;
}

export function context(...texts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts.slice(0, LIMITS.contextElements).map((text) => mrkdwn(text, LIMITS.contextText)),
  };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

export function button(options: {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny: string };
}): ButtonElement {
  if (options.value.length > LIMITS.buttonValue)
    throw new RangeError(`button value over ${LIMITS.buttonValue} chars`);
  if (options.actionId.length > LIMITS.actionId)
    throw new RangeError(`action_id over ${LIMITS.actionId} chars`);
  const element: ButtonElement = {
    type: 'button',
    text: plain(options.text, LIMITS.buttonText),
    action_id: options.actionId,
    value: options.value,
  };
  if (options.style) element.style = options.style;
  if (options.confirm) {
    element.confirm = {
      title: plain(options.confirm.title, LIMITS.confirmTitle),
      text: plain(options.confirm.text, LIMITS.confirmText),
      confirm: plain(options.confirm.confirm, LIMITS.confirmButton),
      deny: plain(options.confirm.deny, LIMITS.confirmButton),
    };
  }
  return element;
}

/** Buttons in one block; their action_ids must differ (Slack refuses the message otherwise). */
export function actions(elements: readonly ButtonElement[]): ActionsBlock | undefined {
  if (elements.length === 0) return undefined;
  const ids = elements.map((element) => element.action_id);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) throw new RangeError(`action_id ${repeated} twice in one actions block`);
  return { type: 'actions', elements: elements.slice(0, LIMITS.actionsElements) };
}

export function messageSize(blocks: readonly Block[]): number {
  return JSON.stringify(blocks).length;
}

/**
 * Makes any message fit. `text` is plain text (the notification and fallback): it is escaped here,
 * once, because Slack parses it for mentions too. The blocks go through `fitMessageBlocks`.
 */
export function fitMessage(text: string, blocks: readonly (Block | undefined)[]): SlackMessage {
  return { text: truncateMrkdwn(escapeMrkdwn(text), LIMITS.fallbackText), blocks: fitMessageBlocks(blocks) };
}

/**
 * Keeps at most 50 blocks (the last ones — context and buttons — are kept), then shortens the
 * longest texts until the whole message is under the character budget.
 */
function fitMessageBlocks(blocks: readonly (Block | undefined)[]): Block[] {
  const all = blocks
    .filter((block): block is Block => block !== undefined)
    .map((block) => structuredClone(block));
  // The last two blocks (context and buttons) are what a reader acts on: they always stay.
  const tail = all.length > 3 ? all.slice(-2) : [];
  let body = all.slice(0, all.length - tail.length);
  const note = context('_Some rows were left out to fit Slack’s limits._');
  const assemble = (omitted: boolean) => (omitted ? [...body, note, ...tail] : [...body, ...tail]);
  let omitted = false;
  if (body.length + tail.length > LIMITS.blocksPerMessage) {
    body = body.slice(0, LIMITS.blocksPerMessage - tail.length - 1);
    omitted = true;
  }
  while (messageSize(assemble(omitted)) > LIMITS.messageChars) {
    const longest = longestText(assemble(omitted));
    if (!longest || longest.text.length <= 40) break;
    const excess = messageSize(assemble(omitted)) - LIMITS.messageChars;
    longest.text = truncateMrkdwn(longest.text, Math.max(40, longest.text.length - excess - 8));
  }
  // Still too big (many blocks of short texts): drop rows from the end of the body.
  while (messageSize(assemble(true)) > LIMITS.messageChars && body.length > 1) {
    body = body.slice(0, -1);
    omitted = true;
  }
  return assemble(omitted);
}

function longestText(blocks: Block[]): MrkdwnText | undefined {
  let longest: MrkdwnText | undefined;
  for (const block of blocks) {
    const texts: MrkdwnText[] =
      block.type === 'section'
        ? [...(block.text ? [block.text] : []), ...(block.fields ?? [])]
        : block.type === 'context'
          ? block.elements
          : [];
    for (const item of texts) if (!longest || item.text.length > longest.text.length) longest = item;
  }
  return longest;
}
