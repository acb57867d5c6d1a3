import type { PostFailure } from '../../domain/delivery.ts';

// What a Slack refusal means to people, written once for both forms it takes: the clause an alert
// list shows for held messages, and the sentence answering someone whose share or watch failed.

/**
 * Why messages are held, and what fixes it, as one plain-text clause ("the bot is not in the channel
 * — invite it with /invite @IVS bot"), for a Slack error code as the outbox stores it.
 */
export function undeliveredReason(error: string): string {
  return explainSlackError(error).reason;
}

/** Plain-text advice for the person who asked; no channel mention so it can be escaped safely. */
export function describePostFailure(failure: PostFailure): string {
  switch (failure.kind) {
    case 'rate_limited':
      return 'Slack is rate limiting the bot; try again in a moment.';
    case 'transient':
      return 'Slack is not answering right now; try again in a moment.';
    case 'permanent': {
      if (failure.error === 'missing_scope' && failure.needed) return missingScopeAdvice(failure.needed);
      const { reason, advice } = explainSlackError(failure.error);
      return advice ?? `${reason.charAt(0).toUpperCase()}${reason.slice(1)}.`;
    }
  }
}

/** What to add, where, and that Slack grants a new scope only on reinstall. */
function missingScopeAdvice(needed: string): string {
  const scopes = needed.split(',');
  const which =
    scopes.length === 1 ? `the Slack scope ${scopes[0]}` : `one of the Slack scopes ${scopes.join(', ')}`;
  return `The bot token lacks ${which}. Add it to the app's bot token scopes (OAuth & Permissions, or oauth_config.scopes.bot in manifest.yml), reinstall the app and restart the bot with the new SLACK_BOT_TOKEN.`;
}

const ARCHIVED = 'the channel is archived — unarchive it, or unwatch it';

/**
 * A Slack error code as a clause (`reason`), and, where the asker needs other words than the clause
 * as a sentence, the sentence (`advice`).
 */
function explainSlackError(error: string): { reason: string; advice?: string } {
  switch (error) {
    case 'not_in_channel':
      return {
        reason: 'the bot is not in the channel — invite it with /invite @IVS bot',
        advice:
          'The bot is not a member of that channel. Invite it there with /invite @IVS bot (needed for private channels).',
      };
    case 'channel_not_found':
      return {
        reason:
          'the bot cannot see the channel (deleted, or private without the bot) — invite it with /invite @IVS bot, or unwatch it',
        advice:
          'The bot cannot see that channel: it was deleted, or it is private and the bot was not invited.',
      };
    case 'is_archived':
      return { reason: ARCHIVED, advice: 'That channel is archived.' };
    case 'is_inactive':
      return { reason: ARCHIVED };
    case 'channel_not_allowed':
      return {
        reason: 'the channel is not on IVS_ALLOWED_CHANNELS — list it again, or have an admin unwatch it',
      };
    case 'restricted_action_read_only_channel':
      return { reason: 'the channel is read-only — let the bot post there' };
    case 'restricted_action_thread_only_channel':
      return { reason: 'the channel allows thread replies only — let the bot post there' };
    case 'restricted_action_non_threadable_channel':
      return { reason: 'the channel does not allow threads — allow them or watch from another channel' };
    case 'messages_tab_disabled':
    case 'channel_type_not_supported':
      return { reason: 'the bot cannot post in this kind of conversation — watch from a channel' };
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
      return {
        reason: `Slack refused the bot token (${error}) — reinstall the app, set the new SLACK_BOT_TOKEN and restart the bot`,
      };
    case 'missing_scope':
    case 'no_permission':
    case 'not_allowed_token_type':
    case 'team_access_not_granted':
      return {
        reason: `the bot token lacks a permission (${error}) — reinstall the app from its manifest and restart the bot`,
      };
    case 'restricted_action':
    case 'ekm_access_denied':
    case 'access_denied':
    case 'app_access_restricted':
    case 'enterprise_is_restricted':
      return { reason: `a workspace setting stops the bot from posting (${error}) — ask a Slack admin` };
    case 'invalid_blocks':
    case 'invalid_blocks_format':
    case 'msg_too_long':
    case 'msg_blocks_too_long':
    case 'no_text':
    case 'invalid_arguments':
      return { reason: `Slack refused the message itself (${error}) — a bug in the bot; please report it` };
    case 'message_not_found':
    case 'cant_update_message':
    case 'edit_window_closed':
      return { reason: `the alert message can no longer be updated (${error}), e.g. it was deleted` };
    default:
      return {
        reason: error.startsWith('http_')
          ? `Slack's API address answered HTTP ${error.slice(5)} — check SLACK_API_URL`
          : `Slack refused the message (${error})`,
      };
  }
}
