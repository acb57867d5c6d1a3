import { isCompositionArn } from '../../domain/ivsEvents.ts';
import type {
  AffectedParticipant,
  AlertGroup,
  EventQueueStatus,
  Mute,
  StageHealth,
  StageNotice,
  UndeliveredMessages,
  Watch,
} from '../../domain/model.ts';
import type { ReplyPayload } from '../../domain/planDetections.ts';
import { type AccountRoles, accountLabel } from '../../ivs/accountRoles.ts';
import { errorCodeFix, explainErrorCode } from '../../ivs/eventCatalog.ts';
import { parseStageArn } from '../../ivs/identifiers.ts';
import { ACTION, groupRef, MUTE_ACTION, muteRef, openTarget, openTargetSchema } from '../actionIds.ts';
import { isAlertMention } from '../mention.ts';
import { SLACK_CHANNEL_ID as CHANNEL_ID, SLACK_USER_ID as USER_ID } from '../slackIds.ts';
import {
  actions,
  type ButtonElement,
  button,
  context,
  fieldSections,
  fitMessage,
  header,
  LIMITS,
  type SectionBlock,
  type SlackMessage,
  section,
} from './blocks.ts';
import { eventQueueLine, factsSection } from './eventViews.ts';
import { undeliveredReason } from './postFailureText.ts';
import { code, escapeMrkdwn, slackDate, truncate, truncateMrkdwn } from './text.ts';
import { timelineButton } from './timelineView.ts';

// Outside strings are cut after escaping (entity-safe) to these lengths, so one odd value cannot
// crowd out the rest of a row, and no row is ever long enough for a builder to cut it mid-link.
const MAX_CODE = 100;
const MAX_ID = 160;
const MAX_ERROR = 400;
/** Characters of participant names in one alert or reply; the rest are counted. */
const MAX_NAMES = 2000;
/** Characters of codes listed per watch; the rest are counted. */
const MAX_CODES = 600;

export const plural = (count: number, noun: string, nouns = `${noun}s`): string =>
  `${count} ${count === 1 ? noun : nouns}`;
/** Escaped text of at most `max` characters. */
const clip = (value: string, max: number): string => truncateMrkdwn(escapeMrkdwn(value), max);
/** Escaped inline code whose content is at most `max` characters. */
const clipCode = (value: string, max: number): string =>
  `\`${truncateMrkdwn(code(value).slice(1, -1), max)}\``;

/** The stage's 12-character ID when the ARN parses, else the ARN as it is (plain, unescaped). */
/**
 * The account of a stage, as people know it: "prod (111122223333)" with an alias of
 * IVS_ACCOUNT_ROLES, else the ID; mrkdwn, escaped. Only when the bot reads several accounts
 * (IVS_ACCOUNT_ROLES is set): with one, the ARN already says it all.
 */
function stageAccount(stageArn: string, accounts: AccountRoles = new Map()): string | undefined {
  const accountId = parseStageArn(stageArn)?.accountId;
  if (accountId === undefined || accounts.size === 0) return undefined;
  return escapeMrkdwn(accountLabel(accounts, accountId));
}

export function stageId(stageArn: string): string {
  return parseStageArn(stageArn)?.id ?? stageArn;
}

/** A mention only for a well-formed Slack user ID; anything else is shown as text. */
export function userMention(userId: string): string {
  return USER_ID.test(userId) && userId.length <= 32 ? `<@${userId}>` : clip(userId, MAX_ID);
}

/** A channel link only for a well-formed channel ID; anything else is shown as code. */
export function channelLink(channelId: string): string {
  return CHANNEL_ID.test(channelId) && channelId.length <= 32
    ? `<#${channelId}>`
    : clipCode(channelId, MAX_ID);
}

