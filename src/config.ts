import cron from 'node-cron';
import { z } from 'zod';
import { DEFAULT_QUIET_MINUTES, type WatchSpec } from './domain/model.ts';
import { type AccountRole, type AccountRoles, ALIAS } from './ivs/accountRoles.ts';
import { VALID_ALERT_CODES } from './ivs/eventCatalog.ts';
import {
  ACCOUNT_ID,
  EXTERNAL_ID,
  IVS_REALTIME_REGIONS,
  parseStageArn,
  REGION_NAME,
  ROLE_ARN,
} from './ivs/identifiers.ts';
import { DEFAULT_POLLER_SHARE } from './ivs/RequestBudget.ts';
import type { LogLevel } from './platform/logger.ts';
import { parseMention } from './slack/mention.ts';
import { SLACK_CHANNEL_ID, SLACK_USER_ID, WATCHABLE_CHANNEL_ID } from './slack/slackIds.ts';
import type { StoreLocation } from './store/openStore.ts';

export type { AccountRole, AccountRoles, LogLevel, StoreLocation, WatchSpec };

/** The validated, frozen configuration the composition root hands out. */
export interface Config {
  readonly slackBotToken: string;
  readonly slackSigningSecret: string | undefined;
  readonly slackAppToken: string | undefined;
  readonly port: number;
  /** Interface to listen on; undefined = all. */
  readonly host: string | undefined;
  /** METRICS_PORT: when set, /metrics is served there only (with /healthz and /readyz), not on PORT. */
  readonly metricsPort: number | undefined;
  /** METRICS_HOST: interface of the metrics listener; undefined = all. */
  readonly metricsHost: string | undefined;
  readonly slackApiUrl: string | undefined;
  readonly awsRegion: string;
  /** IVS_REGIONS: the regions the bot calls; others are refused before any AWS call. */
  readonly ivsRegions: ReadonlySet<string>;
  /** IVS_EVENTS_QUEUE_URL: the SQS queue EventBridge sends IVS events to; undefined = polling only. */
  readonly eventsQueueUrl?: string | undefined;
  readonly store: StoreLocation;
  readonly logLevel: LogLevel;
  /** node-cron expression for the alert poller. */
  readonly pollSchedule: string;
  /** IVS calls per second per (account, region, operation) the bot allows itself, all replicas together. */
  readonly maxTps: number;
  /** IVS_READ_CACHE_SECONDS: how long people reuse an IVS read's answer; 0 shares only calls in flight. */
  readonly readCacheMs: number;
  /** IVS_POLLER_SHARE: the share of each operation's calls the poller keeps while people wait too. */
  readonly pollerShare: number;
  /** A dead poller leader's lease expires after this; another replica then takes over. */
  readonly leaderTimeoutMs: number;
  /** IVS_RETENTION_DAYS: sent messages, alerts, detected events and finished sessions older than this are purged. */
  readonly retentionMs: number;
  /**
   * IVS_ALERT_QUIET_MINUTES: an alert group stays open while events keep coming within this window;
   * after it without one, its message says quiet (the grouping window).
   */
  readonly alertQuietMs: number;
  /** Who may do what; null lists mean "everyone" (see src/slack/access.ts). */
  readonly access: {
    readonly allowedUsers: ReadonlySet<string> | null;
    readonly allowedChannels: ReadonlySet<string> | null;
    readonly adminUsers: ReadonlySet<string> | null;
  };
  /** Watches declared in IVS_WATCHES, saved into the store at start-up. */
  readonly watches: readonly WatchSpec[];
  /** IVS_ACCOUNT_ROLES: per account ID, the role assumed for that account's stages; others use the default chain. */
  readonly accountRoles: AccountRoles;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export const DEFAULT_DATABASE_URL = 'sqlite:./data/ivs-bot.db';
/** A burst of people asking the same thing during an incident is answered by one read. */
export const DEFAULT_READ_CACHE_SECONDS = 5;

// How to obtain each setting, printed when it is missing so a newcomer can fix it without the docs.
const HOW_TO_GET: Record<string, string> = {
  SLACK_BOT_TOKEN:
    'missing; it is the Bot User OAuth Token (xoxb-…) from your Slack app, page "OAuth & Permissions", after "Install to Workspace"',
  SLACK_SIGNING_SECRET:
    'missing; it is the Signing Secret from your Slack app, page "Basic Information" → "App Credentials" (needed in HTTP mode; set SLACK_APP_TOKEN instead for Socket Mode)',
  AWS_REGION: 'missing; it is the default AWS region of your IVS stages, e.g. us-east-1',
};

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** A comma-separated list of Slack IDs; unset means no list (everyone). */
function slackIdList(pattern: RegExp, what: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx): ReadonlySet<string> | null => {
      if (value === undefined) return null;
      const ids = value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      const bad = ids.filter((id) => !pattern.test(id));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a comma-separated list of Slack ${what}; not valid: ${bad.join(', ')}`,
        });
        return z.NEVER;
      }
      return new Set(ids);
    });
}

const tcpPort = z.coerce
  .number({ error: 'must be a TCP port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string().trim().min(1).startsWith('xoxb-', 'must be a bot token starting with "xoxb-"'),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine((value) => value === undefined || value.startsWith('xapp-'), {
    message:
      'must be an app-level token starting with "xapp-" (Basic Information → App-Level Tokens, scope connections:write)',
  }),
  PORT: tcpPort.default(3000),
  HOST: optionalText,
  METRICS_PORT: tcpPort.optional(),
  METRICS_HOST: optionalText,
  SLACK_API_URL: optionalText.refine((value) => value === undefined || URL.canParse(value), {
    message: 'must be an absolute URL such as https://slack.com/api/',
  }),
  AWS_REGION: z.string().trim().min(1).regex(REGION_NAME, 'must be an AWS region name such as us-east-1'),
  IVS_EVENTS_QUEUE_URL: optionalText.refine((value) => value === undefined || isQueueUrl(value), {
    message:
      'must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/ivs-events (SQS console → the queue → URL; see docs/EVENTS.md)',
  }),
  IVS_REGIONS: z
    .string()
    .optional()
    .transform((value, ctx): ReadonlySet<string> => {
      if (value === undefined) return IVS_REALTIME_REGIONS;
      const regions = value
        .split(',')
        .map((region) => region.trim())
        .filter(Boolean);
      const bad = regions.filter((region) => !REGION_NAME.test(region));
      if (regions.length === 0 || bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a comma-separated list of AWS region names like us-east-1,eu-west-1${bad.length > 0 ? `; not valid: ${bad.join(', ')}` : ''}`,
        });
        return z.NEVER;
      }
      return new Set(regions);
    }),
  DATABASE_URL: z
    .string()
    .trim()
    .default(DEFAULT_DATABASE_URL)
    .transform((value, ctx): StoreLocation => {
      const location = parseStoreLocation(value);
      if (!location) {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be sqlite:<file path> (e.g. sqlite:./data/ivs-bot.db) or postgres://user:password@host:5432/db',
        });
        return z.NEVER;
      }
      return location;
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  IVS_POLL_SCHEDULE: z
    .string()
    .trim()
    .default('* * * * *')
    .refine((value) => cron.validate(value), {
      message:
        'must be a cron expression such as "* * * * *" (every minute) or "*/30 * * * * *" (every 30 seconds)',
    }),
  IVS_MAX_TPS: z.coerce
    .number({ error: 'must be a number of calls per second' })
    .positive('must be above 0')
    .max(
      4,
      'must be at most 4: evenly spaced calls still allow IVS_MAX_TPS + 1 in one second, and IVS allows about 5 per operation, shared with your backend',
    )
    .default(3),
  IVS_READ_CACHE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0, 'must be 0 (share only reads in flight) or more')
    .max(60, 'must be at most 60 seconds: people expect what they see to be current')
    .default(DEFAULT_READ_CACHE_SECONDS),
  IVS_POLLER_SHARE: z.coerce
    .number({ error: 'must be a fraction such as 0.25' })
    .min(0, 'must be between 0 (people always first) and 0.5')
    .max(0.5, 'must be at most 0.5: people waiting in Slack keep at least half of each operation')
    .default(DEFAULT_POLLER_SHARE),
  IVS_LEADER_TIMEOUT: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(3, 'must be at least 3 seconds')
    .max(600, 'must be at most 600 seconds')
    .default(30),
  IVS_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days')
    .default(30),
  IVS_ALERT_QUIET_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1 minute')
    .max(1440, 'must be at most 1440 minutes (a day)')
    .default(DEFAULT_QUIET_MINUTES),
  IVS_ALLOWED_USERS: slackIdList(SLACK_USER_ID, 'user IDs like U0123ABCD'),
  IVS_ALLOWED_CHANNELS: slackIdList(SLACK_CHANNEL_ID, 'channel IDs like C0123ABCD'),
  IVS_ADMIN_USERS: slackIdList(SLACK_USER_ID, 'user IDs like U0123ABCD'),
  IVS_WATCHES: z
    .string()
    .trim()
    .default('[]')
    .transform((value, ctx): WatchSpec[] => parseWatches(value, ctx)),
  IVS_ACCOUNT_ROLES: z
    .string()
    .trim()
    .default('{}')
    .transform((value, ctx): AccountRoles => parseAccountRoles(value, ctx)),
});

