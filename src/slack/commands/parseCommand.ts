import type { AlertMention } from '../../domain/model.ts';
import type { AccountRoles } from '../../ivs/accountRoles.ts';
import { VALID_ALERT_CODES } from '../../ivs/eventCatalog.ts';
import {
  IVS_REALTIME_REGIONS,
  type Parsed,
  parseSessionId,
  parseStageRef,
  type StageRef,
} from '../../ivs/identifiers.ts';
import { type BrowseRequest, browseViewNamed } from '../browseViews/registry.ts';
import { EXAMPLES, USAGE } from '../commandUsage.ts';
import { mentionName, parseMention } from '../mention.ts';
import { TYPED_CHANNEL_ID, WATCHABLE_CHANNEL_ID } from '../slackIds.ts';

/**
 * A `/ivs` command after validation: every ID has the form the IVS API requires. The browse views'
 * commands are their descriptors' requests (browseViews/).
 */
export type Command =
  | { name: 'help' }
  | BrowseRequest
  | {
      name: 'watch';
      stage: StageRef;
      channelId: string | undefined;
      codes: string[] | null;
      /** Who the first message of each new alert group pages (mention=). */
      mention: AlertMention | null;
      /** The name Slack gave beside a picked mention (`@video-oncall`), to say who is paged without paging. */
      mentionName?: string;
    }
  | { name: 'unwatch'; stage: StageRef; channelId: string | undefined }
  | { name: 'watches' }
  | { name: 'mutes' }
  /** The picture of a session (timeline/). */
  | { name: 'timeline'; stage: StageRef; sessionId: string };

export type CommandParse = { ok: true; command: Command } | { ok: false; problem: string; usage: string };

const MAX_TEXT = 2_000;