/** `userId (participantId, publisher remote)`, escaped. */
export function participantLabel(p: AffectedParticipant): string {
  const user = p.userId ? clipCode(p.userId, MAX_ID) : '_no userId_';
  const remote = p.remoteParticipantId ? `, publisher ${clipCode(p.remoteParticipantId, MAX_ID)}` : '';
  return `${user} (${clipCode(p.participantId, MAX_ID)}${remote})`;
}

export function isMuteInForce(mute: Mute | undefined, now: Date): mute is Mute {
  return mute !== undefined && mute.until.getTime() > now.getTime();
}

/** "3m ago" from `now`; a time in the future reads "just now". */
export function timeAgo(then: Date, now: Date): string {
  const seconds = Math.floor((now.getTime() - then.getTime()) / 1000);
  if (Number.isNaN(seconds)) return 'unknown';
  if (seconds < 1) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

function field(label: string, value: string): string {
  return `*${label}*\n${value}`;
}

/**
 * One section per row, in order, while the rows' JSON stays within `budget` characters and
 * `maxBlocks`; rows that do not fit are counted, so lists of any length keep Slack's limits with
 * every shown row whole.
 */
export function rowSections(
  rows: readonly string[],
  budget: number,
  maxBlocks: number,
): { sections: SectionBlock[]; omitted: number } {
  const sections: SectionBlock[] = [];
  let used = 0;
  for (const row of rows) {
    const block = section(row);
    const size = JSON.stringify(block).length + 1;
    if (sections.length >= maxBlocks || used + size > budget) break;
    sections.push(block);
    used += size;
  }
  return { sections, omitted: rows.length - sections.length };
}

// Messages: 50 blocks and ~12,000 JSON characters; lists leave room for a header and a footer.
const MESSAGE_ROW_BUDGET = 10_000;
const MESSAGE_ROW_BLOCKS = LIMITS.blocksPerMessage - 5;

function detailsButton(group: AlertGroup): ButtonElement | undefined {
  const first = group.sample[0];
  if (!first) return undefined;
  const value = openTarget({ a: group.stageArn, s: group.sessionId, p: first.participantId });
  // A button the open listener would refuse is worse than none.
  if (!openTargetSchema.safeParse(value).success) return undefined;
  return button({ text: 'Details', actionId: ACTION.openParticipant, value, style: 'primary' });
}

/** Labels of the first participants that fit in `MAX_NAMES` characters, and how many are left. */
function namedParticipants(
  participants: readonly AffectedParticipant[],
  total: number,
): { labels: string[]; more: number } {
  const labels: string[] = [];
  let used = 0;
  for (const p of participants) {
    const label = participantLabel(p);
    if (used + label.length > MAX_NAMES) break;
    labels.push(label);
    used += label.length + 2;
  }
  return { labels, more: Math.max(total, participants.length) - labels.length };
}

function affectedParticipants(group: AlertGroup): string | undefined {
  // A composition's events name no participant (EventBridge): nobody to list.
  if (group.sample.length > 0 && group.sample.every((p) => p.participantId === '')) return undefined;
  const { labels, more } = namedParticipants(group.sample, group.participantCount);
  if (labels.length === 0 && more <= 0) return undefined;
  const lines = labels.map((label) => `• ${label}`);
  if (more > 0) lines.push(`_+${more} more_`);
  return `*Affected participants*\n${lines.join('\n')}`;
}

/** How an alert message is sent: the first one of its group, or an update of it. */
export interface AlertRenderOptions {
  /** The group's first message: it pages the watch's mention. Updates and replies never do. */
  readonly first?: boolean;
  /** The permalink of the previous burst's message (Slack's chat.getPermalink), when it is known. */
  readonly previousPermalink?: string;
  /** The permalink of the next burst's message, once the same error fired again and it was posted. */
  readonly nextPermalink?: string;
  /** IVS_ACCOUNT_ROLES, for the stage's account alias. */
  readonly accounts?: AccountRoles;
}

/** A link Slack gave the bot; anything else is left out rather than shown as a link. */
const PERMALINK = /^https:\/\/[^\s<>|&]{1,400}$/;

/** "16 minutes", "2 h", "3 days": how long, said as a person would. */
function durationText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 60_000) return 'under a minute';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return plural(Math.floor(hours / 24), 'day');
}

