import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { WatchService } from '../../alerts/WatchService.ts';
import type { Logger } from '../../logger.ts';
import { renderHome } from '../views/homeView.ts';

const homeOpenedSchema = z.object({
  user: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
  tab: z.string().optional(),
});

/** App Home: watches, mutes and the latest alert groups at a glance, refreshed each time it opens. */
export function registerAppHome(
  app: App,
  deps: { watches: WatchService; logger: Logger; now?: () => Date },
): void {
  app.event('app_home_opened', async ({ event, client }) => {
    const parsed = homeOpenedSchema.safeParse(event);
    if (!parsed.success || (parsed.data.tab !== undefined && parsed.data.tab !== 'home')) return;
    const overview = await deps.watches.overview(20);
    try {
      await client.views.publish({
        user_id: parsed.data.user,
        view: renderHome({ ...overview, now: deps.now?.() ?? new Date() }),
      });
    } catch (error) {
      deps.logger.warn({ err: error, user: parsed.data.user }, 'could not publish the App Home view');
    }
  });
}
