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
 * Read: allowed users in allowed channels (admins always). Change: an admin when admins are set,
 * otherwise as read. Admin (Disconnect, the one action that changes IVS): only listed admins.
 */
export function decideAccess(
  policy: AccessPolicy,
  who: { userId: string; channelId: string | undefined },
  level: AccessLevel,
): AccessDecision {
  const admin = isAdmin(policy, who.userId);
  if (level === 'admin' || (level === 'change' && policy.adminUsers !== null)) {
    return admin
      ? { ok: true }
      : { ok: false, reason: 'Only the bot’s admins (IVS_ADMIN_USERS) may do that.' };
  }
  if (admin) return { ok: true };
  if (policy.allowedUsers !== null && !policy.allowedUsers.has(who.userId)) {
    return { ok: false, reason: 'You are not on this bot’s list of allowed users (IVS_ALLOWED_USERS).' };
  }
  if (
    policy.allowedChannels !== null &&
    (who.channelId === undefined || !policy.allowedChannels.has(who.channelId))
  ) {
    return { ok: false, reason: 'This bot does not answer in this channel (IVS_ALLOWED_CHANNELS).' };
  }
  return { ok: true };
}
