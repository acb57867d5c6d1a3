import type { BrowseProblem } from '../../browse/types.ts';
import { describeIvsFailure } from '../../ivs/IvsFailure.ts';
import { ACTION, pageRef } from '../actionIds.ts';
import { describeMention } from '../mention.ts';
import { SLACK_USER_ID as USER_ID } from '../slackIds.ts';
import { actions, button, context, fitMessage, header, type SlackMessage, section } from './blocks.ts';
import { escapeMrkdwn } from './text.ts';

/** A short answer in one section; `text` is plain text from anywhere and is escaped here. */
export function renderNotice(text: string, detail?: string): SlackMessage {
  return fitMessage(text, [section(escapeMrkdwn(text)), detail ? context(escapeMrkdwn(detail)) : undefined]);
}

export function renderUsageError(problem: string, usage: string): SlackMessage {
  return fitMessage(`${problem} ${usage}`, [
    section(`:warning: ${escapeMrkdwn(problem)}`),
    section(`\`\`\`${escapeMrkdwn(usage)}\`\`\``),
    context('Type `/ivs help` for every command.'),
  ]);
}

export function renderBrowseProblem(problem: BrowseProblem): SlackMessage {
  switch (problem.kind) {
    case 'ivs':
      return fitMessage(describeIvsFailure(problem.failure), [
        section(`:warning: ${escapeMrkdwn(describeIvsFailure(problem.failure))}`),
      ]);
    case 'expired':
      return renderNotice(
        'These buttons have expired or are unknown to the bot (paging state is kept for 7 days).',
        'Run the /ivs command again to start over.',
      );
    case 'stale_token':
      return fitMessage('IVS no longer accepts this page position.', [
        section(':hourglass: IVS no longer accepts this page position (its paging tokens expire).'),
        actions([
          button({
            text: 'Start again from page 1',
            actionId: ACTION.restart,
            value: pageRef(problem.stateId, 0),
          }),
        ]),
      ]);
  }
}

/** `/ivs help`: each subcommand's usage line and an example (commandUsage.ts's HELP). */
export function renderHelp(commands: readonly { usage: string; example: string }[]): SlackMessage {
  const lines = commands.map(
    ({ usage, example }) => `• \`${escapeMrkdwn(usage)}\`\n   e.g. \`${escapeMrkdwn(example)}\``,
  );
  return fitMessage('How to use /ivs', [
    header('Amazon IVS Real-Time from Slack'),
    section(lines.join('\n')),
    context(
      escapeMrkdwn(
        '<stage> is a stage ARN, or a bare 12-character stage ID looked up in the default region. Lists have buttons that open the next level: stage → sessions → participants → participant.',
      ),
    ),
  ]);
}

/** A Slack user mention for a validated ID; anything else is shown as escaped text. */
export function mention(userId: string): string {
  return USER_ID.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

/** Posted in the channel when a watch starts: proves the bot can post there, and tells everyone. */
export function renderWatchStarted(data: {
  stageArn: string;
  stageName: string | undefined;
  codes: readonly string[] | null;
  userId: string;
  /** Who each new alert pages: named here in words, never as a mention (this post must page nobody). */
  mention?: string | null;
  /** The name Slack gave beside it (`@video-oncall`): shown as code, never as a mention. */
  mentionName?: string;
}): SlackMessage {
  const what = data.codes ? data.codes.map((c) => `\`${escapeMrkdwn(c)}\``).join(', ') : 'every error code';
  const name = data.stageName ? `*${escapeMrkdwn(data.stageName)}* ` : '';
  const pages = describeMention(data.mention, data.mentionName);
  return fitMessage(`Watching IVS stage ${data.stageName ?? data.stageArn} for error events`, [
    section(
      `:eyes: ${mention(data.userId)} started watching IVS stage ${name}\`${escapeMrkdwn(data.stageArn)}\` for ${what}. Alerts will arrive in this channel.` +
        (pages ? `\n:bell: The first message of each new alert pages ${pages}.` : ''),
    ),
    context(escapeMrkdwn('`/ivs watches` lists watches · `/ivs unwatch <stage>` stops this one.')),
  ]);
}
