// What EventBridge adds to the alert views (issue 13): the facts an event carries, and whether events
// arrive from the queue. Every value came from outside: shown as code (escaped), clipped.
import type { EventFact, EventQueueStatus } from '../../domain/model.ts';
import { type SectionBlock, section } from './blocks.ts';
import { code, escapeMrkdwn, slackDate, truncate } from './text.ts';

const MAX_LABEL = 40;
const MAX_VALUE = 300;
const MAX_ERROR = 300;

/** The event's facts (bucket and prefix, composition, reason, …) as one section, or none. */
export function factsSection(facts: readonly EventFact[] | undefined): SectionBlock | undefined {
  if (!facts || facts.length === 0) return undefined;
  const lines = facts.map(
    (fact) => `*${escapeMrkdwn(truncate(fact.label, MAX_LABEL))}* ${code(truncate(fact.value, MAX_VALUE))}`,
  );
  return section(`*From the event*\n${lines.join('\n')}`);
}

/**
 * One line for /ivs watches: whether events arrive from IVS_EVENTS_QUEUE_URL and when the last one
 * came; undefined when the queue is not configured.
 */
export function eventQueueLine(status: EventQueueStatus | null | undefined, now: Date): string | undefined {
  if (!status) return undefined;
  const last = status.lastMessageAt
    ? `last event ${slackDate(status.lastMessageAt)} (${ago(status.lastMessageAt, now)})`
    : 'no event received yet';
  if (status.lastError !== null) {
    const since = status.errorSince ? ` since ${slackDate(status.errorSince)}` : '';
    return `⚠️ *EventBridge events:* the queue is not answering${since}: ${code(truncate(status.lastError, MAX_ERROR))}. Alerts still come from polling; ${last}.`;
  }
  if (status.lastReceiveAt === null) return `*EventBridge events:* not read yet; ${last}.`;
  return `*EventBridge events:* the queue answers (read ${ago(status.lastReceiveAt, now)}); ${last}.`;
}

function ago(then: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - then.getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
