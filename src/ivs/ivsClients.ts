import { IVSRealTimeClient, type IVSRealTimeClientConfig } from '@aws-sdk/client-ivs-realtime';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { type AccountRole, type AccountRoles, quotaAccount, RoleAssumptionError } from './accountRoles.ts';

export interface IvsClientOptions {
  /** Attempts per call including the first; the SDK's adaptive retry strategy spaces them. */
  maxAttempts: number;
  requestTimeoutMs: number;
  /**
   * IVS_REGIONS: the only regions a client is made for. Commands are refused earlier, with a clear
   * answer; this keeps anything that slipped past (a forged button) from growing the client map.
   */
  regions?: ReadonlySet<string>;
  /** Extra client settings (credentials or an endpoint in tests); production leaves this to the AWS chain. */
  overrides?: Partial<IVSRealTimeClientConfig>;
  /** IVS_ACCOUNT_ROLES: a listed account's calls use its role's temporary credentials. */
  accountRoles?: AccountRoles;
  /**
   * The credentials that assume the roles; production leaves this to the default chain (the
   * bot's own role), tests give fixed keys.
   */
  roleSourceCredentials?: StaticCredentials;
}

// The SDK's own credential types, named through the packages the project depends on.
type StaticCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
type CredentialProvider = Extract<
  NonNullable<IVSRealTimeClientConfig['credentials']>,
  (...args: never) => unknown
>;

/** The session name in the listed accounts' CloudTrail: who assumed the role. */
export const ROLE_SESSION_NAME = 'ivs-realtime-bot';

/**
 * The role's temporary credentials (sts:AssumeRole). The IVS client caches them and assumes the role
 * again once they are within 5 minutes of their expiration; a failure is a RoleAssumptionError.
 */
function roleCredentials(role: AccountRole, source: StaticCredentials | undefined): CredentialProvider {
  const assume = fromTemporaryCredentials({
    params: {
      RoleArn: role.roleArn,
      RoleSessionName: ROLE_SESSION_NAME,
      ...(role.externalId === undefined ? {} : { ExternalId: role.externalId }),
    },
    ...(source === undefined ? {} : { masterCredentials: source }),
  });
  return async (properties) => {
    try {
      return await assume(properties);
    } catch (error) {
      throw new RoleAssumptionError(role, error);
    }
  };
}

/** A region outside IVS_REGIONS reached the client factory. */
export class UnknownRegionError extends Error {
  constructor(region: string) {
    super(`the bot does not call IVS in region ${region.slice(0, 40)} (not in IVS_REGIONS)`);
    this.name = 'UnknownRegionError';
  }
}

export interface IvsClientFactory {
  /** The client for calls about `accountId`'s stages in `region` (undefined: the bot's own account). */
  clientFor(region: string, accountId?: string): IVSRealTimeClient;
  /** Whose quota such calls spend: a listed account's ID, or DEFAULT_ACCOUNT for the default chain. */
  quotaAccount(accountId: string | undefined): string;
  destroy(): void;
}

/**
 * One IVS client per (account, region), created on first use: a listed account's with its role's
 * credentials, every other account's with the default chain (one client per region for all of them).
 * The SDK still reads AWS_ENDPOINT_URL_IVS_REALTIME.
 */
export function createIvsClientFactory(options: IvsClientOptions): IvsClientFactory {
  const clients = new Map<string, IVSRealTimeClient>();
  const roles: AccountRoles = options.accountRoles ?? new Map();
  return {
    quotaAccount: (accountId) => quotaAccount(roles, accountId),
    clientFor(region, accountId) {
      const account = quotaAccount(roles, accountId);
      const role = roles.get(account);
      const key = `${account} ${region}`;
      let client = clients.get(key);
      if (!client) {
        if (options.regions && !options.regions.has(region)) throw new UnknownRegionError(region);
        client = new IVSRealTimeClient({
          region,
          maxAttempts: options.maxAttempts,
          retryMode: 'adaptive',
          // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting.
          requestHandler: {
            requestTimeout: options.requestTimeoutMs,
            connectionTimeout: 3_000,
            throwOnRequestTimeout: true,
          },
          ...options.overrides,
          ...(role ? { credentials: roleCredentials(role, options.roleSourceCredentials) } : {}),
        });
        clients.set(key, client);
      }
      return client;
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}
