import { RoleAssumptionError } from './accountRoles.ts';

/** The few ways an IVS call can fail, as values: callers switch on `kind`, never on SDK messages. */
export type IvsFailureKind = 'not_found' | 'access_denied' | 'throttled' | 'invalid_input' | 'unavailable';

export interface IvsFailure {
  readonly kind: IvsFailureKind;
  /** The IVS operation, e.g. GetParticipant; with the resource it names the IAM action the bot lacks. */
  readonly operation: string;
  /** What the call was about, as the user would name it (stage ARN, session, participant). */
  readonly resource: string;
  /** IVS's own words (`exceptionMessage`), kept for logs and for the not-found sentence. */
  readonly detail: string;
  /**
   * Set when the call never reached IVS because the account's role (IVS_ACCOUNT_ROLES) could not
   * be assumed; `detail` is then STS's error.
   */
  readonly role?: { readonly roleArn: string; readonly accountId: string } | undefined;
  /**
   * The account the call was about when the bot's own credentials were used for it (no role in
   * IVS_ACCOUNT_ROLES): a denial may mean the stage is in another account.
   */
  readonly ownCredentialsFor?: string | undefined;
}

export type IvsResult<T> = { ok: true; value: T } | { ok: false; failure: IvsFailure };

const KIND_BY_ERROR_NAME: Record<string, IvsFailureKind> = {
  ResourceNotFoundException: 'not_found',
  AccessDeniedException: 'access_denied',
  PendingVerification: 'access_denied',
  UnrecognizedClientException: 'access_denied',
  InvalidSignatureException: 'access_denied',
  ExpiredTokenException: 'access_denied',
  CredentialsProviderError: 'access_denied',
  ThrottlingException: 'throttled',
  TooManyRequestsException: 'throttled',
  ValidationException: 'invalid_input',
  ConflictException: 'invalid_input',
  ServiceQuotaExceededException: 'invalid_input',
};

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  exceptionMessage?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Maps anything the SDK threw to a failure by the error's name (IVS puts its text in exceptionMessage). */
export function toIvsFailure(error: unknown, operation: string, resource: string): IvsFailure {
  if (error instanceof RoleAssumptionError) return roleFailure(error, operation, resource);
  const shape: ErrorShape = typeof error === 'object' && error !== null ? (error as ErrorShape) : {};
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const exceptionMessage = typeof shape.exceptionMessage === 'string' ? shape.exceptionMessage : undefined;
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const status =
    typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  let kind = KIND_BY_ERROR_NAME[name];
  if (kind === undefined)
    kind = status === 429 ? 'throttled' : status === 403 ? 'access_denied' : 'unavailable';
  return {
    kind,
    operation,
    resource,
    detail: exceptionMessage ?? (name === 'Error' ? message : `${name}: ${message}`),
  };
}

/**
 * STS refused (4xx: not trusted, wrong ExternalId, STS disabled in the region) → access denied, a
 * lasting cause; STS throttling → throttled; no answer or a 5xx → unavailable, retried later.
 */
function roleFailure(error: RoleAssumptionError, operation: string, resource: string): IvsFailure {
  const status = error.stsStatus;
  const kind: IvsFailureKind = /Throttl/.test(error.stsError)
    ? 'throttled'
    : status !== undefined && status >= 400 && status < 500
      ? 'access_denied'
      : 'unavailable';
  return {
    kind,
    operation,
    resource,
    detail: error.message,
    role: { roleArn: error.role.roleArn, accountId: error.role.accountId },
  };
}

/** The one sentence a Slack user sees for a failure (plain text; the caller escapes it). */
export function describeIvsFailure(failure: IvsFailure): string {
  if (failure.role) {
    return `The bot could not assume ${failure.role.roleArn} (IVS_ACCOUNT_ROLES, account ${failure.role.accountId}): STS answered ${clip(failure.detail, 300)}`;
  }
  switch (failure.kind) {
    case 'not_found':
      return `Not found: ${failure.resource}. IVS said: ${failure.detail}`;
    case 'access_denied': {
      const sentence = `The bot's AWS credentials may not call ivs:${failure.operation} on ${failure.resource}. Allow that IAM action for the bot's role (see the README's IAM policy).`;
      return failure.ownCredentialsFor === undefined
        ? sentence
        : `${sentence} If account ${failure.ownCredentialsFor} is not the bot's own, give the bot a role there in IVS_ACCOUNT_ROLES.`;
    }
    case 'throttled':
      return 'IVS is not answering, try again in a few seconds: it is throttling requests (the Stage API allows about 5 per second per operation, shared with your own backend).';
    case 'invalid_input':
      return `IVS refused the request for ${failure.resource}: ${failure.detail}`;
    case 'unavailable':
      return 'IVS is not answering, try again in a minute.';
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
