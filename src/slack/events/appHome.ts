import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { WatchService } from '../../alerts/WatchService.ts';
import type { AccountRoles } from '../../ivs/accountRoles.ts';
import type { Logger } from '../../platform/logger.ts';
import { type AccessPolicy, authorize } from '../access.ts';
import { SLACK_USER_ID } from '../slackIds.ts';
import { section } from '../views/blocks.ts';
import { type HomeView, renderHome } from '../views/homeView.ts';
import { escapeMrkdwn } from '../views/text.ts';

const homeOpenedSchema = z.object({
  user: z.string().regex(SLACK_USER_ID),
  tab: z.string().optional(),
});

/** A valid app_home_opened for the Home tab, put in Bolt's context by the listener that read it. */
interface HomeContext {
  userId?: string;
}

type HomeArgs = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs<HomeContext>;

/** App Home: watches, mutes and the latest alert groups at a glance, refreshed each time it opens. */
export function registerAppHome(
  app: App,
  deps: {
    watches: WatchService;
    logger: Logger;
    access: AccessPolicy;
    now?: () => Date;
    /** IVS_ACCOUNT_ROLES, for the stages' account aliases. */
    accounts?: AccountRoles;
  },
): void {
  // The Home tab is not in a channel: only the user lists apply.
  const policy = { ...deps.access, allowedChannels: null };
  const publish = async ({ client }: HomeArgs, userId: string, view: HomeView) => {
    try {
      await client.views.publish({ user_id: userId, view });
    } catch (error) {
      deps.logger.warn({ err: error, user: userId }, 'could not publish the App Home view');
    }
  };
  app.event<'app_home_opened', HomeContext>(
    'app_home_opened',
    async ({ event, context, next }) => {
      const parsed = homeOpenedSchema.safeParse(event);
      if (!parsed.success || (parsed.data.tab !== undefined && parsed.data.tab !== 'home')) return;
      context.userId = parsed.data.user;
      await next();
    },
    authorize<HomeArgs>(
      policy,
      ({ context }) =>
        context.userId === undefined
          ? undefined
          : { who: { userId: context.userId, channelId: undefined }, level: 'read' },
      async (args, reason) => {
        if (!args.context.userId) return;
        await publish(args, args.context.userId, { type: 'home', blocks: [section(escapeMrkdwn(reason))] });
      },
    ),
    async (args) => {
      const { userId } = args.context;
      // authorize() lets nothing through without a user; this only narrows the type.
      if (!userId) return;
      await publish(
        args,
        userId,
        renderHome({
          ...(await deps.watches.overview(20)),
          now: deps.now?.() ?? new Date(),
          ...(deps.accounts ? { accounts: deps.accounts } : {}),
        }),
      );
    },
  );
}
