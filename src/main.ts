// Composition root: reads config, builds every adapter and service, wires them by passing
// parameters, starts them and shuts them down on SIGTERM/SIGINT. Nothing else reads process.env.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EventConsumer } from './alerts/EventConsumer.ts';
import { OutboxSender } from './alerts/OutboxSender.ts';
import { Poller } from './alerts/Poller.ts';
import { recordCycle, scheduleIntervalSeconds, startPollSchedule } from './alerts/PollScheduler.ts';
import { WatchService } from './alerts/WatchService.ts';
import { BrowseService, PAGING_TTL_MS } from './browse/BrowseService.ts';
import { type Config, loadConfig } from './config.ts';
import type { PostFailure } from './domain/delivery.ts';
import { DEFAULT_GROUPING } from './domain/model.ts';
import { cachedGauges, healthRoute, metricsRoute, readyRoute } from './health.ts';
import { createIvsClientFactory } from './ivs/ivsClients.ts';
import { ReplicaBudget } from './ivs/ReplicaBudget.ts';
import { RequestBudget, systemClock } from './ivs/RequestBudget.ts';
import { SdkIvsGateway } from './ivs/SdkIvsGateway.ts';
import { SharedReads } from './ivs/SharedReads.ts';
import { HttpFront } from './platform/HttpFront.ts';
import { Lifecycle } from './platform/Lifecycle.ts';
import { LoopTurns } from './platform/LoopTurns.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import { InFlight } from './replicas/InFlight.ts';
import { LeaderElector } from './replicas/LeaderElector.ts';
import { AllowedChannelsPoster } from './slack/AllowedChannelsPoster.ts';
import { registerActions } from './slack/actions/index.ts';
import { BROWSE_VIEWS } from './slack/browseViews/registry.ts';
import { registerCommands } from './slack/commands/index.ts';
import { createSlackApp } from './slack/createSlackApp.ts';
import { registerAppHome } from './slack/events/appHome.ts';
import { WebClientFileUploader } from './slack/SlackFileUploader.ts';
import { SlackMessenger } from './slack/SlackMessenger.ts';
import { WebClientSlackPoster } from './slack/SlackPoster.ts';
import { TimelineDelivery } from './slack/TimelineDelivery.ts';
import { registerWorkspaceGuard } from './slack/workspaceGuard.ts';
import { openStore } from './store/openStore.ts';
import { purgeExpired } from './store/purgeExpired.ts';
import { TimelineService } from './timeline/TimelineService.ts';

export interface RunningBot {
  port: number;
  /** The metrics listener's port when METRICS_PORT is set. */
  metricsPort: number | undefined;
  /** Graceful stop: no new requests, in-flight answers and the current cycle's sends finish, leadership released. */
  stop(): Promise<void>;
}

/** How often the leader applies retention (IVS_RETENTION_DAYS). */
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * On PostgreSQL, how often the leader looks for messages other replicas queued (an EventBridge event
 * one of them received, an Acknowledge click it answered) between its poll cycles.
 */
const OUTBOX_CHECK_MS = 5_000;

/** How long a graceful stop may take in all before the process exits anyway. */
export const SHUTDOWN_BUDGET_MS = 20_000;

/** Starts the bot with a validated config; used by the CLI below and by end-to-end tests. */
export async function startBot(config: Config, logger: Logger): Promise<RunningBot> {
  // Each part registers its close hook once started: a start-up that fails partway closes what it
  // had started, and stop() closes everything, last started first.
  const lifecycle = new Lifecycle({ logger });
  return lifecycle.startOrUnwind(() => startParts(config, logger, lifecycle), SHUTDOWN_BUDGET_MS);
}

