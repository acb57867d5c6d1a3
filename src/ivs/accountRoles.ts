// Stages in several AWS accounts: IVS_ACCOUNT_ROLES names, per account ID, the IAM role the bot
// assumes for that account's stages. Accounts not listed are called with the default credential chain.

import { ACCOUNT_ID } from './identifiers.ts';

/** One entry of IVS_ACCOUNT_ROLES. */
export interface AccountRole {
  /** The 12-digit account ID the role belongs to (the key of the map). */
  readonly accountId: string;
  readonly roleArn: string;
  /** sts:ExternalId, when the role's trust policy requires one. */
  readonly externalId?: string | undefined;
  /** A name people know the account by ("prod"), shown beside its ID. */
  readonly alias?: string | undefined;
}

export type AccountRoles = ReadonlyMap<string, AccountRole>;

/**
 * The quota account of the calls made with the default chain. IVS counts its quota per account and
 * region: every call made with the bot's own credentials spends its own account's quota, whatever
 * account a stage ARN names, so they share one bucket per (region, operation).
 */
export const DEFAULT_ACCOUNT = 'default';

// Starts with a letter, so an alias is never mistaken for an account ID.
export const ALIAS = /^[a-zA-Z][a-zA-Z0-9_.-]{0,31}$/;

/** Whose credentials (and quota) a call about `accountId` uses: a listed account's role, or the default chain. */
export function quotaAccount(roles: AccountRoles, accountId: string | undefined): string {
  return accountId !== undefined && roles.has(accountId) ? accountId : DEFAULT_ACCOUNT;
}

/** How people see an account: "prod (111122223333)" with an alias, else the ID. Plain text. */
export function accountLabel(roles: AccountRoles, accountId: string): string {
  const alias = roles.get(accountId)?.alias;
  return alias ? `${alias} (${accountId})` : accountId;
}

/** An account typed by a person: a listed ID or alias. */
function findAccount(roles: AccountRoles, input: string): AccountRole | undefined {
  const typed = input.trim();
  return roles.get(typed) ?? [...roles.values()].find((role) => role.alias === typed);
}

/**
 * A listed account's role could not be assumed: STS's answer, kept whole so the person sees which
 * role and why (AccessDenied: not trusted, a wrong ExternalId, a region where STS is disabled, …).
 */
export class RoleAssumptionError extends Error {
  readonly role: AccountRole;
  /** STS's error name (AccessDenied, RegionDisabledException, …), or the network error's. */
  readonly stsError: string;
  /** STS's HTTP status; undefined when STS did not answer at all. */
  readonly stsStatus: number | undefined;
  constructor(role: AccountRole, cause: unknown) {
    const shape = (typeof cause === 'object' && cause !== null ? cause : {}) as {
      name?: unknown;
      message?: unknown;
      $metadata?: { httpStatusCode?: unknown };
    };
    const name = typeof shape.name === 'string' ? shape.name : 'Error';
    const message = typeof shape.message === 'string' ? shape.message : String(cause);
    super(`${name}: ${message}`, { cause });
    this.name = 'RoleAssumptionError';
    this.role = role;
    this.stsError = name;
    this.stsStatus =
      typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  }
}

/**
 * An account typed by a person (`/ivs stages [region] [account]`): a listed ID or alias. Any other
 * account is refused before any call: the default chain would list the bot's own account instead.
 */
export function parseAccount(
  input: string,
  roles: AccountRoles,
): { ok: true; value: AccountRole } | { ok: false; problem: string } {
  const found = findAccount(roles, input);
  if (found) return { ok: true, value: found };
  const listed =
    roles.size === 0
      ? 'IVS_ACCOUNT_ROLES lists no account'
      : `IVS_ACCOUNT_ROLES lists ${[...roles.keys()].map((id) => accountLabel(roles, id)).join(', ')}`;
  const typed = input.trim().slice(0, 40);
  return ACCOUNT_ID.test(typed)
    ? {
        ok: false,
        problem: `The bot has no role for account ${typed}: ${listed}. Without [account], the bot's own account.`,
      }
    : { ok: false, problem: `“${typed}” is not an account ID or alias the bot knows: ${listed}.` };
}
