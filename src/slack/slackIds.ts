// Slack's identifier rules in one place. IDs are a type letter then upper-case letters and digits
// (U/W users; C public channels, G private ones, D direct messages); Slack documents no fixed length,
// so the bounds are generous.

/** A user ID (U…, or W… on Enterprise Grid). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;
/** A conversation ID: public or private channel, or a direct message. */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,30}$/;
/** A channel a watch can post to: public or private, not a direct message. */
export const WATCHABLE_CHANNEL_ID = /^[CG][A-Z0-9]{2,30}$/;
/**
 * A bare channel ID typed in command text (rather than picked as <#C…>): at least 9 characters, so a
 * short upper-case word is not taken for one.
 */
export const TYPED_CHANNEL_ID = /^[CG][A-Z0-9]{8,30}$/;
/** Any ID in a request payload (team, enterprise, user, channel). */
export const SLACK_ID = /^[A-Z0-9]{2,32}$/;
/** A user group ID (S…), as Slack sends a picked @group: <!subteam^S…|@handle>. */
export const SLACK_USERGROUP_ID = /^S[A-Z0-9]{2,30}$/;
