import type { App } from '@slack/bolt';
import type { BrowseService } from '../../browse/BrowseService.ts';
import type { Logger } from '../../logger.ts';
import { slashCommandSchema } from '../payloads.ts';
import { replyVia } from '../respondSafely.ts';
import { renderHelp, renderNotice, renderUsageError } from '../views/noticeView.ts';
import { runBrowseCommand } from './browseCommand.ts';
import { parseCommand } from './parseCommand.ts';

export interface CommandDeps {
  browse: BrowseService;
  defaultRegion: string;
  logger: Logger;
}

/** `/ivs`: ack at once (Slack's 3-second deadline), then answer through response_url. */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command('/ivs', async ({ command, ack, respond }) => {
    await ack();
    const reply = replyVia(respond, deps.logger);
    const payload = slashCommandSchema.safeParse(command);
    if (!payload.success) {
      deps.logger.warn({ issues: payload.error.issues.length }, 'malformed slash command payload');
      await reply(renderNotice('Slack sent a command the bot could not read. Try again.'));
      return;
    }
    const parsed = parseCommand(payload.data.text, deps.defaultRegion);
    const log = deps.logger.child({ user: payload.data.user_id, channel: payload.data.channel_id });
    if (!parsed.ok) {
      log.info({ command: 'usage_error' }, 'slash command rejected');
      await reply(renderUsageError(parsed.problem, parsed.usage));
      return;
    }
    log.info({ command: parsed.command.name }, 'slash command');
    const message =
      parsed.command.name === 'help' ? renderHelp() : await runBrowseCommand(parsed.command, deps.browse);
    await reply(message);
  });
}
