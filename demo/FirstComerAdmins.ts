// The demo's admin list when IVS_ADMIN_USERS is not set: the person trying the demo is the first one
// the bot hears from, so they become its one admin and can try Disconnect (and every change) without
// looking up their member ID and restarting. Only the demo uses this; the bot itself never guesses.

/**
 * IVS_ADMIN_USERS that starts empty and takes the first user the bot checks (on any command, button
 * or Home tab), if IVS_ALLOWED_USERS lets them in; from then on it is a list of one, like the setting.
 */
export class FirstComerAdmins extends Set<string> {
  readonly #allowedUsers: ReadonlySet<string> | null;
  readonly #onClaimed: (userId: string) => void;

  constructor(allowedUsers: ReadonlySet<string> | null, onClaimed: (userId: string) => void) {
    super();
    this.#allowedUsers = allowedUsers;
    this.#onClaimed = onClaimed;
  }

  override has(userId: string): boolean {
    if (this.size === 0 && (this.#allowedUsers === null || this.#allowedUsers.has(userId))) {
      this.add(userId);
      this.#onClaimed(userId);
    }
    return super.has(userId);
  }
}
