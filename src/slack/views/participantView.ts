import type { Paging } from '../../browse/types.ts';
import { explainErrorCode, isErrorEvent } from '../../ivs/eventCatalog.ts';
import type { ExchangedToken, ParticipantDetails, ParticipantEvent } from '../../ivs/IvsGateway.ts';
import type { StageArn } from '../../ivs/identifiers.ts';
import { ACTION, openTarget } from '../actionIds.ts';
import {
  button,
  context,
  divider,
  fieldSections,
  fitMessage,
  header,
  LIMITS,
  type SlackMessage,
  section,
} from './blocks.ts';
import { mention } from './noticeView.ts';
import { pagingActions, type Snapshot, snapshotNote } from './pagingActions.ts';
import { code, escapeMrkdwn, formatTime, slackDate, truncate } from './text.ts';
import { timelineButton } from './timelineView.ts';

export interface ParticipantViewData {
  stage: StageArn;
  sessionId: string;
  participant: ParticipantDetails;
  events: readonly ParticipantEvent[];
  paging: Paging;
}

/**
 * The Disconnect button (admins only, connected participants), the record of a disconnect, and
 * whether the view is a snapshot shared to a channel (then it offers no Disconnect).
 */
export interface ParticipantViewOptions {
  offer?: boolean;
  done?: { by: string; at: Date };
  snapshot?: Snapshot;
}

const present = <T>(elements: readonly (T | undefined)[]): T[] =>
  elements.filter((element): element is T => element !== undefined);

const STATE_ICON: Record<string, string> = {
  CONNECTED: ':large_green_circle:',
  DISCONNECTED: ':white_circle:',
};

/** The participant at a glance (GetParticipant) followed by one page of its events. */
export function renderParticipant(
  data: ParticipantViewData,
  disconnect: ParticipantViewOptions = {},
): SlackMessage {
  const p = data.participant;
  const errorsOnPage = data.events.filter(isErrorEvent).length;
  const blocks = [
    header(`Participant ${p.participantId}`),
    ...fieldSections(participantFields(p)),
    section(`*Attributes*\n${renderAttributes(p.attributes)}`),
    divider(),
    section(
      `*Events* · page ${data.paging.pageIndex + 1} · ${data.events.length} event${data.events.length === 1 ? '' : 's'}` +
        (errorsOnPage > 0 ? ` · :red_circle: ${errorsOnPage} error${errorsOnPage === 1 ? '' : 's'}` : ''),
    ),
    ...eventSections(data.events),
    context(
      `Stage ${code(data.stage.arn)} · session ${code(data.sessionId)} · ${data.stage.region}`,
      'Events are sorted by time within each page (IVS documents no order).',
    ),
    disconnect.done
      ? context(
          `:electric_plug: ${mention(disconnect.done.by)} disconnected ${shown(p.userId)} (${code(p.participantId)}) ${slackDate(disconnect.done.at)}`,
        )
      : undefined,
    snapshotNote(disconnect.snapshot),
    pagingActions(
      data.paging,
      disconnect.snapshot
        ? // A channel's copy: Timeline answers whoever clicks, for them alone; Disconnect is never on it.
          { snapshot: disconnect.snapshot, extra: present([timelineButton(data.stage.arn, data.sessionId)]) }
        : {
            extra: present([
              timelineButton(data.stage.arn, data.sessionId),
              disconnect.offer && p.state === 'CONNECTED' ? disconnectButton(data, p) : undefined,
            ]),
          },
    ),
  ];
  const who = p.userId ? `${p.userId} (${p.participantId})` : p.participantId;
  return fitMessage(
    `Participant ${who}: ${p.state ?? 'unknown state'}, ${errorsOnPage} error event(s) on this page`,
    blocks,
  );
}

function disconnectButton(data: ParticipantViewData, p: ParticipantDetails) {
  const who = p.userId ? `${p.userId} (${p.participantId})` : p.participantId;
  return button({
    text: 'Disconnect',
    actionId: ACTION.disconnect,
    value: openTarget({ a: data.stage.arn, s: data.sessionId, p: p.participantId }),
    style: 'danger',
    confirm: {
      title: 'Disconnect this participant?',
      text: `${who} is removed from the stage now; IVS records that you did it from Slack. Their app may reconnect with a new token.`,
      confirm: 'Disconnect',
      deny: 'Cancel',
    },
  });
}

function field(label: string, value: string): string {
  return `*${label}*\n${value}`;
}

const shown = (value: string | undefined): string => (value ? escapeMrkdwn(value) : '—');
const joined = (...parts: (string | undefined)[]): string => shown(parts.filter(Boolean).join(' '));
const yesNo = (value: boolean | undefined): string => (value === undefined ? '—' : value ? 'yes' : 'no');

