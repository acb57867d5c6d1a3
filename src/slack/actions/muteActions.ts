import type { WatchService } from '../../alerts/WatchService.ts';
import { groupRefSchema, type MuteHours, muteRefSchema } from '../actionIds.ts';
import type { SlackMessenger } from '../SlackMessenger.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderNotice } from '../views/noticeView.ts';
import { BAD_BUTTON } from './pageActions.ts';

/** Renders an alert message whole (links to other bursts, account alias), as the outbox does. */
export type AlertRenderer = Pick<SlackMessenger, 'renderAlert'>;

/**
 * Mute 1h / Mute 24h: silences the alert's stage + code and re-renders the alert saying who and until
 * when. `hours` is the length the button's action_id stands for; its value must agree. (Old alerts'
 * shared `ivs_alert_mute` passes none and the value decides.)
 */
export async function runMuteAction(
  value: string,
  userId: string,
  watches: WatchService,
  now: Date,
  alerts: AlertRenderer,
  hours?: MuteHours,
): Promise<{ replace: SlackMessage } | { notice: SlackMessage }> {
  const ref = muteRefSchema.safeParse(value);
  if (!ref.success || (hours !== undefined && ref.data.hours !== hours))
    return { notice: renderNotice(BAD_BUTTON) };
  const outcome = await watches.mute(ref.data.groupId, ref.data.hours, userId);
  if (!outcome.ok) return { notice: renderNotice(outcome.problem) };
  return { replace: await alerts.renderAlert(outcome.group, outcome.mute, now) };
}

export async function runUnmuteAction(
  value: string,
  watches: WatchService,
  now: Date,
  alerts: AlertRenderer,
): Promise<{ replace: SlackMessage } | { notice: SlackMessage }> {
  const ref = groupRefSchema.safeParse(value);
  if (!ref.success) return { notice: renderNotice(BAD_BUTTON) };
  const outcome = await watches.unmute(ref.data.groupId);
  if (!outcome.ok) return { notice: renderNotice(outcome.problem) };
  return { replace: await alerts.renderAlert(outcome.group, undefined, now) };
}