async function startParts(config: Config, logger: Logger, lifecycle: Lifecycle): Promise<RunningBot> {
  const store = await openStore(config.store);
  lifecycle.onClose('store', () => store.close());
  const metrics = createMetrics(cachedGauges(store));
  const ivsClients = createIvsClientFactory({
    maxAttempts: 3,
    requestTimeoutMs: 10_000,
    regions: config.ivsRegions,
    accountRoles: config.accountRoles,
  });
  lifecycle.onClose('IVS clients', () => ivsClients.destroy());
  // The HTTP listeners stop taking connections early in a stop (below); the connections still open
  // are waited for here, after the lease is released, within what is left of the budget.
  const draining: Promise<void>[] = [];
  lifecycle.onClose('HTTP connections', (left) =>
    Promise.race([Promise.all(draining), new Promise((resolve) => setTimeout(resolve, left()).unref())]),
  );
  const budget = new RequestBudget(config.maxTps, systemClock, { backgroundShare: config.pollerShare });
  // Acks first: answers wait for a turn of the event loop while requests keep arriving.
  const turns = new LoopTurns();
  const ivs = new SdkIvsGateway({
    clientFor: ivsClients.clientFor,
    quotaAccount: ivsClients.quotaAccount,
    budget,
    shared: new SharedReads({ ttlMs: config.readCacheMs, turns }),
    logger,
    onCall: (operation, outcome, durationMs) => {
      metrics.ivsCalls.inc({ operation, outcome });
      metrics.ivsCallSeconds.observe({ operation }, durationMs / 1000);
    },
  });
  const browse = new BrowseService({ ivs, store, sources: BROWSE_VIEWS });

  let stopping = false;
  // Probes stay on PORT (load balancers check it); /metrics moves to METRICS_PORT when that is set.
  const probes = [healthRoute(), readyRoute(store, () => stopping)];
  const metricsFront =
    config.metricsPort === undefined
      ? undefined
      : new HttpFront({ routes: [metricsRoute(metrics.registry), ...probes], logger });
  const slack = createSlackApp(
    config,
    logger,
    metricsFront ? probes : [...probes, metricsRoute(metrics.registry)],
  );
  const onFailure = (failure: PostFailure) => metrics.slackErrors.inc({ error: failure.error });
  let sender: OutboxSender | undefined;
  // A message Slack accepts in a channel (a watch confirmation, a Share) puts the alerts it refused
  // there back in line; the outbox's own sends do that themselves, through the second poster.
  const poster = new WebClientSlackPoster(slack.client, {
    onFailure,
    onDelivered: (channel) => sender?.noteDelivered(channel),
  });
  // A session's picture goes to the asker's messages with the bot, and to a channel on Share.
  const timelines = new TimelineDelivery({
    timelines: new TimelineService({ ivs }),
    uploader: new WebClientFileUploader(slack.client, {
      onDelivered: (channel) => sender?.noteDelivered(channel),
    }),
    logger,
  });
  // Renders alerts for the messages a command or a click answers (watch confirmations, Mute).
  const messenger = new SlackMessenger(poster, config.accountRoles);
  const watches = new WatchService({
    ivs,
    store,
    messenger,
    eventsQueue: config.eventsQueueUrl !== undefined,
  });
  await watches.seed(config.watches);

  const holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  // IVS_MAX_TPS is for all replicas together: each takes its share of the replicas alive.
  const replicaBudget = new ReplicaBudget({
    registry: store,
    budget,
    maxTps: config.maxTps,
    holder,
    ttlMs: config.leaderTimeoutMs,
    logger,
  });
  await replicaBudget.start();
  lifecycle.onClose('replica heartbeat', () => replicaBudget.stop());
  const elector = new LeaderElector({
    store,
    holder,
    ttlMs: config.leaderTimeoutMs,
    logger,
    onChange: (leader) => {
      metrics.leader.set(leader ? 1 : 0);
      // A new leader sends whatever the previous one left in the outbox.
      if (leader) sender?.kick();
    },
  });
  // Released after the outbox's sends (below) are done, so the next leader does not send them again.
  lifecycle.onClose('leader lease', () => elector.stop());
  sender = new OutboxSender({
    store,
    // Alerts of a watch whose channel was taken off IVS_ALLOWED_CHANNELS are held, not posted.
    messenger: new SlackMessenger(
      new AllowedChannelsPoster(new WebClientSlackPoster(slack.client, { onFailure }), config.access),
      config.accountRoles,
    ),
    logger,
    holder: `outbox:${holder}`,
    canSend: () => elector.isLeader,
    onSend: (kind, outcome) => metrics.alertMessages.inc({ kind, outcome }),
  });
  const outbox = sender;
  lifecycle.onClose('outbox sends', (left) => outbox.stop(left()));
  const pollIntervalSeconds = scheduleIntervalSeconds(config.pollSchedule);
  const poller = new Poller({
    ivs,
    store,
    logger,
    // The grouping window is the quiet window: no event for that long and the group is quiet.
    policy: { ...DEFAULT_GROUPING, burstWindowMs: config.alertQuietMs },
    intervalSeconds: pollIntervalSeconds,
    // This replica's share of IVS_MAX_TPS, which changes as replicas come and go.
    maxTps: () => budget.ratePerSecond,
    historyMs: config.retentionMs,
    onDetections: () => sender?.kick(),
  });

  // Answers are sent after the ack; shutdown waits for them.
  const inFlight = new InFlight();
  slack.app.use(async ({ next }) => {
    turns.noteRequest();
    await inFlight.track(next());
  });
  lifecycle.onClose('in-flight answers', (left) => inFlight.settle(left() / 2));
  registerWorkspaceGuard(slack.app, {
    installedTeam: () =>
      slack.identity().then(
        (bot) => bot.teamId,
        () => undefined,
      ),
    logger,
  });
  registerCommands(slack.app, {
    browse,
    watches,
    timelines,
    defaultRegion: config.awsRegion,
    regions: config.ivsRegions,
    accounts: config.accountRoles,
    logger,
    metrics,
    access: config.access,
    turns,
  });
  registerActions(slack.app, {
    browse,
    watches,
    timelines,
    slack: poster,
    logger,
    metrics,
    access: config.access,
    alerts: messenger,
    turns,
    // On the leader the update goes out at once; on another replica the leader finds it within OUTBOX_CHECK_MS.
    onAlertQueued: () => sender?.kick(),
  });
  registerAppHome(slack.app, { watches, logger, access: config.access, accounts: config.accountRoles });
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

  // Retention: the leader purges (one writer; on SQLite the one process always leads), in batches.
  let purging = false;
  const purge = (): void => {
    if (purging || stopping || !elector.isLeader) return;
    purging = true;
    purgeExpired(store, {
      retentionMs: config.retentionMs,
      now: new Date(),
      shouldContinue: () => elector.isLeader && !stopping,
    })
      .then(
        (purged) => logger.info({ purged }, 'retention purge done'),
        (error: unknown) => logger.warn({ err: error }, 'retention purge failed; retried next hour'),
      )
      .finally(() => {
        purging = false;
      });
  };
  const purgeTimer = setInterval(purge, PURGE_INTERVAL_MS);
  purgeTimer.unref();
  // Also soon after start, so a bot restarted more often than hourly still purges.
  const firstPurge = setTimeout(purge, 60_000);
  firstPurge.unref();
  // Replicas share the outbox: what another one queued is sent within seconds, not at the next poll
  // cycle (a minute or more). A kick is nothing on a replica that does not lead.
  const outboxCheck =
    config.store.kind === 'postgres' ? setInterval(() => sender?.kick(), OUTBOX_CHECK_MS) : undefined;
  outboxCheck?.unref();
  lifecycle.onClose('prune, purge and outbox timers', () => {
    clearInterval(pruneTimer);
    clearInterval(purgeTimer);
    clearTimeout(firstPurge);
    clearInterval(outboxCheck);
  });

  // A listener stops taking connections at once; the 'HTTP connections' hook waits for the open ones.
  const stopTaking = (closing: Promise<void>): void => {
    // Its outcome is awaited by that hook; until then a rejection must not count as unhandled.
    closing.catch(() => undefined);
    draining.push(closing);
  };
  const port = await slack.start();
  lifecycle.onClose('Slack listener', () => stopTaking(slack.stop()));
  const metricsPort =
    config.metricsPort === undefined
      ? undefined
      : await metricsFront?.listen(config.metricsPort, config.metricsHost);
  if (metricsFront && metricsPort !== undefined) {
    lifecycle.onClose('metrics listener', () => stopTaking(metricsFront.close()));
  }
  await elector.start();
  const schedule = startPollSchedule({
    expression: config.pollSchedule,
    poller,
    logger,
    shouldRun: () => elector.isLeader,
    // One call's spacing at this replica's share, but never more than half an interval: with several
    // replicas a share can be under one call a second, and a margin longer than the interval would
    // leave the poller no time to read at all.
    endMarginMs: () => Math.min(1000 / budget.ratePerSecond + 250, (pollIntervalSeconds * 1000) / 2),
    onCycle: (report) => {
      recordCycle(metrics, report);
      // Notices, and messages put back in line by another replica, are sent without waiting for a detection.
      sender?.kick();
    },
  });
  // Stopped first: the current cycle finishes (and what it found is sent, below) within half the budget.
  lifecycle.onClose('poll schedule', (left) => schedule.stop(left() / 2));
  // EventBridge events through SQS, on every replica: alerts within seconds of the event.
  if (config.eventsQueueUrl !== undefined) {
    // Loaded only when used: the SQS client is memory a bot without a queue should not carry.
    const { regionOfQueueUrl, SqsEventQueue } = await import('./sqs/SqsEventQueue.ts');
    const queue = new SqsEventQueue({
      queueUrl: config.eventsQueueUrl,
      region: regionOfQueueUrl(config.eventsQueueUrl) ?? config.awsRegion,
    });
    const consumer = new EventConsumer({
      queue,
      store,
      logger,
      policy: { ...DEFAULT_GROUPING, burstWindowMs: config.alertQuietMs },
      onDetections: () => sender?.kick(),
      onReceived: (count, oldestAgeSeconds) => {
        metrics.eventsReceived.inc(count);
        metrics.eventsOldestAgeSeconds.set(oldestAgeSeconds);
      },
      onMessage: (outcome) => {
        if (outcome.kind === 'alerted') metrics.eventsAlerted.inc();
        else if (outcome.kind === 'ignored') metrics.eventsIgnored.inc({ reason: outcome.reason });
        else metrics.eventsFailed.inc({ step: 'process' });
      },
      onQueueError: (step) => metrics.eventsFailed.inc({ step }),
    });
    consumer.start();
    // Stopped among the first: the batch in hand is committed and deleted while the store is open.
    lifecycle.onClose('events queue', async () => {
      await consumer.stop();
      queue.destroy();
    });
  }
  logger.info(
    { port, metricsPort, mode: config.slackAppToken ? 'socket' : 'http', store: config.store.kind, holder },
    'ivs-realtime-bot started',
  );
  return {
    port,
    metricsPort,
    /**
     * The hooks in reverse: events queue (the batch in hand), poll schedule (current cycle), listeners stop taking connections, timers,
     * in-flight answers, outbox sends, leader lease, replica heartbeat, open connections, IVS clients, store.
     */
    async stop() {
      stopping = true;
      await lifecycle.close(SHUTDOWN_BUDGET_MS);
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
    const force = setTimeout(() => {
      logger.error('graceful shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS + 5_000);
    force.unref();
    bot.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
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
