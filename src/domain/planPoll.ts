import type { PollReport } from './model.ts';
import type { StageNotice } from './outboxPayloads.ts';

export type StageTransition = 'failing' | 'recovered';

/**
 * How long transient failures (throttling, 5xx, time-outs) may go on before a stage counts as failing
 * and its channels hear about it. Shorter blips are retried by the next cycles without a word.
 */
export const TRANSIENT_GRACE_MS = 5 * 60_000;

/** What the store remembers of a stage's last poll. */
export interface PreviousHealth {
  readonly status: 'ok' | 'failing';
  /** Since when polls have been failing without a break; null while they succeed. */
  readonly problemSince: Date | null;
}

export interface PollPlan {
  readonly status: 'ok' | 'failing';
  readonly problemSince: Date | null;
  /** A change between ok and failing: one notice per watching channel. First-ever ok is not one. */
  readonly transition: StageTransition | null;
  /** The notice's outbox payload (JSON text) when there is a transition. */
  readonly noticePayload: string | null;
}

/**
 * What a poll report changes, given the stage's previous health. A lasting cause (not found, access
 * denied) makes the stage failing at once; transient failures only once they have lasted
 * TRANSIENT_GRACE_MS without a successful poll; "recovered" only follows "failing". Pure: each store
 * applies it.
 */
export function planPoll(previous: PreviousHealth | undefined, report: PollReport): PollPlan {
  const wasFailing = previous?.status === 'failing';
  const problemSince = report.ok ? null : (previous?.problemSince ?? report.at);
  const lasting =
    !report.ok &&
    (report.transient !== true ||
      wasFailing ||
      report.at.getTime() - (problemSince ?? report.at).getTime() >= TRANSIENT_GRACE_MS);
  const status = lasting ? 'failing' : 'ok';
  const transition: StageTransition | null =
    status === 'failing' && !wasFailing ? 'failing' : status === 'ok' && wasFailing ? 'recovered' : null;
  const notice: StageNotice | null = transition
    ? {
        stageArn: report.stageArn,
        transition,
        error: report.ok ? null : report.error,
        at: report.at.toISOString(),
      }
    : null;
  const noticePayload = notice ? JSON.stringify(notice) : null;
  return { status, problemSince, transition, noticePayload };
}