const count = (value: number): string => value.toLocaleString('en-US');

/** The group's state lines under its facts: quiet, earlier and later bursts, session ended, who is on it, mute. */
function lifecycleLines(
  group: AlertGroup,
  mute: Mute | undefined,
  now: Date,
  options: AlertRenderOptions,
): (SectionBlock | ReturnType<typeof context>)[] {
  const lines: (SectionBlock | ReturnType<typeof context>)[] = [];
  if (group.quietAt) {
    const lasted = group.lastSeen.getTime() - group.firstSeen.getTime();
    // "5,000 events over 16 minutes"; one event has no span, a burst of seconds is "within a minute".
    const span =
      group.eventCount <= 1 ? '' : lasted < 60_000 ? ' within a minute' : ` over ${durationText(lasted)}`;
    lines.push(
      section(
        `✅ *Quiet since ${slackDate(group.lastSeen)}* — ${count(group.eventCount)} ${group.eventCount === 1 ? 'event' : 'events'}` +
          `${span}, ${plural(group.participantCount, 'participant')}.`,
      ),
    );
  }
  const notes: string[] = [];
  if (group.previous) {
    const gap = durationText(group.firstSeen.getTime() - group.previous.lastSeen.getTime());
    const link =
      options.previousPermalink && PERMALINK.test(options.previousPermalink)
        ? ` (<${options.previousPermalink}|the last burst>)`
        : '';
    notes.push(`🔁 Again, ${gap} after the last burst${link}.`);
  }
  if (group.next) {
    // Reopened: whoever lands on this message is sent on to where the error is now.
    const gap = durationText(group.next.firstSeen.getTime() - group.lastSeen.getTime());
    const link =
      options.nextPermalink && PERMALINK.test(options.nextPermalink)
        ? ` (<${options.nextPermalink}|the new alert>)`
        : '';
    notes.push(`🔁 Fired again ${slackDate(group.next.firstSeen)}, ${gap} after this burst${link}.`);
  }
  if (group.sessionEndedAt) notes.push(`⏹️ Session ended ${slackDate(group.sessionEndedAt)}.`);
  if (group.acknowledged) {
    notes.push(
      `👀 ${userMention(group.acknowledged.by)} is on it since ${slackDate(group.acknowledged.at)}.`,
    );
  }
  if (isMuteInForce(mute, now))
    notes.push(`🔕 Muted by ${userMention(mute.mutedBy)} until ${slackDate(mute.until)}`);
  for (const note of notes) lines.push(context(note));
  return lines;
}

/** The watch's mention on the group's first message only, and only in the form the bot stores. */
function pageLine(group: AlertGroup, options: AlertRenderOptions): string | undefined {
  if (!options.first || !group.mention || !isAlertMention(group.mention)) return undefined;
  return group.mention;
}

/**
 * The channel alert for one group, in each state of its life: firing (Details, Acknowledge or
 * Unacknowledge, Mute 1h, Mute 24h, Unmute while muted), acknowledged (who is on it since when), quiet
 * (how long it lasted; only Details and Timeline stay), session ended, a new burst of an earlier group (linking
 * to it) and an earlier burst that fired again (linking forward). The first message pages the watch's
 * mention; updates never do.
 */
