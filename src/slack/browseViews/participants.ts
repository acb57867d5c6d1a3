import { z } from 'zod';
import {
  type ParticipantFilter,
  type ParticipantSummary,
  RECORDING_FILTER_STATES,
} from '../../ivs/IvsGateway.ts';
import {
  type Parsed,
  parseSessionId,
  parseStageRef,
  parseUserId,
  type StageArn,
  type StageRef,
} from '../../ivs/identifiers.ts';
import { ACTION } from '../actionIds.ts';
import { renderParticipants } from '../views/listViews.ts';
import {
  type BrowseViewDescriptor,
  firstProblem,
  type ParseContext,
  resolveStageTarget,
  sessionIdField,
  stageArnField,
  stageOf,
} from './BrowseViewDescriptor.ts';

const filterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('state'), state: z.enum(['CONNECTED', 'DISCONNECTED']) }),
  z.object({ kind: z.literal('published') }),
  z.object({ kind: z.literal('user'), userId: z.string().min(1).max(128) }),
  z.object({ kind: z.literal('recording'), state: z.enum(RECORDING_FILTER_STATES) }),
]);

const target = z.object({
  view: z.literal('participants'),
  stageArn: stageArnField,
  sessionId: sessionIdField,
  filter: filterSchema,
});

type ParticipantsRequest = {
  name: 'participants';
  stage: StageRef;
  sessionId: string;
  filter: ParticipantFilter;
};

/** `/ivs participants <stage> <session-id> [filter]`, or a session row's button: who took part. */
export const participantsView: BrowseViewDescriptor<
  'participants',
  ParticipantsRequest,
  z.infer<typeof target>,
  {
    stage: StageArn;
    sessionId: string;
    filter: ParticipantFilter;
    participants: readonly ParticipantSummary[];
  }
> = {
  name: 'participants',
  command: {
    usage:
      '/ivs participants <stage> <session-id> [--state connected|disconnected] [--published] [--user <userId>] [--recording <state>]',
    example: '/ivs participants AbCdEf123456 st-AbCdEf1234567 --state connected',
    access: 'read',
    parse: parseParticipants,
  },
  open: {
    actionId: ACTION.openParticipants,
    request: ({ stage, sessionId }) =>
      sessionId
        ? { name: 'participants', stage: { kind: 'arn', stage }, sessionId, filter: { kind: 'none' } }
        : undefined,
  },
  target,
  pageSize: 20,
  resolve: (request, ivs) =>
    resolveStageTarget(request.stage, ivs, (stageArn) => ({
      view: 'participants',
      stageArn,
      sessionId: request.sessionId,
      filter: request.filter,
    })),
  async fetch(target, page, ivs) {
    const stage = stageOf(target);
    const result = await ivs.listParticipants(stage, target.sessionId, target.filter, page, 'interactive');
    if (!result.ok) return { ok: false, failure: result.failure, pageFailure: true };
    return {
      ok: true,
      data: { stage, sessionId: target.sessionId, filter: target.filter, participants: result.value.items },
      nextToken: result.value.nextToken,
    };
  },
  render: renderParticipants,
};

function parseParticipants(
  args: readonly string[],
  { defaultRegion, regions }: ParseContext,
): Parsed<ParticipantsRequest> {
  const positional: string[] = [];
  const filters: ParticipantFilter[] = [];
  const refuse = (problem: string) => ({ ok: false, problem }) as const;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    const [flag, inline] = word.startsWith('--') ? splitFlag(word) : [undefined, undefined];
    if (flag === undefined) {
      positional.push(word);
      continue;
    }
    if (flag === '--published') {
      if (inline !== undefined) return refuse('--published takes no value.');
      filters.push({ kind: 'published' });
    } else if (flag === '--state' || flag === '--user' || flag === '--recording') {
      const value = inline ?? args[++i];
      if (value === undefined || value === '') return refuse(`${flag} needs a value.`);
      if (flag === '--recording') {
        const state = RECORDING_FILTER_STATES.find((s) => s === value.toUpperCase());
        if (state === undefined) {
          return refuse(
            `--recording takes ${RECORDING_FILTER_STATES.map((s) => s.toLowerCase()).join(', ')}.`,
          );
        }
        filters.push({ kind: 'recording', state });
      } else if (flag === '--state') {
        const state = value.toUpperCase();
        if (state !== 'CONNECTED' && state !== 'DISCONNECTED') {
          return refuse('--state takes connected or disconnected.');
        }
        filters.push({ kind: 'state', state });
      } else {
        const userId = parseUserId(value);
        if (!userId.ok) return userId;
        filters.push({ kind: 'user', userId: userId.value });
      }
    } else {
      return refuse(`Unknown option ${flag}.`);
    }
  }
  if (filters.length > 1) {
    return refuse(
      'IVS filters by one thing at a time: use only one of --state, --published, --user, --recording.',
    );
  }
  if (positional.length !== 2) {
    return refuse(
      positional.length < 2
        ? `Missing ${['<stage>', '<session-id>'].slice(positional.length).join(' and ')}.`
        : 'Too many arguments.',
    );
  }
  const stage = parseStageRef(positional[0] ?? '', defaultRegion, regions);
  const sessionId = parseSessionId(positional[1] ?? '');
  const problem = firstProblem(stage, sessionId);
  if (problem !== undefined || !stage.ok || !sessionId.ok) return refuse(problem ?? 'Invalid arguments.');
  return {
    ok: true,
    value: {
      name: 'participants',
      stage: stage.value,
      sessionId: sessionId.value,
      filter: filters[0] ?? { kind: 'none' },
    },
  };
}

/** `--flag=value` → [--flag, value]; `--flag` → [--flag, undefined]. Flags are case-insensitive. */
function splitFlag(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return eq === -1 ? [word.toLowerCase(), undefined] : [word.slice(0, eq).toLowerCase(), word.slice(eq + 1)];
}
