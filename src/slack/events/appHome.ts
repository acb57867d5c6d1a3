import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { WatchService } from '../../alerts/WatchService.ts';
import type { Logger } from '../../platform/logger.ts';
import { type AccessPolicy, decideAccess, OPEN_POLICY } from '../access.ts';
import { section } from '../views/blocks.ts';
import { renderHome } from '../views/homeView.ts';
import { escapeMrkdwn } from '../views/text.ts';

const homeOpenedSchema = z.object({
  user: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
  tab: z.string().optional(),
});

/** App Home: watches, mutes and the latest alert groups at a glance, refreshed each time it opens. */
export function registerAppHome(
  app: App,
  deps: { watches: WatchService; logger: Logger; access?: AccessPolicy; now?: () => Date },
): void {
  app.event('app_home_opened', async ({ event, client }) => {
    const parsed = homeOpenedSchema.safeParse(event);
    if (!parsed.success || (parsed.data.tab !== undefined && parsed.data.tab !== 'home')) return;
    // The Home tab is not in a channel: only the user lists apply.
    const policy = { ...(deps.access ?? OPEN_POLICY), allowedChannels: null };
    const decision = decideAccess(policy, { userId: parsed.data.user, channelId: undefined }, 'read');
    const view = decision.ok
      ? renderHome({ ...(await deps.watches.overview(20)), now: deps.now?.() ?? new Date() })
      : { type: 'home' as const, blocks: [section(escapeMrkdwn(decision.reason))] };
    try {
      await client.views.publish({ user_id: parsed.data.user, view });
    } catch (error) {
      deps.logger.warn({ err: error, user: parsed.data.user }, 'could not publish the App Home view');
    }
  });
}
