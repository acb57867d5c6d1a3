import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach } from 'node:test';
import { webApi } from '@slack/bolt';
import { OutboxSender, type OutboxSenderStore } from '../../src/alerts/OutboxSender.ts';
import { Poller, type PollerStore } from '../../src/alerts/Poller.ts';
import { DEFAULT_GROUPING, type GroupingPolicy } from '../../src/domain/model.ts';
import { createIvsClientFactory } from '../../src/ivs/ivsClients.ts';
import { RequestBudget } from '../../src/ivs/RequestBudget.ts';
import { SdkIvsGateway } from '../../src/ivs/SdkIvsGateway.ts';
import type { Logger } from '../../src/platform/logger.ts';
import { SlackMessenger } from '../../src/slack/SlackMessenger.ts';
import { WebClientSlackPoster } from '../../src/slack/SlackPoster.ts';
import { FakeSlack } from '../../testkit/fakeSlack.ts';
import { IvsSimulator, type SimulatorOptions } from '../../testkit/ivsSimulator.ts';

// The alerting pipeline below Slack's HTTP as main.ts wires it (gateway, poller, outbox sender,
// Slack messenger), on the test's store and clock, against the IVS simulator and the fake Slack.
// Shared by the alerting, lifecycle and EventBridge tests so the wiring is written once.

/** Fixed test keys, so the AWS SDK's credential chain never reaches for IMDS. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

/** What each test of an alerting suite gets afresh; set in `beforeEach`, read inside tests. */
export interface AlertingWorld {
  ivs: IvsSimulator;
  slack: FakeSlack;
  /** A temporary folder for the test's store files, removed after it. */
  dir: string;
}

/**
 * Registers the suite's hooks: the test credentials in the environment for the suite, and for each
 * test a fresh IVS simulator, fake Slack and temporary folder, closed and removed after it.
 */
export function useAlertingWorld(
  options: { tmpPrefix: string; ivs?: () => SimulatorOptions } = { tmpPrefix: 'ivs-alerts-' },
): AlertingWorld {
  const world = {} as AlertingWorld;
  before(() => {
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  });
  beforeEach(async () => {
    world.ivs = await IvsSimulator.start(options.ivs?.() ?? {});
    world.slack = await FakeSlack.start();
    world.dir = mkdtempSync(join(tmpdir(), options.tmpPrefix));
  });
  afterEach(async () => {
    await world.ivs.close();
    await world.slack.close();
    rmSync(world.dir, { recursive: true, force: true });
  });
  after(() => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
  });
  return world;
}

/** A WebClient on the fake Slack that neither retries nor waits out a rate limit, as main.ts builds it. */
export function testSlackClient(apiUrl: string): webApi.WebClient {
  return new webApi.WebClient('xoxb-test', {
    slackApiUrl: apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
}

export interface AlertPipelineOptions {
  store: PollerStore & OutboxSenderStore;
  ivsUrl: string;
  slackApiUrl: string;
  now: () => Date;
  logger: Logger;
  maxTps?: number;
  intervalSeconds?: number;
  policy?: GroupingPolicy;
  /** The SDK's attempts per IVS call (1: a refusal is seen at once). */
  maxAttempts?: number;
}

export interface AlertPipeline {
  ivs: SdkIvsGateway;
  messenger: SlackMessenger;
  poller: Poller;
  sender: OutboxSender;
  /** Stops the sender and the IVS clients; the store stays open (its owner closes it). */
  close(): Promise<void>;
}

export function alertPipeline(options: AlertPipelineOptions): AlertPipeline {
  const { store, logger, now } = options;
  const maxTps = options.maxTps ?? 200;
  const clients = createIvsClientFactory({
    maxAttempts: options.maxAttempts ?? 1,
    requestTimeoutMs: 2_000,
    overrides: { endpoint: options.ivsUrl, credentials: TEST_CREDENTIALS },
  });
  const ivs = new SdkIvsGateway({ clientFor: clients.clientFor, budget: new RequestBudget(maxTps), logger });
  const messenger = new SlackMessenger(new WebClientSlackPoster(testSlackClient(options.slackApiUrl)));
  const sender = new OutboxSender({ store, messenger, logger, now, perChannelIntervalMs: 0 });
  const poller = new Poller({
    ivs,
    store,
    logger,
    policy: options.policy ?? DEFAULT_GROUPING,
    intervalSeconds: options.intervalSeconds ?? 60,
    maxTps,
    now,
  });
  return {
    ivs,
    messenger,
    poller,
    sender,
    async close() {
      await sender.stop();
      clients.destroy();
    },
  };
}
