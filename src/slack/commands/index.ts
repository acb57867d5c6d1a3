import type { App } from '@slack/bolt';
import type { WatchService } from '../../alerts/WatchService.ts';
import type { BrowseService } from '../../browse/BrowseService.ts';
import type { Turns } from '../../platform/LoopTurns.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { type AccessLevel, type AccessPolicy, decideAccess, isAdmin, OPEN_POLICY } from '../access.ts';
import { slashCommandSchema } from '../payloads.ts';
import { replyVia } from '../respondSafely.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderHelp, renderNotice, renderUsageError } from '../views/noticeView.ts';
import { runAlertCommand } from './alertCommands.ts';
import { runBrowseCommand } from './browseCommand.ts';
import { type Command, parseCommand } from './parseCommand.ts';

export interface CommandDeps {
  browse: BrowseService;
  watches: WatchService;
  defaultRegion: string;
  /** IVS_REGIONS: the regions a command may name (default: IVS Real-Time's). */
  regions?: ReadonlySet<string>;
  logger: Logger;
  metrics?: Pick<Metrics, 'commands'>;
  access?: AccessPolicy;
  now?: () => Date;
  /** Answers wait for a turn, so that the acks of requests already received go first. */
  turns?: Turns;
}

/** What each subcommand needs: help is for everyone, reading IVS is "read", changing the bot is "change". */
export function commandLevel(name: Command['name']): AccessLevel | 'none' {
  switch (name) {
    case 'help':
      return 'none';
    case 'watch':
    case 'unwatch':
      return 'change';
    default:
      return 'read';
  }
}

export interface Caller {
  userId: string;
  channelId: string;
}

/** `/ivs`: ack at once (Slack's 3-second deadline), then answer through response_url. */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command('/ivs', async ({ command, ack, respond }) => {
    await ack();
    // Requests already received get their acks before this one's answer is worked out.
    await deps.turns?.next();
    const reply = replyVia(respond, deps.logger);
    const payload = slashCommandSchema.safeParse(command);
    if (!payload.success) {
      deps.logger.warn({ issues: payload.error.issues.length }, 'malformed slash command payload');
      await reply(renderNotice('Slack sent a command the bot could not read. Try again.'));
      return;
    }
    const parsed = parseCommand(payload.data.text, deps.defaultRegion, deps.regions);
    const log = deps.logger.child({ user: payload.data.user_id, channel: payload.data.channel_id });
    if (!parsed.ok) {
      log.info({ command: 'usage_error' }, 'slash command rejected');
      deps.metrics?.commands.inc({ command: 'unknown', outcome: 'usage_error' });
      await reply(renderUsageError(parsed.problem, parsed.usage));
      return;
    }
    const level = commandLevel(parsed.command.name);
    const decision =
      level === 'none'
        ? { ok: true as const }
        : decideAccess(
            deps.access ?? OPEN_POLICY,
            { userId: payload.data.user_id, channelId: payload.data.channel_id },
            level,
          );
    if (!decision.ok) {
      log.warn({ command: parsed.command.name, reason: decision.reason }, 'slash command refused');
      deps.metrics?.commands.inc({ command: parsed.command.name, outcome: 'refused' });
      await reply(renderNotice(decision.reason));
      return;
    }
    log.info({ command: parsed.command.name }, 'slash command');
    deps.metrics?.commands.inc({ command: parsed.command.name, outcome: 'ok' });
    await reply(
      await runCommand(
        parsed.command,
        { userId: payload.data.user_id, channelId: payload.data.channel_id },
        deps,
      ),
    );
  });
}

function runCommand(command: Command, caller: Caller, deps: CommandDeps): Promise<SlackMessage> {
  switch (command.name) {
    case 'help':
      return Promise.resolve(renderHelp());
    case 'watch':
    case 'unwatch':
    case 'watches':
    case 'mutes':
      return runAlertCommand(
        command,
        caller,
        deps.watches,
        deps.now?.() ?? new Date(),
        deps.access ?? OPEN_POLICY,
      );
    default:
      return runBrowseCommand(command, deps.browse, {
        isAdmin: isAdmin(deps.access ?? OPEN_POLICY, caller.userId),
      });
  }
}