export function renderAlertGroup(
  group: AlertGroup,
  mute: Mute | undefined,
  now: Date,
  options: AlertRenderOptions = {},
): SlackMessage {
  const id = stageId(group.stageArn);
  const muted = isMuteInForce(mute, now);
  const quiet = Boolean(group.quietAt);
  const participants = affectedParticipants(group);
  const page = pageLine(group, options);
  const account = stageAccount(group.stageArn, options.accounts);
  const timeline = timelineButton(group.stageArn, group.sessionId);
  const buttons = quiet
    ? [detailsButton(group), timeline]
    : [
        detailsButton(group),
        timeline,
        group.acknowledged
          ? button({ text: 'Unacknowledge', actionId: ACTION.unacknowledgeAlert, value: groupRef(group.id) })
          : button({ text: 'Acknowledge', actionId: ACTION.acknowledgeAlert, value: groupRef(group.id) }),
        button({ text: 'Mute 1h', actionId: MUTE_ACTION[1], value: muteRef(group.id, 1) }),
        button({ text: 'Mute 24h', actionId: MUTE_ACTION[24], value: muteRef(group.id, 24) }),
        muted
          ? button({ text: 'Unmute', actionId: ACTION.unmuteAlert, value: groupRef(group.id) })
          : undefined,
      ];
  const blocks = [
    header(`${quiet ? '✅' : '🚨'} ${group.code} on stage ${id}${quiet ? ' (quiet)' : ''}`),
    page ? section(`${page} new alert`) : undefined,
    section(
      `${clipCode(group.code, MAX_CODE)}: ${escapeMrkdwn(explainErrorCode(group.code))}.\n` +
        `*Usual fix:* ${escapeMrkdwn(errorCodeFix(group.code))}`,
    ),
    ...fieldSections([
      field('Events', `${group.eventCount}`),
      // A composition's events name no participant.
      ...(isCompositionArn(group.sessionId) ? [] : [field('Participants', `${group.participantCount}`)]),
      field('First seen', slackDate(group.firstSeen)),
      field('Last seen', slackDate(group.lastSeen)),
      field(isCompositionArn(group.sessionId) ? 'Composition' : 'Session', clipCode(group.sessionId, MAX_ID)),
      field('Stage ARN', clipCode(group.stageArn, MAX_ID)),
      ...(account ? [field('Account', account)] : []),
    ]),
    factsSection(group.facts),
    participants ? section(participants) : undefined,
    ...lifecycleLines(group, mute, now, options),
    actions(buttons.filter((element): element is ButtonElement => element !== undefined)),
  ];
  const state = [
    quiet ? 'quiet' : undefined,
    group.acknowledged ? 'acknowledged' : undefined,
    muted ? 'muted' : undefined,
  ].filter((word): word is string => word !== undefined);
  const fallback =
    `${truncate(group.code, MAX_CODE)} on stage ${truncate(id, MAX_ID)}: ${plural(group.eventCount, 'event')}, ` +
    `${plural(group.participantCount, 'participant')}${state.length > 0 ? ` (${state.join(', ')})` : ''}`;
  const message = fitMessage(fallback, blocks);
  // The notification text pages too; fitMessage escapes it, so the checked mention goes in after.
  return page ? { ...message, text: `${page} ${message.text}` } : message;
}

/** A thread reply under the group's alert naming what is new since the alert was posted. */
export function renderAlertReply(group: AlertGroup, reply: ReplyPayload): SlackMessage {
  const { labels, more } = namedParticipants(reply.participants, reply.participants.length);
  const names = more > 0 ? [...labels, `+${more} more`] : labels;
  const what = `+${reply.events} more ${clipCode(group.code, MAX_CODE)} ${reply.events === 1 ? 'event' : 'events'}`;
  const when = `between ${slackDate(new Date(reply.firstSeen))} and ${slackDate(new Date(reply.lastSeen))}`;
  const text = `${what} ${when}${names.length > 0 ? `: ${names.join(', ')}` : '.'}`;
  const fallback = `+${reply.events} more ${truncate(group.code, MAX_CODE)} ${reply.events === 1 ? 'event' : 'events'}`;
  return fitMessage(fallback, [section(text)]);
}

