import type { PollReport } from '../store/Store.ts';

export type StageTransition = 'failing' | 'recovered';

export interface PollPlan {
  readonly status: 'ok' | 'failing';
  /** A change between ok and failing: one notice per watching channel. First-ever ok is not one. */
  readonly transition: StageTransition | null;
  /** The notice's outbox payload (JSON text) when there is a transition. */
  readonly noticePayload: string | null;
}

/** What a poll report changes, given the stage's previous status. Pure: each store applies it. */
export function planPoll(previous: 'ok' | 'failing' | undefined, report: PollReport): PollPlan {
  const status = report.ok ? 'ok' : 'failing';
  const transition: StageTransition | null =
    status === 'failing' && previous !== 'failing'
      ? 'failing'
      : status === 'ok' && previous === 'failing'
        ? 'recovered'
        : null;
  const noticePayload = transition
    ? JSON.stringify({
        stageArn: report.stageArn,
        transition,
        error: report.ok ? null : report.error,
        at: report.at.toISOString(),
      })
    : null;
  return { status, transition, noticePayload };
}