export function participantFields(p: ParticipantDetails): string[] {
  const state = p.state ? `${STATE_ICON[p.state] ?? ':grey_question:'} ${escapeMrkdwn(p.state)}` : '—';
  const fields = [
    field('State', state),
    field('User ID', p.userId ? code(p.userId) : '—'),
    field('Published', yesNo(p.published)),
    field('First join', slackDate(p.firstJoinTime)),
    field('Browser', joined(p.browserName, p.browserVersion)),
    field('OS', joined(p.osName, p.osVersion)),
    field('SDK version', shown(p.sdkVersion)),
    field('ISP', shown(p.ispName)),
  ];
  // Newer model fields appear only when IVS sent them, so a WebRTC participant's view stays short.
  if (p.protocol) fields.push(field('Protocol', escapeMrkdwn(p.protocol)));
  if (p.recordingState) {
    const where = p.recordingS3BucketName
      ? ` → ${code(`s3://${p.recordingS3BucketName}/${p.recordingS3Prefix ?? ''}`)}`
      : '';
    fields.push(field('Recording', `${escapeMrkdwn(p.recordingState)}${where}`));
  }
  if (p.replicationType && p.replicationType !== 'NONE') {
    const source = p.sourceStageArn
      ? ` from ${code(p.sourceStageArn)} ${p.sourceSessionId ? code(p.sourceSessionId) : ''}`
      : '';
    fields.push(field('Replication', `${joined(p.replicationType, p.replicationState)}${source}`));
  }
  if (p.redundantIngest !== undefined) fields.push(field('Redundant ingest', yesNo(p.redundantIngest)));
  if (p.ingestConfigurationArn) fields.push(field('Ingest configuration', code(p.ingestConfigurationArn)));
  return fields;
}

export function renderAttributes(attributes: Readonly<Record<string, string>>): string {
  const entries = Object.entries(attributes);
  if (entries.length === 0) return '_none_';
  // Values are whatever the token's creator put there: code spans keep them from styling the text.
  return entries.map(([key, value]) => `${code(key)}: ${value === '' ? '_empty_' : code(value)}`).join('\n');
}

/** One line per event, error events marked and explained. */
export function renderEventLine(event: ParticipantEvent): string {
  const error = isErrorEvent(event);
  const parts = [
    `${code(formatTime(event.eventTime))}`,
    error ? `:red_circle: *${escapeMrkdwn(event.name)}*` : escapeMrkdwn(event.name),
  ];
  if (event.errorCode)
    parts.push(`${code(event.errorCode)} — ${escapeMrkdwn(explainErrorCode(event.errorCode))}`);
  if (event.remoteParticipantId) parts.push(`remote ${code(event.remoteParticipantId)}`);
  if (event.destinationStageArn) {
    parts.push(
      `to ${code(event.destinationStageArn)}${event.destinationSessionId ? ` ${code(event.destinationSessionId)}` : ''}`,
    );
  }
  // On a subscribe event `replica` is about the remote participant (the publisher), per the model.
  if (event.replica) {
    parts.push(
      event.name.startsWith('SUBSCRIBE') ? '_(the remote participant is a replica)_' : '_(replica)_',
    );
  }
  if (event.previousToken || event.newToken)
    parts.push(describeTokenExchange(event.previousToken, event.newToken));
  return parts.join(' · ');
}

// Attribute values are the token creator's (1 KB in all): a few, shortened, keep the line readable.
const TOKEN_VALUE_MAX = 40;
const TOKEN_ATTRIBUTES_SHOWN = 3;

/** What a TOKEN_EXCHANGED event changed: capabilities, userId, attributes and expiry. */
export function describeTokenExchange(
  previous: ExchangedToken | undefined,
  next: ExchangedToken | undefined,
): string {
  const caps = (token: ExchangedToken) =>
    token.capabilities.length ? [...token.capabilities].sort().join('+') : 'none';
  const value = (text: string | undefined) =>
    text === undefined || text === '' ? '_none_' : code(truncate(text, TOKEN_VALUE_MAX));
  if (!previous || !next) {
    const token = (next ?? previous) as ExchangedToken;
    return `${next ? 'new' : 'previous'} token: capabilities ${escapeMrkdwn(caps(token))}, user ${value(token.userId)}, expires ${formatTime(token.expirationTime)}`;
  }
  const changes: string[] = [];
  if (caps(previous) !== caps(next)) {
    changes.push(`capabilities ${escapeMrkdwn(caps(previous))} → ${escapeMrkdwn(caps(next))}`);
  }
  if ((previous.userId ?? '') !== (next.userId ?? '')) {
    changes.push(`user ${value(previous.userId)} → ${value(next.userId)}`);
  }
  const keys = [...new Set([...Object.keys(previous.attributes), ...Object.keys(next.attributes)])].sort();
  const changed = keys.filter((key) => previous.attributes[key] !== next.attributes[key]);
  for (const key of changed.slice(0, TOKEN_ATTRIBUTES_SHOWN)) {
    changes.push(
      `attribute ${code(truncate(key, TOKEN_VALUE_MAX))} ${value(previous.attributes[key])} → ${value(next.attributes[key])}`,
    );
  }
  if (changed.length > TOKEN_ATTRIBUTES_SHOWN) {
    changes.push(`${changed.length - TOKEN_ATTRIBUTES_SHOWN} more attributes`);
  }
  if (previous.expirationTime?.getTime() !== next.expirationTime?.getTime()) {
    changes.push(`expires ${formatTime(previous.expirationTime)} → ${formatTime(next.expirationTime)}`);
  }
  return changes.length > 0 ? `token changed: ${changes.join(', ')}` : 'token renewed, nothing changed';
}

/** Event lines packed into as few sections as Slack's 3,000-character limit allows. */
function eventSections(events: readonly ParticipantEvent[]) {
  if (events.length === 0) return [section('_No events on this page._')];
  const sections = [];
  let current = '';
  for (const line of events.map(renderEventLine)) {
    if (current && current.length + line.length + 1 > LIMITS.sectionText) {
      sections.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) sections.push(section(current));
  return sections;
}
