import assert from 'node:assert/strict';

// Slack's Block Kit rules, written down here from Slack's reference (docs.slack.dev "Blocks", "Block
// elements", "Composition objects", the @slack/types comments; summary in
// ../shared/slack/block-kit-rules.md), for the view tests and the fake Slack. Deliberately
// independent of src/: a wrong limit in the code must not pass its own test. Only the blocks and
// elements modelled here are accepted: anything else is refused, so a new kind of block gets rules
// here before a view may use it.

export type Surface = 'message' | 'home' | 'modal';

/** Slack's error code when it refuses the payload; absent for documented guidance Slack does not enforce. */
export type SlackRefusal = 'invalid_blocks' | 'msg_blocks_too_long' | 'no_text';

export interface Violation {
  /** What is wrong, in the words of Slack's `[ERROR] …` messages where Slack has them. */
  rule: string;
  /** JSON pointer into the payload (`/blocks/3/elements/1/action_id`). */
  pointer: string;
  refusal?: SlackRefusal;
}

/** Slack's documented numbers. */
export const SLACK_RULES = {
  blocks: { message: 50, home: 100, modal: 100 },
  /**
   * msg_blocks_too_long: Slack documents no exact figure. Reported refusals came at about 11,300
   * characters of text (17,700 of block JSON) while 9,600 (15,600) passed; Slack's staff speak of
   * 12,000 characters of text plus room for the containers. Counting all the block JSON against
   * 12,000 stays below every reported refusal.
   */
  messageBlocksJson: 12_000,
  /** Slack truncates a message's `text` beyond this. */
  messageText: 40_000,
  textObject: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  imageUrl: 3000,
  altText: 2000,
  imageTitle: 2000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
} as const;

