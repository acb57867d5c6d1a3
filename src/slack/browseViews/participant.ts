import { z } from 'zod';
import type { ParticipantDetails, ParticipantEvent } from '../../ivs/IvsGateway.ts';
import {
  parseParticipantId,
  parseSessionId,
  parseStageRef,
  type StageArn,
  type StageRef,
} from '../../ivs/identifiers.ts';
import { ACTION } from '../actionIds.ts';
import { renderParticipant } from '../views/participantView.ts';
import {
  type BrowseViewDescriptor,
  firstProblem,
  participantIdField,
  resolveStageTarget,
  sessionIdField,
  stageArnField,
  stageOf,
} from './BrowseViewDescriptor.ts';

const target = z.object({
  view: z.literal('participant'),
  stageArn: stageArnField,
  sessionId: sessionIdField,
  participantId: participantIdField,
});

/**
 * `/ivs participant <stage> <session-id> <participant-id>`, or a participant row's Details button:
 * the participant at a glance (GetParticipant) and one page of its events.
 */
export const participantView: BrowseViewDescriptor<
  'participant',
  { name: 'participant'; stage: StageRef; sessionId: string; participantId: string },
  z.infer<typeof target>,
  {
    stage: StageArn;
    sessionId: string;
    participant: ParticipantDetails;
    events: readonly ParticipantEvent[];
  }
> = {
  name: 'participant',
  command: {
    usage: '/ivs participant <stage> <session-id> <participant-id>',
    example:
      '/ivs participant arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456 st-AbCdEf1234567 xYz123AbC456',
    access: 'read',
    parse(args, { defaultRegion, regions }) {
      if (args.length !== 3) {
        const missing = ['<stage>', '<session-id>', '<participant-id>'].slice(args.length);
        return {
          ok: false,
          problem:
            args.length < 3 ? `Missing ${missing.join(' and ')}.` : 'Too many arguments (expected three).',
        };
      }
      const [stageText, sessionText, participantText] = args as [string, string, string];
      const stage = parseStageRef(stageText, defaultRegion, regions);
      const sessionId = parseSessionId(sessionText);
      const participantId = parseParticipantId(participantText);
      const problem = firstProblem(stage, sessionId, participantId);
      if (problem !== undefined || !stage.ok || !sessionId.ok || !participantId.ok) {
        return { ok: false, problem: problem ?? 'Invalid arguments.' };
      }
      return {
        ok: true,
        value: {
          name: 'participant',
          stage: stage.value,
          sessionId: sessionId.value,
          participantId: participantId.value,
        },
      };
    },
  },
  open: {
    actionId: ACTION.openParticipant,
    request: ({ stage, sessionId, participantId }) =>
      sessionId && participantId
        ? { name: 'participant', stage: { kind: 'arn', stage }, sessionId, participantId }
        : undefined,
  },
  target,
  pageSize: 20,
  resolve: (request, ivs) =>
    resolveStageTarget(request.stage, ivs, (stageArn) => ({
      view: 'participant',
      stageArn,
      sessionId: request.sessionId,
      participantId: request.participantId,
    })),
  async fetch(target, page, ivs) {
    const stage = stageOf(target);
    // Both calls run at once: each has its own per-operation budget.
    const [participant, events] = await Promise.all([
      ivs.getParticipant(stage, target.sessionId, target.participantId, 'interactive'),
      ivs.listParticipantEvents(stage, target.sessionId, target.participantId, page, 'interactive'),
    ]);
    if (!participant.ok) return { ok: false, failure: participant.failure, pageFailure: false };
    if (!events.ok) return { ok: false, failure: events.failure, pageFailure: true };
    return {
      ok: true,
      data: {
        stage,
        sessionId: target.sessionId,
        participant: participant.value,
        events: sortByEventTime(events.value.items),
      },
      nextToken: events.value.nextToken,
    };
  },
  render: renderParticipant,
};

/** IVS documents no order for events: show them oldest first, undated ones last. */
function sortByEventTime(events: readonly ParticipantEvent[]): ParticipantEvent[] {
  return [...events].sort(
    (a, b) =>
      (a.eventTime?.getTime() ?? Number.POSITIVE_INFINITY) -
      (b.eventTime?.getTime() ?? Number.POSITIVE_INFINITY),
  );
}
