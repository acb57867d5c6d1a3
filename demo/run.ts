// `npm run demo`: the bot in your Slack workspace (Socket Mode) against the IVS simulator, with a
// demo stage whose participants join, publish, leave and hit errors on a loop. No AWS account:
// the AWS settings point at the local simulator with fake keys, the store is a temporary SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../src/config.ts';
import { startBot } from '../src/main.ts';
import { createLogger, type LogLevel } from '../src/platform/logger.ts';
import { IvsSimulator } from '../testkit/ivsSimulator.ts';
import { SqsSimulator } from '../testkit/sqsSimulator.ts';
import { DEMO_REGION, DemoStage } from './DemoStage.ts';
import { FirstComerAdmins } from './FirstComerAdmins.ts';

/** How often the demo stage moves on; a loop of the script is eight steps. */
const STEP_MS = 3_000;

const NEEDED: Record<string, string> = {
  SLACK_BOT_TOKEN:
    'the Bot User OAuth Token (xoxb-…): your Slack app → "OAuth & Permissions", after "Install to Workspace"',
  SLACK_APP_TOKEN:
    'an app-level token (xapp-…): your Slack app → "Basic Information" → "App-Level Tokens" → "Generate", scope connections:write',
};

/** The demo's environment: yours for Slack, the simulator's for AWS (whatever AWS settings you have). */
export function demoEnvironment(
  env: Record<string, string | undefined>,
  simulatorUrl: string,
  storeDir: string,
  eventsQueueUrl?: string,
): Record<string, string | undefined> {
  const demo: Record<string, string | undefined> = {
    ...env,
    AWS_REGION: DEMO_REGION,
    IVS_REGIONS: DEMO_REGION,
    AWS_ACCESS_KEY_ID: 'AKIDDEMONOTREAL',
    AWS_SECRET_ACCESS_KEY: 'demo-secret-not-real',
    AWS_ENDPOINT_URL_IVS_REALTIME: simulatorUrl,
    DATABASE_URL: `sqlite:${join(storeDir, 'demo.db')}`,
    // Alerts show up within seconds of an error, not a minute.
    IVS_POLL_SCHEDULE: env.IVS_POLL_SCHEDULE ?? '*/10 * * * * *',
    LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
    // Port 0: a free one, so the demo never collides with a bot already running on 3000.
    PORT: env.PORT ?? '0',
    // EventBridge events through the SQS simulator: recording failures and publish errors at once.
    IVS_EVENTS_QUEUE_URL: eventsQueueUrl,
    // The SQS client's endpoint is the queue's host, as with a real queue (or the SDK warns at every call).
    AWS_ENDPOINT_URL_SQS: eventsQueueUrl === undefined ? undefined : new URL(eventsQueueUrl).origin,
  };
  // Nothing of a real AWS setup may reach the demo (or the demo reach AWS).
  for (const name of [
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_ENDPOINT_URL',
    'IVS_ACCOUNT_ROLES',
    'IVS_WATCHES',
  ]) {
    delete demo[name];
  }
  return demo;
}

async function main(): Promise<void> {
  const missing = Object.keys(NEEDED).filter((name) => !process.env[name]?.trim());
  if (missing.length > 0) {
    process.stderr.write(
      [
        'npm run demo needs two Slack tokens, of an app created from manifest.socket-mode.yml (README → "Socket Mode for development"):',
        ...missing.map((name) => `  - ${name}: missing; it is ${NEEDED[name]}`),
        'Put them in .env or the environment: SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… npm run demo',
        '',
      ].join('\n'),
    );
    process.exitCode = 1;
    return;
  }
  const sim = await IvsSimulator.start({ maxRequestsPerSecondPerOperation: 5 });
  const sqs = await SqsSimulator.start({ region: DEMO_REGION });
  // With a dead-letter queue, as docs/EVENTS.md sets it up (the bot warns about a queue without one).
  sqs.createQueue('ivs-events-dlq');
  const queueUrl = sqs.createQueue('ivs-events', {
    deadLetter: { queueName: 'ivs-events-dlq', maxReceiveCount: 5 },
  });
  const stage = new DemoStage(sim, (body) => sqs.send(queueUrl, body));
  const storeDir = mkdtempSync(join(tmpdir(), 'ivs-bot-demo-'));
  const env = demoEnvironment(process.env, sim.url, storeDir, queueUrl);
  // The AWS SDK reads its credentials and endpoint from the process environment.
  for (const name of Object.keys(process.env)) if (env[name] === undefined) delete process.env[name];
  Object.assign(process.env, env);
  const cleanUp = async (): Promise<void> => {
    clearInterval(moving);
    await sim.close();
    await sqs.close();
    rmSync(storeDir, { recursive: true, force: true });
  };
  const moving = setInterval(() => stage.step(), STEP_MS);
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    process.stderr.write(
      `the demo cannot start; fix these settings:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    await cleanUp();
    process.exitCode = 1;
    return;
  }
  const logger = createLogger(loaded.config.logLevel as LogLevel);
  const config = withDemoAdmins(loaded.config, (userId) =>
    process.stdout.write(
      `${userId} is the demo's admin: the first person it heard from (IVS_ADMIN_USERS=<member IDs> chooses instead).\n`,
    ),
  );
  let bot: Awaited<ReturnType<typeof startBot>>;
  try {
    bot = await startBot(config, logger);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`the demo bot could not start: ${message}\n`);
    // Slack's answers to a wrong, revoked or swapped token: say which tokens to check.
    if (
      /invalid_auth|not_authed|token_revoked|token_expired|account_inactive|not_allowed_token_type/.test(
        message,
      )
    ) {
      process.stderr.write(
        `Slack refused a token: check that ${Object.entries(NEEDED)
          .map(([name, what]) => `${name} is ${what}`)
          .join(', and that ')}.\n`,
      );
    }
    await cleanUp();
    process.exitCode = 1;
    return;
  }
  process.stdout.write(startMessage(stage, sim.url, config.access.adminUsers));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    bot
      .stop()
      .then(cleanUp)
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * Without IVS_ADMIN_USERS, the first person the bot hears from is the demo's admin, so Disconnect
 * can be tried without a restart; with it, the setting as usual.
 */
