import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WatchService } from '../../alerts/WatchService.ts';
import type { AccountRoles } from '../../ivs/accountRoles.ts';
import type { Turns } from '../../platform/LoopTurns.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { type AccessLevel, type AccessPolicy, authorize, isAdmin } from '../access.ts';
import { type BrowseViews, perBrowseView } from '../browseViews/registry.ts';
import { HELP } from '../commandUsage.ts';
import { slashCommandSchema } from '../payloads.ts';
import { replyVia } from '../respondSafely.ts';
import type { TimelineDelivery } from '../TimelineDelivery.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderHelp, renderNotice, renderUsageError } from '../views/noticeView.ts';
import { runAlertCommand } from './alertCommands.ts';
import { runBrowseCommand } from './browseCommand.ts';
import { type Command, parseCommand } from './parseCommand.ts';

export interface CommandDeps {
  browse: BrowseViews;
  watches: WatchService;
  /** Draws sessions' pictures and puts them in Slack (/ivs timeline). */
  timelines: TimelineDelivery;
  defaultRegion: string;
  /** IVS_REGIONS: the regions a command may name (default: IVS Real-Time's). */
  regions?: ReadonlySet<string>;
  /** IVS_ACCOUNT_ROLES: the accounts `/ivs stages` may name. */
  accounts?: AccountRoles;
  logger: Logger;
  metrics?: Pick<Metrics, 'commands'>;
  access: AccessPolicy;
  now?: () => Date;
  /** Answers wait for a turn, so that the acks of requests already received go first. */
  turns?: Turns;
}

/**
 * What each subcommand requires: help is for anyone anywhere, reading IVS or the bot's lists is
 * "read", changing the bot is "change". Every subcommand must be listed (a type error otherwise), so
 * a new one is never open to readers by default.
 */
export const COMMAND_ACCESS = {
  help: 'open',
  // Each browse view says in its descriptor (browseViews/); a descriptor without one is a type error.
  ...perBrowseView((view) => view.command.access),
  timeline: 'read',
  watches: 'read',
  mutes: 'read',
  watch: 'change',
  unwatch: 'change',
} as const satisfies Record<Command['name'], AccessLevel>;

export interface Caller {
  userId: string;
  channelId: string;
}

/** A valid `/ivs` command and who typed it where, put in Bolt's context by the listener that read it. */
interface CommandContext {
  request?: { command: Command; caller: Caller; log: Logger };
}

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs<CommandContext>;

/** `/ivs`: ack at once (Slack's 3-second deadline), read the command, authorize it, answer through response_url. */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command<CommandContext>(
    '/ivs',
    (args) => readCommand(args, deps),
    authorize<CommandArgs>(
      deps.access,
      ({ context }) =>
        context.request && {
          who: context.request.caller,
          level: COMMAND_ACCESS[context.request.command.name],
        },
      async ({ context, respond }, reason) => {
        const name = context.request?.command.name ?? 'unknown';
        (context.request?.log ?? deps.logger).warn({ command: name, reason }, 'slash command refused');
        deps.metrics?.commands.inc({ command: name, outcome: 'refused' });
        await replyVia(respond, deps.logger)(renderNotice(reason));
      },
    ),
    async ({ context, respond }) => {
      const { request } = context;
      // authorize() lets nothing through without a request; this only narrows the type.
      if (!request) return;
      request.log.info({ command: request.command.name }, 'slash command');
      deps.metrics?.commands.inc({ command: request.command.name, outcome: 'ok' });
      await replyVia(respond, deps.logger)(await runCommand(request.command, request.caller, deps));
    },
  );
}

/** Acks, waits for its turn, validates the payload and parses the command; answers what it cannot read. */
async function readCommand(
  { command, ack, respond, context, next }: CommandArgs,
  deps: CommandDeps,
): Promise<void> {
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
  const parsed = parseCommand(payload.data.text, deps.defaultRegion, deps.regions, deps.accounts);
  const log = deps.logger.child({ user: payload.data.user_id, channel: payload.data.channel_id });
  if (!parsed.ok) {
    log.info({ command: 'usage_error' }, 'slash command rejected');
    deps.metrics?.commands.inc({ command: 'unknown', outcome: 'usage_error' });
    await reply(renderUsageError(parsed.problem, parsed.usage));
    return;
  }
  context.request = {
    command: parsed.command,
    caller: { userId: payload.data.user_id, channelId: payload.data.channel_id },
    log,
  };
  await next();
}

function runCommand(command: Command, caller: Caller, deps: CommandDeps): Promise<SlackMessage> {
  switch (command.name) {
    case 'help':
      return Promise.resolve(renderHelp(HELP));
    case 'watch':
    case 'unwatch':
    case 'watches':
    case 'mutes':
      return runAlertCommand(
        command,
        caller,
        deps.watches,
        deps.now?.() ?? new Date(),
        deps.access,
        deps.accounts,
      );
    case 'timeline':
      return deps.timelines.toAsker(command.stage, command.sessionId, caller);
    default:
      return runBrowseCommand(command, deps.browse, {
        isAdmin: isAdmin(deps.access, caller.userId),
      });
  }
}
