import type { AnyMiddlewareArgs, App } from '@slack/bolt';
import type { Logger } from '../platform/logger.ts';

/**
 * Refuses requests from any workspace but the one the bot token belongs to. Bolt verifies the
 * signature but not the team: a second workspace sharing the app's signing secret (or a
 * misrouted request) would otherwise read this workspace's IVS data.
 */
export function registerWorkspaceGuard(
  app: App,
  options: { installedTeam: () => Promise<string | undefined>; logger: Logger },
): void {
  app.use(async (args) => {
    const team = teamOf(args.body);
    const installed = await options.installedTeam();
    if (installed !== undefined && team === installed) {
      await args.next();
      return;
    }
    // Fails closed: if the bot cannot tell its own workspace yet (auth.test failing), it answers nobody.
    options.logger.warn({ team, installed }, 'refused a request that is not from the installed workspace');
    const ack =
      'ack' in args && typeof args.ack === 'function'
        ? (args.ack as (message?: unknown) => Promise<void>)
        : undefined;
    if (ack) {
      const isCommand = typeof (args.body as { command?: unknown }).command === 'string';
      const text =
        installed === undefined
          ? 'The bot cannot verify its Slack workspace right now (auth.test failed); try again in a minute.'
          : 'This bot serves another Slack workspace.';
      await ack(isCommand ? { response_type: 'ephemeral', text } : undefined);
    }
  });
}

function teamOf(body: AnyMiddlewareArgs['body']): string | undefined {
  const candidate = body as {
    team_id?: unknown;
    team?: { id?: unknown } | null;
    user?: { team_id?: unknown };
  };
  for (const value of [candidate.team_id, candidate.team?.id, candidate.user?.team_id]) {
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}
