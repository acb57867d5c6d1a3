import type { ParticipantFilter } from '../../ivs/IvsGateway.ts';
import {
  type Parsed,
  parseParticipantId,
  parseSessionId,
  parseStageRef,
  parseUserId,
  type StageRef,
} from '../../ivs/identifiers.ts';

/** A `/ivs` command after validation: every ID has the form the IVS API requires. */
export type Command =
  | { name: 'help' }
  | { name: 'stages'; region: string }
  | { name: 'sessions'; stage: StageRef }
  | { name: 'participants'; stage: StageRef; sessionId: string; filter: ParticipantFilter }
  | { name: 'participant'; stage: StageRef; sessionId: string; participantId: string };

export type CommandParse = { ok: true; command: Command } | { ok: false; problem: string; usage: string };

export const USAGE: Record<Exclude<Command['name'], 'help'>, string> = {
  participant: '/ivs participant <stage> <session-id> <participant-id>',
  participants:
    '/ivs participants <stage> <session-id> [--state connected|disconnected] [--published] [--user <userId>]',
  sessions: '/ivs sessions <stage>',
  stages: '/ivs stages [region]',
};

export const EXAMPLES: Record<Exclude<Command['name'], 'help'>, string> = {
  participant:
    '/ivs participant arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456 st-AbCdEf1234567 xYz123AbC456',
  participants: '/ivs participants AbCdEf123456 st-AbCdEf1234567 --state connected',
  sessions: '/ivs sessions arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456',
  stages: '/ivs stages eu-west-1',
};

const MAX_TEXT = 2_000;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Splits command text into words, honouring "double", “smart” and 'single' quotes. */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|“([^”]*)”|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    words.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? '');
  }
  return words;
}

function usageError(name: keyof typeof USAGE, problem: string): CommandParse {
  return { ok: false, problem, usage: `Usage: ${USAGE[name]}\nExample: ${EXAMPLES[name]}` };
}

/** Parses the text after `/ivs`. Never throws: anything unexpected becomes a usage answer. */
export function parseCommand(text: string, defaultRegion: string): CommandParse {
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
  switch (name) {
    case 'stages':
      return parseStages(args, defaultRegion);
    case 'sessions':
      return parseSessions(args, defaultRegion);
    case 'participants':
      return parseParticipants(args, defaultRegion);
    case 'participant':
      return parseParticipant(args, defaultRegion);
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

function parseStages(args: string[], defaultRegion: string): CommandParse {
  if (args.length > 1) return usageError('stages', 'Too many arguments.');
  const region = args[0]?.toLowerCase() ?? defaultRegion;
  if (!REGION.test(region))
    return usageError('stages', `“${args[0] ?? ''}” is not an AWS region name such as us-east-1.`);
  return { ok: true, command: { name: 'stages', region } };
}

function parseSessions(args: string[], defaultRegion: string): CommandParse {
  if (args.length !== 1)
    return usageError('sessions', args.length === 0 ? 'Missing <stage>.' : 'Too many arguments.');
  const stage = parseStageRef(args[0] ?? '', defaultRegion);
  if (!stage.ok) return usageError('sessions', stage.problem);
  return { ok: true, command: { name: 'sessions', stage: stage.value } };
}

function parseParticipant(args: string[], defaultRegion: string): CommandParse {
  if (args.length !== 3) {
    const missing = ['<stage>', '<session-id>', '<participant-id>'].slice(args.length);
    return usageError(
      'participant',
      args.length < 3 ? `Missing ${missing.join(' and ')}.` : 'Too many arguments (expected three).',
    );
  }
  const [stageText, sessionText, participantText] = args as [string, string, string];
  const checks = [
    parseStageRef(stageText, defaultRegion),
    parseSessionId(sessionText),
    parseParticipantId(participantText),
  ] as const;
  const [stage, sessionId, participantId] = checks;
  const problem = firstProblem(stage, sessionId, participantId);
  if (problem !== undefined || !stage.ok || !sessionId.ok || !participantId.ok) {
    return usageError('participant', problem ?? 'Invalid arguments.');
  }
  return {
    ok: true,
    command: {
      name: 'participant',
      stage: stage.value,
      sessionId: sessionId.value,
      participantId: participantId.value,
    },
  };
}

function parseParticipants(args: string[], defaultRegion: string): CommandParse {
  const positional: string[] = [];
  const filters: ParticipantFilter[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    const [flag, inline] = word.startsWith('--') ? splitFlag(word) : [undefined, undefined];
    if (flag === undefined) {
      positional.push(word);
      continue;
    }
    if (flag === '--published') {
      if (inline !== undefined) return usageError('participants', '--published takes no value.');
      filters.push({ kind: 'published' });
    } else if (flag === '--state' || flag === '--user') {
      const value = inline ?? args[++i];
      if (value === undefined || value === '') return usageError('participants', `${flag} needs a value.`);
      if (flag === '--state') {
        const state = value.toUpperCase();
        if (state !== 'CONNECTED' && state !== 'DISCONNECTED') {
          return usageError('participants', '--state takes connected or disconnected.');
        }
        filters.push({ kind: 'state', state });
      } else {
        const userId = parseUserId(value);
        if (!userId.ok) return usageError('participants', userId.problem);
        filters.push({ kind: 'user', userId: userId.value });
      }
    } else {
      return usageError('participants', `Unknown option ${flag}.`);
    }
  }
  if (filters.length > 1) {
    return usageError(
      'participants',
      'IVS filters by one thing at a time: use only one of --state, --published, --user.',
    );
  }
  if (positional.length !== 2) {
    return usageError(
      'participants',
      positional.length < 2
        ? `Missing ${['<stage>', '<session-id>'].slice(positional.length).join(' and ')}.`
        : 'Too many arguments.',
    );
  }
  const stage = parseStageRef(positional[0] ?? '', defaultRegion);
  const sessionId = parseSessionId(positional[1] ?? '');
  const problem = firstProblem(stage, sessionId);
  if (problem !== undefined || !stage.ok || !sessionId.ok)
    return usageError('participants', problem ?? 'Invalid arguments.');
  return {
    ok: true,
    command: {
      name: 'participants',
      stage: stage.value,
      sessionId: sessionId.value,
      filter: filters[0] ?? { kind: 'none' },
    },
  };
}

function splitFlag(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return eq === -1 ? [word.toLowerCase(), undefined] : [word.slice(0, eq).toLowerCase(), word.slice(eq + 1)];
}

function firstProblem(...results: Parsed<unknown>[]): string | undefined {
  for (const result of results) if (!result.ok) return result.problem;
  return undefined;
}
