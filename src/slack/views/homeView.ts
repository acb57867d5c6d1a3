import type { AlertGroup, Mute, StageHealth, UndeliveredMessages, Watch } from '../../domain/model.ts';
import type { AccountRoles } from '../../ivs/accountRoles.ts';
import {
  alertGroupRow,
  healthByStage,
  isMuteInForce,
  muteRow,
  omittedNote,
  plural,
  rowSections,
  UNDELIVERED_BLOCKS,
  UNDELIVERED_BUDGET,
  undeliveredRows,
  WATCH_USAGE,
  watchRow,
} from './alertViews.ts';
import { type Block, context, divider, header, section } from './blocks.ts';
import { code, slackDate } from './text.ts';

/** Slack's limit for modals and Home tabs (messages allow 50). */
export const HOME_MAX_BLOCKS = 100;
/** Latest alert groups shown on the Home tab. */
const HOME_GROUPS = 15;

// Slack documents no character limit for views; these budgets keep each part glanceable and the
// whole view far below anything Slack could refuse.
const BUDGET = { watches: 9_000, mutes: 4_000, groups: 8_000 } as const;
const PART_BLOCKS = { watches: 40, mutes: 20, groups: HOME_GROUPS } as const;

export interface HomeData {
  watches: Watch[];
  health: StageHealth[];
  mutes: Mute[];
  groups: AlertGroup[];
  /** Messages Slack refused for good, by channel and cause (none when absent). */
  undelivered?: readonly UndeliveredMessages[];
  now: Date;
  /** IVS_ACCOUNT_ROLES, for the stages' account aliases. */
  accounts?: AccountRoles;
}

export interface HomeView {
  type: 'home';
  blocks: Block[];
}

/** Drops undefined blocks and keeps at most `maxBlocks`, saying when some were left out. */
export function fitBlocks(blocks: readonly (Block | undefined)[], maxBlocks: number): Block[] {
  const kept = blocks.filter((block): block is Block => block !== undefined);
  if (kept.length <= maxBlocks) return kept;
  return [...kept.slice(0, maxBlocks - 1), context('_Some rows were left out to fit Slack’s limits._')];
}

const note = (text: string | undefined) => (text ? context(text) : undefined);

/** The App Home tab at a glance: watches with their health, mutes in force, the latest alerts. */
export function renderHome(data: HomeData): HomeView {
  const byStage = healthByStage(data.health);
  const failing = data.watches.filter((w) => byStage.get(w.stageArn)?.status === 'failing').length;
  const activeMutes = data.mutes
    .filter((m) => isMuteInForce(m, data.now))
    .sort((a, b) => a.until.getTime() - b.until.getTime());
  const mutedKeys = new Set(activeMutes.map((m) => `${m.stageArn}|${m.code}`));
  const latest = [...data.groups].sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime());

  const watches = rowSections(
    data.watches.map((w) => watchRow(w, byStage.get(w.stageArn), data.now, data.accounts)),
    BUDGET.watches,
    PART_BLOCKS.watches,
  );
  const mutes = rowSections(
    activeMutes.map((m) => muteRow(m, data.now)),
    BUDGET.mutes,
    PART_BLOCKS.mutes,
  );
  const groups = rowSections(
    latest.map((g) => alertGroupRow(g, mutedKeys.has(`${g.stageArn}|${g.code}`))),
    BUDGET.groups,
    PART_BLOCKS.groups,
  );

  const problems = rowSections(
    undeliveredRows(data.undelivered ?? []),
    UNDELIVERED_BUDGET,
    UNDELIVERED_BLOCKS,
  );
  const blocks = [
    header('Amazon IVS Real-Time alerts'),
    context(`Updated ${slackDate(data.now)}`),
    divider(),
    ...problems.sections,
    note(omittedNote(problems.omitted, 'delivery problem')),
    problems.sections.length > 0 ? divider() : undefined,
    section(
      `*Watched stages* · ${data.watches.length}${failing > 0 ? ` · :red_circle: ${failing} failing` : ''}`,
    ),
    ...(data.watches.length > 0
      ? watches.sections
      : [section(`No stages are watched yet. Add one with ${code(WATCH_USAGE)}.`)]),
    note(omittedNote(watches.omitted, 'watch', 'watches')),
    divider(),
    section(`*Muted alerts* · ${activeMutes.length}`),
    ...(activeMutes.length > 0 ? mutes.sections : [section('No alerts are muted.')]),
    note(omittedNote(mutes.omitted, 'mute')),
    divider(),
    section('*Latest alerts*'),
    ...(latest.length > 0 ? groups.sections : [section('No alerts yet.')]),
    note(groups.omitted > 0 ? `_${plural(groups.omitted, 'older alert')} not shown._` : undefined),
  ];
  return { type: 'home', blocks: fitBlocks(blocks, HOME_MAX_BLOCKS) };
}
