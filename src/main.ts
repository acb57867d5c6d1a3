// Composition root: reads config, builds every adapter and service, wires them by passing
// parameters, starts them and shuts them down on SIGTERM/SIGINT. Nothing else reads process.env.
import { DEFAULT_GROUPING } from './alerts/model.ts';
import { OutboxSender } from './alerts/OutboxSender.ts';
import { Poller } from './alerts/Poller.ts';
import { scheduleIntervalSeconds, startPollSchedule } from './alerts/PollScheduler.ts';
import { WatchService } from './alerts/WatchService.ts';
import { BrowseService, PAGING_TTL_MS } from './browse/BrowseService.ts';
import { type Config, loadConfig } from './config.ts';
import { healthRoute } from './health.ts';
import { createIvsClientFactory } from './ivs/ivsClients.ts';
import { RequestBudget } from './ivs/RequestBudget.ts';
import { SdkIvsGateway } from './ivs/SdkIvsGateway.ts';
import { createLogger, type Logger } from './logger.ts';
import { registerActions } from './slack/actions/index.ts';
import { registerCommands } from './slack/commands/index.ts';
import { createSlackApp } from './slack/createSlackApp.ts';
import { registerAppHome } from './slack/events/appHome.ts';
import { WebClientSlackPoster } from './slack/SlackPoster.ts';
import { openStore } from './store/openStore.ts';

export interface RunningBot {
  port: number;
  stop(): Promise<void>;
}

/** Starts the bot with a validated config; used by the CLI below and by end-to-end tests. */
export async function startBot(config: Config, logger: Logger): Promise<RunningBot> {
  const store = await openStore(config.store);
  const ivsClients = createIvsClientFactory({ maxAttempts: 3, requestTimeoutMs: 10_000 });
  const ivs = new SdkIvsGateway({
    clientFor: ivsClients.clientFor,
    budget: new RequestBudget(config.maxTps),
    logger,
  });
  const browse = new BrowseService({ ivs, store });

  const slack = createSlackApp(config, logger, [healthRoute()]);
  const poster = new WebClientSlackPoster(slack.app.client);
  const watches = new WatchService({ ivs, store, slack: poster });
  await watches.seed(config.watches);
  const sender = new OutboxSender({ store, slack: poster, logger });
  const poller = new Poller({
    ivs,
    store,
    logger,
    policy: DEFAULT_GROUPING,
    intervalSeconds: scheduleIntervalSeconds(config.pollSchedule),
    maxTps: config.maxTps,
    onDetections: () => sender.kick(),
  });

  registerCommands(slack.app, { browse, watches, defaultRegion: config.awsRegion, logger });
  registerActions(slack.app, { browse, watches, slack: poster, logger });
  registerAppHome(slack.app, { watches, logger });
  slack.app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack listener');
  });

  const pruneTimer = setInterval(
    () => {
      store
        .deletePagingStatesBefore(new Date(Date.now() - PAGING_TTL_MS))
        .catch((error: unknown) => logger.warn({ err: error }, 'could not prune paging state'));
    },
    60 * 60 * 1000,
  );
  pruneTimer.unref();

  const port = await slack.start();
  // Alerts detected before a restart and not yet sent go out now.
  sender.kick();
  const schedule = startPollSchedule(config.pollSchedule, poller, logger);
  logger.info(
    { port, mode: config.slackAppToken ? 'socket' : 'http', store: config.store.kind },
    'ivs-realtime-bot started',
  );
  return {
    port,
    async stop() {
      clearInterval(pruneTimer);
      await schedule.stop();
      await slack.stop();
      await sender.stop();
      ivsClients.destroy();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(
      `ivs-realtime-bot cannot start; fix these settings (see README → Configuration):\n${loaded.problems
        .map((problem) => `  - ${problem}`)
        .join('\n')}\n`,
    );
    process.exitCode = 1;
    return;
  }
  const logger = createLogger(loaded.config.logLevel);
  let bot: RunningBot;
  try {
    bot = await startBot(loaded.config, logger);
  } catch (error) {
    logger.fatal({ err: error }, error instanceof Error ? error.message : 'start-up failed');
    process.exitCode = 1;
    return;
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    bot.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.main) await main();