/** Parses DATABASE_URL into a store location, or undefined when it names no supported store. */
export function parseStoreLocation(value: string): StoreLocation | undefined {
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return path === '' ? undefined : { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(value) && URL.canParse(value) && new URL(value).hostname !== '') {
    return { kind: 'postgres', url: value };
  }
  return undefined;
}

const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

/** Validates the environment once; every problem becomes one line naming the variable. */
export function loadConfig(rawEnv: Record<string, string | undefined>): ConfigResult {
  // A blank line in .env (PORT=) means "not set", never an empty value or 0.
  const env = Object.fromEntries(
    Object.entries(rawEnv).map(([key, value]) => [key, isBlank(value) ? undefined : value]),
  );
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? 'environment');
        const how = HOW_TO_GET[variable];
        return `${variable}: ${isBlank(env[variable]) && how ? how : issue.message}`;
      });
  // HTTP mode verifies Slack's signatures, so it cannot run without the secret; checked outside the
  // schema so that this line appears together with every other problem.
  if (isBlank(env.SLACK_APP_TOKEN) && isBlank(env.SLACK_SIGNING_SECRET)) {
    problems.push(`SLACK_SIGNING_SECRET: ${HOW_TO_GET.SLACK_SIGNING_SECRET}`);
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems: [...new Set(problems)] };
  const e = parsed.data;
  const conflicts = settingConflicts(e);
  if (conflicts.length > 0) return { ok: false, problems: conflicts };
  return {
    ok: true,
    config: Object.freeze({
      slackBotToken: e.SLACK_BOT_TOKEN,
      slackSigningSecret: e.SLACK_SIGNING_SECRET,
      slackAppToken: e.SLACK_APP_TOKEN,
      port: e.PORT,
      host: e.HOST,
      metricsPort: e.METRICS_PORT,
      metricsHost: e.METRICS_HOST,
      slackApiUrl: e.SLACK_API_URL,
      awsRegion: e.AWS_REGION,
      ivsRegions: e.IVS_REGIONS,
      eventsQueueUrl: e.IVS_EVENTS_QUEUE_URL,
      store: Object.freeze(e.DATABASE_URL),
      logLevel: e.LOG_LEVEL,
      pollSchedule: e.IVS_POLL_SCHEDULE,
      maxTps: e.IVS_MAX_TPS,
      readCacheMs: e.IVS_READ_CACHE_SECONDS * 1000,
      pollerShare: e.IVS_POLLER_SHARE,
      leaderTimeoutMs: e.IVS_LEADER_TIMEOUT * 1000,
      retentionMs: e.IVS_RETENTION_DAYS * 24 * 60 * 60 * 1000,
      alertQuietMs: e.IVS_ALERT_QUIET_MINUTES * 60 * 1000,
      access: Object.freeze({
        allowedUsers: e.IVS_ALLOWED_USERS,
        allowedChannels: e.IVS_ALLOWED_CHANNELS,
        adminUsers: e.IVS_ADMIN_USERS,
      }),
      watches: Object.freeze(e.IVS_WATCHES),
      accountRoles: e.IVS_ACCOUNT_ROLES,
    }),
  };
}

