import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotProcess } from '../../testkit/botProcess.ts';
import { IvsSimulator, type SimulatorCall } from '../../testkit/ivsSimulator.ts';
import { RateLimitedSlack } from './rateLimitedSlack.ts';

export const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
export const REGION = 'us-east-1';
export const ALERT_CHANNEL = 'CBENCHALERTS';

export interface WatchEntry {
  stage: string;
  channel: string;
  codes?: string[];
}

/** The bot's settings for one scenario, turned into the environment a user would set. */
export interface BotSettings {
  maxTps: number;
  schedule: string;
  watches: readonly WatchEntry[];
  logLevel?: 'warn' | 'info';
  /** Further settings (IVS_READ_CACHE_SECONDS, IVS_POLLER_SHARE, …). */
  env?: Readonly<Record<string, string>>;
}

export interface HarnessOptions {
  /** The simulator's limit per (region, operation) per second; none when left out. */
  simulatorRateLimit?: number;
  /** Where CPU profiles of the bot go; no profiling when left out. */
  cpuProfileDir?: string;
  /** Extra Node.js flags for the bot process. */
  botNodeArgs?: readonly string[];
}

/** A fresh simulator, rate-limited fake Slack and temporary directory, and at most one bot, for one scenario. */
export class Harness {
  readonly sim: IvsSimulator;
  readonly slack: RateLimitedSlack;
  readonly dir: string;
  bot: BotProcess | undefined;
  readonly #options: HarnessOptions;
  readonly #name: string;

  private constructor(name: string, sim: IvsSimulator, slack: RateLimitedSlack, options: HarnessOptions) {
    this.#name = name;
    this.sim = sim;
    this.slack = slack;
    this.#options = options;
    this.dir = mkdtempSync(join(tmpdir(), `ivs-bench-${name}-`));
  }

  static async open(name: string, options: HarnessOptions = {}): Promise<Harness> {
    const sim = await IvsSimulator.start(
      options.simulatorRateLimit === undefined
        ? {}
        : { maxRequestsPerSecondPerOperation: options.simulatorRateLimit },
    );
    const slack = await RateLimitedSlack.start();
    return new Harness(name, sim, slack, options);
  }

  /** Starts the bot process against this harness and waits until /healthz answers. */
  async startBot(settings: BotSettings): Promise<BotProcess> {
    if (this.bot) throw new Error('one bot per harness');
    let cpuProfileDir: string | undefined;
    if (this.#options.cpuProfileDir) {
      cpuProfileDir = join(this.#options.cpuProfileDir, this.#name);
      mkdirSync(cpuProfileDir, { recursive: true });
    }
    this.bot = await BotProcess.start({
      run: 'build',
      cwd: this.dir,
      ...(cpuProfileDir ? { cpuProfileDir } : {}),
      ...(this.#options.botNodeArgs ? { nodeArgs: this.#options.botNodeArgs } : {}),
      env: {
        SLACK_BOT_TOKEN: 'xoxb-bench-0000000000-0000000000000-benchbenchbenchbenchbench',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: this.slack.apiUrl,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: 'AKIDBENCH',
        AWS_SECRET_ACCESS_KEY: 'bench-secret',
        AWS_ENDPOINT_URL_IVS_REALTIME: this.sim.url,
        DATABASE_URL: `sqlite:${join(this.dir, 'bot.db')}`,
        IVS_POLL_SCHEDULE: settings.schedule,
        IVS_MAX_TPS: String(settings.maxTps),
        IVS_WATCHES: JSON.stringify(settings.watches),
        LOG_LEVEL: settings.logLevel ?? 'warn',
        ...settings.env,
      },
    });
    return this.bot;
  }

  get dbPath(): string {
    return join(this.dir, 'bot.db');
  }

  /** Stops the bot (SIGKILL if it does not exit), closes the servers and removes the directory. */
  async close(): Promise<void> {
    try {
      await this.bot?.stop();
    } finally {
      await this.sim.close();
      await this.slack.close();
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Runs `body` with a fresh harness, always closing it (and killing the bot) afterwards. */
export async function withHarness<T>(
  name: string,
  options: HarnessOptions,
  body: (harness: Harness) => Promise<T>,
): Promise<T> {
  const harness = await Harness.open(name, options);
  try {
    return await body(harness);
  } finally {
    await harness.close();
  }
}

/** Simulator calls of one operation, or all, in [from, to) by arrival time. */
export function callsBetween(
  calls: readonly SimulatorCall[],
  from: number,
  to: number,
  operation?: string,
): SimulatorCall[] {
  return calls.filter(
    (c) => c.at >= from && c.at < to && (operation === undefined || c.operation === operation),
  );
}

/** Counts per operation. */
export function countByOperation(calls: readonly SimulatorCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return counts;
}

/**
 * Arrival times of poll cycle starts. A cycle begins with GetStage of the stage listed least recently;
 * while every cycle lists every stage (a budget that covers them all), that is the same stage each
 * time, so the first GetStage's stage marks every later cycle.
 */
export function cycleStarts(calls: readonly SimulatorCall[]): number[] {
  const first = calls.find((c) => c.operation === 'GetStage');
  if (!first) return [];
  const stage = first.body?.arn;
  return calls.filter((c) => c.operation === 'GetStage' && c.body?.arn === stage).map((c) => c.at);
}
