// The alerting domain: what is watched, what was seen, and what must reach Slack.

/** A stage watched for error events, posting to one channel. `codes` null = every error code. */
export interface Watch {
  readonly stageArn: string;
  readonly channelId: string;
  readonly codes: readonly string[] | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  /** Who the first message of each new alert group pages (see AlertMention); absent or null = nobody. */
  readonly mention?: AlertMention | null;
}

/**
 * Who a watch pages, in Slack's own mrkdwn form: `<@U…>` (a person), `<!subteam^S…>` (a user group)
 * or `<!here>`. It comes only from `/ivs watch … mention=` or IVS_WATCHES, never from IVS data.
 */
export type AlertMention = string;

/** A watch set up by configuration (IVS_WATCHES) rather than a command. */
export interface WatchSpec {
  readonly stageArn: string;
  readonly channelId: string;
  readonly codes: readonly string[] | null;
  readonly mention?: AlertMention | null;
}

/** How polling of a stage went last time; shared by all watches of that stage. */
export interface StageHealth {
  readonly stageArn: string;
  readonly lastPollAt: Date | null;
  readonly status: 'ok' | 'failing';
  /** The failure sentence while failing. */
  readonly lastError: string | null;
  /** How long the least recently read participant has waited, when the quota could not cover all. */
  readonly lagSeconds: number;
}

/** Alerts of one code on one stage are silenced until `until`. */
export interface Mute {
  readonly stageArn: string;
  readonly code: string;
  readonly until: Date;
  readonly mutedBy: string;
  readonly createdAt: Date;
}

/** What the poller remembers about a session between cycles. */
export interface SessionCursor {
  readonly stageArn: string;
  readonly sessionId: string;
  readonly startTime: Date | null;
  readonly endTime: Date | null;
  /** Ended and every participant read to the end: never listed again. */
  readonly finished: boolean;
}

/** What the poller remembers about a participant between cycles. */
export interface ParticipantCursor {
  readonly stageArn: string;
  readonly sessionId: string;
  readonly participantId: string;
  readonly userId: string | null;
  readonly state: string | null;
  readonly firstJoinTime: Date | null;
  /** When its events were last read to the end; null = never. */
  readonly lastReadAt: Date | null;
  /** Disconnected and read to the end after it left: its events cannot change unless it comes back. */
  readonly done: boolean;
  /** Last time one of its events was an error. */
  readonly lastErrorAt: Date | null;
  /** Its ListParticipants entry as last listed (see listingOf); null until listed. */
  readonly listing: string | null;
  /** `listing` as it was when its events were last read: a difference means it changed since. */
  readonly readListing: string | null;
  /** Where ListParticipantEvents puts its newest events, once seen over two pages or more. */
  readonly eventOrder: EventOrder | null;
  /** Oldest-first: the nextToken that fetched the last page, where new events appear. */
  readonly resumeToken: string | null;
  /** The newest eventTime read so far: an event at or before it is known. */
  readonly newestEventAt: Date | null;
}

/** Where a paged list puts its newest items (IVS documents no order for ListParticipantEvents). */
export type EventOrder = 'newest-first' | 'oldest-first';

/** One error event as detected; its dedup key is unique in the store. */
export interface DetectedEvent {
  readonly stageArn: string;
  readonly sessionId: string;
  readonly participantId: string;
  readonly userId: string | null;
  readonly eventTime: Date;
  readonly name: string;
  /** The event's errorCode, or its name when an *_ERROR event carries none. */
  readonly code: string;
  readonly remoteParticipantId: string | null;
  /** What an EventBridge event carries beyond the above (bucket, composition, reason), shown in its alert. */
  readonly facts?: readonly EventFact[];
  /** How it was seen: absent = read from ListParticipantEvents. */
  readonly via?: 'eventbridge';
  /**
   * A polled publish error that EventBridge reported first: the code and name it was stored under
   * then. A watch that covered that is not alerted again (applyDetections sets it).
   */
  readonly alertedAs?: Pick<DetectedEvent, 'code' | 'name'>;
}

/** One labelled value from an outside event, shown as it came (escaped) in the alert. */
export interface EventFact {
  readonly label: string;
  readonly value: string;
}

/**
 * Unique per event in the store. A publish error's key starts with what both of its paths carry
 * (publishErrorSecond: stage, session, participant, second). EventBridge's event carries no error
 * code and, in its envelope, whole seconds, so its key is that and nothing more; a polled one adds its
 * code and millisecond, so two different errors of one participant in one second stay two. Which
 * polled error is the one EventBridge already reported is decided when storing (applyDetections).
 */
export function dedupKey(event: DetectedEvent): string {
  if (event.name === 'PUBLISH_ERROR') {
    const second = publishErrorSecond(event);
    if (event.via === 'eventbridge') return second;
    return [second, event.code, event.eventTime.getTime()].join('|');
  }
  return [
    event.stageArn,
    event.sessionId,
    event.participantId,
    event.eventTime.toISOString(),
    event.name,
    event.code,
    event.remoteParticipantId ?? '',
  ].join('|');
}

/** What a publish error's key starts with whichever path saw it: stage, session, participant, second. */
export function publishErrorSecond(event: DetectedEvent): string {
  const second = Math.floor(event.eventTime.getTime() / 1000);
  return ['publish-error', event.stageArn, event.sessionId, event.participantId, second].join('|');
}