/** Posted once when polling a stage starts failing and once when it works again. */
export function renderStageNotice(payload: StageNotice, accounts?: AccountRoles): SlackMessage {
  const id = stageId(payload.stageArn);
  const account = stageAccount(payload.stageArn, accounts);
  const footer = context(
    `Stage ${clipCode(payload.stageArn, MAX_ID)}${account ? ` · account ${account}` : ''} · ${slackDate(new Date(payload.at))}`,
  );
  if (payload.transition === 'failing') {
    const reason = payload.error ?? 'no reason was given';
    return fitMessage(`Polling stage ${truncate(id, MAX_ID)} is failing: ${truncate(reason, MAX_ERROR)}`, [
      section(
        `:warning: Polling stage ${clipCode(id, MAX_ID)} is failing: ${clip(reason, MAX_ERROR)}\n` +
          'Alerts for this stage are paused until it recovers.',
      ),
      footer,
    ]);
  }
  return fitMessage(`Polling stage ${truncate(id, MAX_ID)} recovered`, [
    section(`:white_check_mark: Polling stage ${clipCode(id, MAX_ID)} works again; its alerts resume.`),
    footer,
  ]);
}

function healthLine(health: StageHealth | undefined, now: Date): string {
  if (!health) return ':white_circle: not polled yet';
  const status =
    health.status === 'ok'
      ? ':large_green_circle: ok'
      : `:red_circle: failing: ${clip(health.lastError ?? 'no reason was given', MAX_ERROR)}`;
  const polled = health.lastPollAt
    ? `last poll ${slackDate(health.lastPollAt)} (${timeAgo(health.lastPollAt, now)})`
    : 'never polled';
  const lag = health.lagSeconds > 0 ? `behind by ${Math.ceil(health.lagSeconds)}s` : 'up to date';
  return `${status} · ${polled} · ${lag}`;
}

