/** Who may do what: from IVS_ALLOWED_USERS, IVS_ALLOWED_CHANNELS and IVS_ADMIN_USERS (Slack IDs). */
export interface AccessPolicy {
  /** null = everyone */
  readonly allowedUsers: ReadonlySet<string> | null;
  /** null = every channel */
  readonly allowedChannels: ReadonlySet<string> | null;
  /** null = no admin list: changing commands follow the read rules, and Disconnect is not offered. */
  readonly adminUsers: ReadonlySet<string> | null;
}

/** Reading IVS (participant, lists, paging) or changing something (watch, mute, share, disconnect). */
export type AccessLevel = 'read' | 'change' | 'admin';

export type AccessDecision = { ok: true } | { ok: false; reason: string };

export const OPEN_POLICY: AccessPolicy = { allowedUsers: null, allowedChannels: null, adminUsers: null };

export function isAdmin(policy: AccessPolicy, userId: string): boolean {
  return policy.adminUsers?.has(userId) ?? false;
}

/**
 * Read: allowed users (admins always). Change: an admin when admins are set, otherwise as read.
 * Admin (Disconnect, the one action that changes IVS): only listed admins. Whatever the level, the
 * channel must be on IVS_ALLOWED_CHANNELS, for admins too: admins may do more, not in more places,
 * so participant data never shows up in a channel outside the list.
 */
export function decideAccess(
  policy: AccessPolicy,
  who: { userId: string; channelId: string | undefined },
  level: AccessLevel,
): AccessDecision {
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

function channelAllowed(policy: AccessPolicy, channelId: string | undefined): boolean {
  return (
    policy.allowedChannels === null || (channelId !== undefined && policy.allowedChannels.has(channelId))
  );
}
