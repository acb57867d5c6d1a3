import type { WatchService } from '../../alerts/WatchService.ts';
import type { AccountRoles } from '../../ivs/accountRoles.ts';
import { type AccessPolicy, decideTargetChannel, isAdmin } from '../access.ts';
import { describeMention } from '../mention.ts';
import { renderMutes, renderWatches } from '../views/alertViews.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderNotice } from '../views/noticeView.ts';
import type { Command } from './parseCommand.ts';

export type AlertCommand = Extract<Command, { name: 'watch' | 'unwatch' | 'watches' | 'mutes' }>;

/** /ivs watch | unwatch | watches | mutes. A channel left out means the one the command was typed in. */
export async function runAlertCommand(
  command: AlertCommand,
  caller: { userId: string; channelId: string },
  watches: WatchService,
  now: Date,
  access: AccessPolicy,
  accounts?: AccountRoles,
): Promise<SlackMessage> {
  switch (command.name) {
    case 'watch': {
      const channelId = command.channelId ?? caller.channelId;
      const target = decideTargetChannel(access, channelId);
      if (!target.ok) return renderNotice(`Not watching: ${target.reason}`);
      const outcome = await watches.watch({
        stage: command.stage,
        channelId,
        codes: command.codes,
        mention: command.mention,
        ...(command.mentionName ? { mentionName: command.mentionName } : {}),
        userId: caller.userId,
      });
      if (!outcome.ok) return renderNotice(`Not watching: ${outcome.problem}`);
      const what = outcome.codes ? outcome.codes.join(', ') : 'every error code';
      const pages = describeMention(command.mention, command.mentionName);
      return renderNotice(
        `${outcome.created ? 'Now watching' : 'Updated the watch of'} ${outcome.stageArn} for ${what}; alerts go to the channel announced there.`,
        pages
          ? `The first message of each new alert pages ${pages}.`
          : 'Nobody is paged; mention=… on /ivs watch pages a person, a user group or here.',
      );
    }
    case 'unwatch': {
      const channelId = command.channelId ?? caller.channelId;
      // Removing a watch shows nothing, so admins may remove one left in a channel taken off the list.
      const target = isAdmin(access, caller.userId)
        ? { ok: true as const }
        : decideTargetChannel(access, channelId);
      if (!target.ok) return renderNotice(`Not unwatching: ${target.reason}`);
      const outcome = await watches.unwatch(command.stage, channelId);
      if (!outcome.ok) return renderNotice(outcome.problem);
      return renderNotice(
        outcome.removed > 0
          ? 'Stopped watching that stage in that channel.'
          : 'That stage was not watched in that channel; /ivs watches lists the watches.',
      );
    }
    case 'watches': {
      const overview = await watches.overview();
      return renderWatches(overview.watches, overview.health, now, overview.undelivered, {
        groups: overview.groups,
        mutes: overview.mutes,
        events: overview.events,
        ...(accounts ? { accounts } : {}),
      });
    }
    case 'mutes': {
      const overview = await watches.overview();
      return renderMutes(overview.mutes, now);
    }
  }
}
