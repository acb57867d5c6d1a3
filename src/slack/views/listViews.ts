import type { Paging } from '../../browse/types.ts';
import type {
  ParticipantFilter,
  ParticipantSummary,
  SessionSummary,
  StageSummary,
} from '../../ivs/IvsGateway.ts';
import type { StageArn } from '../../ivs/identifiers.ts';
import { ACTION, openTarget } from '../actionIds.ts';
import {
  type ButtonElement,
  button,
  context,
  fitMessage,
  header,
  type SlackMessage,
  section,
} from './blocks.ts';
import { pagingActions, type Snapshot, snapshotNote } from './pagingActions.ts';
import { code, escapeMrkdwn, slackDate } from './text.ts';
import { timelineButton } from './timelineView.ts';

const paging = (options: ListOptions, extra: readonly (ButtonElement | undefined)[] = []) => {
  const buttons = extra.filter((element): element is ButtonElement => element !== undefined);
  return options.snapshot ? { snapshot: options.snapshot, extra: buttons } : { extra: buttons };
};

const pageNote = (paging: Paging, count: number, noun: string) =>
  `Page ${paging.pageIndex + 1} · ${count} ${noun}${count === 1 ? '' : 's'}${paging.hasNext ? ' · more on the next page' : ''}`;

/** How a list is rendered: for the person who asked, or as a snapshot shared to a channel. */
export interface ListOptions {
  snapshot?: Snapshot;
}

/** Stages of a region, in the bot's own account or a listed one (its label); each row opens its sessions. */
export function renderStages(
  data: { region: string; account?: string | undefined; stages: readonly StageSummary[]; paging: Paging },
  options: ListOptions = {},
): SlackMessage {
  const rows = data.stages.map((stage) => {
    const live = stage.activeSessionId
      ? `:large_green_circle: live session ${code(stage.activeSessionId)}`
      : 'no live session';
    const tags = Object.entries(stage.tags)
      .map(([key, value]) => `${escapeMrkdwn(key)}=${escapeMrkdwn(value)}`)
      .join(', ');
    return section(
      `*${escapeMrkdwn(stage.name || '(unnamed)')}* · ${live}\n${code(stage.arn)}${tags ? `\n_${tags}_` : ''}`,
      button({ text: 'Sessions', actionId: ACTION.openSessions, value: openTarget({ a: stage.arn }) }),
    );
  });
  const where = data.account === undefined ? data.region : `${data.region} · account ${data.account}`;
  return fitMessage(`${data.stages.length} IVS stages in ${where}`, [
    header(`IVS stages in ${where}`),
    ...(rows.length
      ? rows
      : [section(`_No stages in this region${data.account ? ' of this account' : ''}._`)]),
    context(pageNote(data.paging, data.stages.length, 'stage')),
    snapshotNote(options.snapshot),
    pagingActions(data.paging, paging(options)),
  ]);
}

/** Sessions of a stage, newest as IVS lists them; each row opens its participants. */
export function renderSessions(
  data: { stage: StageArn; sessions: readonly SessionSummary[]; paging: Paging },
  options: ListOptions = {},
): SlackMessage {
  const rows = data.sessions.map((session) => {
    const ended = session.endTime ? `ended ${slackDate(session.endTime)}` : ':large_green_circle: live';
    return section(
      `${code(session.sessionId)} · started ${slackDate(session.startTime)} · ${ended}`,
      button({
        text: 'Participants',
        actionId: ACTION.openParticipants,
        value: openTarget({ a: data.stage.arn, s: session.sessionId }),
      }),
    );
  });
  return fitMessage(`${data.sessions.length} sessions of stage ${data.stage.id}`, [
    header(`Sessions of stage ${data.stage.id}`),
    ...(rows.length ? rows : [section('_This stage has no sessions yet._')]),
    context(`Stage ${code(data.stage.arn)}`, pageNote(data.paging, data.sessions.length, 'session')),
    snapshotNote(options.snapshot),
    pagingActions(data.paging, paging(options)),
  ]);
}

export function describeFilter(filter: ParticipantFilter): string {
  switch (filter.kind) {
    case 'none':
      return '';
    case 'state':
      return ` · state ${filter.state.toLowerCase()}`;
    case 'published':
      return ' · published only';
    case 'user':
      return ` · userId ${code(filter.userId)}`;
    case 'recording':
      return ` · recording ${filter.state.toLowerCase()}`;
  }
}

/** Participants of a session; each row opens the participant view. */
export function renderParticipants(
  data: {
    stage: StageArn;
    sessionId: string;
    filter: ParticipantFilter;
    participants: readonly ParticipantSummary[];
    paging: Paging;
  },
  options: ListOptions = {},
): SlackMessage {
  const rows = data.participants.map((p) => {
    const state =
      p.state === 'CONNECTED'
        ? ':large_green_circle: connected'
        : escapeMrkdwn((p.state ?? 'unknown').toLowerCase());
    const user = p.userId ? code(p.userId) : '_no userId_';
    const published = p.published ? ' · published' : '';
    const ingest = p.ingestConfigurationArn ? ` · ingest ${code(p.ingestConfigurationArn)}` : '';
    return section(
      `${user} · ${code(p.participantId)} · ${state}${published}\njoined ${slackDate(p.firstJoinTime)}${ingest}`,
      button({
        text: 'Details',
        actionId: ACTION.openParticipant,
        value: openTarget({ a: data.stage.arn, s: data.sessionId, p: p.participantId }),
      }),
    );
  });
  return fitMessage(`${data.participants.length} participants in session ${data.sessionId}`, [
    header(`Participants of session ${data.sessionId}`),
    ...(rows.length ? rows : [section('_No participants match._')]),
    context(
      `Stage ${code(data.stage.arn)}${describeFilter(data.filter)}`,
      pageNote(data.paging, data.participants.length, 'participant'),
    ),
    snapshotNote(options.snapshot),
    // The whole session as a picture, for whoever clicks (on a channel's copy too).
    pagingActions(data.paging, paging(options, [timelineButton(data.stage.arn, data.sessionId)])),
  ]);
}
