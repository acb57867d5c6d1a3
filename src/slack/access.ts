/** Who may do what: from IVS_ALLOWED_USERS, IVS_ALLOWED_CHANNELS and IVS_ADMIN_USERS (Slack IDs). */
export interface AccessPolicy {
  /** null = everyone */
  readonly allowedUsers: ReadonlySet<string> | null;
  /** null = every channel */
  readonly allowedChannels: ReadonlySet<string> | null;
  /** null = no admin list: changing commands follow the read rules, and Disconnect is not offered. */
  readonly adminUsers: ReadonlySet<string> | null;
}

/**
 * What a subcommand or button requires: nothing (help, for anyone anywhere), reading IVS
 * (participant, lists, paging), changing something (watch, mute, share) or being an admin (disconnect).
 */
export type AccessLevel = 'open' | 'read' | 'change' | 'admin';

export type AccessDecision = { ok: true } | { ok: false; reason: string };

/** Who typed the command or clicked the button, and where (no channel: App Home, some surfaces). */
export interface Requester {
  userId: string;
  channelId: string | undefined;
}

export function isAdmin(policy: AccessPolicy, userId: string): boolean {
  return policy.adminUsers?.has(userId) ?? false;
}

/**
 * Open: anyone, anywhere. Read: allowed users (admins always). Change: an admin when admins are set, otherwise as read.
 * Admin (Disconnect, the one action that changes IVS): only listed admins. Whatever the level, the
 * channel must be on IVS_ALLOWED_CHANNELS, for admins too: admins may do more, not in more places,
 * so participant data never shows up in a channel outside the list.
 */
export function decideAccess(policy: AccessPolicy, who: Requester, level: AccessLevel): AccessDecision {
  if (level === 'open') return { ok: true };
  const admin = isAdmin(policy, who.userId);
  if (level === 'admin' || (level === 'change' && policy.adminUsers !== null)) {
    if (!admin) return { ok: false, reason: 'Only the bot’s admins (IVS_ADMIN_USERS) may do that.' };
  } else if (!admin && policy.allowedUsers !== null && !policy.allowedUsers.has(who.userId)) {
    return { ok: false, reason: 'You are not on this bot’s list of allowed users (IVS_ALLOWED_USERS).' };
  }
  return channelAllowed(policy, who.channelId)
    ? { ok: true }
    : { ok: false, reason: 'This bot does not answer in this channel (IVS_ALLOWED_CHANNELS).' };
}

/**
 * The channel a watch posts to (or an unwatch removes from) passes the same list as the channel the
 * command was typed in: otherwise `/ivs watch <stage> #elsewhere` would send alerts outside it.
 */
export function decideTargetChannel(policy: AccessPolicy, channelId: string): AccessDecision {
  return channelAllowed(policy, channelId)
    ? { ok: true }
    : {
        ok: false,
        reason:
          'That channel is not on this bot’s list of channels (IVS_ALLOWED_CHANNELS): watches can only post in listed channels.',
      };
}

/** The channel is on IVS_ALLOWED_CHANNELS, or there is no such list. */
export function channelAllowed(policy: AccessPolicy, channelId: string | undefined): boolean {
  return (
    policy.allowedChannels === null || (channelId !== undefined && policy.allowedChannels.has(channelId))
  );
}

/** What a request asks for: who, where, at which level. */
export interface AccessRequest {
  who: Requester;
  level: AccessLevel;
}

/**
 * Bolt listener middleware (`app.command('/ivs', …, authorize(…), handler)`): the listeners after it
 * run only when the request is allowed under `policy`; otherwise `refuse` answers with the reason. A
 * request it cannot tell (undefined: the middleware that reads the payload did not run) is refused.
 */
export function authorize<Args extends { next: () => Promise<void> }>(
  policy: AccessPolicy,
  request: (args: Args) => AccessRequest | undefined,
  refuse: (args: Args, reason: string) => Promise<void>,
): (args: Args) => Promise<void> {
  return async (args) => {
    const asked = request(args);
    const decision = asked
      ? decideAccess(policy, asked.who, asked.level)
      : { ok: false as const, reason: 'The bot could not tell who sent this, so it did nothing.' };
    if (decision.ok) await args.next();
    else await refuse(args, decision.reason);
  };
}