/** Settings that are each valid but contradict one another; one line each, naming the variable. */
function settingConflicts(e: z.output<typeof envSchema>): string[] {
  const problems: string[] = [];
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    problems.push('METRICS_PORT: must differ from PORT; leave it unset to serve /metrics on PORT');
  }
  if (e.METRICS_HOST !== undefined && e.METRICS_PORT === undefined) {
    problems.push('METRICS_HOST: only used with METRICS_PORT; set METRICS_PORT too, or leave both unset');
  }
  const regions = [...e.IVS_REGIONS].join(', ');
  if (!e.IVS_REGIONS.has(e.AWS_REGION)) {
    problems.push(
      `AWS_REGION: IVS Real-Time is not offered in ${e.AWS_REGION}; the bot calls ${regions} (IVS_REGIONS, to add a region AWS opened since)`,
    );
  }
  e.IVS_WATCHES.forEach((watch, index) => {
    const region = parseStageArn(watch.stageArn)?.region;
    if (region !== undefined && !e.IVS_REGIONS.has(region)) {
      problems.push(
        `IVS_WATCHES: entry [${index}].stage is in ${region}, not one of IVS_REGIONS (${regions})`,
      );
    }
  });
  const channels = e.IVS_ALLOWED_CHANNELS;
  e.IVS_WATCHES.forEach((watch, index) => {
    if (channels !== null && !channels.has(watch.channelId)) {
      problems.push(
        `IVS_WATCHES: entry [${index}].channel ${watch.channelId} is not on IVS_ALLOWED_CHANNELS; alerts only go to listed channels`,
      );
    }
  });
  return problems;
}