// Elements Slack allows in each place (Slack's "works with" lists). Those not modelled here are
// refused as such, so the checker never lets through what it cannot check.
const SECTION_ACCESSORIES = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'image',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'overflow',
  'radio_buttons',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'timepicker',
  'workflow_button',
]);
const ACTIONS_ELEMENTS = new Set([
  ...[...SECTION_ACCESSORIES].filter((type) => type !== 'image'),
  'datetimepicker',
  'rich_text_input',
]);
const MODELLED_ELEMENTS = new Set(['button', 'image']);
const MODELLED_BLOCKS = new Set(['section', 'header', 'context', 'actions', 'divider', 'image']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class Walk {
  readonly violations: Violation[] = [];

  fail(pointer: string, rule: string, refusal: SlackRefusal | null = 'invalid_blocks'): void {
    this.violations.push(refusal ? { rule, pointer, refusal } : { rule, pointer });
  }

  /** Refuses fields outside `allowed`. */
  fields(value: Json, pointer: string, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail(`${pointer}/${escapePointer(key)}`, `unknown field: ${key}`);
    }
  }

  /** A string of `min`..`max` UTF-16 units; false when it is not a string (already reported). */
  string(value: unknown, pointer: string, max: number, min = 1): value is string {
    if (typeof value !== 'string') {
      this.fail(pointer, value === undefined ? 'is required' : 'must be a string');
      return false;
    }
    if (value.length < min) this.fail(pointer, `must be more than ${min - 1} characters`);
    if (value.length > max) this.fail(pointer, `must be less than ${max + 1} characters`);
    return true;
  }

  optionalString(value: Json, key: string, pointer: string, max: number): void {
    if (key in value) this.string(value[key], `${pointer}/${key}`, max);
  }

  optionalBoolean(value: Json, key: string, pointer: string): void {
    if (key in value && typeof value[key] !== 'boolean') this.fail(`${pointer}/${key}`, 'must be a boolean');
  }

  /** A text object: plain_text or mrkdwn (or only plain_text), its text within `max`. */
  text(value: unknown, pointer: string, max: number, only?: 'plain_text'): void {
    if (!isObject(value)) {
      this.fail(pointer, value === undefined ? 'is required' : 'must be a text object');
      return;
    }
    if (value.type === 'plain_text') {
      this.fields(value, pointer, ['type', 'text', 'emoji']);
      this.optionalBoolean(value, 'emoji', pointer);
    } else if (value.type === 'mrkdwn' && only === undefined) {
      this.fields(value, pointer, ['type', 'text', 'verbatim']);
      this.optionalBoolean(value, 'verbatim', pointer);
    } else if (value.type === 'mrkdwn') {
      this.fail(`${pointer}/type`, 'must be plain_text');
      return;
    } else {
      this.fail(`${pointer}/type`, `unsupported type: ${String(value.type)}`);
      return;
    }
    this.string(value.text, `${pointer}/text`, Math.min(max, SLACK_RULES.textObject));
  }

  list(value: unknown, pointer: string, max: number, min = 1): unknown[] {
    if (!Array.isArray(value)) {
      this.fail(pointer, value === undefined ? 'is required' : 'must be an array');
      return [];
    }
    if (value.length < min) this.fail(pointer, `must provide at least ${min} items`);
    if (value.length > max) this.fail(pointer, `must be less than ${max + 1} items`);
    return value;
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Everything in a message or view that Slack refuses (with the error it answers) or its docs tell
 * apps not to do. `payload` is a message (`{ text, blocks, … }`, as for chat.postMessage or a
 * response_url) or a view (`{ type: 'home', blocks }`); pointers are relative to it.
 */
export function blockKitViolations(payload: unknown, surface: Surface): Violation[] {
  const walk = new Walk();
  if (!isObject(payload)) {
    walk.fail('', 'must be an object');
    return walk.violations;
  }
  if (surface === 'message') checkMessageText(walk, payload);
  else checkView(walk, payload, surface);
  if (payload.blocks === undefined && surface === 'message') return walk.violations;
  const blocks = walk.list(payload.blocks, '/blocks', SLACK_RULES.blocks[surface], 0);
  const blockIds = new Map<string, number>();
  blocks.forEach((block, index) => {
    checkBlock(walk, block, `/blocks/${index}`);
    if (isObject(block) && typeof block.block_id === 'string') {
      const first = blockIds.get(block.block_id);
      if (first !== undefined)
        walk.fail(`/blocks/${index}/block_id`, `duplicate block_id (also /blocks/${first}/block_id)`);
      else blockIds.set(block.block_id, index);
    }
  });
  if (surface === 'message' && Array.isArray(payload.blocks)) {
    const size = JSON.stringify(payload.blocks).length;
    if (size > SLACK_RULES.messageBlocksJson)
      walk.fail(
        '/blocks',
        `blocks hold ${size} characters, over ${SLACK_RULES.messageBlocksJson}`,
        'msg_blocks_too_long',
      );
  }
  return walk.violations;
}

function checkMessageText(walk: Walk, message: Json): void {
  const hasBlocks = Array.isArray(message.blocks) && message.blocks.length > 0;
  const text = message.text;
  if (text !== undefined && typeof text !== 'string') {
    walk.fail('/text', 'must be a string');
    return;
  }
  if (!text) {
    // Slack refuses a message with nothing in it; with blocks it only loses its notification text.
    if (hasBlocks)
      walk.fail('/text', 'fallback text is missing (notifications and screen readers use it)', null);
    else walk.fail('/text', 'no text and no blocks', 'no_text');
    return;
  }
  if (text.length > SLACK_RULES.messageText)
    walk.fail('/text', `Slack truncates text beyond ${SLACK_RULES.messageText} characters`, null);
}

function checkView(walk: Walk, view: Json, surface: 'home' | 'modal'): void {
  if (view.type !== surface) walk.fail('/type', `must be ${surface}`);
  const common = ['type', 'blocks', 'private_metadata', 'callback_id', 'external_id'];
  if (surface === 'home') walk.fields(view, '', common);
  else {
    walk.fields(view, '', [
      ...common,
      'title',
      'submit',
      'close',
      'clear_on_close',
      'notify_on_close',
      'submit_disabled',
    ]);
    walk.text(view.title, '/title', SLACK_RULES.viewTitle, 'plain_text');
    if ('submit' in view) walk.text(view.submit, '/submit', SLACK_RULES.viewButton, 'plain_text');
    if ('close' in view) walk.text(view.close, '/close', SLACK_RULES.viewButton, 'plain_text');
  }
  walk.optionalString(view, 'private_metadata', '', SLACK_RULES.privateMetadata);
  walk.optionalString(view, 'callback_id', '', SLACK_RULES.callbackId);
}

function checkBlock(walk: Walk, block: unknown, at: string): void {
  if (!isObject(block)) {
    walk.fail(at, 'must be a block object');
    return;
  }
  if (typeof block.type !== 'string' || !MODELLED_BLOCKS.has(block.type)) {
    walk.fail(`${at}/type`, `unsupported type: ${String(block.type)}`);
    return;
  }
  walk.optionalString(block, 'block_id', at, SLACK_RULES.blockId);
  switch (block.type) {
    case 'section':
      checkSection(walk, block, at);
      break;
    case 'header':
      walk.fields(block, at, ['type', 'block_id', 'text']);
      walk.text(block.text, `${at}/text`, SLACK_RULES.headerText, 'plain_text');
      break;
    case 'context':
      checkContext(walk, block, at);
      break;
    case 'actions':
      checkActions(walk, block, at);
      break;
    case 'divider':
      walk.fields(block, at, ['type', 'block_id']);
      break;
    case 'image':
      walk.fields(block, at, ['type', 'block_id', 'image_url', 'alt_text', 'title']);
      walk.string(block.image_url, `${at}/image_url`, SLACK_RULES.imageUrl);
      walk.string(block.alt_text, `${at}/alt_text`, SLACK_RULES.altText);
      if ('title' in block) walk.text(block.title, `${at}/title`, SLACK_RULES.imageTitle, 'plain_text');
  }
}

function checkSection(walk: Walk, block: Json, at: string): void {
  walk.fields(block, at, ['type', 'block_id', 'text', 'fields', 'accessory', 'expand']);
  walk.optionalBoolean(block, 'expand', at);
  if (block.text === undefined && block.fields === undefined)
    walk.fail(at, 'must provide either text or fields');
  if (block.text !== undefined) walk.text(block.text, `${at}/text`, SLACK_RULES.sectionText);
  if (block.fields !== undefined) {
    walk.list(block.fields, `${at}/fields`, SLACK_RULES.sectionFields).forEach((field, index) => {
      walk.text(field, `${at}/fields/${index}`, SLACK_RULES.sectionFieldText);
    });
  }
  if (block.accessory !== undefined)
    checkElement(walk, block.accessory, `${at}/accessory`, SECTION_ACCESSORIES);
}

function checkContext(walk: Walk, block: Json, at: string): void {
  walk.fields(block, at, ['type', 'block_id', 'elements']);
  walk.list(block.elements, `${at}/elements`, SLACK_RULES.contextElements).forEach((element, index) => {
    const pointer = `${at}/elements/${index}`;
    if (isObject(element) && element.type === 'image') checkImageElement(walk, element, pointer);
    else if (isObject(element) && (element.type === 'plain_text' || element.type === 'mrkdwn'))
      walk.text(element, pointer, SLACK_RULES.textObject);
    else
      walk.fail(
        `${pointer}/type`,
        `unsupported type in context: ${String(isObject(element) ? element.type : element)}`,
      );
  });
}

function checkActions(walk: Walk, block: Json, at: string): void {
  walk.fields(block, at, ['type', 'block_id', 'elements']);
  const actionIds = new Map<string, number>();
  walk.list(block.elements, `${at}/elements`, SLACK_RULES.actionsElements).forEach((element, index) => {
    const pointer = `${at}/elements/${index}`;
    checkElement(walk, element, pointer, ACTIONS_ELEMENTS);
    if (isObject(element) && typeof element.action_id === 'string') {
      const first = actionIds.get(element.action_id);
      if (first !== undefined)
        walk.fail(
          `${pointer}/action_id`,
          `duplicate action_id in block (also ${at}/elements/${first}/action_id)`,
        );
      else actionIds.set(element.action_id, index);
    }
  });
}

function checkElement(walk: Walk, element: unknown, at: string, allowed: ReadonlySet<string>): void {
  if (!isObject(element)) {
    walk.fail(at, 'must be an element object');
    return;
  }
  const type = String(element.type);
  if (!allowed.has(type)) {
    walk.fail(`${at}/type`, `unsupported type here: ${type}`);
    return;
  }
  if (!MODELLED_ELEMENTS.has(type)) {
    walk.fail(
      `${at}/type`,
      `${type} is allowed by Slack but not modelled by this checker: add its rules first`,
    );
    return;
  }
  if (type === 'image') checkImageElement(walk, element, at);
  else checkButton(walk, element, at);
}

function checkButton(walk: Walk, button: Json, at: string): void {
  walk.fields(button, at, [
    'type',
    'text',
    'action_id',
    'url',
    'value',
    'style',
    'confirm',
    'accessibility_label',
  ]);
  walk.text(button.text, `${at}/text`, SLACK_RULES.buttonText, 'plain_text');
  walk.optionalString(button, 'action_id', at, SLACK_RULES.actionId);
  walk.optionalString(button, 'value', at, SLACK_RULES.buttonValue);
  walk.optionalString(button, 'url', at, SLACK_RULES.buttonUrl);
  walk.optionalString(button, 'accessibility_label', at, SLACK_RULES.accessibilityLabel);
  if ('style' in button && button.style !== 'primary' && button.style !== 'danger')
    walk.fail(`${at}/style`, 'must be one of primary, danger');
  if ('confirm' in button) checkConfirm(walk, button.confirm, `${at}/confirm`);
}

function checkConfirm(walk: Walk, confirm: unknown, at: string): void {
  if (!isObject(confirm)) {
    walk.fail(at, 'must be a confirmation dialog object');
    return;
  }
  walk.fields(confirm, at, ['title', 'text', 'confirm', 'deny', 'style']);
  walk.text(confirm.title, `${at}/title`, SLACK_RULES.confirmTitle, 'plain_text');
  walk.text(confirm.text, `${at}/text`, SLACK_RULES.confirmText);
  walk.text(confirm.confirm, `${at}/confirm`, SLACK_RULES.confirmButton, 'plain_text');
  walk.text(confirm.deny, `${at}/deny`, SLACK_RULES.confirmButton, 'plain_text');
  if ('style' in confirm && confirm.style !== 'primary' && confirm.style !== 'danger')
    walk.fail(`${at}/style`, 'must be one of primary, danger');
}

function checkImageElement(walk: Walk, image: Json, at: string): void {
  walk.fields(image, at, ['type', 'image_url', 'alt_text']);
  walk.string(image.image_url, `${at}/image_url`, SLACK_RULES.imageUrl);
  walk.string(image.alt_text, `${at}/alt_text`, SLACK_RULES.altText);
}

/** One line per violation, as Slack words them in `response_metadata.messages`. */
export function slackErrorMessages(violations: readonly Violation[], prefix = ''): string[] {
  return violations.map((v) => `[ERROR] ${v.rule} [json-pointer:${prefix}${v.pointer}]`);
}

/** Fails, listing every violation, unless the payload keeps every rule and guideline above. */
export function assertValidBlockKit(payload: unknown, surface: Surface = 'message'): void {
  const violations = blockKitViolations(payload, surface);
  assert.deepEqual(slackErrorMessages(violations), [], `Slack would refuse or degrade this ${surface}`);
}
