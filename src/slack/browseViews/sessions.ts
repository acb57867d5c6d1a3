import { z } from 'zod';
import type { SessionSummary } from '../../ivs/IvsGateway.ts';
import { parseStageRef, type StageArn, type StageRef } from '../../ivs/identifiers.ts';
import { ACTION } from '../actionIds.ts';
import { renderSessions } from '../views/listViews.ts';
import {
  type BrowseViewDescriptor,
  resolveStageTarget,
  stageArnField,
  stageOf,
} from './BrowseViewDescriptor.ts';

const target = z.object({ view: z.literal('sessions'), stageArn: stageArnField });

/** `/ivs sessions <stage>`, or a stage row's Sessions button: the sessions of a stage. */
export const sessionsView: BrowseViewDescriptor<
  'sessions',
  { name: 'sessions'; stage: StageRef },
  z.infer<typeof target>,
  { stage: StageArn; sessions: readonly SessionSummary[] }
> = {
  name: 'sessions',
  command: {
    usage: '/ivs sessions <stage>',
    example: '/ivs sessions arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456',
    access: 'read',
    parse(args, { defaultRegion, regions }) {
      if (args.length !== 1)
        return { ok: false, problem: args.length === 0 ? 'Missing <stage>.' : 'Too many arguments.' };
      const stage = parseStageRef(args[0] ?? '', defaultRegion, regions);
      return stage.ok ? { ok: true, value: { name: 'sessions', stage: stage.value } } : stage;
    },
  },
  open: {
    actionId: ACTION.openSessions,
    request: ({ stage }) => ({ name: 'sessions', stage: { kind: 'arn', stage } }),
  },
  target,
  pageSize: 20,
  resolve: (request, ivs) =>
    resolveStageTarget(request.stage, ivs, (stageArn) => ({ view: 'sessions', stageArn })),
  async fetch(target, page, ivs) {
    const stage = stageOf(target);
    const result = await ivs.listStageSessions(stage, page, 'interactive');
    if (!result.ok) return { ok: false, failure: result.failure, pageFailure: true };
    return { ok: true, data: { stage, sessions: result.value.items }, nextToken: result.value.nextToken };
  },
  render: renderSessions,
};