const watchEntrySchema = z.object({
  stage: z
    .string({ error: 'must be a stage ARN' })
    .refine(
      (value) => parseStageArn(value) !== undefined,
      'must be a stage ARN like arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456',
    ),
  channel: z
    .string({ error: 'must be a Slack channel ID' })
    .regex(
      WATCHABLE_CHANNEL_ID,
      'must be a Slack channel ID like C0123ABCDEF (channel details → bottom of "About")',
    ),
  codes: z
    .array(z.string())
    .min(1, 'must list at least one code, or be left out to watch every code')
    .refine((codes) => codes.every((code) => VALID_ALERT_CODES.includes(code)), {
      message: `must only contain known codes: ${VALID_ALERT_CODES.join(', ')}`,
    })
    .optional(),
  // Who the first message of each new alert group pages: "@U0123ABCD", "@S0123ABCD" (a user group) or "here".
  mention: z
    .string({ error: 'must be a string like "@U0123ABCD", "@S0123ABCD" or "here"' })
    .transform((value, ctx) => {
      const parsed = parseMention(value);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({
        code: 'custom',
        message: `must be "@U0123ABCD" (a person), "@S0123ABCD" (a user group) or "here"; got ${JSON.stringify(value.slice(0, 60))}`,
      });
      return z.NEVER;
    })
    .optional(),
});

