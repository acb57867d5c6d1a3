import type {
  AffectedParticipant,
  AlertGroup,
  AlertMention,
  DetectedEvent,
  EventFact,
  GroupingPolicy,
  OutboxKind,
  Watch,
} from './model.ts';
import type { ReplyPayload } from './outboxPayloads.ts';

/** An existing group by id, or one this plan creates, by key. */
export type GroupTarget = { id: number } | { key: string };

export interface NewGroupSpec {
  readonly key: string;
  readonly stageArn: string;
  readonly sessionId: string;
  readonly code: string;
  readonly channelId: string;
  /** Who the group's first message pages: the watch's mention when the group is created. */
  readonly mention: AlertMention | null;
  /** The facts of the event that opens the group (events from EventBridge). */
  readonly facts?: readonly EventFact[];
}

export interface PlannedMessage {
  readonly kind: Exclude<OutboxKind, 'notice'>;
  readonly channelId: string;
  readonly target: GroupTarget;
  /** For replies: what is new since the group's message. */
  readonly payload: ReplyPayload | null;
}

/** A reply item's payload (its schema is in outboxPayloads.ts). */
export type { ReplyPayload };

export interface DetectionPlan {
  readonly newGroups: readonly NewGroupSpec[];
  /** Which group each new event joins (an event watched from two channels joins two groups). */
  readonly assignments: readonly { readonly event: DetectedEvent; readonly target: GroupTarget }[];
  readonly messages: readonly PlannedMessage[];
  /** Groups whose reply count grows by one. */
  readonly repliesQueuedFor: readonly number[];
}

/** The stored id of a plan's target, once the groups the plan creates have ids. */
export function groupIdOf(target: GroupTarget, createdIds: ReadonlyMap<string, number>): number {
  if ('id' in target) return target.id;
  const id = createdIds.get(target.key);
  if (id === undefined) throw new Error(`Detection plan names group ${target.key} it does not create`);
  return id;
}

export function groupKey(sessionId: string, code: string, channelId: string): string {
  return `${sessionId}|${code}|${channelId}`;
}

/**
 * A watch's filter names error codes (`BITRATE_EXCEEDED`) and error event names (`PUBLISH_ERROR`): an
 * event matches when either its code or its name is listed.
 */
export function watchCovers(
  watch: Pick<Watch, 'codes'>,
  event: Pick<DetectedEvent, 'code' | 'name'>,
): boolean {
  return watch.codes === null || watch.codes.includes(event.code) || watch.codes.includes(event.name);
}

/**
 * Decides, for error events never seen before, which alert group each joins and which Slack messages
 * that needs: a post for a new group; for an open group an update of its message (counts, last
 * seen) and, while under the reply cap and nobody acknowledged it, one thread reply naming what is
 * new. A quiet group takes no more events (a new group does). Pure: the store applies
 * the plan in the same transaction that records the events.
 */
export function planDetections(
  openGroups: readonly AlertGroup[],
  newEvents: readonly DetectedEvent[],
  watches: readonly Watch[],
  now: Date,
  policy: GroupingPolicy,
): DetectionPlan {
  const open = new Map<string, AlertGroup>();
  for (const group of openGroups) {
    // A quiet group is closed: the same error later is a new burst, a new group linking to this one.
    if (group.quietAt) continue;
    if (now.getTime() - group.lastSeen.getTime() > policy.burstWindowMs) continue;
    const key = groupKey(group.sessionId, group.code, group.channelId);
    const known = open.get(key);
    if (!known || known.lastSeen < group.lastSeen) open.set(key, group);
  }

  const newGroups = new Map<string, NewGroupSpec>();
  const assignments: { event: DetectedEvent; target: GroupTarget }[] = [];
  const eventsByExisting = new Map<number, DetectedEvent[]>();
  const ordered = [...newEvents].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());

  for (const watch of watches) {
    for (const event of ordered) {
      if (event.stageArn !== watch.stageArn || !watchCovers(watch, event)) continue;
      // EventBridge reported this error to the watches that cover what it carried.
      if (event.alertedAs && watchCovers(watch, event.alertedAs)) continue;
      const key = groupKey(event.sessionId, event.code, watch.channelId);
      const existing = open.get(key);
      if (existing) {
        assignments.push({ event, target: { id: existing.id } });
        const list = eventsByExisting.get(existing.id) ?? [];
        list.push(event);
        eventsByExisting.set(existing.id, list);
      } else {
        if (!newGroups.has(key)) {
          newGroups.set(key, {
            key,
            stageArn: event.stageArn,
            sessionId: event.sessionId,
            code: event.code,
            channelId: watch.channelId,
            mention: watch.mention ?? null,
            ...(event.facts && event.facts.length > 0 ? { facts: event.facts } : {}),
          });
        }
        assignments.push({ event, target: { key } });
      }
    }
  }

  const messages: PlannedMessage[] = [];
  for (const spec of newGroups.values()) {
    messages.push({ kind: 'post', channelId: spec.channelId, target: { key: spec.key }, payload: null });
  }
  const repliesQueuedFor: number[] = [];
  for (const group of open.values()) {
    const events = eventsByExisting.get(group.id);
    if (!events) continue;
    messages.push({ kind: 'update', channelId: group.channelId, target: { id: group.id }, payload: null });
    // Someone is on it: the counts keep updating, the thread stays quiet.
    if (group.repliesQueued < policy.maxReplies && !group.acknowledged) {
      repliesQueuedFor.push(group.id);
      messages.push({
        kind: 'reply',
        channelId: group.channelId,
        target: { id: group.id },
        payload: replyPayload(events, policy.sampleSize),
      });
    }
  }
  return { newGroups: [...newGroups.values()], assignments, messages, repliesQueuedFor };
}

function replyPayload(events: readonly DetectedEvent[], sampleSize: number): ReplyPayload {
  const participants = new Map<string, AffectedParticipant>();
  for (const event of events) {
    if (participants.size >= sampleSize) break;
    if (!participants.has(event.participantId)) {
      participants.set(event.participantId, {
        participantId: event.participantId,
        userId: event.userId,
        remoteParticipantId: event.remoteParticipantId,
      });
    }
  }
  const times = events.map((event) => event.eventTime.getTime());
  return {
    events: events.length,
    participants: [...participants.values()],
    firstSeen: new Date(Math.min(...times)).toISOString(),
    lastSeen: new Date(Math.max(...times)).toISOString(),
  };
}
