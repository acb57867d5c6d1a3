import type { FailureScope } from './model.ts';

/**
 * Why Slack did not take a message, as the outbox acts on it:
 * - `rate_limited`: HTTP 429; wait `retryAfterSec` before sending anything more to that channel.
 * - `transient`: 5xx, network errors, time-outs and the errors Slack documents as temporary; retried
 *   with back-off.
 * - `permanent`: Slack refused it and would refuse it again; never retried as it is. `scope` says what
 *   must change first: the `channel` (invite the bot, unarchive), the `workspace` (token, scopes,
 *   admin settings: every channel is affected) or the `message` itself (its content or its target).
 * `error` is Slack's error code, or `http_<status>`, `timeout`, `network` when Slack gave none.
 * `needed`, with `missing_scope`: the scope the bot token lacks, as Slack named it (comma-separated
 * when any of several would do).
 */
export type PostFailure =
  | { kind: 'rate_limited'; error: string; retryAfterSec: number }
  | { kind: 'transient'; error: string }
  | { kind: 'permanent'; error: string; scope: FailureScope; needed?: string };

/** What became of one message: its timestamp in the channel, or why it did not go. */
export type PostResult = { ok: true; ts: string; channel: string } | { ok: false; failure: PostFailure };