export function withDemoAdmins(config: Config, onClaimed: (userId: string) => void): Config {
  if (config.access.adminUsers !== null) return config;
  const adminUsers = new FirstComerAdmins(config.access.allowedUsers, onClaimed);
  return Object.freeze({ ...config, access: Object.freeze({ ...config.access, adminUsers }) });
}

/** What the demo prints once it runs: the stages, and a command or button for everything the bot does. */
export function startMessage(
  stage: DemoStage,
  simulatorUrl: string,
  admins: ReadonlySet<string> | null,
): string {
  const arn = stage.stageArn;
  const rehearsal = `${stage.rehearsalArn} ${stage.rehearsalSessionId}`;
  const adminLine =
    admins instanceof FirstComerAdmins
      ? 'the first person the bot hears from becomes its admin (watch, unwatch, mute, Share and Disconnect are then theirs alone; IVS_ADMIN_USERS=<member IDs> chooses instead).'
      : `IVS_ADMIN_USERS (${[...(admins ?? [])].join(', ')}).`;
  return [
    '',
    `ivs-realtime-bot demo is running, connected to Slack over Socket Mode. IVS is simulated at ${simulatorUrl}: no AWS account is used.`,
    `Demo stage ${arn}`,
    '  a host publishes; every few seconds a guest joins and publishes, a viewer subscribes, both hit an error, a late joiner is refused, and they leave.',
    `  Its session ${stage.sessionId} ends after about 2½ minutes and a new one starts: /ivs sessions shows the live one.`,
    `Another stage, ${stage.rehearsalArn}, has one ended session, ${stage.rehearsalSessionId}, of more than a page.`,
    '',
    'Try in a channel of your workspace (answers are shown to you only; Share shows them to the channel):',
    '  /ivs stages                      buttons: Sessions, then Participants, then Details',
    `  /ivs sessions ${arn}`,
    `  /ivs participants ${arn} ${stage.sessionId} --published`,
    `  /ivs participant ${arn} ${stage.sessionId} ${stage.hostId}`,
    '                                   buttons: Share, Timeline, and Disconnect for an admin',
    `  /ivs participants ${rehearsal}      Next ▶ and ◀ Previous`,
    `  /ivs participant ${rehearsal} ${stage.rehearsalHostId}      the same for events`,
    `  /ivs timeline ${arn} ${stage.sessionId}`,
    '                                   the picture arrives in your messages with the bot (its Messages tab); Share posts it here',
    `  /ivs watch ${arn}`,
    '                                   alerts arrive here within about 10 seconds: Details, Timeline, Acknowledge (then',
    '                                   Unacknowledge), Mute 1h / Mute 24h (then Unmute); recording failures and publish errors',
    '                                   come at once, as IVS sends them to EventBridge (an SQS queue, simulated too)',
    `  /ivs watches    /ivs mutes    /ivs unwatch ${arn}    /ivs help    and the bot's Home tab`,
    `Admins: ${adminLine}`,
    '',
    'Ctrl-C stops the demo; its store is a temporary file, removed then.',
    '',
  ].join('\n');
}

if (import.meta.main) await main();
