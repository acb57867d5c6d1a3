import type { ParticipantCursor } from '../domain/model.ts';

/**
 * Why a participant's events are read, in the order the quota serves them:
 * - `arrival`: first seen since the last listing (never read, joined after the watch began, in any
 *   state: a JOIN_ERROR participant may never be CONNECTED), or listed differently since its last
 *   read (it came back, left, started publishing, …);
 * - `due`: connected, one interval after its last read (never read: since the watch began), the
 *   longest waiting first;
 * - `backlog`: joined before the watch began and not read yet, most recent join first;
 * - `early`: connected and read less than one interval ago, read only with quota to spare.
 */
export type ReadReason = 'arrival' | 'due' | 'backlog' | 'early';

const RANK: Record<ReadReason, number> = { arrival: 0, due: 1, backlog: 2, early: 3 };

export interface ReadUrgency {
  readonly reason: ReadReason;
  /** Within a reason, smaller first (epoch ms). */
  readonly at: number;
}

export interface ReadTiming {
  readonly now: Date;
  readonly intervalMs: number;
}

/** Why and how urgently `p` should be read; null when its events cannot change (done). */
export function readUrgency(
  p: ParticipantCursor,
  watchedSince: number,
  timing: ReadTiming,
): ReadUrgency | null {
  if (p.done) return null;
  const joined = p.firstJoinTime?.getTime() ?? null;
  if (p.lastReadAt === null) {
    if (joined === null || joined >= watchedSince) return { reason: 'arrival', at: joined ?? watchedSince };
    if (p.state === 'CONNECTED') return { reason: 'due', at: watchedSince };
    return { reason: 'backlog', at: -joined };
  }
  const read = p.lastReadAt.getTime();
  if (p.listing !== p.readListing) return { reason: 'arrival', at: read };
  const due = p.state === 'CONNECTED' ? read + timing.intervalMs : read;
  return due <= timing.now.getTime() ? { reason: 'due', at: due } : { reason: 'early', at: due };
}

export interface ReadCandidate {
  readonly participant: ParticipantCursor;
  /** When the first watch of its stage began (or the retention horizon, if later). */
  readonly watchedSince: number;
}

/** Candidates in the order their events are read; done participants are left out. */
export function orderReads<T extends ReadCandidate>(candidates: readonly T[], timing: ReadTiming): T[] {
  const ranked = candidates.flatMap((candidate) => {
    const urgency = readUrgency(candidate.participant, candidate.watchedSince, timing);
    return urgency ? [{ candidate, urgency }] : [];
  });
  ranked.sort(
    (a, b) =>
      RANK[a.urgency.reason] - RANK[b.urgency.reason] ||
      a.urgency.at - b.urgency.at ||
      compareText(a.candidate.participant.stageArn, b.candidate.participant.stageArn) ||
      compareText(a.candidate.participant.sessionId, b.candidate.participant.sessionId) ||
      compareText(a.candidate.participant.participantId, b.candidate.participant.participantId),
  );
  return ranked.map((r) => r.candidate);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