/** IVS_WATCHES: a JSON array of {stage, channel, codes?, mention?}; a problem names the entry and field. */
function parseWatches(value: string, ctx: z.RefinementCtx): WatchSpec[] {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a JSON array like [{"stage":"arn:…","channel":"C0123ABCDEF","mention":"here"}]',
    });
    return [];
  }
  if (!Array.isArray(json)) {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {stage, channel, codes?, mention?}' });
    return [];
  }
  const watches: WatchSpec[] = [];
  json.forEach((entry: unknown, index) => {
    const parsed = watchEntrySchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
        ctx.addIssue({ code: 'custom', message: `entry [${index}]${field} ${issue.message}` });
      }
      return;
    }
    watches.push({
      stageArn: parsed.data.stage,
      channelId: parsed.data.channel,
      codes: parsed.data.codes ?? null,
      ...(parsed.data.mention === undefined ? {} : { mention: parsed.data.mention }),
    });
  });
  return watches;
}

const accountRoleSchema = z.strictObject({
  roleArn: z
    .string({ error: 'must be an IAM role ARN' })
    .regex(ROLE_ARN, 'must be an IAM role ARN like arn:aws:iam::111122223333:role/ivs-bot-read'),
  externalId: z
    .string({ error: 'must be a string' })
    .regex(EXTERNAL_ID, 'must be 2 to 1224 letters, digits or +=,.@:/-_ (sts:ExternalId)')
    .optional(),
  alias: z
    .string({ error: 'must be a string' })
    .regex(ALIAS, 'must be 1 to 32 letters, digits, ".", "_" or "-", starting with a letter')
    .optional(),
});

/**
 * IVS_ACCOUNT_ROLES: a JSON object from account ID to {roleArn, externalId?, alias?}; a problem
 * names the account and field.
 */
function parseAccountRoles(value: string, ctx: z.RefinementCtx): AccountRoles {
  const form =
    'a JSON object like {"111122223333":{"roleArn":"arn:aws:iam::111122223333:role/ivs-bot-read"}}';
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `must be ${form}` });
    return new Map();
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    ctx.addIssue({ code: 'custom', message: `must be ${form}` });
    return new Map();
  }
  const roles = new Map<string, AccountRole>();
  const aliases = new Map<string, string>();
  for (const [accountId, entry] of Object.entries(json)) {
    const shown = JSON.stringify(accountId.slice(0, 40));
    if (!ACCOUNT_ID.test(accountId)) {
      ctx.addIssue({ code: 'custom', message: `key ${shown} must be a 12-digit AWS account ID` });
      continue;
    }
    const parsed = accountRoleSchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
        const message =
          issue.code === 'unrecognized_keys'
            ? `has unknown fields ${issue.keys.join(', ')}; it takes roleArn, externalId and alias`
            : issue.message;
        ctx.addIssue({ code: 'custom', message: `account ${accountId}${field} ${message}` });
      }
      continue;
    }
    const { roleArn, externalId, alias } = parsed.data;
    if (ROLE_ARN.exec(roleArn)?.[1] !== accountId) {
      ctx.addIssue({
        code: 'custom',
        message: `account ${accountId}.roleArn names a role of another account; the role must be in the account whose stages it reads`,
      });
      continue;
    }
    if (alias !== undefined) {
      const taken = aliases.get(alias);
      if (taken !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `account ${accountId}.alias "${alias}" is already account ${taken}; each alias must name one account`,
        });
        continue;
      }
      aliases.set(alias, accountId);
    }
    roles.set(accountId, Object.freeze({ accountId, roleArn, externalId, alias }));
  }
  return roles;
}

/** An SQS queue URL: http(s), a host, and the path /<account>/<queue name>. */
function isQueueUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    /^\/[0-9]{1,20}\/[A-Za-z0-9_-]{1,80}(\.fifo)?\/?$/.test(url.pathname) &&
    url.search === '' &&
    url.hash === ''
  );
}