function codesText(codes: readonly string[] | null): string {
  if (codes === null) return 'all error codes';
  if (codes.length === 0) return '_no codes_';
  const shown: string[] = [];
  let used = 0;
  for (const c of codes) {
    const text = clipCode(c, MAX_CODE);
    if (used + text.length > MAX_CODES) break;
    shown.push(text);
    used += text.length + 2;
  }
  const more = codes.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` +${more} more` : ''}`;
}

/**
 * Who a watch pages, as a list shows it: a person or group by name (Slack shows the name; a list is
 * answered to one person or shown on Home, so it pages nobody), `@here` as text.
 */
function pagesText(mention: string | null | undefined): string | undefined {
  if (!mention || !isAlertMention(mention)) return undefined;
  return `Pages: ${mention === '<!here>' ? '`@here`' : mention} on each new alert`;
}

/** One watch with the health of its stage, as mrkdwn. */
export function watchRow(
  watch: Watch,
  health: StageHealth | undefined,
  now: Date,
  accounts?: AccountRoles,
): string {
  const account = stageAccount(watch.stageArn, accounts);
  return [
    `*Stage* ${clipCode(stageId(watch.stageArn), MAX_ID)} → ${channelLink(watch.channelId)}`,
    `${clipCode(watch.stageArn, MAX_ID)}${account ? ` · account ${account}` : ''}`,
    `Codes: ${codesText(watch.codes)}`,
    pagesText(watch.mention),
    healthLine(health, now),
  ]
    .filter((line): line is string => line !== undefined)
    .join('\n');
}

/** One mute in force, as mrkdwn. */
export function muteRow(mute: Mute, now: Date): string {
  const left = Math.max(0, Math.ceil((mute.until.getTime() - now.getTime()) / 60_000));
  const remaining = left >= 120 ? `${Math.round(left / 60)}h left` : `${left}m left`;
  return (
    `🔕 ${clipCode(mute.code, MAX_CODE)} on stage ${clipCode(stageId(mute.stageArn), MAX_ID)} ` +
    `until ${slackDate(mute.until)} (${remaining}) · by ${userMention(mute.mutedBy)}`
  );
}

/** One alert group in a list, as mrkdwn: firing or quiet, who is on it, muted, session ended. */
export function alertGroupRow(group: AlertGroup, muted: boolean): string {
  const counts = isCompositionArn(group.sessionId)
    ? plural(group.eventCount, 'event')
    : `${plural(group.eventCount, 'event')} · ${plural(group.participantCount, 'participant')}`;
  const state = [
    group.acknowledged ? ` · 👀 ${userMention(group.acknowledged.by)} on it` : '',
    muted ? ' · 🔕 muted' : '',
    group.sessionEndedAt ? ' · session ended' : '',
  ].join('');
  const when = group.quietAt
    ? `quiet since ${slackDate(group.lastSeen)}`
    : `last seen ${slackDate(group.lastSeen)}`;
  return (
    `${group.quietAt ? '✅' : '🚨'} ${clipCode(group.code, MAX_CODE)} on stage ${clipCode(stageId(group.stageArn), MAX_ID)}` +
    ` · ${isCompositionArn(group.sessionId) ? 'composition' : 'session'} ${clipCode(group.sessionId, MAX_ID)}${state}\n` +
    `${counts} · ${when}`
  );
}

export function healthByStage(health: readonly StageHealth[]): Map<string, StageHealth> {
  return new Map(health.map((h) => [h.stageArn, h]));
}

/** The note under a list that did not fit whole. */
export function omittedNote(omitted: number, noun: string, nouns = `${noun}s`): string | undefined {
  if (omitted <= 0) return undefined;
  return `_${omitted} more ${omitted === 1 ? noun : nouns} not shown, to fit Slack’s limits._`;
}

export const WATCH_USAGE = '/ivs watch <stage> [#channel] [codes=…] [mention=…]';

/** `/ivs watches`: every watch with its channel, codes and polling health. */
export function renderWatches(
  watches: Watch[],
  health: StageHealth[],
  now: Date,
  undelivered: readonly UndeliveredMessages[] = [],
  alerts: {
    readonly groups?: readonly AlertGroup[];
    readonly mutes?: readonly Mute[];
    /** Whether EventBridge events arrive (IVS_EVENTS_QUEUE_URL); null when no queue is set. */
    readonly events?: EventQueueStatus | null;
    /** IVS_ACCOUNT_ROLES, for the stages' account aliases. */
    readonly accounts?: AccountRoles;
  } = {},
): SlackMessage {
  const problems = rowSections(undeliveredRows(undelivered), UNDELIVERED_BUDGET, UNDELIVERED_BLOCKS);
  const problemNote = omittedNote(problems.omitted, 'delivery problem');
  const events = eventQueueLine(alerts.events, now);
  if (watches.length === 0) {
    return fitMessage('No stages are watched yet.', [
      events ? section(events) : undefined,
      ...problems.sections,
      problemNote ? context(problemNote) : undefined,
      section(`No stages are watched yet. Add one with ${code(WATCH_USAGE)}.`),
    ]);
  }
  const byStage = healthByStage(health);
  const failing = watches.filter((w) => byStage.get(w.stageArn)?.status === 'failing').length;
  // Alerts still firing, with who is on them, come before the watches: what needs someone now.
  const muted = new Set(
    (alerts.mutes ?? []).filter((m) => isMuteInForce(m, now)).map((m) => `${m.stageArn}|${m.code}`),
  );
  const firing = rowSections(
    (alerts.groups ?? [])
      .filter((g) => !g.quietAt)
      .map((g) => alertGroupRow(g, muted.has(`${g.stageArn}|${g.code}`))),
    OPEN_ALERTS_BUDGET,
    OPEN_ALERTS_BLOCKS,
  );
  const { sections, omitted } = rowSections(
    watches.map((w) => watchRow(w, byStage.get(w.stageArn), now, alerts.accounts)),
    MESSAGE_ROW_BUDGET - (firing.sections.length > 0 ? OPEN_ALERTS_BUDGET : 0),
    MESSAGE_ROW_BLOCKS - firing.sections.length,
  );
  const summary = `${plural(watches.length, 'watch', 'watches')}${failing > 0 ? `, ${failing} failing` : ''}`;
  const notes = [
    problemNote,
    omittedNote(firing.omitted, 'firing alert'),
    omittedNote(omitted, 'watch', 'watches'),
    `Add one with ${code(WATCH_USAGE)}.`,
  ].filter((note): note is string => note !== undefined);
  return fitMessage(`IVS alert watches: ${summary}`, [
    header(`IVS alert watches (${summary})`),
    events ? section(events) : undefined,
    ...problems.sections,
    ...firing.sections,
    ...sections,
    context(...notes),
  ]);
}

// Alerts still firing in /ivs watches: a few rows, the latest first.
const OPEN_ALERTS_BUDGET = 3_000;
const OPEN_ALERTS_BLOCKS = 6;

// Delivery problems come first in /ivs watches and App Home; a few lines say all there is to fix.
export const UNDELIVERED_BUDGET = 4_000;
export const UNDELIVERED_BLOCKS = 8;

/**
 * One line per cause of messages Slack refused for good: per channel, or once for the whole
 * workspace when the token or a workspace setting is the cause. Each says what is held and how it
 * gets out.
 */
export function undeliveredRows(undelivered: readonly UndeliveredMessages[]): string[] {
  const rows: string[] = [];
  const workspace = new Map<string, { count: number; channels: Set<string> }>();
  for (const held of undelivered) {
    if (held.scope !== 'workspace') continue;
    const entry = workspace.get(held.error) ?? { count: 0, channels: new Set<string>() };
    entry.count += held.count;
    entry.channels.add(held.channelId);
    workspace.set(held.error, entry);
  }
  for (const [error, entry] of workspace) {
    rows.push(
      `:warning: *No alert can be delivered:* ${clip(undeliveredReason(error), MAX_ERROR)}. ` +
        `${plural(entry.count, 'message')} to ${plural(entry.channels.size, 'channel')} held; they go out, in order, once the bot posts again (after the restart).`,
    );
  }
  for (const held of undelivered) {
    const reason = clip(undeliveredReason(held.error), MAX_ERROR);
    const since = `since ${slackDate(held.since)}`;
    if (held.scope === 'channel') {
      rows.push(
        `:warning: *Alerts to ${channelLink(held.channelId)} are not delivered:* ${reason}. ` +
          `${plural(held.count, 'message')} held ${since}; they go out, in order, with the next message the bot posts there (the next alert, or a ${code('/ivs watch')} confirmation).`,
      );
    } else if (held.scope === 'message') {
      rows.push(
        `:warning: *${plural(held.count, 'alert message')} to ${channelLink(held.channelId)} refused by Slack:* ${reason}. ` +
          `Held ${since}; tried again when the bot restarts.`,
      );
    }
  }
  return rows;
}

/** `/ivs mutes`: the mutes in force at `now`. */
export function renderMutes(mutes: Mute[], now: Date): SlackMessage {
  const active = mutes
    .filter((m) => isMuteInForce(m, now))
    .sort((a, b) => a.until.getTime() - b.until.getTime());
  if (active.length === 0) return fitMessage('No alerts are muted.', [section('No alerts are muted.')]);
  const { sections, omitted } = rowSections(
    active.map((m) => muteRow(m, now)),
    MESSAGE_ROW_BUDGET,
    MESSAGE_ROW_BLOCKS,
  );
  const notes = [
    omittedNote(omitted, 'mute'),
    'A mute ends by itself; the Unmute button on the alert ends it early.',
  ].filter((note): note is string => note !== undefined);
  return fitMessage(`${plural(active.length, 'muted alert')}`, [
    header(`Muted alerts (${active.length})`),
    ...sections,
    context(...notes),
  ]);
}