/**
 * Splits command text into words, honouring "double", “smart” and 'single' quotes. Slack escapes
 * &, < and > in command text (should_escape), so entities are turned back into characters; its own
 * <#C…|name> and <@U…> references stay whole.
 */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  // A word is a run of unquoted characters and "quoted" or “quoted” parts (so --user="a b" is one
  // word); a word wholly in 'single quotes' is one too. Quote marks are dropped.
  const pattern = /'([^']*)'(?=\s|$)|((?:[^\s"“”]+|"[^"]*"?|“[^”]*”?)+)/g;
  for (const match of text.matchAll(pattern)) {
    const word = match[1] ?? (match[2] ?? '').replace(/["“”]/g, '');
    words.push(word.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
  }
  return words;
}

const CHANNEL_REF = /^<#([^|>]+)(\|[^>]*)?>$/;

/** A channel as Slack sends a picked #channel (<#C…|name>), or a bare channel ID. */
export function parseChannel(word: string): Parsed<string> {
  const ref = CHANNEL_REF.exec(word);
  if (ref?.[1] && WATCHABLE_CHANNEL_ID.test(ref[1])) return { ok: true, value: ref[1] };
  if (TYPED_CHANNEL_ID.test(word)) return { ok: true, value: word };
  return {
    ok: false,
    problem: `“${word}” is not a channel Slack identified: pick it from the #channel autocomplete, or give its ID (C0123ABCDEF).`,
  };
}

function isChannelWord(word: string): boolean {
  return word.startsWith('#') || word.startsWith('<#') || TYPED_CHANNEL_ID.test(word);
}

// Typed by Command, not USAGE: a subcommand without a usage line in commandUsage.ts fails to compile here.
function usageError(name: Exclude<Command['name'], 'help'>, problem: string): CommandParse {
  return { ok: false, problem, usage: `Usage: ${USAGE[name]}\nExample: ${EXAMPLES[name]}` };
}

/**
 * Parses the text after `/ivs`. Never throws: anything unexpected becomes a usage answer. Regions
 * (typed or in a stage ARN) must be among `regions` (IVS_REGIONS), refused before any AWS call; an
 * account typed (`/ivs stages [region] [account]`) must be in `accounts` (IVS_ACCOUNT_ROLES).
 */
export function parseCommand(
  text: string,
  defaultRegion: string,
  regions: ReadonlySet<string> = IVS_REALTIME_REGIONS,
  accounts: AccountRoles = new Map(),
): CommandParse {
  if (text.length > MAX_TEXT) {
    return {
      ok: false,
      problem: `That command is too long (over ${MAX_TEXT} characters).`,
      usage: helpUsage(),
    };
  }
  const [rawName, ...args] = tokenize(text.normalize('NFC'));
  const name = rawName?.toLowerCase();
  if (name === undefined || name === 'help' || name === '-h' || name === '--help') {
    return { ok: true, command: { name: 'help' } };
  }
  const view = browseViewNamed(name);
  if (view) {
    const request = view.command.parse(args, { defaultRegion, regions, accounts });
    return request.ok ? { ok: true, command: request.value } : usageError(view.name, request.problem);
  }
  switch (name) {
    case 'watch':
    case 'unwatch':
      return parseWatch(name, args, defaultRegion, regions);
    case 'timeline':
      return parseTimeline(args, defaultRegion, regions);
    case 'watches':
    case 'mutes':
      return args.length === 0
        ? { ok: true, command: { name } }
        : usageError(name, 'This command takes no arguments.');
    default:
      return {
        ok: false,
        problem: `Unknown subcommand “${rawName ?? ''}”.`,
        usage: helpUsage(),
      };
  }
}

export function helpUsage(): string {
  return Object.values(USAGE).join('\n');
}

function parseWatch(
  name: 'watch' | 'unwatch',
  args: string[],
  defaultRegion: string,
  regions: ReadonlySet<string>,
): CommandParse {
  const [stageText, ...rest] = args;
  if (stageText === undefined) return usageError(name, 'Missing <stage>.');
  const stage = parseStageRef(stageText, defaultRegion, regions);
  if (!stage.ok) return usageError(name, stage.problem);
  let channelId: string | undefined;
  let codes: string[] | null = null;
  let mention: AlertMention | null = null;
  let mentionText = '';
  for (const word of rest) {
    if (name === 'watch' && /^codes=/i.test(word)) {
      if (codes !== null) return usageError(name, 'Give codes= once.');
      const listed = word
        .slice('codes='.length)
        .split(',')
        .map((code) => code.trim().toUpperCase())
        .filter(Boolean);
      const unknown = listed.filter((code) => !VALID_ALERT_CODES.includes(code));
      if (listed.length === 0) return usageError(name, 'codes= needs at least one code.');
      if (unknown.length > 0) {
        return usageError(
          name,
          `Unknown code${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}. Valid codes: ${VALID_ALERT_CODES.join(', ')}.`,
        );
      }
      codes = [...new Set(listed)];
    } else if (name === 'watch' && /^mention=/i.test(word)) {
      if (mention !== null)
        return usageError(name, 'Give mention= once: one person, one user group or here.');
      const parsed = parseMention(word.slice('mention='.length));
      if (!parsed.ok) return usageError(name, parsed.problem);
      mention = parsed.value;
      mentionText = word.slice('mention='.length);
    } else if (isChannelWord(word)) {
      if (channelId !== undefined) return usageError(name, 'Give one channel.');
      const channel = parseChannel(word);
      if (!channel.ok) return usageError(name, channel.problem);
      channelId = channel.value;
    } else {
      return usageError(name, `Unexpected “${word}”.`);
    }
  }
  return name === 'watch'
    ? {
        ok: true,
        command: { name, stage: stage.value, channelId, codes, mention, ...named(mentionName(mentionText)) },
      }
    : { ok: true, command: { name, stage: stage.value, channelId } };
}

/** `/ivs timeline <stage> <session-id>`. */
function parseTimeline(args: string[], defaultRegion: string, regions: ReadonlySet<string>): CommandParse {
  if (args.length !== 2) {
    const missing = ['<stage>', '<session-id>'].slice(args.length);
    return usageError(
      'timeline',
      args.length < 2 ? `Missing ${missing.join(' and ')}.` : 'Too many arguments (expected two).',
    );
  }
  const [stageText, sessionText] = args as [string, string];
  const stage = parseStageRef(stageText, defaultRegion, regions);
  if (!stage.ok) return usageError('timeline', stage.problem);
  const sessionId = parseSessionId(sessionText);
  if (!sessionId.ok) return usageError('timeline', sessionId.problem);
  return { ok: true, command: { name: 'timeline', stage: stage.value, sessionId: sessionId.value } };
}

const named = (name: string | undefined): { mentionName?: string } => (name ? { mentionName: name } : {});