/** A participant named in an alert. */
export interface AffectedParticipant {
  readonly participantId: string;
  readonly userId: string | null;
  readonly remoteParticipantId: string | null;
}

/**
 * One Slack message per (stage, session, code, channel) while the burst lasts. New events of the
 * same group update that message and add at most a few thread replies.
 */
export interface AlertGroup {
  readonly id: number;
  readonly stageArn: string;
  readonly sessionId: string;
  readonly code: string;
  readonly channelId: string;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  readonly eventCount: number;
  readonly participantCount: number;
  /** The first few affected participants, in order of detection. */
  readonly sample: readonly AffectedParticipant[];
  /** Set once the message was posted. */
  readonly messageTs: string | null;
  readonly repliesQueued: number;
  readonly createdAt: Date;
  /** The facts of the event that opened the group, for alerts from EventBridge (see DetectedEvent.facts). */
  readonly facts?: readonly EventFact[];
  // The group's life after it fired (issue 16). Absent or null = not so; the stores leave out what is
  // not set, so a group that never changed reads as it did before.
  /** Someone said they are on it: their updates add no more thread replies. */
  readonly acknowledged?: Acknowledgement | null;
  /** When the bot found no new event for the grouping window: the group is closed, its message says so. */
  readonly quietAt?: Date | null;
  /** When the stage session of the group ended. */
  readonly sessionEndedAt?: Date | null;
  /** The previous group of the same stage, session, code and channel: this one is a new burst of it. */
  readonly previous?: PreviousBurst | null;
  /** The burst that came after this one went quiet (read by getGroup only, to point forward to it). */
  readonly next?: NextBurst | null;
  /** Who the group's first message pages, from its watch when the group was created. */
  readonly mention?: AlertMention | null;
}

export interface Acknowledgement {
  /** Slack user ID of who clicked Acknowledge. */
  readonly by: string;
  readonly at: Date;
}

/** The earlier burst a new group links to. */
export interface PreviousBurst {
  readonly groupId: number;
  /** Its message, when it was posted. */
  readonly messageTs: string | null;
  readonly lastSeen: Date;
}

/** The later burst an earlier group points forward to: the same error fired again. */
export interface NextBurst {
  readonly groupId: number;
  /** Its message, once posted. */
  readonly messageTs: string | null;
  readonly firstSeen: Date;
}

export type OutboxKind = 'post' | 'update' | 'reply' | 'notice';

/** A Slack message that must be sent; written in the same transaction as what caused it. */
export interface OutboxItem {
  readonly id: number;
  readonly kind: OutboxKind;
  readonly channelId: string;
  /** The group for post/update/reply; null for notices. */
  readonly groupId: number | null;
  /** Reply or notice content as data the views render (JSON-serialisable). */
  readonly payload: unknown;
  readonly attempts: number;
  readonly notBefore: Date;
  readonly createdAt: Date;
}

/** What must change before a message Slack refused can go: its channel, the whole workspace, or the message. */
export type FailureScope = 'channel' | 'workspace' | 'message';

/** The payload of a `notice` outbox item (its schema is in outboxPayloads.ts). */
export type { StageNotice } from './outboxPayloads.ts';

/** Messages to one channel that Slack refused for one reason, kept until the cause is fixed. */
export interface UndeliveredMessages {
  readonly channelId: string;
  /** Slack's error code (not_in_channel, invalid_auth, …). */
  readonly error: string;
  readonly scope: FailureScope;
  readonly count: number;
  /** When the oldest of them failed. */
  readonly since: Date;
}

/** Tunables of grouping, chosen so that a storm of thousands of events stays a few messages. */
export interface GroupingPolicy {
  /** A group stays open while events keep coming within this window of its last event. */
  readonly burstWindowMs: number;
  /** Thread replies per group at most. */
  readonly maxReplies: number;
  /** Participants kept by name in a group. */
  readonly sampleSize: number;
}

/** The grouping window by default (IVS_ALERT_QUIET_MINUTES): after it without events a group is quiet. */
export const DEFAULT_QUIET_MINUTES = 30;

export const DEFAULT_GROUPING: GroupingPolicy = {
  burstWindowMs: DEFAULT_QUIET_MINUTES * 60 * 1000,
  maxReplies: 3,
  sampleSize: 5,
};

/** The outcome of one poll of a stage, as the store records it. */
export interface PollReport {
  readonly stageArn: string;
  readonly at: Date;
  readonly ok: boolean;
  /** The failure sentence when not ok. */
  readonly error: string | null;
  /**
   * The failure usually passes by itself (throttling, 5xx, time-outs): the stage is failing only once
   * such failures have lasted TRANSIENT_GRACE_MS (planPoll). Left out: a lasting cause (not found,
   * access denied), failing at once.
   */
  readonly transient?: boolean;
  readonly lagSeconds: number;
  /** Channels watching the stage: they get one notice when it starts failing and one when it recovers. */
  readonly channelIds: readonly string[];
}

/** How the EventBridge queue (IVS_EVENTS_QUEUE_URL) is being read, by any replica. */
export interface EventQueueStatus {
  /** The last ReceiveMessage that answered, with or without messages. */
  readonly lastReceiveAt: Date | null;
  /** When the newest message received was sent to the queue. */
  readonly lastMessageAt: Date | null;
  /** Why receiving fails, while it does. */
  readonly lastError: string | null;
  readonly errorSince: Date | null;
}
