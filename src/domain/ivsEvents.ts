import { z } from 'zod';
import type { DetectedEvent, EventFact } from './model.ts';

// IVS events as EventBridge delivers them (to an SQS queue the body is the event itself), validated at
// the edge and turned into what the alerting path stores. Field names are those of the IVS Real-Time
// User Guide's examples ("Using Amazon EventBridge with IVS", "Individual Participant Recording"):
// the envelope's `detail-type`, `time`, `resources`; the detail's `event_name`, `session_id`,
// `participant_id`, `user_id`, `event_time`, `recording_s3_bucket_name`, `recording_s3_key_prefix`.
// A composition's `detail.stage_arn` and `reason` are not from an example read here (see
// test/fixtures/eventbridge/README.md). Any other string field the detail carries is kept, as it came, as a fact shown
// in the alert, so a field IVS adds (a destination, an error code) reaches the channel without a
// release of the bot.

const IVS_DETAIL_TYPES = [
  'IVS Stage Update',
  'IVS Participant Recording State Change',
  'IVS Composition State Change',
] as const;

/** The EventBridge envelope of an IVS event. */
const ivsEventSchema = z.object({
  version: z.string().optional(),
  id: z.string().min(1).max(200),
  'detail-type': z.enum(IVS_DETAIL_TYPES),
  source: z.literal('aws.ivs'),
  account: z.string().optional(),
  time: z.iso.datetime({ offset: true }),
  region: z.string().optional(),
  resources: z.array(z.string().max(2048)).max(20),
  detail: z.looseObject({ event_name: z.string().min(1).max(200) }),
});
export type IvsEvent = z.infer<typeof ivsEventSchema>;

const STAGE_ARN = /^arn:aws:ivs:[a-z0-9-]+:[0-9]+:stage\/[a-zA-Z0-9-]+$/;
const COMPOSITION_ARN = /^arn:aws:ivs:[a-z0-9-]+:[0-9]+:composition\/[a-zA-Z0-9-]+$/;
const ID = /^[a-zA-Z0-9-]{1,64}$/;

/** A composition's alerts are grouped by its ARN where a participant's are by session: which one a group is. */
export function isCompositionArn(value: string): boolean {
  return COMPOSITION_ARN.test(value);
}
const SESSION_ID = /^st-[a-zA-Z0-9]{1,64}$/;
/** How much of one fact an alert keeps: an event's strings come from outside. */
const MAX_FACT = 300;
const MAX_FACTS = 8;

/**
 * The alert codes EventBridge adds to those of ListParticipantEvents; a watch's `codes=` may name them.
 * PUBLISH_ERROR is the polled event name too: a publish error seen both ways is one alert.
 */
export const EVENTBRIDGE_ALERT_CODES = {
  'Participant Publish Error': 'PUBLISH_ERROR',
  'Recording Start Failure': 'RECORDING_START_FAILURE',
  'Recording End Failure': 'RECORDING_END_FAILURE',
  'Session Failure': 'COMPOSITION_SESSION_FAILURE',
  'Destination Failure': 'COMPOSITION_DESTINATION_FAILURE',
  // The guide's composition lifecycle ("Server-Side Composition") names the event "Destination
  // Reconnecting"; its EventBridge table is read as "Destination Reconnect". Both are accepted.
  'Destination Reconnecting': 'COMPOSITION_DESTINATION_RECONNECT',
  'Destination Reconnect': 'COMPOSITION_DESTINATION_RECONNECT',
} as const;

/** A Destination Reconnect alerts once a destination has reconnected this often within the window. */
export const RECONNECT_REPEATS = 3;
export const RECONNECT_WINDOW_MS = 10 * 60 * 1000;

export type IgnoredReason = 'not_json' | 'not_ivs_event' | 'not_an_alert' | 'unwatched' | 'duplicate';

/** What one queue message means for alerting. */
export type EventDecision =
  | {
      readonly kind: 'alert';
      readonly event: DetectedEvent;
      /** Participant Publish Error: the poller reads this participant first, to follow with its full event list. */
      readonly readFirst: boolean;
      /** Destination Reconnect: alerts only when repeated (see RECONNECT_REPEATS). */
      readonly repeatedOnly: boolean;
    }
  | { readonly kind: 'ignore'; readonly reason: IgnoredReason; readonly why: string };

/** Parses a queue message's body: JSON, then an IVS event, then whether it is one the bot alerts on. */
export function decideEvent(body: string): EventDecision {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'ignore', reason: 'not_json', why: 'the body is not JSON' };
  }
  const parsed = ivsEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: 'ignore',
      reason: 'not_ivs_event',
      why: `not an IVS event this bot reads (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'})`,
    };
  }
  return decideIvsEvent(parsed.data);
}

function decideIvsEvent(event: IvsEvent): EventDecision {
  const name = event.detail.event_name;
  const code = (EVENTBRIDGE_ALERT_CODES as Record<string, string | undefined>)[name];
  if (code === undefined || !eventTypeHas(event['detail-type'], name)) {
    return {
      kind: 'ignore',
      reason: 'not_an_alert',
      why: `${event['detail-type']} / ${name} is not alerted on`,
    };
  }
  const detail = event.detail;
  const text = (field: string): string | undefined => {
    const value = detail[field];
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  };
  const eventTime = new Date(text('event_time') ?? event.time);
  if (Number.isNaN(eventTime.getTime())) {
    return { kind: 'ignore', reason: 'not_ivs_event', why: 'detail.event_time is not a time' };
  }
  const stageFromResources = event.resources.find((arn) => STAGE_ARN.test(arn));

  if (event['detail-type'] === 'IVS Composition State Change') {
    const stageArn = text('stage_arn') ?? stageFromResources;
    const compositionArn = event.resources.find((arn) => COMPOSITION_ARN.test(arn));
    if (!stageArn || !STAGE_ARN.test(stageArn) || !compositionArn) {
      return {
        kind: 'ignore',
        reason: 'not_ivs_event',
        why: 'a composition event without a stage ARN and a composition ARN',
      };
    }
    return {
      kind: 'alert',
      event: {
        stageArn,
        // A composition's events group by the composition, as a participant's do by their session.
        sessionId: compositionArn,
        participantId: '',
        userId: null,
        eventTime,
        name: code,
        code,
        remoteParticipantId: null,
        facts: factsOf(
          detail,
          ['event_name', 'stage_arn', 'event_time'],
          [{ label: 'Composition', value: compositionArn }],
        ),
        via: 'eventbridge',
      },
      readFirst: false,
      repeatedOnly: code === 'COMPOSITION_DESTINATION_RECONNECT',
    };
  }

  const sessionId = text('session_id');
  const participantId = text('participant_id');
  if (
    !stageFromResources ||
    !sessionId ||
    !SESSION_ID.test(sessionId) ||
    !participantId ||
    !ID.test(participantId)
  ) {
    return {
      kind: 'ignore',
      reason: 'not_ivs_event',
      why: `${event['detail-type']} without a stage ARN, session_id and participant_id of IVS's forms`,
    };
  }
  return {
    kind: 'alert',
    event: {
      stageArn: stageFromResources,
      sessionId,
      participantId,
      userId: text('user_id') ?? null,
      eventTime,
      name: code,
      code,
      remoteParticipantId: null,
      facts: factsOf(detail, ['event_name', 'session_id', 'participant_id', 'user_id', 'event_time']),
      via: 'eventbridge',
    },
    readFirst: code === 'PUBLISH_ERROR',
    repeatedOnly: false,
  };
}

const EVENTS_OF_TYPE: Record<(typeof IVS_DETAIL_TYPES)[number], readonly string[]> = {
  'IVS Stage Update': ['Participant Publish Error'],
  'IVS Participant Recording State Change': ['Recording Start Failure', 'Recording End Failure'],
  'IVS Composition State Change': [
    'Session Failure',
    'Destination Failure',
    'Destination Reconnect',
    'Destination Reconnecting',
  ],
};

function eventTypeHas(type: (typeof IVS_DETAIL_TYPES)[number], name: string): boolean {
  return EVENTS_OF_TYPE[type].includes(name);
}

const LABELS: Record<string, string> = {
  recording_s3_bucket_name: 'S3 bucket',
  recording_s3_key_prefix: 'S3 key prefix',
  reason: 'Reason',
};

/** The detail's other string and number fields, known ones first with their labels, each clipped. */
function factsOf(
  detail: Record<string, unknown>,
  skip: readonly string[],
  first: readonly EventFact[] = [],
): EventFact[] {
  const known = Object.keys(LABELS).filter((field) => field in detail);
  const rest = Object.keys(detail)
    .filter((field) => !skip.includes(field) && !(field in LABELS))
    .sort();
  const facts: EventFact[] = [...first];
  for (const field of [...known, ...rest]) {
    const value = detail[field];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const shown = String(value);
    if (shown.trim() === '') continue;
    facts.push({
      label: LABELS[field] ?? field,
      value: shown.length > MAX_FACT ? `${shown.slice(0, MAX_FACT - 1)}…` : shown,
    });
  }
  return facts.slice(0, MAX_FACTS);
}
